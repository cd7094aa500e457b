//! TestApp: drives a real desk over a real SQLite (or PostgreSQL) store the way people do,
//! so tests read like conversations: `app.user_says(..)`, `app.agent_says(..)`, `app.advance(..)`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use supportbot::config::Config;
use supportbot::domain::desk::Desk;
use supportbot::domain::event::{Button, Inbound, InboundBody, Message, Outbound, Space, Target};
use supportbot::domain::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use supportbot::domain::ports::{Clock, KbHit, KnowledgeBase, ManualClock, TicketStore};

/// The agent identity configured in [`BASE_CONFIG`].
pub const AGENT: &str = "ann";

/// Config every TestApp starts from: one agent, one lead, a customer account with a license.
pub const BASE_CONFIG: &str = r#"
[staff]
home = "console"
[[staff.agents]]
name = "ann"
role = "agent"
users = ["console:ann"]
[[staff.agents]]
name = "lea"
role = "lead"
users = ["console:lea"]

[[customers.accounts]]
name = "Acme"
tier = "enterprise"
support_until = "2030-12-31"
license_keys = ["ACME-KEY-1"]

[[customers.accounts]]
name = "Oldco"
tier = "pro"
support_until = "2020-01-01"
users = ["console:old"]
"#;

/// A knowledge base with fixed answers, for desk tests; the real index is tested in kb.rs.
pub struct StubKb(pub Vec<(String, KbHit)>);

impl KnowledgeBase for StubKb {
    fn phrasings(&self, id: &str) -> Option<supportbot::domain::learning::Phrasings> {
        self.0.iter().find(|(_, h)| h.id == id).map(|(_, h)| {
            supportbot::domain::learning::Phrasings {
                id: h.id.clone(),
                lang: h.lang.clone(),
                title: h.title.clone(),
                questions: Vec::new(),
            }
        })
    }

    fn search(&self, query: &str, _lang: Option<&str>, limit: usize) -> Vec<KbHit> {
        let q = query.to_lowercase();
        self.0
            .iter()
            .filter(|(needle, _)| q.contains(needle.as_str()))
            .map(|(_, h)| h.clone())
            .take(limit)
            .collect()
    }
}

/// One article hit with a given confidence.
pub fn hit(id: &str, title: &str, confidence: f32) -> KbHit {
    KbHit {
        id: id.into(),
        title: title.into(),
        excerpt: format!("{title}: here is how it works, step by step."),
        confidence,
        lang: "en".into(),
    }
}

/// Where the test desks' `/dashboard` links point.
pub const DASHBOARD_URL: &str = "http://dashboard.test";

/// A running desk plus the people talking to it.
pub struct TestApp {
    /// The desk under test.
    pub desk: Arc<Desk>,
    /// Its store.
    pub store: Arc<dyn TicketStore>,
    /// The injected clock.
    pub clock: Arc<ManualClock>,
    seq: AtomicU64,
    /// Distinguishes message keys of TestApps sharing one database (restart tests).
    run: String,
}

/// Monday 2026-11-23 10:00 UTC: inside business hours in any default calendar.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

impl TestApp {
    /// A desk over `store` with [`BASE_CONFIG`] plus `extra` TOML and an optional KB.
    pub fn over(
        store: Arc<dyn TicketStore>,
        extra: &str,
        kb: Option<Arc<dyn KnowledgeBase>>,
    ) -> TestApp {
        Self::build(store, extra, kb, None)
    }

    /// [`TestApp::over`] a SQL store, answering `/report sla` from it as the bot does.
    pub fn over_sql(
        store: Arc<supportbot::storage::SqlStore>,
        extra: &str,
        kb: Option<Arc<dyn KnowledgeBase>>,
    ) -> TestApp {
        Self::build(store.clone(), extra, kb, Some(store))
    }

    /// [`TestApp::over_sql`] with a real kb loaded from a folder, whose proposed phrasings
    /// `/kb accept` writes there, as the bot wires it.
    pub fn learning(
        store: Arc<supportbot::storage::SqlStore>,
        extra: &str,
        kb: Arc<supportbot::search::Kb>,
    ) -> TestApp {
        let app = Self::build(
            store.clone(),
            extra,
            Some(kb.clone() as Arc<dyn KnowledgeBase>),
            Some(store.clone()),
        );
        let learning =
            supportbot::learning::Learning::new(store, kb, app.clock.clone() as Arc<dyn Clock>)
                .expect("the kb was loaded from a folder");
        app.with_curator(Arc::new(learning))
    }

