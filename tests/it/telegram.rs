//! The real teloxide client against the fake Bot API: a whole support conversation, staff
//! authorization, 429 bursts, crash-restart without loss or duplicates, escaping and splitting.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use sqlx::Row;
use supportbot::channels::Router;
use supportbot::channels::telegram::TelegramChannel;
use supportbot::config::Config;
use supportbot::domain::desk::Desk;
use supportbot::domain::event::AttachmentKind;
use supportbot::domain::ids::{Platform, TicketId};
use supportbot::domain::ports::{KnowledgeBase, SystemClock, TicketStore};
use supportbot::storage::SqlStore;
use tokio::sync::watch;

use crate::db::sqlite_store;
use crate::fake_telegram::{
    FakeTelegram, press, private_photo, private_text, private_voice, thread_reply, topic_document,
    topic_text,
};
use crate::harness::{StubKb, hit};

#[path = "telegram_fidelity.rs"]
mod fidelity;

pub(crate) const STAFF: i64 = -100;
pub(crate) const ALICE: i64 = 42;
pub(crate) const ANN: i64 = 7;

fn config(api: &str, fast: bool) -> Config {
    let limits = if fast {
        "overall_per_sec = 10000\nchat_per_sec = 10000\nchat_per_min = 1000000\ngroup_per_min = 1000000"
    } else {
        "overall_per_sec = 30\nchat_per_sec = 1\nchat_per_min = 20\ngroup_per_min = 20"
    };
    let toml = format!(
        "[staff]\nhome = \"telegram\"\n[[staff.agents]]\nname = \"ann\"\nrole = \"agent\"\nusers = [\"telegram:{ANN}\"]\n\
         [telegram]\napi_url = \"{api}\"\nstaff_chat_id = {STAFF}\npoll_timeout_secs = 1\n[telegram.limits]\n{limits}\n"
    );
    Config::from_layers(Some((Path::new("tg.toml"), &toml)), &[]).unwrap()
}

pub(crate) struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    pickup: tokio::task::JoinHandle<()>,
}

pub(crate) fn start(
    fake: &FakeTelegram,
    store: Arc<SqlStore>,
    kb: Option<Arc<dyn KnowledgeBase>>,
    fast: bool,
) -> Running {
    start_with(config(&fake.url, fast), store, kb)
}

fn start_with(cfg: Config, store: Arc<SqlStore>, kb: Option<Arc<dyn KnowledgeBase>>) -> Running {
    let outbox = store.clone();
    let store: Arc<dyn TicketStore> = store;
    let desk = Arc::new(Desk::new(
        store.clone(),
        kb,
        Arc::new(SystemClock),
        supportbot::app::desk_settings(&cfg),
    ));
    let (channel, outlet) = TelegramChannel::new(&cfg.telegram, "123:TEST", store).unwrap();
    let channel = channel.with_group_admins(cfg.staff.telegram_group_admins.is_some());
    // As in production: the outbox behind the lanes, and its pickup loop (with a short
    // lease, so a crashed run's actions are taken over quickly).
    let mut router = Router::new()
        .with_outbox(outbox)
        .with_lease(chrono::Duration::seconds(1));
    router.add(Platform::Telegram, outlet);
    let router = Arc::new(router);
    let (stop, rx) = watch::channel(false);
    let pickup = {
        let (router, rx) = (router.clone(), rx.clone());
        tokio::spawn(async move { router.run_pickup(rx).await })
    };
    let task = tokio::spawn(async move { channel.run(desk, router, rx).await });
    Running { stop, task, pickup }
}

impl Running {
    pub(crate) async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap().unwrap();
        self.pickup.await.unwrap();
    }
}

/// A bot in a process of its own: its own runtime on its own thread, with its own
/// connections to the database, so killing it stops everything it spawned (the lane
/// workers too), as killing the process would.
struct Process {
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Process {
    fn start(api: &str, db_url: String) -> Process {
        let cfg = config(api, true);
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                // A short lease, as the router's, so a crashed run's actions are taken over
                // quickly.
                let store = supportbot::storage::connect(&db_url, 4)
                    .await
                    .unwrap()
                    .with_outbox_lease(chrono::Duration::seconds(1));
                let store = Arc::new(store);
                let _bot = start_with(cfg, store, None);
                let _ = killed.await;
            });
            // No graceful shutdown: every task is dropped wherever it was.
            rt.shutdown_background();
        });
        Process {
            kill: Some(kill),
            thread: Some(thread),
        }
    }

    /// Kills the bot: whatever was in flight is cut off.
    fn crash(mut self) {
        let _ = self.kill.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap();
    }
}

