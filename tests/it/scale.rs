//! Several instances on one database: the lease contract on both backends, and two instances
//! of the real app (`supportbot::app::serve`) on one fresh PostgreSQL database against the
//! fake platforms: one Telegram poller and one Discord gateway at a time, and after the
//! leader is killed the other takes over with every customer message stored and relayed once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use supportbot::config::Config;
use supportbot::domain::ids::{Platform, UserRef};
use supportbot::domain::ports::{LeaseStore, TicketStore};
use supportbot::domain::ticket::AuthorRole;
use supportbot::leader::{DISCORD_GATEWAY, TELEGRAM_POLLER};
use supportbot::storage::{self, SqlStore};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::chaos::{self, TG_STAFF, token, tokens};
use crate::db::{fresh_postgres, sqlite_url};
use crate::fake_discord::{self, FakeDiscord};
use crate::fake_telegram::{FakeTelegram, private_text};

/// The lease the two-instance runs use: by default short, so a takeover fits a test (the
/// minimum the config allows); `SUPPORTBOT_SCALE_LEASE_SECS` measures another, such as the
/// default 10.
fn lease_secs() -> u64 {
    std::env::var("SUPPORTBOT_SCALE_LEASE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(supportbot::leader::MIN_LEASE_SECS)
}
/// Customers writing in the two-instance runs.
const USERS: u64 = 4;

// ---------------------------------------------------------------- the lease contract

async fn lease_contract(a: Arc<SqlStore>, b: Arc<SqlStore>) {
    let lease = Duration::from_millis(1500);
    assert!(a.try_lease("r", "A", lease).await.unwrap(), "a free role");
    assert!(!b.try_lease("r", "B", lease).await.unwrap(), "held by A");
    assert!(a.try_lease("r", "A", lease).await.unwrap(), "A renews");
    assert_eq!(a.lease_holder("r").await.unwrap().as_deref(), Some("A"));
    // Only the holder can give it up.
    b.give_up_lease("r", "B").await.unwrap();
    assert_eq!(b.lease_holder("r").await.unwrap().as_deref(), Some("A"));
    a.give_up_lease("r", "A").await.unwrap();
    assert_eq!(b.lease_holder("r").await.unwrap(), None);
    let took = Instant::now();
    assert!(
        b.try_lease("r", "B", lease).await.unwrap(),
        "free after give-up"
    );
    assert!(!a.try_lease("r", "A", lease).await.unwrap(), "now B's");
    // Not renewed, B's lease ends and A may take the role, not before.
    while !a.try_lease("r", "A", lease).await.unwrap() {
        assert!(took.elapsed() < lease * 3, "B's lease never ended");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = took.elapsed();
    assert!(
        after >= lease - Duration::from_millis(100),
        "taken after {after:?}, before B's lease of {lease:?} ended"
    );
    assert_eq!(b.lease_holder("r").await.unwrap().as_deref(), Some("A"));
    // Another role is independent.
    assert!(b.try_lease("other", "B", lease).await.unwrap());
    // A race on a free role: of many tries at once, on both stores, exactly one wins.
    let tries = (0..8).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move {
            store
                .try_lease("race", &format!("H{i}"), lease)
                .await
                .unwrap()
        }
    });
    let won = futures::future::join_all(tries).await;
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
}

#[tokio::test]
async fn the_lease_contract_holds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let a = Arc::new(storage::connect(&url, 2).await.unwrap());
    let b = Arc::new(storage::connect(&url, 2).await.unwrap());
    lease_contract(a, b).await;
}

#[tokio::test]
async fn the_lease_contract_holds_on_postgres() {
    let Some(db) = fresh_postgres().await else {
        return;
    };
    let a = Arc::new(storage::connect(&db.url, 4).await.unwrap());
    let b = Arc::new(storage::connect(&db.url, 4).await.unwrap());
    lease_contract(a, b).await;
}

// ---------------------------------------------------------------- two instances

