//! The Discord adapter end to end: real serenity against the fake Discord, a real desk over
//! SQLite, plus the cross-platform case: a Telegram customer's ticket worked in Discord.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use supportbot::channels::Router;
use supportbot::channels::discord::DiscordChannel;
use supportbot::channels::telegram::TelegramChannel;
use supportbot::config::Config;
use supportbot::domain::desk::Desk;
use supportbot::domain::event::{Message, Outbound, Target};
use supportbot::domain::ids::{Platform, TicketId, UserRef};
use supportbot::domain::ports::{Clock, KnowledgeBase, ManualClock, Planned, TicketStore};
use supportbot::domain::ticket::Status;
use tokio::sync::watch;

use crate::db;
use crate::fake_discord::{
    Call, FakeDiscord, GUILD, Where, click, dm, guild_message, matching, slash, user,
};
use crate::fake_telegram::{FakeTelegram, press, private_text, topic_text};
use crate::harness::{StubKb, hit, t0};

#[path = "discord_fidelity.rs"]
mod fidelity;
#[path = "discord_limits.rs"]
mod limits;

pub(crate) const STAFF: &str = "6000";
pub(crate) const SUPPORT: &str = "6100";
pub(crate) const AGENT_ROLE: &str = "777";
const ADMIN_ROLE: &str = "778";
pub(crate) const CUSTOMER_DM: &str = "3000";
/// The Telegram staff supergroup in cross-platform tests.
const TG_STAFF: i64 = -100;

/// A running adapter wired to a desk, talking to a fake Discord.
pub(crate) struct Rig {
    pub(crate) fake: FakeDiscord,
    pub(crate) store: Arc<dyn TicketStore>,
    router: Arc<Router>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// The Telegram adapter, when the test runs both platforms.
    telegram: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

pub(crate) async fn rig(extra_discord: &str) -> Rig {
    rig_with(extra_discord, None, "").await
}

/// A rig whose REST calls go to `https://discord.com` through the fake's TLS interception
/// (`https_proxy` + `ca_file`), with serenity's rate limiter on as in production.
pub(crate) async fn rig_intercepted(extra_discord: &str) -> Rig {
    build(true, None, extra_discord, None, "").await
}

/// A rig whose desk searches `kb`.
pub(crate) async fn rig_with_kb(kb: Arc<dyn KnowledgeBase>) -> Rig {
    build(false, Some(kb), "", None, "").await
}

/// A rig whose router also carries a Telegram adapter talking to `tg`.
async fn rig_with(extra_discord: &str, tg: Option<&FakeTelegram>, extra_staff: &str) -> Rig {
    build(false, None, extra_discord, tg, extra_staff).await
}

async fn build(
    intercepted: bool,
    kb: Option<Arc<dyn KnowledgeBase>>,
    extra_discord: &str,
    tg: Option<&FakeTelegram>,
    extra_staff: &str,
) -> Rig {
    let fake = match intercepted {
        true => FakeDiscord::start_intercepting().await,
        false => FakeDiscord::start().await,
    };
    let route = match intercepted {
        true => format!(
            "https_proxy = \"{}\"\nca_file = \"{}\"",
            fake.proxy_url(),
            fake.ca_file().display()
        ),
        false => format!("api_proxy = \"{}\"", fake.base()),
    };
    let (store, dir) = db::sqlite_store().await;
    let store: Arc<dyn TicketStore> = store;
    let toml = format!(
        r#"
[staff]
home = "discord"
discord_roles = {{ "{AGENT_ROLE}" = "agent", "{ADMIN_ROLE}" = "admin" }}
{extra_staff}

[discord]
staff_channel_id = "{STAFF}"
support_channel_ids = ["{SUPPORT}"]
command_guild_ids = ["{GUILD}"]
{route}
{extra_discord}
{telegram}
"#,
        telegram = tg.map_or(String::new(), |t| format!(
            "[telegram]\napi_url = \"{}\"\nstaff_chat_id = {TG_STAFF}\npoll_timeout_secs = 1\n\
             [telegram.limits]\noverall_per_sec = 10000\nchat_per_sec = 10000\n\
             chat_per_min = 1000000\ngroup_per_min = 1000000\n",
            t.url
        )),
    );
    let cfg = Config::from_layers(Some((Path::new("discord-test.toml"), &toml)), &[])
        .expect("test config");
    let kb: Arc<dyn KnowledgeBase> = kb.unwrap_or_else(|| {
        Arc::new(StubKb(vec![(
            "password".into(),
            hit("reset-password", "How to reset your password", 0.9),
        )]))
    });
    let settings = supportbot::app::desk_settings(&cfg);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let desk = Arc::new(Desk::new(store.clone(), Some(kb), clock, settings));
    let (channel, outlet) =
        DiscordChannel::new(&cfg.discord, "FAKE.TOKEN", store.clone()).expect("adapter");
    let mut router = Router::new();
    router.add(Platform::Discord, outlet);
    let telegram = match tg {
        Some(_) => {
            let (tg_channel, tg_outlet) =
                TelegramChannel::new(&cfg.telegram, "123:TEST", store.clone()).expect("telegram");
            router.add(Platform::Telegram, tg_outlet);
            Some(tg_channel)
        }
        None => None,
    };
    let router = Arc::new(router);
    let (shutdown, rx) = watch::channel(false);
    let telegram = telegram.map(|t| tokio::spawn(t.run(desk.clone(), router.clone(), rx.clone())));
    let task = tokio::spawn(channel.run(desk, router.clone(), rx));
    fake.wait_connected().await;
    let registered = format!("/applications/100/guilds/{GUILD}/commands");
    fake.wait_for("slash command registration", |c| {
        !matching(c, "PUT", &registered).is_empty()
    })
    .await;
    Rig {
        fake,
        store,
        router,
        shutdown,
        task,
        telegram,
        _dir: dir,
    }
}

impl Rig {
    /// Stops the adapter the way SIGTERM does and checks it ends cleanly.
    pub(crate) async fn stop(self) {
        self.shutdown.send(true).unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("adapter did not shut down");
        ended.unwrap().expect("adapter ended with an error");
        if let Some(tg) = self.telegram {
            let ended = tokio::time::timeout(Duration::from_secs(10), tg)
                .await
                .expect("telegram adapter did not shut down");
            ended
                .unwrap()
                .expect("telegram adapter ended with an error");
        }
        let unknown: Vec<String> = self
            .fake
            .calls()
            .iter()
            .filter(|c| c.status == 404)
            .map(|c| format!("{} {}", c.method, c.path))
            .collect();
        assert!(unknown.is_empty(), "bot called unknown routes: {unknown:?}");
    }