pub(crate) fn buttons(body: &Value) -> Vec<String> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| r.as_array().unwrap().iter())
                .map(|b| b["callback_data"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn sends_to(fake: &FakeTelegram, chat: i64) -> Vec<Value> {
    fake.ok_calls("sendMessage")
        .into_iter()
        .filter(|b| b["chat_id"] == json!(chat))
        .collect()
}

#[tokio::test]
async fn a_whole_conversation_through_telegram() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![(
        "printer".into(),
        hit("printer-offline", "Printer shows offline", 0.9),
    )]));
    let bot = start(&fake, store.clone(), Some(kb), true);

    // 1. A question the bot can answer: the answer arrives with the two buttons.
    fake.push(private_text(ALICE, "Alice", 10, "my printer is offline"));
    fake.wait_until("the FAQ answer", |f| {
        sends_to(f, ALICE).iter().any(|b| !buttons(b).is_empty())
    })
    .await;
    let answer = sends_to(&fake, ALICE).pop().unwrap();
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("Printer shows offline")
    );
    assert_eq!(answer["parse_mode"], "HTML");
    let data = buttons(&answer);
    assert!(
        data[0].starts_with("fy:") && data[1].starts_with("fn:"),
        "{data:?}"
    );

    // 2. "No, I need a person": a topic with the question and the bot's attempt.
    fake.push(press("cb1", ALICE, "Alice", ALICE, None, &data[1]));
    fake.wait_until("the staff topic intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let topic = fake.ok_calls("createForumTopic").pop().unwrap();
    assert!(
        topic["name"]
            .as_str()
            .unwrap()
            .starts_with("#1 [P3] my printer is offline"),
        "{topic}"
    );
    let intro = sends_to(&fake, STAFF).pop().unwrap();
    let thread = intro["message_thread_id"]
        .as_i64()
        .expect("intro goes into the topic");
    let text = intro["text"].as_str().unwrap();
    assert!(
        text.contains("my printer is offline") && text.contains("Printer shows offline"),
        "{text}"
    );
    // The acknowledgement is delivered beside the intro, not necessarily before it.
    fake.wait_until("the button acknowledged", |f| {
        f.ok_calls("answerCallbackQuery")
            .iter()
            .any(|b| b["callback_query_id"] == "cb1")
    })
    .await;
    assert_eq!(buttons(&intro), vec!["cl:1".to_string()]);

    // 3. The agent presses Claim and replies in the topic; the customer receives both.
    fake.push(press("cb2", ANN, "ann", STAFF, Some(thread), "cl:1"));
    fake.push(topic_text(
        STAFF,
        thread,
        ANN,
        "ann",
        20,
        "Please restart it",
    ));
    fake.wait_until("the relayed reply", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("Please restart it"))
    })
    .await;
    assert!(
        fake.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("ann from support is now looking at ticket #1"))
    );

    // 4. The customer answers; it appears in the topic.
    fake.push(private_text(ALICE, "Alice", 11, "It works now"));
    fake.wait_until("the customer's answer in the topic", |f| {
        sends_to(f, STAFF).iter().any(|b| {
            b["text"].as_str().unwrap().contains("It works now")
                && b["message_thread_id"] == json!(thread)
        })
    })
    .await;

    // 4b. A priority change renames the topic.
    fake.push(topic_text(STAFF, thread, ANN, "ann", 30, "/priority P2"));
    fake.wait_until("the topic renamed to P2", |f| {
        f.ok_calls("editForumTopic").iter().any(|b| {
            b["name"]
                .as_str()
                .unwrap()
                .starts_with("#1 [P2] my printer")
        })
    })
    .await;

    // 5. The agent closes with a reason: thank-you plus CSAT buttons; the topic is closed.
    fake.push(topic_text(STAFF, thread, ANN, "ann", 21, "/close 1 fixed"));
    fake.wait_until("the CSAT question", |f| {
        sends_to(f, ALICE).iter().any(|b| buttons(b).len() == 5)
    })
    .await;
    let csat = sends_to(&fake, ALICE)
        .into_iter()
        .find(|b| buttons(b).len() == 5)
        .unwrap();
    assert!(csat["text"].as_str().unwrap().contains("closed (fixed)"));
    assert_eq!(buttons(&csat)[4], "cs:1:5");
    fake.wait_until("the topic closed", |f| {
        !f.ok_calls("closeForumTopic").is_empty()
    })
    .await;
    let renamed = fake.ok_calls("editForumTopic").pop().unwrap();
    assert_eq!(renamed["message_thread_id"], json!(thread));
    assert!(
        renamed["name"].as_str().unwrap().contains("(closed)"),
        "{renamed}"
    );

    // 6. The customer presses 5; the rating is stored.
    fake.push(press("cb3", ALICE, "Alice", ALICE, None, "cs:1:5"));
    fake.wait_until("the rating thanks", |f| {
        f.texts_to(ALICE).iter().any(|t| t.contains("5/5"))
    })
    .await;
    assert_eq!(store.csat(TicketId(1)).await.unwrap().unwrap().score, 5);

    // 7. The agent reopens it: the topic opens again and loses the "(closed)" mark.
    fake.push(topic_text(STAFF, thread, ANN, "ann", 22, "/reopen"));
    fake.wait_until("the topic reopened", |f| {
        !f.ok_calls("reopenForumTopic").is_empty()
    })
    .await;
    let renamed = fake.ok_calls("editForumTopic").pop().unwrap();
    assert!(
        renamed["name"]
            .as_str()
            .unwrap()
            .starts_with("#1 [P2] my printer"),
        "{renamed}"
    );
    assert!(!renamed["name"].as_str().unwrap().contains("closed"));
    bot.stop().await;
}