/// One instance of the app on its own runtime (its own worker threads), so that it can be
/// killed on its own: `shutdown_background` drops its tasks and sockets mid-flight.
struct Instance {
    rt: Option<tokio::runtime::Runtime>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Instance {
    fn start(cfg: Config) -> Instance {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("instance")
            .enable_all()
            .build()
            .unwrap();
        let (stop, rx) = watch::channel(false);
        let task = rt.spawn(supportbot::app::serve(cfg, false, rx));
        Instance {
            rt: Some(rt),
            stop,
            task: Some(task),
        }
    }

    /// Kills it: nothing is handed over, whatever was in flight is cut off.
    fn kill(mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    /// Stops it cleanly (as on SIGTERM) and waits for the end.
    async fn stop(mut self) {
        self.stop.send(true).unwrap();
        let task = self.task.take().unwrap();
        tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .expect("the instance stops")
            .unwrap()
            .unwrap();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// An instance's config: the shared database, its own kb and data folders, no sentence
/// model, no admin listener, election by default (`auto`: on for PostgreSQL).
fn config(db_url: &str, dir: &Path, home: &str, section: &str) -> Config {
    let toml = config_toml(db_url, dir, home, section);
    Config::from_layers(Some((Path::new("scale.toml"), &toml)), &[]).unwrap()
}

/// The text of [`config`], for the binary to read from a file.
fn config_toml(db_url: &str, dir: &Path, home: &str, section: &str) -> String {
    std::fs::create_dir_all(dir.join("kb")).unwrap();
    format!(
        "[storage]\nurl = \"{db_url}\"\nmax_connections = 4\n\
         [admin]\nenabled = false\n\
         [search]\nkb_dir = \"{kb}\"\ndata_dir = \"{data}\"\nwatch = false\n\
         [search.semantic]\nmodel_dir = \"{model}\"\n\
         [limits]\nper_user_per_minute = 100000\n\
         [cluster]\nlease_secs = {lease}\n\
         [staff]\nhome = \"{home}\"\n{section}",
        kb = dir.join("kb").display(),
        data = dir.join("data").display(),
        model = dir.join("no-model").display(),
        lease = lease_secs(),
    )
}

/// One of the two instances: the app on a runtime of its own, or the real binary in a
/// process of its own (killed with SIGKILL).
enum Member {
    App(Instance),
    Binary(chaos::Bot),
}

impl Member {
    async fn kill(self) {
        match self {
            Member::App(i) => i.kill(),
            Member::Binary(b) => b.kill().await,
        }
    }

    async fn stop(self) {
        match self {
            Member::App(i) => i.stop().await,
            Member::Binary(b) => b.terminate().await,
        }
    }
}

/// Waits (up to `within`) until `role` has a holder other than `not`, and returns it.
async fn new_holder(store: &SqlStore, role: &str, not: Option<&str>, within: Duration) -> String {
    let start = Instant::now();
    loop {
        if let Some(h) = store.lease_holder(role).await.unwrap()
            && Some(h.as_str()) != not
        {
            return h;
        }
        assert!(start.elapsed() < within, "no new holder of {role}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// For `span`, checks every 50 ms that `holder` keeps `role` and `ok` holds.
async fn stays(store: &SqlStore, role: &str, holder: &str, span: Duration, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while start.elapsed() < span {
        assert_eq!(
            store.lease_holder(role).await.unwrap().as_deref(),
            Some(holder)
        );
        assert!(ok(), "the platform saw a second consumer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Messages in each customer's transcript: (lost, stored more than once).
async fn count_stored(store: &SqlStore, platform: Platform, sent: &[(u64, u64)]) -> (u64, u64) {
    let mut bodies: HashMap<u64, Vec<String>> = HashMap::new();
    for user in 0..USERS {
        let who = UserRef::new(platform, chaos::user_id(platform, user), "C");
        let t = store
            .active_ticket_for(&who)
            .await
            .unwrap()
            .expect("a ticket");
        let entries = store.transcript(t.id).await.unwrap();
        bodies.insert(
            user,
            entries
                .into_iter()
                .filter(|e| e.role == AuthorRole::Customer)
                .map(|e| e.body)
                .collect(),
        );
    }
    let (mut lost, mut doubled) = (0, 0);
    for (user, k) in sent {
        let n = bodies[user]
            .iter()
            .filter(|b| b.contains(&token(*user, *k)))
            .count() as u64;
        lost += u64::from(n == 0);
        doubled += n.saturating_sub(1);
    }
    (lost, doubled)
}

/// Relays per message in what reached the staff: (missing, doubled, repeats of a send the
/// kill cut off; see `chaos::copies`).
fn count_relayed(
    staff: &[(String, Instant)],
    sent: &[(u64, u64)],
    killed: Instant,
) -> (u64, u64, u64) {
    let mut seen: HashMap<String, Vec<Instant>> = HashMap::new();
    for (text, at) in staff {
        for t in tokens(text) {
            seen.entry(t).or_default().push(*at);
        }
    }
    let (mut missing, mut doubled, mut cut_off) = (0, 0, 0);
    for (user, k) in sent {
        let (m, d, c) = chaos::copies(
            seen.remove(&token(*user, *k)).unwrap_or_default(),
            &[killed],
        );
        missing += m;
        doubled += d;
        cut_off += c;
    }
    (missing, doubled, cut_off)
}

/// Waits (up to 60 s: a row the killed leader had decided but not sent waits out its 30 s
/// outbox lease) until `relayed` reaches `total`, then a moment more for a late double.
async fn all_relayed(total: usize, relayed: impl Fn() -> usize) {
    let start = Instant::now();
    while relayed() < total {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {} of {total} messages relayed",
            relayed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_poll_telegram_one_at_a_time_and_the_other_takes_over_a_killed_leader() {
    telegram_takeover(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_binaries_poll_telegram_one_at_a_time_and_the_other_takes_over_after_kill_9() {
    telegram_takeover(true).await;
}

/// Two instances (the app on runtimes of their own, or two processes of the real binary when
/// `binary`) on one fresh PostgreSQL database and the fake Telegram: the first polls alone,
/// is killed while customers write, and the second takes over, losing and doubling nothing.
async fn telegram_takeover(binary: bool) {
    let Some(db) = fresh_postgres().await else {
        return;
    };
    let fake = FakeTelegram::start().await;
    // Migrated before either instance starts; the test reads leases and transcripts with it.
    let observer = storage::connect(&db.url, 2).await.unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let cfg = |i: usize| {
        let section = chaos::telegram_section(&fake, false);
        let mut c = config(&db.url, dirs[i].path(), "telegram", &section);
        c.secrets.telegram_token = Some("123:SCALE".into());
        c
    };
    let start = |i: usize| {
        if binary {
            let dir = dirs[i].path();
            let section = chaos::telegram_section(&fake, false);
            std::fs::write(
                dir.join("bot.toml"),
                config_toml(&db.url, dir, "telegram", &section),
            )
            .unwrap();
            let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_supportbot"));
            let env = [("TELEGRAM_TOKEN", "123:SCALE".to_string())];
            Member::Binary(chaos::Bot::spawn(&bin, dir, &env))
        } else {
            Member::App(Instance::start(cfg(i)))
        }
    };
    let a = start(0);
    let leader = new_holder(&observer, TELEGRAM_POLLER, None, Duration::from_secs(20)).await;
    let b = start(1);

    let mut sent = Vec::new();
    let write = |fake: &FakeTelegram, user: u64, k: u64| {
        let text = if k == 0 {
            format!("/ticket {} sync fails", token(user, k))
        } else {
            format!("detail {}", token(user, k))
        };
        fake.push(private_text(
            10_000 + user as i64,
            "C",
            100 + k as i64,
            &text,
        ));
    };
    for user in 0..USERS {
        write(&fake, user, 0);
        sent.push((user, 0));
    }
    fake.wait_until("every ticket's intro", |f| {
        chaos::tg_relayed(f) >= USERS as usize
    })
    .await;
    // B stands by for several renewals: A keeps the role and no poll is ever refused.
    let lease = Duration::from_secs(lease_secs());
    stays(&observer, TELEGRAM_POLLER, &leader, lease * 2, || {
        fake.poll_conflicts() == 0
    })
    .await;

    // Customers keep writing, one message every 100 ms, across the kill and the takeover.
    let (done_tx, mut done_rx) = watch::channel(false);
    let writer = {
        let fake = fake.clone();
        tokio::spawn(async move {
            let mut sent = Vec::new();
            for k in 1.. {
                for user in 0..USERS {
                    write(&fake, user, k);
                    sent.push((user, k));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                if *done_rx.borrow_and_update() {
                    break;
                }
            }
            sent
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let killed = Instant::now();
    a.kill().await;
    let successor = new_holder(&observer, TELEGRAM_POLLER, Some(&leader), lease * 3).await;
    let elected = killed.elapsed();
    let start = Instant::now();
    let first_poll = loop {
        // A poll that starts after the kill (plus a moment for A's threads to stop) is B's.
        let polls = fake.poll_starts();
        if let Some(p) = polls
            .iter()
            .find(|p| **p > killed + Duration::from_millis(100))
        {
            break *p - killed;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "B never polled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    done_tx.send(true).unwrap();
    sent.extend(writer.await.unwrap());

    let total = sent.len();
    all_relayed(total, || chaos::tg_relayed(&fake)).await;
    let staff: Vec<(String, Instant)> = fake
        .calls()
        .into_iter()
        .filter(|c| c.ok && c.method == "sendmessage" && c.body["chat_id"] == TG_STAFF)
        .map(|c| {
            (
                c.body["text"].as_str().unwrap_or_default().to_string(),
                c.at,
            )
        })
        .collect();
    let (lost, stored_twice) = count_stored(&observer, Platform::Telegram, &sent).await;
    let (missing, doubled, cut_off) = count_relayed(&staff, &sent, killed);
    eprintln!(
        "telegram takeover ({}): lease {} s, new holder elected {elected:?} and polling {first_poll:?} after the kill; \
         {total} messages: {lost} lost, {stored_twice} stored twice, {missing} not relayed, {doubled} relayed twice, \
         {cut_off} repeats of a send the kill cut off; {} polls refused (409)",
        if binary {
            "two processes, kill -9"
        } else {
            "two runtimes"
        },
        lease_secs(),
        fake.poll_conflicts()
    );
    assert_ne!(successor, leader);
    assert!(
        first_poll < lease + lease / 3 + Duration::from_secs(3),
        "took {first_poll:?}"
    );
    assert_eq!((lost, stored_twice, missing, doubled), (0, 0, 0, 0));
    assert_eq!(fake.poll_conflicts(), 0, "two pollers at once");
    assert_eq!(
        fake.ok_calls("createForumTopic").len(),
        USERS as usize,
        "one topic per ticket"
    );

    // The fake does refuse a second consumer, so the count above could have caught one:
    // a poll of our own beside B's long poll is answered 409.
    let http = reqwest::Client::new();
    let mut refused = false;
    // Up to 5 s: on a loaded machine B may spend a while between its long polls.
    for _ in 0..160 {
        let answer = http
            .post(format!("{}/bot123:SCALE/getUpdates", fake.url))
            .json(&serde_json::json!({"timeout": 0}))
            .send()
            .await
            .unwrap();
        if answer.status() == reqwest::StatusCode::CONFLICT {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(
        refused && fake.poll_conflicts() >= 1,
        "a second poller was let through"
    );

    // A clean stop gives the role up at once rather than leaving it to expire.
    b.stop().await;
    assert_eq!(observer.lease_holder(TELEGRAM_POLLER).await.unwrap(), None);
}

/// Staff posts (not DMs to customers) that Discord accepted, with when they arrived.
fn discord_staff_posts(fake: &FakeDiscord) -> Vec<(String, Instant)> {
    fake.calls()
        .iter()
        .filter(|c| {
            c.method == "POST" && c.status == 200 && !c.repeat && c.path.ends_with("/messages")
        })
        .filter(|c| {
            let ch = c.path.trim_start_matches("/channels/").split('/').next();
            ch.and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| !(500_000..600_000).contains(&n))
        })
        .map(|c| {
            (
                c.body["content"].as_str().unwrap_or_default().to_string(),
                c.at,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_hold_one_discord_gateway_and_the_other_takes_over_a_killed_leader() {
    let Some(db) = fresh_postgres().await else {
        return;
    };
    let fake = Arc::new(FakeDiscord::start().await);
    let observer = storage::connect(&db.url, 2).await.unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let cfg = |i: usize| {
        let section = chaos::discord_section(&fake);
        let mut c = config(&db.url, dirs[i].path(), "discord", &section);
        c.secrets.discord_token = Some("SCALE.TOKEN".into());
        c
    };
    let a = Instance::start(cfg(0));
    let leader = new_holder(&observer, DISCORD_GATEWAY, None, Duration::from_secs(20)).await;
    fake.wait_connected().await;
    let b = Instance::start(cfg(1));

    let mut seq = 0;
    let mut message = |user: u64, k: u64| {
        seq += 1;
        let author = fake_discord::user(&chaos::user_id(Platform::Discord, user), "C", false);
        let text = if k == 0 {
            format!("{} sync fails", token(user, k))
        } else {
            format!("detail {}", token(user, k))
        };
        let channel = (500_000 + user).to_string();
        fake_discord::dm(&chaos::snowflake_now(seq), &channel, &author, &text)
    };
    let mut sent = Vec::new();
    for user in 0..USERS {
        fake.dispatch("MESSAGE_CREATE", message(user, 0));
        sent.push((user, 0));
    }
    let relayed = |fake: &FakeDiscord| {
        discord_staff_posts(fake)
            .iter()
            .map(|(t, _)| tokens(t).len())
            .sum::<usize>()
    };
    let start = Instant::now();
    while relayed(&fake) < USERS as usize {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no ticket intros"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lease = Duration::from_secs(lease_secs());
    stays(&observer, DISCORD_GATEWAY, &leader, lease * 2, || {
        fake.gateway_connections().0 == 1
    })
    .await;

    // Later messages go to tickets that exist, so what no session saw live is fetched by the
    // new session's catch-up from the channel history.
    let writing = Instant::now();
    let mut k = 1;
    let mut alive = Some(a);
    let mut killed = None;
    let mut successor = None;
    let mut elected = None;
    while writing.elapsed() < lease * 4 {
        for user in 0..USERS {
            fake.dispatch("MESSAGE_CREATE", message(user, k));
            sent.push((user, k));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        k += 1;
        if k == 3
            && let Some(a) = alive.take()
        {
            killed = Some(Instant::now());
            a.kill();
        }
        if let Some(at) = killed
            && successor.is_none()
            && let Some(h) = observer.lease_holder(DISCORD_GATEWAY).await.unwrap()
            && h != leader
        {
            elected = Some(at.elapsed());
            successor = Some(h);
        }
    }
    let killed_at = killed.expect("killed");
    let total = sent.len();
    all_relayed(total, || relayed(&fake)).await;
    let (open, most_open, opened) = fake.gateway_connections();
    let reconnected = opened
        .iter()
        .find(|t| **t > killed_at)
        .map(|t| *t - killed_at);
    let (lost, stored_twice) = count_stored(&observer, Platform::Discord, &sent).await;
    let (missing, doubled, cut_off) = count_relayed(&discord_staff_posts(&fake), &sent, killed_at);
    eprintln!(
        "discord takeover: lease {} s, new holder seen {elected:?} after the kill, gateway reconnected \
         {reconnected:?} after the kill; {total} messages: {lost} lost, {stored_twice} stored twice, {missing} not relayed, \
         {doubled} relayed twice, {cut_off} repeats of a send the kill cut off; gateway connections {} (at most {most_open} at once)",
        lease_secs(),
        opened.len()
    );
    assert!(successor.is_some_and(|s| s != leader), "nobody took over");
    let took = reconnected.expect("the new leader connected");
    assert!(
        took < lease + lease / 3 + Duration::from_secs(3),
        "took {took:?}"
    );
    assert_eq!(
        (open, most_open, opened.len()),
        (1, 1, 2),
        "one gateway at a time"
    );
    assert_eq!((lost, stored_twice, missing, doubled), (0, 0, 0, 0));
    b.stop().await;
    assert_eq!(observer.lease_holder(DISCORD_GATEWAY).await.unwrap(), None);
}
