//! A PostgreSQL outage under load: the database goes away for 10 seconds while customers
//! write; the bot keeps running, loses nothing, duplicates nothing, and catches up by itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Row;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::fake_telegram::{FakeTelegram, private_text};
use crate::telegram::{STAFF, sends_to, start};

/// A TCP forwarder to PostgreSQL that can cut every connection and refuse new ones.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (d, c) = (down.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if d.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                c.lock().unwrap().push(task.abort_handle());
            }
        });
        Proxy { port, down, conns }
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            for c in self.conns.lock().unwrap().drain(..) {
                c.abort();
            }
        }
    }
}

#[tokio::test]
async fn a_postgres_outage_under_load_loses_nothing_and_the_bot_catches_up() {
    let Some(pg) = crate::db::fresh_postgres().await else {
        return;
    };
    let mut url = url::Url::parse(&pg.url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = Proxy::start(upstream).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let store = Arc::new(supportbot::storage::connect(url.as_str(), 4).await.unwrap());
    // Observed directly, not through the proxy.
    let observer = Arc::new(supportbot::storage::connect(&pg.url, 2).await.unwrap());
    let stored = || {
        let observer = observer.clone();
        async move {
            sqlx::query("SELECT COUNT(*) FROM inbound WHERE handled_at IS NOT NULL")
                .fetch_one(observer.pool())
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    let fake = FakeTelegram::start().await;
    let bot = start(&fake, store.clone(), None, true);
    let customers = 10_i64;
    let mut sent = 0_i64;
    let mut say = |round: i64| {
        for c in 0..customers {
            sent += 1;
            fake.push(private_text(
                2000 + c,
                "C",
                100 + sent,
                &format!("note {round}-{c}"),
            ));
        }
    };
    say(0);
    say(1);
    while stored().await < 10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    proxy.set_down(true);
    say(2);
    say(3);
    tokio::time::sleep(Duration::from_secs(10)).await;
    proxy.set_down(false);
    let relayed = |fake: &FakeTelegram| {
        sends_to(fake, STAFF)
            .iter()
            .filter(|b| b["text"].as_str().unwrap_or_default().contains("note "))
            .count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while stored().await < 40 || relayed(&fake) < 40 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the outage only {} handled and {} relayed of 40",
            stored().await,
            relayed(&fake)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.stop().await;
    let mut texts: Vec<String> = sends_to(&fake, STAFF)
        .iter()
        .filter_map(|b| b["text"].as_str().map(str::to_string))
        .filter(|t| t.contains("note "))
        .collect();
    assert_eq!(texts.len(), 40);
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 40, "nothing relayed twice");
    for c in 0..customers {
        let confirmations = sends_to(&fake, 2000 + c)
            .iter()
            .filter(|b| {
                b["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("opened ticket")
            })
            .count();
        assert_eq!(confirmations, 1, "customer {c}");
        // Nobody was told about an internal error.
        assert!(
            sends_to(&fake, 2000 + c).iter().all(|b| !b["text"]
                .as_str()
                .unwrap_or_default()
                .contains("went wrong")),
            "{:?}",
            sends_to(&fake, 2000 + c)
        );
    }
    assert_eq!(fake.ok_calls("createForumTopic").len(), customers as usize);
    let waiting: i64 = sqlx::query("SELECT COUNT(*) FROM outbox")
        .fetch_one(observer.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        waiting, 0,
        "every decided action was delivered and forgotten"
    );
}