#[tokio::test]
async fn non_agents_in_the_staff_group_change_nothing() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    fake.push(private_text(ALICE, "Alice", 10, "help me"));
    fake.wait_until("the topic intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let thread = sends_to(&fake, STAFF)[0]["message_thread_id"]
        .as_i64()
        .unwrap();
    let before = (
        store.ticket(TicketId(1)).await.unwrap(),
        store.events(TicketId(1)).await.unwrap(),
    );
    fake.push(topic_text(STAFF, thread, 99, "mallory", 30, "/claim"));
    fake.push(topic_text(
        STAFF,
        thread,
        99,
        "mallory",
        31,
        "/close 1 spam",
    ));
    fake.push(press("cbx", 99, "mallory", STAFF, Some(thread), "cl:1"));
    fake.wait_until("the refusals", |f| {
        sends_to(f, STAFF)
            .iter()
            .filter(|b| {
                b["text"]
                    .as_str()
                    .unwrap()
                    .contains("only for support agents")
            })
            .count()
            == 2
            && f.ok_calls("answerCallbackQuery")
                .iter()
                .any(|b| b["callback_query_id"] == "cbx")
    })
    .await;
    let alert = fake
        .ok_calls("answerCallbackQuery")
        .into_iter()
        .find(|b| b["callback_query_id"] == "cbx")
        .unwrap();
    assert_eq!(alert["show_alert"], true);
    assert!(
        alert["text"]
            .as_str()
            .unwrap()
            .contains("Only support agents")
    );
    let after = (
        store.ticket(TicketId(1)).await.unwrap(),
        store.events(TicketId(1)).await.unwrap(),
    );
    assert_eq!(before, after);
    assert!(!fake.texts_to(ALICE).iter().any(|t| t.contains("closed")));
    bot.stop().await;
}