    pub(crate) async fn staff_thread(&self, id: i64) -> String {
        let space = self
            .store
            .staff_space(TicketId(id), Platform::Discord)
            .await
            .unwrap()
            .expect("ticket has a Discord staff thread");
        assert_eq!(space.chat, STAFF);
        space.thread.unwrap()
    }
}

pub(crate) fn messages_path(channel: &str) -> String {
    format!("/channels/{channel}/messages")
}

pub(crate) fn callback_path(id: &str, token: &str) -> String {
    format!("/interactions/{id}/{token}/callback")
}

pub(crate) fn content(c: &Call) -> String {
    c.body["content"]
        .as_str()
        .or(c.body["data"]["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Posts to a channel whose content contains `needle`.
pub(crate) fn posts_with(calls: &[Call], channel: &str, needle: &str) -> usize {
    matching(calls, "POST", &messages_path(channel))
        .iter()
        .filter(|c| content(c).contains(needle))
        .count()
}

pub(crate) fn custom_ids(c: &Call) -> Vec<String> {
    let rows = c.body["components"]
        .as_array()
        .or(c.body["data"]["components"].as_array())
        .cloned()
        .unwrap_or_default();
    rows.iter()
        .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
        .collect()
}

fn alice() -> Value {
    user("5000", "alice", false)
}

fn ann() -> Value {
    user("5100", "ann", false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_conversation_with_slash_commands_and_buttons() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let alice = alice();

    // `/faq` in a DM is answered ephemerally.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7001",
            "tok1",
            Where::Dm(CUSTOMER_DM),
            &alice,
            &[],
            "faq",
            json!([{"name": "query", "type": 3, "value": "reset password"}]),
        ),
    );
    let calls = fake
        .wait_for("/faq response", |c| {
            !matching(c, "POST", &callback_path("7001", "tok1")).is_empty()
        })
        .await;
    let faq = matching(&calls, "POST", &callback_path("7001", "tok1"))[0].clone();
    assert_eq!(faq.body["type"], 4);
    assert_eq!(faq.body["data"]["flags"], 64, "ephemeral: {}", faq.body);
    assert!(
        content(&faq).contains("How to reset your password"),
        "{}",
        content(&faq)
    );

    // A question gets the FAQ answer with Yes/No buttons.
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2001", CUSTOMER_DM, &alice, "How do I reset my password?"),
    );
    let calls = fake
        .wait_for("FAQ answer", |c| {
            posts_with(c, CUSTOMER_DM, "Did this help?") == 1
        })
        .await;
    let answer = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .find(|c| content(c).contains("Did this help?"))
        .unwrap()
        .clone();
    assert_eq!(answer.body["allowed_mentions"]["parse"], json!([]));
    let no = custom_ids(&answer)
        .into_iter()
        .find(|id| id.starts_with("fn:"))
        .expect("a 'No, I need a person' button");

    // "No" opens ticket #1: silent ack, a follow-up to the customer, a private staff thread.
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7002", "tok2", Where::Dm(CUSTOMER_DM), &alice, &[], &no),
    );
    let calls = fake
        .wait_for("staff thread intro", |c| {
            c.iter().any(|c| {
                c.path.starts_with("/channels/") && content(c).starts_with("New question ticket #1")
            })
        })
        .await;
    assert_eq!(
        matching(&calls, "POST", &callback_path("7002", "tok2"))[0].body["type"],
        6
    );
    let followups = matching(&calls, "POST", "/webhooks/100/tok2");
    assert!(
        content(followups[0]).contains("opened ticket #1"),
        "{:?}",
        followups
    );
    let created = matching(&calls, "POST", &format!("/channels/{STAFF}/threads"));
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].body["type"], 12, "private thread");
    assert!(
        created[0].body["name"]
            .as_str()
            .unwrap()
            .starts_with("#1 [P3]")
    );
    let thread = rig.staff_thread(1).await;
    let intro = matching(&calls, "POST", &messages_path(&thread))
        .into_iter()
        .find(|c| content(c).starts_with("New question ticket #1"))
        .unwrap()
        .clone();
    assert!(custom_ids(&intro).contains(&"cl:1".to_string()));
    let t = Where::Thread(&thread, STAFF);

    // A customer can neither use agent commands nor press Claim; the agent presses Claim.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash("7003", "tok3", t, &alice, &[], "claim", json!([])),
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7013", "tok13", t, &alice, &[], "cl:1"),
    );
    let calls = fake
        .wait_for("the refused Claim press", |c| {
            !matching(c, "POST", &callback_path("7013", "tok13")).is_empty()
        })
        .await;
    let refused = matching(&calls, "POST", &callback_path("7013", "tok13"))[0].clone();
    assert_eq!(refused.body["data"]["flags"], 64, "{}", refused.body);
    assert!(
        content(&refused).contains("Only support agents"),
        "{}",
        refused.body
    );
    assert!(
        rig.store
            .ticket(TicketId(1))
            .await
            .unwrap()
            .unwrap()
            .assignee
            .is_none()
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7004", "tok4", t, &ann(), &[AGENT_ROLE], "cl:1"),
    );
    let calls = fake
        .wait_for("claim", |c| {
            // The customer's /claim (7003) is handled concurrently with the presses.
            !matching(c, "POST", &callback_path("7004", "tok4")).is_empty()
                && !matching(c, "POST", &callback_path("7003", "tok3")).is_empty()
        })
        .await;
    let refused = matching(&calls, "POST", &callback_path("7003", "tok3"))[0].clone();
    assert!(
        content(&refused).contains("only for support agents"),
        "{}",
        refused.body
    );
    assert_eq!(refused.body["data"]["flags"], 64);
    assert!(
        content(matching(&calls, "POST", &callback_path("7004", "tok4"))[0]).contains("claimed")
    );
    fake.wait_for("customer told of the claim", |c| {
        posts_with(c, CUSTOMER_DM, "ann") >= 1
    })
    .await;

    // The relay, both ways: agent text in the thread reaches the DM, mentions broken.
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            "2002",
            &thread,
            &ann(),
            &[AGENT_ROLE],
            "Use the reset link @everyone",
        ),
    );
    let calls = fake
        .wait_for("agent relay", |c| {
            posts_with(c, CUSTOMER_DM, "Use the reset link") == 1
        })
        .await;
    let relayed = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .find(|c| content(c).contains("Use the reset link"))
        .unwrap()
        .clone();
    assert!(
        !content(&relayed).contains("@everyone"),
        "{}",
        content(&relayed)
    );
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2003", CUSTOMER_DM, &alice, "It worked, thanks"),
    );
    fake.wait_for("customer relay", |c| {
        posts_with(c, &thread, "It worked, thanks") == 1
    })
    .await;

    // Priority via slash command renames the thread; close archives it and asks for CSAT.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7005",
            "tok5",
            t,
            &ann(),
            &[AGENT_ROLE],
            "priority",
            json!([{"name": "priority", "type": 3, "value": "P2"}]),
        ),
    );
    fake.wait_for("rename", |c| {
        matching(c, "PATCH", &format!("/channels/{thread}"))
            .iter()
            .any(|p| {
                p.body["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("#1 [P2]"))
            })
    })
    .await;
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7006",
            "tok6",
            t,
            &ann(),
            &[AGENT_ROLE],
            "close",
            json!([{"name": "reason", "type": 3, "value": "password reset done"}]),
        ),
    );
    let calls = fake
        .wait_for("archive", |c| {
            matching(c, "PATCH", &format!("/channels/{thread}"))
                .iter()
                .any(|p| p.body["archived"] == true)
        })
        .await;
    let closed = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .find(|c| custom_ids(c).iter().any(|id| id.starts_with("cs:1:")))
        .expect("CSAT buttons sent to the customer")
        .clone();
    assert_eq!(custom_ids(&closed).len(), 5);

    // The customer rates 5; the rating is stored.
    fake.dispatch(
        "INTERACTION_CREATE",
        click(
            "7007",
            "tok7",
            Where::Dm(CUSTOMER_DM),
            &alice,
            &[],
            "cs:1:5",
        ),
    );
    fake.wait_for("CSAT thanks", |c| {
        !matching(c, "POST", "/webhooks/100/tok7").is_empty()
    })
    .await;
    let csat = rig
        .store
        .csat(TicketId(1))
        .await
        .unwrap()
        .expect("rating stored");
    assert_eq!(csat.score, 5);
    let ticket = rig.store.ticket(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(ticket.status, Status::Closed);

    // A click on a button the bot no longer knows gets a polite ephemeral note.
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7008", "tok8", Where::Dm(CUSTOMER_DM), &alice, &[], "zz:9"),
    );
    let calls = fake
        .wait_for("the stale-button note", |c| {
            !matching(c, "POST", &callback_path("7008", "tok8")).is_empty()
        })
        .await;
    let stale = matching(&calls, "POST", &callback_path("7008", "tok8"))[0].clone();
    assert_eq!(stale.body["data"]["flags"], 64, "{}", stale.body);
    assert!(!content(&stale).is_empty(), "{}", stale.body);

    // Reopening unarchives the thread.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7009",
            "tok9",
            t,
            &ann(),
            &[AGENT_ROLE],
            "reopen",
            json!([]),
        ),
    );
    let calls = fake
        .wait_for("unarchive after the archive", |c| {
            let patches = matching(c, "PATCH", &format!("/channels/{thread}"));
            let archived = patches.iter().position(|p| p.body["archived"] == true);
            archived.is_some_and(|i| patches[i..].iter().any(|p| p.body["archived"] == false))
                && !matching(c, "POST", &callback_path("7009", "tok9")).is_empty()
        })
        .await;
    let answer = matching(&calls, "POST", &callback_path("7009", "tok9"));
    assert!(
        answer.iter().any(|a| content(a).contains("reopened")),
        "{answer:?}"
    );
    let reopened = rig.store.ticket(TicketId(1)).await.unwrap().unwrap();
    assert!(reopened.status.is_active(), "{:?}", reopened.status);

    assert_eq!(ticket.assignee.map(|a| a.0), Some("ann".to_string()));
    let transcript = rig.store.transcript(TicketId(1)).await.unwrap();
    let bodies: Vec<&str> = transcript.iter().map(|e| e.body.as_str()).collect();
    assert!(
        bodies.iter().any(|b| b.contains("Use the reset link")),
        "{bodies:?}"
    );
    assert!(
        bodies.iter().any(|b| b.contains("It worked, thanks")),
        "{bodies:?}"
    );
    // Two renames fit Discord's budget, so nothing was deferred; every reply was mention-safe.
    let calls = fake.calls();
    assert!(
        matching(&calls, "PATCH", &format!("/channels/{thread}"))
            .iter()
            .filter(|p| p.body.get("name").is_some())
            .count()
            <= 2
    );
    for c in calls
        .iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/messages"))
    {
        assert_eq!(c.body["allowed_mentions"]["parse"], json!([]), "{}", c.body);
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_channel_moves_to_a_private_thread_mentions_are_neutralised_and_long_replies_split()
{
    let rig = rig("").await;
    let fake = &rig.fake;
    let bob = user("5200", "bob", false);

    // A post in the public support channel: pointer in place, the rest in a private thread.
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            "2101",
            SUPPORT,
            &bob,
            &[],
            "Printer broken @everyone <@&778> @here please",
        ),
    );
    let calls = fake
        .wait_for("ticket opened in the customer thread", |c| {
            c.iter()
                .any(|c| c.method == "POST" && content(c).contains("opened ticket #1"))
        })
        .await;
    let key = format!("discord:customer_thread:{SUPPORT}:5200");
    let cthread = rig
        .store
        .get_state(&key)
        .await
        .unwrap()
        .expect("customer thread remembered");
    let created = matching(&calls, "POST", &format!("/channels/{SUPPORT}/threads"));
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].body["type"], 12);
    assert_eq!(
        matching(
            &calls,
            "PUT",
            &format!("/channels/{cthread}/thread-members/5200")
        )
        .len(),
        1
    );
    let pointer = matching(&calls, "POST", &messages_path(SUPPORT));
    assert_eq!(pointer.len(), 1, "only the pointer is posted publicly");
    assert!(content(pointer[0]).contains(&format!("<#{cthread}>")));
    assert_eq!(pointer[0].body["message_reference"]["message_id"], "2101");
    assert_eq!(posts_with(&calls, &cthread, "opened ticket #1"), 1);

    // The staff thread shows the text with every ping broken.
    let thread = rig.staff_thread(1).await;
    let calls = fake
        .wait_for("intro", |c| posts_with(c, &thread, "Printer broken") == 1)
        .await;
    let intro = matching(&calls, "POST", &messages_path(&thread))
        .into_iter()
        .find(|c| content(c).contains("Printer broken"))
        .unwrap()
        .clone();
    let text = content(&intro);
    for ping in ["@everyone", "@here", "<@&778>"] {
        assert!(!text.contains(ping), "{ping} survived: {text}");
    }
    assert_eq!(intro.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(intro.body["allowed_mentions"]["roles"], json!([]));

    // The customer continues in their thread, with a screenshot: relayed by URL and recorded.
    let url = "https://cdn.discordapp.com/attachments/1/2/printer.png";
    let shot = crate::fake_discord::with_attachment(
        guild_message("2102", &cthread, &bob, &[], "here is a photo"),
        "9",
        "printer.png",
        url,
    );
    fake.dispatch("MESSAGE_CREATE", shot);
    fake.wait_for("attachment relay", |c| posts_with(c, &thread, url) == 1)
        .await;
    let transcript = rig.store.transcript(TicketId(1)).await.unwrap();
    let files: Vec<_> = transcript
        .iter()
        .flat_map(|e| e.attachments.clone())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].platform, Platform::Discord);
    assert_eq!(files[0].file_ref, url);

    // Plain-text commands typed in the staff thread work too (parity with Telegram).
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            "2103",
            &thread,
            &ann(),
            &[AGENT_ROLE],
            "/note customer is on v2.3",
        ),
    );
    fake.wait_for("typed /note", |c| {
        posts_with(c, &thread, "Internal note added") == 1
    })
    .await;
    let notes = rig.store.transcript(TicketId(1)).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|e| e.internal && e.body == "customer is on v2.3")
    );

    // A 5000-character `/reply` reaches the customer in parts of at most 2000 characters.
    let long: String = (0..715).map(|i| format!("step{i:03} ")).collect();
    assert!(long.len() >= 5000);
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7101",
            "tok1",
            Where::Thread(&thread, STAFF),
            &ann(),
            &[AGENT_ROLE],
            "reply",
            json!([{"name": "text", "type": 3, "value": long.clone()}]),
        ),
    );
    // The parts and the command's answer travel in different lanes, in either order.
    let calls = fake
        .wait_for("split reply and its answer", |c| {
            posts_with(c, &cthread, "step714") == 1
                && !matching(c, "POST", &callback_path("7101", "tok1")).is_empty()
        })
        .await;
    let parts: Vec<String> = matching(&calls, "POST", &messages_path(&cthread))
        .into_iter()
        .map(content)
        .filter(|t| t.contains("step"))
        .collect();
    assert!(parts.len() >= 3, "{} parts", parts.len());
    assert!(parts.iter().all(|p| p.chars().count() <= 2000));
    let words: Vec<&str> = parts
        .iter()
        .flat_map(|p| p.split_whitespace())
        .filter(|w| w.starts_with("step"))
        .collect();
    assert_eq!(
        words,
        long.split_whitespace().collect::<Vec<_>>(),
        "nothing lost or reordered"
    );
    // The command itself got an (ephemeral) answer, so Discord shows no error.
    let done = matching(&calls, "POST", &callback_path("7101", "tok1"));
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].body["data"]["flags"], 64);
    rig.stop().await;
}

