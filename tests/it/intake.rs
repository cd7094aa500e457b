//! The desk's language rules and intake suggestion, end to end over SQLite: staff texts in
//! `staff.lang` (and an agent's own), the customer's language on the ticket, small talk in
//! three languages, and a one-tap accept of the suggested kind and priority that retargets
//! the SLA clock.

use std::path::Path;
use std::sync::Arc;

use supportbot::config::Config;
use supportbot::domain::desk::Desk;
use supportbot::domain::event::{Inbound, InboundBody, Outbound, Space};
use supportbot::domain::i18n::Lang;
use supportbot::domain::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use supportbot::domain::ports::{Clock, KnowledgeBase, ManualClock, TicketStore};
use supportbot::domain::sla_clock::ClockKind;
use supportbot::domain::ticket::{Priority, TicketKind};

use crate::db::sqlite_store;
use crate::harness::{StubKb, hit, staff_space, t0};

const CONFIG: &str = r#"
[customers]
default_tier = "basic"
default_lang = "en"
[staff]
home = "console"
lang = "hu"
[[staff.agents]]
name = "ann"
role = "agent"
users = ["console:ann"]
[[staff.agents]]
name = "wei"
role = "agent"
users = ["console:wei"]
lang = "zh"
"#;

struct Rig {
    desk: Desk,
    store: Arc<dyn TicketStore>,
    cfg: Config,
    n: std::sync::atomic::AtomicU64,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn new() -> Rig {
        Rig::with_kb(None).await
    }

    async fn with_kb(kb: Option<Arc<dyn KnowledgeBase>>) -> Rig {
        let (store, dir) = sqlite_store().await;
        let store: Arc<dyn TicketStore> = store;
        let cfg = Config::from_layers(Some((Path::new("intake.toml"), CONFIG)), &[]).unwrap();
        let settings = supportbot::app::desk_settings(&cfg);
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
        let desk = Desk::new(store.clone(), kb, clock, settings);
        Rig {
            desk,
            store,
            cfg,
            n: Default::default(),
            _dir: dir,
        }
    }

    async fn send(
        &self,
        who: &str,
        space: Space,
        ticket: Option<i64>,
        body: InboundBody,
    ) -> Vec<Outbound> {
        let n = self.n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let conversation = match ticket {
            Some(id) => staff_space(TicketId(id)),
            None => ConversationRef::chat(Platform::Console, format!("dm-{who}")),
        };
        let interaction = matches!(body, InboundBody::Button { .. }).then(|| format!("i{n}"));
        let out = self
            .desk
            .handle(Inbound {
                key: MessageKey::new(Platform::Console, format!("m{n}")),
                at: t0(),
                from: UserRef::new(Platform::Console, who, who),
                roles: Vec::new(),
                conversation,
                space,
                interaction,
                body,
                locale: None,
                community_locale: None,
            })
            .await;
        for o in &out {
            if let Outbound::OpenStaffSpace { ticket, .. } = o {
                self.store
                    .bind_staff_space(*ticket, &staff_space(*ticket))
                    .await
                    .unwrap();
            }
        }
        out
    }

    async fn says(&self, who: &str, text: &str) -> Vec<Outbound> {
        self.send(
            who,
            Space::Customer,
            None,
            InboundBody::Text { text: text.into() },
        )
        .await
    }
}

fn texts(out: &[Outbound]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Outbound::Send { message, .. } => Some(message.text.clone()),
            Outbound::Ack { text, .. } => text.clone(),
            _ => None,
        })
        .collect()
}

fn button_data(out: &[Outbound]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Outbound::Send { message, .. } => {
                Some(message.buttons.iter().map(|b| b.action.encode()))
            }
            _ => None,
        })
        .flatten()
        .collect()
}