#[tokio::test]
async fn replies_arrive_exactly_once_through_a_429_burst() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    fake.fail_sends(3, 1);
    let bot = start(&fake, store.clone(), None, false);
    for (i, user) in [501_i64, 502, 503].into_iter().enumerate() {
        fake.push(private_text(
            user,
            "C",
            10 + i as i64,
            &format!("problem {i}"),
        ));
    }
    fake.wait_until("three confirmations", |f| {
        [501, 502, 503]
            .iter()
            .all(|u| f.texts_to(*u).iter().any(|t| t.contains("opened ticket")))
    })
    .await;
    assert_eq!(
        fake.calls().iter().filter(|c| !c.ok).count(),
        3,
        "the fake refused three sends"
    );
    for u in [501, 502, 503] {
        assert_eq!(
            fake.texts_to(u)
                .iter()
                .filter(|t| t.contains("opened ticket"))
                .count(),
            1,
            "exactly once to {u}"
        );
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_crash_mid_stream_loses_nothing_and_duplicates_nothing() {
    let fake = FakeTelegram::start().await;
    let (store, dir) = sqlite_store().await;
    let count = |store: Arc<SqlStore>| async move {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM inbound WHERE platform = 'telegram'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        row.try_get::<i64, _>("n").unwrap()
    };
    for i in 0..200_i64 {
        let user = 1000 + i % 10;
        fake.push(private_text(user, "C", 100 + i, &format!("message {i}")));
    }
    // The platform refuses sends for a while, so decided actions are waiting at the crash.
    fake.set_down(true);
    let first = Process::start(&fake.url, crate::db::sqlite_url(&dir));
    while count(store.clone()).await < 80 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    first.crash();
    fake.set_down(false);
    // The restarted process opens the database anew.
    let restarted = Arc::new(
        supportbot::storage::connect(&crate::db::sqlite_url(&dir), 4)
            .await
            .unwrap(),
    );
    let second = start(&fake, restarted, None, true);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let relayed = |fake: &FakeTelegram| {
        sends_to(fake, STAFF)
            .iter()
            .filter(|b| b["text"].as_str().unwrap_or_default().contains("message "))
            .count()
    };
    while count(store.clone()).await < 200 || relayed(&fake) < 200 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of 200 stored, {} relayed",
            count(store.clone()).await,
            relayed(&fake)
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    second.stop().await;
    assert_eq!(count(store.clone()).await, 200);
    // Every customer's ticket holds each of their 20 messages exactly once.
    for user in 1000..1010 {
        let u = supportbot::domain::ids::UserRef::new(Platform::Telegram, user.to_string(), "C");
        let t = store.active_ticket_for(&u).await.unwrap().expect("ticket");
        let bodies: Vec<String> = store
            .transcript(t.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.role == supportbot::domain::ticket::AuthorRole::Customer)
            .map(|e| e.body)
            .collect();
        assert_eq!(bodies.len(), 20, "user {user}: {bodies:?}");
        let mut unique = bodies.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 20);
        // The confirmation decided before the crash still reached the customer, once.
        let confirmations = sends_to(&fake, user)
            .iter()
            .filter(|b| {
                b["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("opened ticket")
            })
            .count();
        assert_eq!(confirmations, 1, "user {user}");
    }
    // Every message reached the staff exactly once (the intro carries the first), and each
    // ticket has one topic: nothing was sent before the crash, so nothing was in flight.
    let mut texts: Vec<String> = sends_to(&fake, STAFF)
        .iter()
        .filter_map(|b| b["text"].as_str().map(str::to_string))
        .filter(|t| t.contains("message "))
        .collect();
    assert_eq!(texts.len(), 200, "{texts:?}");
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 200, "no relay twice");
    assert_eq!(fake.ok_calls("createForumTopic").len(), 10);
    assert_eq!(
        store.get_state("telegram.offset").await.unwrap().as_deref(),
        Some("201")
    );
}

