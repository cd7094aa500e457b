//! Digests in the staff lobby: a scripted Monday of tickets, the digest posted on Tuesday at
//! 09:00 with the figures worked out below, delivered by the real Telegram client to the fake
//! Bot API's staff group once, its chart (a PNG) uploaded after it; two instances on one database post it once; a digest claimed
//! by an instance that died is delivered by the next; after three days down one catch-up
//! digest covers the day before, not one per missed day. On SQLite and on PostgreSQL.
//!
//! Monday 23 Nov 2026 (UTC; every basic P3 first response is due in 1 h, round the clock):
//!
//! | # | who | opened | what happened |
//! |---|---|---|---|
//! | 1 | alice | 10:00 | ann replies 10:30 (met); closed 11:00; rated 5 |
//! | 2 | bob | 10:05 | nobody answers: first response breached 11:05; still new |
//! | 3 | carol | 12:00 | ann replies 12:20 (met); stays open |
//!
//! So: 3 opened, 1 closed, 0 reopened; 1 breach (a first response); response rate 2 of 3;
//! 1 rating of 1 closed, average 5.0; all P3; oldest open #2 and #3.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use supportbot::channels::Router;
use supportbot::channels::telegram::TelegramChannel;
use supportbot::config::Config;
use supportbot::domain::event::ButtonAction;
use supportbot::domain::ids::{Platform, TicketId};
use supportbot::domain::ports::{Clock, TicketStore};
use supportbot::domain::ticket::Priority;
use supportbot::reports::digest_run::Digester;
use supportbot::storage::{self, SqlStore};

use crate::db;
use crate::fake_telegram::FakeTelegram;
use crate::harness::{BASE_CONFIG, TestApp};

const STAFF: i64 = -100;

const SLA: &str = r#"
[sla.tiers.basic]
calendar = "24x7"
p3 = { first_response = "1h", next_response = "4h", resolution = "5d" }

[reports.digest]
enabled = true
period = "daily"
at = "09:00"
"#;

fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
}

/// The bot's config as the digester reads it: the harness's people, the SLA above, agents at
/// home on Telegram with the fake Bot API.
fn config(api: &str) -> Config {
    let toml = format!(
        "{BASE_CONFIG}\n{SLA}\n[telegram]\napi_url = \"{api}\"\nstaff_chat_id = {STAFF}\n\
         [telegram.limits]\noverall_per_sec = 1000\nchat_per_sec = 1000\nchat_per_min = 100000\ngroup_per_min = 100000\n"
    );
    let env = [(
        "SUPPORTBOT__STAFF__HOME".to_string(),
        "telegram".to_string(),
    )];
    Config::from_layers(Some((Path::new("digest.toml"), &toml)), &env).unwrap()
}

/// Monday's tickets, played through the desk in the order they happened.
async fn monday(store: Arc<SqlStore>) -> [TicketId; 3] {
    let app = TestApp::over_sql(store.clone(), SLA, None);
    let opens = async |who: &str, subject: &str| {
        let r = app.user_says(who, &format!("/ticket {subject}")).await;
        r.opened_ticket().expect("a ticket opens")
    };
    let until = |h: u32, m: u32| app.advance(at(23, h, m) - app.clock.now());
    until(10, 0);
    let one = opens("alice", "question about invoices").await;
    until(10, 5);
    let two = opens("bob", "question about my account").await;
    until(10, 30);
    app.agent_says(one, "Here is how invoices work.").await;
    until(11, 0);
    app.agent_says(one, "/close answered").await;
    app.user_presses("alice", &ButtonAction::Csat(one, 5).encode())
        .await
        .expect("5/5");
    until(12, 0);
    let three = opens("carol", "question about exports").await;
    until(12, 20);
    app.agent_says(three, "Exports are under Settings.").await;
    for id in [one, two, three] {
        let t = store.ticket(id).await.unwrap().unwrap();
        assert_eq!(t.priority, Priority::P3, "ticket {id} is P3");
    }
    [one, two, three]
}

fn expected(two: TicketId, three: TicketId) -> String {
    format!(
        "📊 Daily digest for Mon 23 Nov 2026\n\
         Tickets: 3 opened, 1 closed, 0 reopened.\n\
         SLA breaches: 1 (1 of them first responses).\n\
         Response rate: 66.7% (2 of 3 first responses within target; goal 95.0%).\n\
         Satisfaction: 1 rating from 1 closed tickets, average 5.0 of 5.\n\
         Opened per priority: P1 0 · P2 0 · P3 3 · P4 0\n\
         Oldest open tickets:\n\
         • {two} [P3] question about my account: new, open for 22 h 55 min\n\
         • {three} [P3] question about exports: open, open for 21 h"
    )
}