    /// The same app whose desk reviews proposals (`/kb`) through `curator`.
    pub fn with_curator(
        mut self,
        curator: Arc<dyn supportbot::domain::learning::KbCurator>,
    ) -> TestApp {
        let desk = Arc::try_unwrap(self.desk).expect("the desk is not shared yet");
        self.desk = Arc::new(desk.with_curator(curator));
        self
    }

    fn build(
        store: Arc<dyn TicketStore>,
        extra: &str,
        kb: Option<Arc<dyn KnowledgeBase>>,
        sql: Option<Arc<supportbot::storage::SqlStore>>,
    ) -> TestApp {
        let toml = format!("{BASE_CONFIG}\n{extra}");
        let cfg =
            Config::from_layers(Some((Path::new("test.toml"), &toml)), &[]).expect("test config");
        let clock = Arc::new(ManualClock::new(t0()));
        // Conversations here run at machine speed on a stopped clock: the flood limit applies
        // only where a test sets [limits] itself (tests/it/limits.rs).
        let mut limits = cfg.limits.clone();
        if !extra.contains("[limits]") {
            limits.per_user_per_minute = u32::MAX;
        }
        let settings = supportbot::app::desk_settings(&cfg);
        let mut desk = Desk::new(store.clone(), kb, clock.clone() as Arc<dyn Clock>, settings)
            .with_limits(limits)
            .with_sign_in(Arc::new(supportbot::web::Signer::with_key(
                b"test key".to_vec(),
                DASHBOARD_URL,
            )));
        if let Some(sql) = sql {
            desk = desk.with_reports(Arc::new(supportbot::reports::service::SqlReports::new(
                sql,
                cfg.clone(),
            )));
        }
        let desk = Arc::new(desk);
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let run = format!(
            "{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::SeqCst)
        );
        TestApp {
            desk,
            store,
            clock,
            seq: AtomicU64::new(1),
            run,
        }
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    fn next_key(&self) -> MessageKey {
        MessageKey::new(
            Platform::Console,
            format!("{}-m{}", self.run, self.seq.fetch_add(1, Ordering::SeqCst)),
        )
    }

    /// Builds a customer message without sending it (for replay tests).
    pub fn customer_inbound(&self, who: &str, body: InboundBody) -> Inbound {
        Inbound {
            key: self.next_key(),
            at: self.clock.now(),
            from: UserRef::new(Platform::Console, who, who),
            roles: Vec::new(),
            conversation: ConversationRef::chat(Platform::Console, format!("dm-{who}")),
            space: Space::Customer,
            interaction: None,
            body,
            locale: None,
            community_locale: None,
        }
    }

    /// Sends an inbound event through the desk, acting as the adapter for staff spaces.
    pub async fn send(&self, inbound: Inbound) -> Replies {
        let out = self.desk.handle(inbound).await;
        for o in &out {
            if let Outbound::OpenStaffSpace { ticket, .. } = o {
                self.store
                    .bind_staff_space(*ticket, &staff_space(*ticket))
                    .await
                    .unwrap();
            }
        }
        Replies(out)
    }

    /// A customer writes in their DM.
    pub async fn user_says(&self, who: &str, text: &str) -> Replies {
        let inb = self.customer_inbound(who, InboundBody::Text { text: text.into() });
        self.send(inb).await
    }

    /// A customer presses a button.
    pub async fn user_presses(&self, who: &str, data: &str) -> Replies {
        let mut inb = self.customer_inbound(
            who,
            InboundBody::Button {
                data: data.into(),
                message: None,
            },
        );
        inb.interaction = Some(format!("cb-{}", inb.key.id));
        self.send(inb).await
    }

    /// Staff member `who` writes inside ticket `id`'s staff space (or the lobby when `None`).
    pub async fn staff_says(&self, who: &str, id: Option<TicketId>, text: &str) -> Replies {
        let inb = self.staff_inbound(who, id, InboundBody::Text { text: text.into() });
        self.send(inb).await
    }

    /// The default agent writes inside ticket `id`'s staff space.
    pub async fn agent_says(&self, id: TicketId, text: &str) -> Replies {
        self.staff_says(AGENT, Some(id), text).await
    }

    /// Staff member `who` presses a button in ticket `id`'s staff space.
    pub async fn staff_presses(&self, who: &str, id: TicketId, data: &str) -> Replies {
        let mut inb = self.staff_inbound(
            who,
            Some(id),
            InboundBody::Button {
                data: data.into(),
                message: None,
            },
        );
        inb.interaction = Some(format!("cb-{}", inb.key.id));
        self.send(inb).await
    }

    /// Builds a staff message in ticket `id`'s space (or the lobby) without sending it.
    pub fn staff_inbound(&self, who: &str, id: Option<TicketId>, body: InboundBody) -> Inbound {
        Inbound {
            key: self.next_key(),
            at: self.clock.now(),
            from: UserRef::new(Platform::Console, who, who),
            roles: Vec::new(),
            conversation: match id {
                Some(t) => staff_space(t),
                None => ConversationRef::chat(Platform::Console, "staff"),
            },
            space: Space::Staff,
            interaction: None,
            body,
            locale: None,
            community_locale: None,
        }
    }
}

/// The console staff space of a ticket, as the harness binds it.
pub fn staff_space(id: TicketId) -> ConversationRef {
    ConversationRef::thread(Platform::Console, "staff", id.0.to_string())
}

/// What the desk answered, with helpers to look at it.
#[derive(Debug)]
pub struct Replies(pub Vec<Outbound>);

impl Replies {
    /// Messages sent to a customer's DM.
    pub fn to_customer(&self, who: &str) -> Vec<&Message> {
        let conv = ConversationRef::chat(Platform::Console, format!("dm-{who}"));
        self.sent(|t| *t == Target::Conversation(conv.clone()))
    }