#[tokio::test]
async fn user_text_is_escaped_and_long_replies_are_split() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    fake.push(private_text(ALICE, "Alice", 10, r#"<b>&"'"#));
    fake.wait_until("the staff intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let intro = sends_to(&fake, STAFF)[0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(intro.contains("&lt;b&gt;&amp;&quot;&#39;"), "{intro}");
    assert!(!intro.contains("<b>&"), "{intro}");
    let thread = sends_to(&fake, STAFF)[0]["message_thread_id"]
        .as_i64()
        .unwrap();
    let long = "0123456789 ".repeat(910);
    fake.push(topic_text(STAFF, thread, ANN, "ann", 40, &long));
    fake.wait_until("the split reply", |f| {
        f.texts_to(ALICE)
            .iter()
            .filter(|t| t.starts_with("ann (support)") || t.starts_with("0123"))
            .count()
            >= 3
    })
    .await;
    let parts: Vec<String> = fake
        .texts_to(ALICE)
        .into_iter()
        .skip_while(|t| !t.starts_with("ann (support)"))
        .collect();
    assert_eq!(
        parts.len(),
        3,
        "{:?}",
        parts.iter().map(|p| p.len()).collect::<Vec<_>>()
    );
    assert!(parts.iter().all(|p| p.chars().count() <= 4096));
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(
        squash(&parts.concat()),
        squash(&format!("ann (support): {long}"))
    );
    bot.stop().await;
}

#[tokio::test]
async fn staff_group_admins_act_as_agents_when_configured() {
    let fake = FakeTelegram::start().await;
    const TOM: i64 = 77;
    fake.set_admins(&[5, TOM]);
    let (store, _dir) = sqlite_store().await;
    let toml = format!(
        "[staff]\nhome = \"telegram\"\ntelegram_group_admins = \"agent\"\n\
         [telegram]\napi_url = \"{}\"\nstaff_chat_id = {STAFF}\npoll_timeout_secs = 1\n",
        fake.url
    );
    let cfg = Config::from_layers(Some((Path::new("tg.toml"), &toml)), &[]).unwrap();
    assert_eq!(
        cfg.staff.telegram_group_admins,
        Some(supportbot::domain::directory::StaffRole::Agent)
    );
    let bot = start_with(cfg, store.clone(), None);
    fake.push(private_text(ALICE, "Alice", 10, "help me"));
    fake.wait_until("the topic intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let thread = sends_to(&fake, STAFF)[0]["message_thread_id"]
        .as_i64()
        .unwrap();

    // A member who is not an admin is refused; the admin's claim and reply go through.
    fake.push(topic_text(STAFF, thread, 99, "mallory", 30, "/claim"));
    fake.push(topic_text(STAFF, thread, TOM, "Tom", 31, "/claim"));
    fake.push(topic_text(STAFF, thread, TOM, "Tom", 32, "On it, Alice."));
    fake.wait_until("the admin's reply", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("On it, Alice."))
    })
    .await;
    assert!(
        fake.texts_to(STAFF)
            .iter()
            .any(|t| t.contains("only for support agents")),
        "{:?}",
        fake.texts_to(STAFF)
    );
    let ticket = store.ticket(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(ticket.assignee.unwrap().0, "Tom");
    // The administrator list is cached, not fetched for every staff message.
    assert_eq!(fake.ok_calls("getChatAdministrators").len(), 1);
    bot.stop().await;
}

#[tokio::test]
async fn photos_and_documents_are_copied_both_ways_and_recorded() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    fake.push(private_text(ALICE, "Alice", 10, "export crashes"));
    fake.wait_until("the topic intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let thread = sends_to(&fake, STAFF)[0]["message_thread_id"]
        .as_i64()
        .unwrap();

    fake.push(private_photo(ALICE, "Alice", 11, "PHOTO-1"));
    fake.push(topic_document(STAFF, thread, ANN, 40, "DOC-1"));
    fake.push(private_voice(ALICE, "Alice", 12, "VOICE-1"));
    fake.wait_until("three copies", |f| f.ok_calls("copyMessage").len() == 3)
        .await;
    // Each conversation's copies keep their order; the two directions go concurrently.
    let mut copies = fake.ok_calls("copyMessage");
    copies.sort_by_key(|c| c["message_id"].as_i64());
    assert_eq!(copies[0]["from_chat_id"], json!(ALICE));
    assert_eq!(copies[0]["message_id"], json!(11));
    assert_eq!(copies[0]["chat_id"], json!(STAFF));
    assert_eq!(copies[0]["message_thread_id"], json!(thread));
    assert_eq!(copies[1]["message_id"], json!(12));
    assert_eq!(copies[1]["message_thread_id"], json!(thread));
    assert_eq!(copies[2]["from_chat_id"], json!(STAFF));
    assert_eq!(copies[2]["message_id"], json!(40));
    assert_eq!(copies[2]["chat_id"], json!(ALICE));
    let to_staff: Vec<i64> = fake
        .ok_calls("copyMessage")
        .iter()
        .filter(|c| c["chat_id"] == json!(STAFF))
        .filter_map(|c| c["message_id"].as_i64())
        .collect();
    assert_eq!(to_staff, [11, 12], "in the order the customer sent them");

    let transcript = store.transcript(TicketId(1)).await.unwrap();
    let files: Vec<(String, String)> = transcript
        .iter()
        .flat_map(|e| {
            e.attachments
                .iter()
                .map(|a| (e.author.clone(), a.file_ref.clone()))
        })
        .collect();
    assert_eq!(files.len(), 3, "{transcript:#?}");
    // The customer's files keep their order; the agent's, from another conversation handled
    // concurrently, may fall anywhere among them.
    let customer: Vec<&str> = files
        .iter()
        .filter(|(_, f)| f != "DOC-1")
        .map(|(_, f)| f.as_str())
        .collect();
    assert_eq!(customer, ["PHOTO-1", "VOICE-1"]);
    assert!(files.iter().any(|(_, f)| f == "DOC-1"));
    let voice = transcript
        .iter()
        .flat_map(|e| e.attachments.iter())
        .find(|a| a.file_ref == "VOICE-1")
        .unwrap();
    assert_eq!(voice.kind, AttachmentKind::Voice);
    assert!(
        transcript
            .iter()
            .any(|e| e.body.contains("the error dialog"))
    );
    bot.stop().await;
}

#[tokio::test]
async fn without_forum_topics_tickets_live_in_reply_threads() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let mut cfg = config(&fake.url, true);
    cfg.telegram.forum_topics = false;
    let bot = start_with(cfg, store.clone(), None);

    // The ticket gets a root message in the staff group; the intro replies to it.
    fake.push(private_text(ALICE, "Alice", 10, "license expired early"));
    fake.wait_until("root and intro", |f| sends_to(f, STAFF).len() >= 2)
        .await;
    assert!(fake.ok_calls("createForumTopic").is_empty());
    let staff = sends_to(&fake, STAFF);
    assert!(
        staff[0]["text"]
            .as_str()
            .unwrap()
            .contains("#1 [P3] license expired early")
    );
    assert!(staff[0].get("reply_parameters").is_none());
    // The fake numbers messages from 1001 in call order; the root was the first staff send.
    let root_id = staff_message_ids(&fake)[0];
    assert_eq!(staff[1]["reply_parameters"]["message_id"], json!(root_id));

    // An agent's reply in that thread reaches the customer; the customer's answer goes back
    // into the thread.
    fake.push(thread_reply(
        STAFF,
        root_id,
        ANN,
        "ann",
        50,
        "Renewed it for you",
    ));
    fake.wait_until("the relayed reply", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("Renewed it for you"))
    })
    .await;
    fake.push(private_text(ALICE, "Alice", 11, "Thanks, works"));
    fake.wait_until("the answer in the thread", |f| {
        sends_to(f, STAFF).iter().any(|b| {
            b["text"].as_str().unwrap().contains("Thanks, works")
                && b["reply_parameters"]["message_id"] == json!(root_id)
        })
    })
    .await;
    // Closing posts the state into the thread instead of closing a topic.
    fake.push(thread_reply(STAFF, root_id, ANN, "ann", 51, "/close done"));
    fake.wait_until("the closed note", |f| {
        sends_to(f, STAFF).iter().any(|b| {
            b["text"].as_str().unwrap().contains("(closed)")
                && b["reply_parameters"]["message_id"] == json!(root_id)
        })
    })
    .await;
    assert!(fake.ok_calls("closeForumTopic").is_empty());
    assert_eq!(
        store.ticket(TicketId(1)).await.unwrap().unwrap().status,
        supportbot::domain::ticket::Status::Closed
    );
    bot.stop().await;
}