/// A message id Discord would give now (ids are time-ordered, from 2015-01-01).
fn snowflake_now(n: u64) -> String {
    let ms = chrono::Utc::now().timestamp_millis() - 1_420_070_400_000;
    (((ms as u64) << 22) + n).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_session_fetches_what_the_old_one_missed_and_relays_it_once() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let alice = alice();
    fake.dispatch(
        "MESSAGE_CREATE",
        dm(&snowflake_now(1), CUSTOMER_DM, &alice, "my export fails"),
    );
    fake.wait_for("ticket", |c| {
        c.iter()
            .any(|c| content(c).starts_with("New question ticket #1"))
    })
    .await;
    let thread = rig.staff_thread(1).await;
    // The session expires; what the customer writes meanwhile is never dispatched.
    fake.expire_session();
    fake.write_unseen(dm(
        &snowflake_now(2),
        CUSTOMER_DM,
        &alice,
        "missed detail one",
    ));
    fake.write_unseen(dm(
        &snowflake_now(3),
        CUSTOMER_DM,
        &alice,
        "missed detail two",
    ));
    let calls = fake
        .wait_for("the missed messages relayed", |c| {
            posts_with(c, &thread, "missed detail one") == 1
                && posts_with(c, &thread, "missed detail two") == 1
        })
        .await;
    assert_eq!(fake.sessions().0, 2, "identified anew, not resumed");
    assert!(
        calls
            .iter()
            .any(|c| c.method == "GET" && c.path == format!("/channels/{CUSTOMER_DM}/messages")),
        "fetched the DM's history"
    );
    // The first message came again with the history; the dedupe dropped it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mentions: Vec<String> = fake
        .calls()
        .iter()
        .filter(|c| c.method == "POST" && c.path == messages_path(&thread))
        .map(content)
        .filter(|t| t.contains("my export fails"))
        .collect();
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    let transcript = rig.store.transcript(TicketId(1)).await.unwrap();
    assert_eq!(
        transcript
            .iter()
            .filter(|e| e.body.contains("missed detail"))
            .count(),
        2
    );
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_resume_mid_stream_loses_nothing_and_duplicates_nothing() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let alice = alice();
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7201",
            "tok1",
            Where::Dm(CUSTOMER_DM),
            &alice,
            &[],
            "ticket",
            json!([{"name": "text", "type": 3, "value": "my export fails"}]),
        ),
    );
    fake.wait_for("ticket", |c| {
        c.iter()
            .any(|c| content(c).starts_with("New question ticket #1"))
    })
    .await;
    let thread = rig.staff_thread(1).await;

    let say = |n: u32| {
        fake.dispatch(
            "MESSAGE_CREATE",
            dm(
                &format!("{}", 2200 + n),
                CUSTOMER_DM,
                &alice,
                &format!("detail number {n}"),
            ),
        );
    };
    say(1);
    say(2);
    fake.wait_for("first relays", |c| {
        posts_with(c, &thread, "detail number 2") == 1
    })
    .await;

    // The gateway asks for a reconnect; messages keep coming while the bot is away, and the
    // resume replays two events the bot had already handled.
    fake.set_resume_overlap(2);
    fake.reconnect();
    say(3);
    say(4);
    fake.wait_for("relays after resume", |c| {
        posts_with(c, &thread, "detail number 4") == 1
    })
    .await;
    fake.wait_connected().await;
    say(5);
    let calls = fake
        .wait_for("live relay", |c| {
            posts_with(c, &thread, "detail number 5") == 1
        })
        .await;

    let (identifies, resumes) = fake.sessions();
    assert_eq!(identifies, 1, "resumed, not re-identified");
    assert_eq!(resumes.len(), 1);
    assert_eq!(
        fake.redelivery(),
        (2, 2),
        "2 sent while away, 2 already-seen replayed"
    );
    for n in 1..=5 {
        assert_eq!(
            posts_with(&calls, &thread, &format!("detail number {n}")),
            1,
            "message {n}"
        );
    }
    let transcript = rig.store.transcript(TicketId(1)).await.unwrap();
    for n in 1..=5 {
        let copies = transcript
            .iter()
            .filter(|e| e.body == format!("detail number {n}"))
            .count();
        assert_eq!(copies, 1, "message {n} stored {copies} times");
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_renames_beyond_the_budget_are_coalesced_and_the_last_title_wins() {
    let rig = rig("rename_limit = 1\nrename_window_secs = 2").await;
    let fake = &rig.fake;
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7301",
            "tok1",
            Where::Dm(CUSTOMER_DM),
            &alice(),
            &[],
            "ticket",
            json!([{"name": "text", "type": 3, "value": "sync is slow"}]),
        ),
    );
    fake.wait_for("ticket", |c| {
        c.iter()
            .any(|c| content(c).starts_with("New question ticket #1"))
    })
    .await;
    let thread = rig.staff_thread(1).await;
    let t = Where::Thread(&thread, STAFF);
    for (i, p) in ["P2", "P1", "P4"].iter().enumerate() {
        let id = format!("{}", 7310 + i);
        fake.dispatch(
            "INTERACTION_CREATE",
            slash(
                &id,
                "tok",
                t,
                &ann(),
                &[AGENT_ROLE],
                "priority",
                json!([{"name": "priority", "type": 3, "value": p}]),
            ),
        );
        fake.wait_for("priority answered", |c| {
            !matching(c, "POST", &callback_path(&id, "tok")).is_empty()
        })
        .await;
    }
    let patch = format!("/channels/{thread}");
    let calls = fake
        .wait_for("deferred rename", |c| {
            matching(c, "PATCH", &patch).iter().any(|p| {
                p.body["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("#1 [P4]"))
            })
        })
        .await;
    let names: Vec<String> = matching(&calls, "PATCH", &patch)
        .iter()
        .filter_map(|p| p.body["name"].as_str().map(|n| n[..7].to_string()))
        .collect();
    assert_eq!(
        names,
        ["#1 [P2]", "#1 [P4]"],
        "P1 was superseded before its turn"
    );

    // `/panel` is for admins: an agent is refused, an admin gets the embed with its button.
    let support = Where::Channel(SUPPORT);
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7320",
            "tokp",
            support,
            &ann(),
            &[AGENT_ROLE],
            "panel",
            json!([]),
        ),
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7321",
            "tokq",
            support,
            &user("5300", "root", false),
            &[ADMIN_ROLE],
            "panel",
            json!([]),
        ),
    );
    // The two interactions are handled concurrently, so wait for both answers.
    let calls = fake
        .wait_for("panel", |c| {
            !matching(c, "POST", &callback_path("7321", "tokq")).is_empty()
                && !matching(c, "POST", &callback_path("7320", "tokp")).is_empty()
        })
        .await;
    assert!(
        content(matching(&calls, "POST", &callback_path("7320", "tokp"))[0])
            .contains("Only admins")
    );
    let panel = matching(&calls, "POST", &messages_path(SUPPORT));
    assert_eq!(panel.len(), 1);
    assert!(
        panel[0].body["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("open a ticket")
    );
    assert_eq!(custom_ids(panel[0]), ["ot"]);
    // A customer pressing it is told, privately, how to go on.
    let bob = user("5300", "bob", false);
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7330", "tokot", Where::Channel(SUPPORT), &bob, &[], "ot"),
    );
    let calls = fake
        .wait_for("the panel button answer", |c| {
            matching(c, "POST", "/webhooks/100/tokot")
                .iter()
                .chain(matching(c, "POST", &callback_path("7330", "tokot")).iter())
                .any(|a| content(a).contains("write your question"))
        })
        .await;
    let answer = matching(&calls, "POST", "/webhooks/100/tokot")
        .into_iter()
        .chain(matching(&calls, "POST", &callback_path("7330", "tokot")))
        .find(|a| content(a).contains("write your question"))
        .unwrap()
        .clone();
    let flags = if answer.body["data"].is_object() {
        &answer.body["data"]["flags"]
    } else {
        &answer.body["flags"]
    };
    assert_eq!(
        *flags,
        json!(64),
        "private to the customer: {}",
        answer.body
    );
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_customers_ticket_is_worked_in_a_discord_staff_thread() {
    const TG_ALICE: i64 = 42;
    let tg = FakeTelegram::start().await;
    let rig = rig_with("", Some(&tg), "").await;
    let fake = &rig.fake;
    // The staff home for Telegram tickets is Discord.
    tg.push(private_text(
        TG_ALICE,
        "Alice",
        10,
        "My invoice shows the wrong VAT number",
    ));
    let calls = fake
        .wait_for("Discord staff thread for a Telegram ticket", |c| {
            c.iter()
                .any(|c| content(c).starts_with("New question ticket #1"))
        })
        .await;
    assert_eq!(
        matching(&calls, "POST", &format!("/channels/{STAFF}/threads")).len(),
        1
    );
    let thread = rig.staff_thread(1).await;
    let intro = matching(&calls, "POST", &messages_path(&thread))
        .into_iter()
        .map(content)
        .find(|t| t.starts_with("New question ticket #1"))
        .unwrap();
    assert!(intro.contains("telegram 42"), "{intro}");
    tg.wait_until("ticket confirmation on Telegram", |t| {
        t.texts_to(TG_ALICE)
            .iter()
            .any(|m| m.contains("opened ticket #1"))
    })
    .await;

    // Discord agent → Telegram customer, and back.
    let t = Where::Thread(&thread, STAFF);
    fake.dispatch(
        "INTERACTION_CREATE",
        slash("7401", "tok1", t, &ann(), &[AGENT_ROLE], "claim", json!([])),
    );
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            "2401",
            &thread,
            &ann(),
            &[AGENT_ROLE],
            "Which invoice number is it?",
        ),
    );
    tg.wait_until("agent reply on Telegram", |t| {
        t.texts_to(TG_ALICE)
            .iter()
            .any(|m| m.contains("Which invoice number is it?"))
    })
    .await;
    tg.push(private_text(TG_ALICE, "Alice", 11, "INV-2026-0042"));
    fake.wait_for("customer reply in Discord", |c| {
        posts_with(c, &thread, "INV-2026-0042") == 1
    })
    .await;

    // A notice naming staff (as the SLA sweeper sends) pings exactly the named Discord users.
    let notice = Message {
        text: "🚨 SLA breached: ticket 1 [P3] first response. @ann, please respond. @everyone"
            .into(),
        notify: vec![
            UserRef::new(Platform::Discord, "777", "ann"),
            UserRef::new(Platform::Telegram, "55", "ann"),
        ],
        ..Message::default()
    };
    let to = Target::StaffSpace {
        ticket: TicketId(1),
        platform: Platform::Discord,
    };
    rig.router.dispatch(
        Platform::Discord,
        Planned::once(vec![Outbound::Send {
            to,
            message: notice,
        }]),
    );
    let calls = fake
        .wait_for("the SLA notice", |c| {
            posts_with(c, &thread, "SLA breached") == 1
        })
        .await;
    let posted = matching(&calls, "POST", &messages_path(&thread))
        .into_iter()
        .find(|c| content(c).contains("SLA breached"))
        .unwrap();
    let text = content(posted);
    assert!(
        text.ends_with("please respond. @\u{200b}everyone\n<@777>"),
        "{text}"
    );
    assert_eq!(posted.body["allowed_mentions"]["users"], json!(["777"]));
    assert_eq!(posted.body["allowed_mentions"]["parse"], json!([]));

    // Closing from Discord sends the rating buttons to Telegram; the rating is stored.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7402",
            "tok2",
            t,
            &ann(),
            &[AGENT_ROLE],
            "close",
            json!([{"name": "reason", "type": 3, "value": "VAT number corrected"}]),
        ),
    );
    tg.wait_until("CSAT buttons on Telegram", |t| {
        t.ok_calls("sendMessage").iter().any(|b| {
            b["chat_id"] == json!(TG_ALICE) && b["reply_markup"].to_string().contains("cs:1:4")
        })
    })
    .await;
    fake.wait_for("archived", |c| {
        matching(c, "PATCH", &format!("/channels/{thread}"))
            .iter()
            .any(|p| p.body["archived"] == true)
    })
    .await;
    tg.push(press("cbq-1", TG_ALICE, "Alice", TG_ALICE, None, "cs:1:4"));
    tg.wait_until("CSAT acknowledged", |t| {
        !t.ok_calls("answerCallbackQuery").is_empty()
    })
    .await;
    let csat = rig
        .store
        .csat(TicketId(1))
        .await
        .unwrap()
        .expect("rating stored");
    assert_eq!(csat.score, 4);
    let ticket = rig.store.ticket(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(ticket.requester.platform, Platform::Telegram);
    assert_eq!(ticket.status, Status::Closed);
    let bodies: Vec<String> = rig
        .store
        .transcript(TicketId(1))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert!(
        bodies.iter().any(|b| b == "Which invoice number is it?"),
        "{bodies:?}"
    );
    assert!(bodies.iter().any(|b| b == "INV-2026-0042"), "{bodies:?}");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_customers_ticket_is_worked_in_a_telegram_topic_via_home_for() {
    const TG_ANN: i64 = 7;
    let tg = FakeTelegram::start().await;
    // Discord is the staff home, except for Discord customers, whose tickets go to Telegram.
    let staff = format!(
        "home_for = {{ discord = \"telegram\" }}\n\
         [[staff.agents]]\nname = \"ann\"\nrole = \"agent\"\nusers = [\"telegram:{TG_ANN}\"]"
    );
    let rig = rig_with("", Some(&tg), &staff).await;
    let fake = &rig.fake;
    let alice = alice();

    fake.dispatch(
        "MESSAGE_CREATE",
        dm(
            "2501",
            CUSTOMER_DM,
            &alice,
            "The nightly export is stuck at 99%",
        ),
    );
    tg.wait_until("the Telegram topic intro", |t| {
        t.texts_to(TG_STAFF)
            .iter()
            .any(|m| m.contains("The nightly export is stuck"))
    })
    .await;
    let topic = tg.ok_calls("createForumTopic").pop().unwrap();
    assert!(
        topic["name"].as_str().unwrap().starts_with("#1 [P3]"),
        "{topic}"
    );
    let thread = tg
        .ok_calls("sendMessage")
        .into_iter()
        .find(|b| b["chat_id"] == json!(TG_STAFF))
        .unwrap()["message_thread_id"]
        .as_i64()
        .unwrap();
    assert!(
        matching(&fake.calls(), "POST", &format!("/channels/{STAFF}/threads")).is_empty(),
        "no Discord staff thread"
    );

    // Telegram agent → Discord customer, and back.
    tg.push(topic_text(
        TG_STAFF,
        thread,
        TG_ANN,
        "ann",
        20,
        "Please restart the export job",
    ));
    fake.wait_for("agent reply in the Discord DM", |c| {
        posts_with(c, CUSTOMER_DM, "Please restart the export job") == 1
    })
    .await;
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2502", CUSTOMER_DM, &alice, "Restarted, it finished"),
    );
    tg.wait_until("customer reply in the topic", |t| {
        t.ok_calls("sendMessage").iter().any(|b| {
            b["message_thread_id"] == json!(thread)
                && b["text"]
                    .as_str()
                    .unwrap()
                    .contains("Restarted, it finished")
        })
    })
    .await;

    // Closing in the topic sends the rating buttons to Discord and closes the topic.
    tg.push(topic_text(
        TG_STAFF,
        thread,
        TG_ANN,
        "ann",
        21,
        "/close fixed",
    ));
    fake.wait_for("CSAT buttons in the Discord DM", |c| {
        matching(c, "POST", &messages_path(CUSTOMER_DM))
            .iter()
            .any(|m| custom_ids(m).iter().any(|id| id == "cs:1:5"))
    })
    .await;
    tg.wait_until("topic closed", |t| {
        !t.ok_calls("closeForumTopic").is_empty()
    })
    .await;
    let t = rig.store.ticket(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(t.status, Status::Closed);
    assert_eq!(t.requester.platform, Platform::Discord);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_thread_that_could_not_be_created_is_created_by_the_next_message() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let alice = alice();
    // Discord refuses the first thread (say the bot lacked a permission for a moment).
    fake.refuse_threads(1);
    fake.dispatch(
        "MESSAGE_CREATE",
        dm(
            "2601",
            CUSTOMER_DM,
            &alice,
            "Invoices show the wrong address",
        ),
    );
    let calls = fake
        .wait_for("the intro in a thread made on the second try", |c| {
            c.iter().any(|c| {
                c.path.starts_with("/channels/") && content(c).starts_with("New question ticket #1")
            })
        })
        .await;
    let tries = matching(&calls, "POST", &format!("/channels/{STAFF}/threads"));
    assert_eq!(
        tries.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![403, 200]
    );
    let thread = rig.staff_thread(1).await;
    assert_eq!(posts_with(&calls, &thread, "New question ticket #1"), 1);
    // The customer's next message lands in that thread too.
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2602", CUSTOMER_DM, &alice, "It is the old office"),
    );
    fake.wait_for("the follow-up in the thread", |c| {
        posts_with(c, &thread, "It is the old office") == 1
    })
    .await;
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_message_delivered_again_carries_the_same_enforced_nonce_and_posts_once() {
    let rig = rig("").await;
    let fake = &rig.fake;
    // The same outbox row twice, as when a crash cut off the answer to the first attempt.
    let planned = || Planned {
        outbox_id: Some(41),
        action: Outbound::Send {
            to: Target::Conversation(supportbot::domain::ids::ConversationRef::chat(
                Platform::Discord,
                CUSTOMER_DM,
            )),
            message: Message::text("your export is ready"),
        },
    };
    rig.router.dispatch(Platform::Discord, vec![planned()]);
    rig.router.dispatch(Platform::Discord, vec![planned()]);
    let calls = fake
        .wait_for("both attempts", |c| {
            posts_with(c, CUSTOMER_DM, "your export is ready") == 2
        })
        .await;
    let posts: Vec<&Call> = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .filter(|c| content(c).contains("your export is ready"))
        .collect();
    assert_eq!(posts[0].body["nonce"], posts[1].body["nonce"]);
    assert_eq!(posts[0].body["nonce"].as_str().map(str::len), Some(25));
    assert!(posts.iter().all(|c| c.body["enforce_nonce"] == json!(true)));
    assert_eq!(
        posts.iter().filter(|c| !c.repeat).count(),
        1,
        "Discord posted it once"
    );
    // Another row with the same text is a different message.
    rig.router.dispatch(
        Platform::Discord,
        vec![Planned {
            outbox_id: Some(42),
            ..planned()
        }],
    );
    let calls = fake
        .wait_for("the other row", |c| {
            posts_with(c, CUSTOMER_DM, "your export is ready") == 3
        })
        .await;
    let created = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .filter(|c| content(c).contains("your export is ready") && !c.repeat)
        .count();
    assert_eq!(created, 2);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_post_in_a_support_channel_during_downtime_is_fetched_and_handled() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let alice = alice();
    fake.dispatch(
        "MESSAGE_CREATE",
        dm(&snowflake_now(1), CUSTOMER_DM, &alice, "my export fails"),
    );
    fake.wait_for("ticket", |c| {
        c.iter()
            .any(|c| content(c).starts_with("New question ticket #1"))
    })
    .await;
    // Someone the bot has never heard of posts in the support channel while no session runs.
    fake.expire_session();
    let carol = user("5400", "carol", false);
    fake.write_unseen(guild_message(
        &snowflake_now(2),
        SUPPORT,
        &carol,
        &[],
        "the installer hangs at 90 percent",
    ));
    let calls = fake
        .wait_for("carol's ticket", |c| {
            c.iter()
                .any(|c| c.method == "POST" && content(c).contains("opened ticket #2"))
        })
        .await;
    assert!(
        calls
            .iter()
            .any(|c| c.method == "GET" && c.path == format!("/channels/{SUPPORT}/messages")),
        "fetched the support channel's history"
    );
    // Fetched messages carry no server; the catch-up puts it back, so carol continues in a
    // private thread as a live post would, not in the public channel.
    assert_eq!(
        matching(&calls, "POST", &format!("/channels/{SUPPORT}/threads")).len(),
        1
    );
    assert!(
        !matching(&calls, "POST", &messages_path(SUPPORT))
            .iter()
            .any(|c| content(c).contains("opened ticket")),
        "the confirmation went to the public support channel"
    );
    let carols = rig
        .store
        .active_ticket_for(&UserRef::new(Platform::Discord, "5400", "carol"))
        .await
        .unwrap()
        .expect("a ticket for carol");
    let transcript = rig.store.transcript(carols.id).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e.body.contains("installer hangs at 90 percent"))
    );
    rig.stop().await;
}