    /// Messages sent to a ticket's staff space.
    pub fn to_staff(&self, id: TicketId) -> Vec<&Message> {
        self.sent(|t| {
            matches!(t, Target::StaffSpace { ticket, .. } if *ticket == id)
                || *t == Target::Conversation(staff_space(id))
        })
    }

    /// Messages sent to the staff lobby conversation (where lobby commands are answered).
    pub fn to_lobby(&self) -> Vec<&Message> {
        let conv = ConversationRef::chat(Platform::Console, "staff");
        self.sent(|t| *t == Target::Conversation(conv.clone()))
    }

    fn sent(&self, pred: impl Fn(&Target) -> bool) -> Vec<&Message> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Outbound::Send { to, message } if pred(to) => Some(message),
                _ => None,
            })
            .collect()
    }

    /// All texts, for assertion messages.
    pub fn texts(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Outbound::Send { message, .. } => Some(message.text.clone()),
                Outbound::Ack { text, .. } => text.clone(),
                _ => None,
            })
            .collect()
    }

    /// True when any sent text or ack contains `needle`.
    pub fn says(&self, needle: &str) -> bool {
        self.texts().iter().any(|t| t.contains(needle))
    }

    /// Panics unless some text contains `needle`.
    #[track_caller]
    pub fn expect(&self, needle: &str) -> &Self {
        assert!(
            self.says(needle),
            "expected a reply containing {needle:?}, got {:#?}",
            self.0
        );
        self
    }

    /// The ticket a staff space was opened for.
    pub fn opened_ticket(&self) -> Option<TicketId> {
        self.0.iter().find_map(|o| match o {
            Outbound::OpenStaffSpace { ticket, .. } => Some(*ticket),
            _ => None,
        })
    }

    /// Buttons on all sent messages.
    pub fn buttons(&self) -> Vec<&Button> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Outbound::Send { message, .. } => Some(message.buttons.iter()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The alert text of an `Ack`, if any.
    pub fn alert(&self) -> Option<String> {
        self.0.iter().find_map(|o| match o {
            Outbound::Ack {
                text: Some(t),
                alert: true,
                ..
            } => Some(t.clone()),
            _ => None,
        })
    }

    /// Staff-space renames.
    pub fn renames(&self) -> Vec<(String, bool)> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Outbound::UpdateStaffSpace { title, open, .. } => Some((title.clone(), *open)),
                _ => None,
            })
            .collect()
    }
}