/// Message ids the fake gave to sendMessage calls into the staff chat, in order.
fn staff_message_ids(fake: &FakeTelegram) -> Vec<i64> {
    let mut next = 1000;
    let mut ids = Vec::new();
    for c in fake.calls() {
        if c.ok && matches!(c.method.as_str(), "sendmessage" | "copymessage") {
            next += 1;
            if c.method == "sendmessage" && c.body["chat_id"] == json!(STAFF) {
                ids.push(next);
            }
        }
    }
    ids
}

/// POSTs `body` to the webhook listener at `addr` with `secret`; returns the HTTP status.
async fn post_update(addr: &str, secret: &str, body: &Value) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = body.to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"))
}

#[tokio::test]
async fn webhook_mode_takes_updates_only_with_its_secret_and_only_once() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let toml = format!(
        "[staff]\nhome = \"telegram\"\n[telegram]\napi_url = \"{}\"\nstaff_chat_id = {STAFF}\n\
         [telegram.webhook]\nurl = \"https://bot.example.com/telegram\"\nbind = \"{addr}\"\n\
         [telegram.limits]\noverall_per_sec = 10000\nchat_per_sec = 10000\nchat_per_min = 1000000\ngroup_per_min = 1000000\n",
        fake.url
    );
    let cfg = Config::from_layers(Some((Path::new("tg.toml"), &toml)), &[]).unwrap();
    let bot = start_with(cfg, store.clone(), None);

    fake.wait_until("setWebhook", |f| !f.ok_calls("setWebhook").is_empty())
        .await;
    let hook = fake.ok_calls("setWebhook").pop().unwrap();
    assert_eq!(hook["url"], json!("https://bot.example.com/telegram"));
    let secret = hook["secret_token"].as_str().unwrap().to_string();
    assert!(secret.len() >= 16, "{secret}");
    assert!(fake.ok_calls("getUpdates").is_empty(), "no polling");

    let mut update = private_text(ALICE, "Alice", 10, "the sync never finishes");
    update["update_id"] = json!(900);
    // The listener may still be starting right after setWebhook.
    let mut status = 0;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            status = post_update(&addr, "wrong", &update).await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, 401, "a request without the secret is refused");
    assert_eq!(post_update(&addr, &secret, &update).await, 200);
    fake.wait_until("the ticket confirmation", |f| {
        f.texts_to(ALICE).iter().any(|t| t.contains("ticket #1"))
    })
    .await;
    // Telegram retries a delivery it thinks failed: the same update changes nothing.
    assert_eq!(post_update(&addr, &secret, &update).await, 200);
    assert_eq!(
        store.list_tickets(&Default::default()).await.unwrap().len(),
        1
    );
    let customer_lines = store
        .transcript(TicketId(1))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.role == supportbot::domain::ticket::AuthorRole::Customer)
        .count();
    assert_eq!(customer_lines, 1);
    bot.stop().await;
}