#[tokio::test]
async fn an_outage_is_suggested_as_a_p1_incident_and_one_tap_sets_it_and_its_sla() {
    let rig = Rig::new().await;
    let out = rig
        .says("bob", "Production is down, none of our users can log in")
        .await;
    let all = texts(&out);
    // The customer reads English; the staff space reads Hungarian, with the suggestion.
    assert!(all[0].starts_with("I've opened ticket #1"), "{all:?}");
    let intro = all
        .iter()
        .find(|t| t.starts_with("Új jegy"))
        .expect("a Hungarian intro");
    assert!(intro.contains("Az ügyfél nyelve: angol"), "{intro}");
    assert!(intro.contains("Javaslat: üzemzavar, P1"), "{intro}");
    let data = button_data(&out);
    assert_eq!(data, ["cl:1", "tr:1:i:1"], "{data:?}");
    let title = out
        .iter()
        .find_map(|o| match o {
            Outbound::OpenStaffSpace { title, .. } => Some(title.clone()),
            _ => None,
        })
        .unwrap();
    assert!(title.starts_with("#1 [P3]"), "{title}");

    // Ann (staff.lang hu) accepts; the ticket becomes a P1 incident and its first-response
    // clock targets P1 from the moment it opened.
    let out = rig
        .send(
            "ann",
            Space::Staff,
            Some(1),
            InboundBody::Button {
                data: "tr:1:i:1".into(),
                message: None,
            },
        )
        .await;
    let said = texts(&out);
    assert!(
        said.iter()
            .any(|t| t.contains("ann elfogadta a javaslatot: üzemzavar, P1")),
        "{said:?}"
    );
    let t = rig.store.ticket(TicketId(1)).await.unwrap().unwrap();
    assert_eq!((t.priority, t.kind), (Priority::P1, TicketKind::Incident));
    assert!(t.tags.contains(&"incident".to_string()));
    let events = rig.store.events(TicketId(1)).await.unwrap();
    let clocks = rig.cfg.sla.clocks(&t, &events, t0());
    let first = clocks
        .iter()
        .find(|c| c.kind == ClockKind::FirstResponse)
        .unwrap();
    let p1 = rig.cfg.sla.clocks(
        &supportbot::domain::ticket::Ticket {
            priority: Priority::P1,
            ..t.clone()
        },
        &[],
        t0(),
    );
    assert_eq!(
        first.target,
        p1.iter()
            .find(|c| c.kind == ClockKind::FirstResponse)
            .unwrap()
            .target
    );
    assert_eq!(first.start, t.created_at);

    // A second tap finds nothing to change.
    let out = rig
        .send(
            "ann",
            Space::Staff,
            Some(1),
            InboundBody::Button {
                data: "tr:1:i:1".into(),
                message: None,
            },
        )
        .await;
    assert!(
        texts(&out).iter().any(|t| t.contains("már nem érvényes")),
        "{:?}",
        texts(&out)
    );
}

#[tokio::test]
async fn agents_read_their_own_language_and_the_customer_theirs() {
    let rig = Rig::new().await;
    rig.says("bob", "我的软件什么时候有安全更新？").await;
    // Wei reads Chinese, Ann (staff.lang) Hungarian; /show names the customer's language.
    let wei = rig
        .send(
            "wei",
            Space::Staff,
            Some(1),
            InboundBody::Text {
                text: "/show".into(),
            },
        )
        .await;
    let shown = texts(&wei).join("\n");
    assert!(shown.contains("语言：中文"), "{shown}");
    let ann = rig
        .send(
            "ann",
            Space::Staff,
            Some(1),
            InboundBody::Text {
                text: "/claim".into(),
            },
        )
        .await;
    let said = texts(&ann);
    assert!(
        said.iter().any(|t| t == "ann átvette a jegyet: #1."),
        "{said:?}"
    );
    // The customer learns of the claim in Chinese.
    assert!(
        said.iter().any(|t| t == "客服 ann 正在处理您的工单 #1。"),
        "{said:?}"
    );
    let stored = rig
        .store
        .user_lang(&UserRef::new(Platform::Console, "bob", "bob"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.lang, stored.chosen), (Lang::Zh, false));
}

