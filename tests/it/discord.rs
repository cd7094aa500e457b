//! The Discord adapter end to end: real serenity against the fake Discord, a real desk over
//! SQLite. (The cross-platform Telegram↔Discord test is added once both adapters are merged.)

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use supportbot::channels::Router;
use supportbot::channels::discord::DiscordChannel;
use supportbot::config::Config;
use supportbot::domain::desk::{Desk, DeskSettings};
use supportbot::domain::ids::{Platform, TicketId};
use supportbot::domain::ports::{Clock, KnowledgeBase, ManualClock, TicketStore};
use supportbot::domain::ticket::Status;
use tokio::sync::watch;

use crate::db;
use crate::fake_discord::{
    Call, FakeDiscord, GUILD, Where, click, dm, guild_message, matching, slash, user,
};
use crate::harness::{StubKb, hit, t0};

const STAFF: &str = "6000";
const SUPPORT: &str = "6100";
const AGENT_ROLE: &str = "777";
const ADMIN_ROLE: &str = "778";
const CUSTOMER_DM: &str = "3000";

/// A running adapter wired to a desk, talking to a fake Discord.
struct Rig {
    fake: FakeDiscord,
    store: Arc<dyn TicketStore>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn rig(extra_discord: &str) -> Rig {
    let fake = FakeDiscord::start().await;
    let (store, dir) = db::sqlite_store().await;
    let store: Arc<dyn TicketStore> = store;
    let toml = format!(
        r#"
[staff]
home = "discord"
discord_roles = {{ "{AGENT_ROLE}" = "agent", "{ADMIN_ROLE}" = "admin" }}

[discord]
staff_channel_id = "{STAFF}"
support_channel_ids = ["{SUPPORT}"]
command_guild_ids = ["{GUILD}"]
api_proxy = "{base}"
{extra_discord}
"#,
        base = fake.base()
    );
    let cfg = Config::from_layers(Some((Path::new("discord-test.toml"), &toml)), &[])
        .expect("test config");
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![(
        "password".into(),
        hit("reset-password", "How to reset your password", 0.9),
    )]));
    let settings = DeskSettings {
        customers: cfg.customers.clone(),
        staff: cfg.staff.clone(),
        faq: cfg.faq.clone(),
        sla: cfg.sla.clone(),
    };
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let desk = Arc::new(Desk::new(store.clone(), Some(kb), clock, settings));
    let (channel, outlet) =
        DiscordChannel::new(&cfg.discord, "FAKE.TOKEN", store.clone()).expect("adapter");
    let mut router = Router::new();
    router.add(Platform::Discord, outlet);
    let (shutdown, rx) = watch::channel(false);
    let task = tokio::spawn(channel.run(desk, Arc::new(router), rx));
    fake.wait_connected().await;
    let registered = format!("/applications/100/guilds/{GUILD}/commands");
    fake.wait_for("slash command registration", |c| {
        !matching(c, "PUT", &registered).is_empty()
    })
    .await;
    Rig {
        fake,
        store,
        shutdown,
        task,
        _dir: dir,
    }
}

impl Rig {
    /// Stops the adapter the way SIGTERM does and checks it ends cleanly.
    async fn stop(self) {
        self.shutdown.send(true).unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("adapter did not shut down");
        ended.unwrap().expect("adapter ended with an error");
        let unknown: Vec<String> = self
            .fake
            .calls()
            .iter()
            .filter(|c| c.status == 404)
            .map(|c| format!("{} {}", c.method, c.path))
            .collect();
        assert!(unknown.is_empty(), "bot called unknown routes: {unknown:?}");
    }

    async fn staff_thread(&self, id: i64) -> String {
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

fn messages_path(channel: &str) -> String {
    format!("/channels/{channel}/messages")
}

fn callback_path(id: &str, token: &str) -> String {
    format!("/interactions/{id}/{token}/callback")
}

fn content(c: &Call) -> String {
    c.body["content"]
        .as_str()
        .or(c.body["data"]["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Posts to a channel whose content contains `needle`.
fn posts_with(calls: &[Call], channel: &str, needle: &str) -> usize {
    matching(calls, "POST", &messages_path(channel))
        .iter()
        .filter(|c| content(c).contains(needle))
        .count()
}

fn custom_ids(c: &Call) -> Vec<String> {
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
    assert!(content(&faq).contains("How to reset your password"));

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

    // A customer cannot use agent commands; the agent claims with `/claim` (id from the thread).
    fake.dispatch(
        "INTERACTION_CREATE",
        slash("7003", "tok3", t, &alice, &[], "claim", json!([])),
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        slash("7004", "tok4", t, &ann(), &[AGENT_ROLE], "claim", json!([])),
    );
    let calls = fake
        .wait_for("claim", |c| {
            !matching(c, "POST", &callback_path("7004", "tok4")).is_empty()
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