#[tokio::test]
async fn a_topic_that_could_not_be_created_is_created_by_the_next_message() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    fake.refuse_topics(1);
    let bot = start(&fake, store.clone(), None, true);
    fake.push(private_text(ALICE, "Alice", 10, "backup job fails"));
    fake.wait_until("the intro in a topic made on the second try", |f| {
        sends_to(f, STAFF)
            .iter()
            .any(|b| b.get("message_thread_id").is_some())
    })
    .await;
    let tries: Vec<bool> = fake
        .calls()
        .iter()
        .filter(|c| c.method == "createforumtopic")
        .map(|c| c.ok)
        .collect();
    assert_eq!(tries, vec![false, true]);
    let intro = sends_to(&fake, STAFF).pop().unwrap();
    assert!(
        intro["text"].as_str().unwrap().contains("backup job fails"),
        "{intro}"
    );
    assert!(
        store
            .staff_space(TicketId(1), Platform::Telegram)
            .await
            .unwrap()
            .is_some()
    );
    bot.stop().await;
}

#[tokio::test]
async fn opening_a_staff_space_twice_makes_one_topic() {
    use supportbot::domain::event::Outbound;
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let cfg = config(&fake.url, true);
    let (_channel, outlet) =
        TelegramChannel::new(&cfg.telegram, "123:TEST", store.clone()).unwrap();
    let ticket = store
        .create_ticket(
            supportbot::domain::lifecycle::NewTicket {
                requester: supportbot::domain::ids::UserRef::new(Platform::Telegram, "5", "Eve"),
                conversation: supportbot::domain::ids::ConversationRef::chat(
                    Platform::Telegram,
                    "5",
                ),
                subject: "printer".into(),
                kind: supportbot::domain::ticket::TicketKind::Question,
                priority: supportbot::domain::ticket::Priority::P3,
                tier: supportbot::domain::ticket::Tier::Basic,
                tags: vec![],
                at: chrono::Utc::now(),
            },
            &[],
            &[],
        )
        .await
        .unwrap();
    // A retried open after the space was made (lazily, by a message) must not make a second.
    let open = Outbound::OpenStaffSpace {
        ticket: ticket.id,
        platform: Platform::Telegram,
        title: "[P3] printer".into(),
    };
    outlet.deliver(&open).await.unwrap();
    let first = store
        .staff_space(ticket.id, Platform::Telegram)
        .await
        .unwrap();
    outlet.deliver(&open).await.unwrap();
    let topics = fake
        .calls()
        .iter()
        .filter(|c| c.method == "createforumtopic")
        .count();
    assert_eq!(topics, 1);
    assert!(first.is_some());
    assert_eq!(
        store
            .staff_space(ticket.id, Platform::Telegram)
            .await
            .unwrap(),
        first
    );
}