#[tokio::test]
async fn small_talk_in_three_languages_opens_no_ticket() {
    let rig = Rig::new().await;
    for (who, text, reply) in [
        ("a", "hello", "Hello! I'm the support bot."),
        ("b", "谢谢！", "不客气！"),
        ("c", "Köszönöm szépen", "Szívesen!"),
        ("d", "👍", "All right."),
        ("e", "好的", "好的。"),
    ] {
        let out = rig.says(who, text).await;
        let t = texts(&out);
        assert_eq!(t.len(), 1, "{text}: {t:?}");
        assert!(t[0].starts_with(reply), "{text}: {t:?}");
        assert!(
            !out.iter()
                .any(|o| matches!(o, Outbound::OpenStaffSpace { .. })),
            "{text}"
        );
    }
    let out = rig.says("f", "\u{200b}\u{2060}").await;
    assert!(out.is_empty(), "{out:?}");
    assert!(rig.store.ticket(TicketId(1)).await.unwrap().is_none());
}

#[tokio::test]
async fn an_urgent_failed_login_opens_a_ticket_in_any_language_without_faq_or_small_talk() {
    // A knowledge base that is sure of an answer to anything: only the routing keeps these
    // messages from being answered with an article.
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![(
        String::new(),
        hit("login-help", "Trouble logging in", 0.95),
    )]));
    let rig = Rig::with_kb(Some(kb)).await;
    for (n, (who, text)) in [
        ("en", "URGENT: I can't log in!"),
        ("zh", "紧急！登录不了"),
        ("hu", "nem működik a bejelentkezés, sürgős!"),
    ]
    .into_iter()
    .enumerate()
    {
        let out = rig.says(who, text).await;
        assert!(
            out.iter()
                .any(|o| matches!(o, Outbound::OpenStaffSpace { .. })),
            "{text}: {:?}",
            texts(&out)
        );
        assert!(
            !texts(&out).iter().any(|t| t.contains("Trouble logging in")),
            "{text} was answered from the FAQ"
        );
        let t = rig.store.ticket(TicketId(n as i64 + 1)).await.unwrap();
        assert!(t.is_some(), "{text}: no ticket {}", n + 1);
        // The staff intro suggests a P1 incident, with its one-tap accept.
        let data = button_data(&out);
        assert!(
            data.contains(&format!("tr:{}:i:1", n + 1)),
            "{text}: {data:?}"
        );
    }
    // A plain question, and one person's failed login said calmly, still get the article
    // first: a password reset may be all they need.
    for (who, text) in [
        ("q", "How do I change my password?"),
        ("r", "I cannot log in"),
    ] {
        let out = rig.says(who, text).await;
        assert!(
            texts(&out).iter().any(|t| t.contains("Trouble logging in")),
            "{text}"
        );
        assert!(
            !out.iter()
                .any(|o| matches!(o, Outbound::OpenStaffSpace { .. })),
            "{text}"
        );
    }
}

#[tokio::test]
async fn an_already_refusal_names_the_state_in_the_agents_language() {
    let rig = Rig::new().await;
    rig.says("bob", "/ticket the export is empty").await;
    let staff = |who: &'static str, text: &'static str| {
        rig.send(
            who,
            Space::Staff,
            Some(1),
            InboundBody::Text { text: text.into() },
        )
    };
    staff("ann", "/claim").await;
    // Ann reads Hungarian (staff.lang), Wei Chinese (his own lang).
    let again = texts(&staff("ann", "/claim").await);
    assert_eq!(again, ["A(z) #1 jegyet már Ön vette át."], "{again:?}");
    staff("ann", "/pending").await;
    let again = texts(&staff("ann", "/pending").await);
    assert_eq!(
        again,
        ["A(z) #1 jegy állapota már: ügyfélre vár."],
        "{again:?}"
    );
    let again = texts(&staff("wei", "/pending").await);
    assert_eq!(again, ["工单 #1 已经是“等待客户”状态。"], "{again:?}");
    let again = texts(&staff("wei", "/priority P3").await);
    assert_eq!(again, ["工单 #1 的优先级已经是 P3。"], "{again:?}");
}