/// One instance of the bot as far as digests go: its store, digester and delivery.
struct Instance {
    store: Arc<SqlStore>,
    digester: Digester,
    router: Arc<Router>,
}

async fn instance(url: &str, fake: &FakeTelegram, lease: Duration) -> Instance {
    let store = Arc::new(
        storage::connect(url, 4)
            .await
            .unwrap()
            .with_outbox_lease(lease),
    );
    let cfg = config(&fake.url);
    let (_channel, outlet) =
        TelegramChannel::new(&cfg.telegram, "123:TEST", store.clone()).unwrap();
    let mut router = Router::new().with_outbox(store.clone()).with_lease(lease);
    router.add(Platform::Telegram, outlet);
    Instance {
        digester: Digester::new(store.clone(), cfg),
        store,
        router: Arc::new(router),
    }
}

impl Instance {
    /// Ticks at `now` and hands what it claimed to the lanes; whether it claimed a digest.
    async fn tick(&self, now: DateTime<Utc>) -> bool {
        match self.digester.tick(now).await.unwrap() {
            Some(posted) => {
                self.router.lanes().submit(None, posted.planned);
                true
            }
            None => false,
        }
    }
}

/// The charts uploaded to the staff group: file name and caption, each checked to be a PNG.
fn charts(fake: &FakeTelegram) -> Vec<(String, String)> {
    fake.ok_calls("sendPhoto")
        .into_iter()
        .filter(|b| b["chat_id"] == json!(STAFF.to_string()))
        .map(|b| {
            let photo = b["photo"].as_str().unwrap_or_default();
            assert!(
                photo.contains("PNG\r\n"),
                "a PNG upload: {:?}",
                &photo[..16.min(photo.len())]
            );
            (
                b["photo_filename"].as_str().unwrap_or_default().to_string(),
                b["caption"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn digests(store: &SqlStore) -> Vec<String> {
    store
        .digests_posted(100)
        .await
        .unwrap()
        .into_iter()
        .map(|(p, from, _)| format!("{p} {}", from.format("%Y-%m-%d")))
        .collect()
}

async fn the_digest_story(url: String) {
    let fake = FakeTelegram::start().await;
    let a = instance(&url, &fake, Duration::seconds(30)).await;
    let b = instance(&url, &fake, Duration::seconds(30)).await;
    let [_, two, three] = monday(a.store.clone()).await;

    // Before 09:00 on Tuesday, the digest due is Monday's, about Sunday, when nothing
    // happened. A first start catches up on the latest period too: it is posted, late, once.
    assert!(a.tick(at(24, 8, 0)).await);
    assert!(!a.tick(at(24, 8, 1)).await);
    assert_eq!(digests(&a.store).await, ["daily 2026-11-22"]);

    // At 09:00 both instances look at once: one posts Monday's digest.
    let now = at(24, 9, 0);
    let (x, y) = tokio::join!(a.tick(now), b.tick(now));
    assert!(x ^ y, "exactly one instance claims the digest: {x} {y}");
    fake.wait_until("two digests", |f| f.texts_to(STAFF).len() >= 2)
        .await;
    a.router.flush().await;
    b.router.flush().await;
    let texts = fake.texts_to(STAFF);
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(
        texts[0].starts_with("📊 Daily digest for Sun 22 Nov 2026\n(Posted late: it was due Mon 23 Nov 09:00, when the bot was not running.)\nTickets: 0 opened"),
        "{}",
        texts[0]
    );
    assert_eq!(texts[1], expected(two, three));
    let caption = "Tickets opened per priority: P1, P2, P3 and P4 from left to right.";
    assert_eq!(
        charts(&fake),
        [
            ("digest-2026-11-22.png".to_string(), caption.to_string()),
            ("digest-2026-11-23.png".to_string(), caption.to_string())
        ],
        "each digest's chart follows its text"
    );
    assert!(!b.tick(at(24, 9, 1)).await && !a.tick(at(24, 17, 0)).await);

    // Down from Tuesday evening to Friday afternoon: one digest, about Thursday, says it is
    // late; Wednesday's and Thursday's postings are not made up for one by one.
    assert!(b.tick(at(27, 15, 0)).await);
    assert!(!a.tick(at(27, 15, 1)).await && !b.tick(at(27, 15, 2)).await);
    fake.wait_until("the catch-up digest", |f| f.texts_to(STAFF).len() >= 3)
        .await;
    b.router.flush().await;
    let texts = fake.texts_to(STAFF);
    assert_eq!(texts.len(), 3, "{texts:#?}");
    assert!(
        texts[2].starts_with(
            "📊 Daily digest for Thu 26 Nov 2026\n(Posted late: it was due Fri 27 Nov 09:00, when the bot was not running.)\nTickets: 0 opened, 0 closed"
        ),
        "{}",
        texts[2]
    );
    assert_eq!(charts(&fake).len(), 3);
    assert_eq!(
        digests(&a.store).await,
        ["daily 2026-11-26", "daily 2026-11-23", "daily 2026-11-22"]
    );
}

#[tokio::test]
async fn sqlite_digest_once_with_its_figures_and_one_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    the_digest_story(db::sqlite_url(&dir)).await;
}

#[tokio::test]
async fn postgres_digest_once_with_its_figures_and_one_catch_up() {
    let Some(pg) = db::fresh_postgres().await else {
        return;
    };
    the_digest_story(pg.url.clone()).await;
}

/// An instance that claimed a digest and died before sending it: the claim and the outbox
/// row committed together, so the next instance delivers it once the lease has passed, and
/// does not post a second one.
async fn a_claimed_digest_survives_its_instance(url: String) {
    let fake = FakeTelegram::start().await;
    let dead = instance(&url, &fake, Duration::milliseconds(300)).await;
    let next = instance(&url, &fake, Duration::milliseconds(300)).await;
    let posted = dead.digester.tick(at(24, 9, 0)).await.unwrap();
    assert!(posted.is_some(), "claimed");
    drop(posted);
    assert!(!next.tick(at(24, 9, 1)).await, "already claimed");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(next.router.pickup_once().await, 1);
    next.router.flush().await;
    let texts = fake.texts_to(STAFF);
    assert_eq!(texts.len(), 1, "{texts:#?}");
    assert!(texts[0].starts_with("📊 Daily digest for Mon 23 Nov 2026"));
    // The loser of a claim stores nothing.
    let due = supportbot::reports::digest::latest_due(
        &config(&fake.url).reports.digest,
        chrono_tz::UTC,
        at(24, 9, 0),
    )
    .unwrap()
    .unwrap();
    let again = next
        .store
        .claim_digest("daily", due.period, due.at, at(24, 9, 2), &[])
        .await
        .unwrap();
    assert_eq!(again, None);
}

#[tokio::test]
async fn sqlite_a_claimed_digest_survives_its_instance() {
    let dir = tempfile::tempdir().unwrap();
    a_claimed_digest_survives_its_instance(db::sqlite_url(&dir)).await;
}

#[tokio::test]
async fn postgres_a_claimed_digest_survives_its_instance() {
    let Some(pg) = db::fresh_postgres().await else {
        return;
    };
    a_claimed_digest_survives_its_instance(pg.url.clone()).await;
}

/// On Discord the digest's chart is an attachment of a second message after the text, posted
/// by the real serenity client to the fake's staff channel.
#[tokio::test]
async fn on_discord_the_chart_is_an_attachment_after_the_text() {
    use supportbot::channels::discord::DiscordChannel;
    use supportbot::domain::event::{Image, Message, Outbound, Target};
    let fake = crate::fake_discord::FakeDiscord::start().await;
    let (store, _dir) = db::sqlite_store().await;
    let toml = format!(
        "[staff]\nhome = \"discord\"\n[discord]\nstaff_channel_id = \"900\"\napi_proxy = \"{}\"\n",
        fake.base()
    );
    let cfg = Config::from_layers(Some((Path::new("d.toml"), &toml)), &[]).unwrap();
    let png = supportbot::reports::chart::bar_chart_png(
        &[1, 2, 0, 0],
        &supportbot::reports::chart::PRIORITY_COLOURS,
    )
    .unwrap();
    let (_channel, outlet) = DiscordChannel::new(&cfg.discord, "FAKE.TOKEN", store).unwrap();
    let digest = Outbound::Send {
        to: Target::StaffLobby {
            platform: Platform::Discord,
        },
        message: Message {
            text: "📊 Daily digest".into(),
            image: Some(Box::new(Image {
                name: "digest-2026-11-23.png".into(),
                caption: "Tickets opened per priority".into(),
                png,
            })),
            ..Message::default()
        },
    };
    outlet.deliver(&digest).await.unwrap();
    let posts: Vec<Value> = fake
        .calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path == "/channels/900/messages" && c.status == 200)
        .map(|c| c.body)
        .collect();
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert_eq!(posts[0]["content"], "📊 Daily digest");
    assert_eq!(posts[1]["content"], "Tickets opened per priority");
    assert_eq!(
        posts[1]["files"],
        json!([{"filename": "digest-2026-11-23.png", "png": true}])
    );
}
