//! The permission matrix: a customer, an agent, a lead, an admin and a non-agent in the staff
//! space, × every chat command and every button, with Telegram and with Discord identities.
//! Each cell says whether the action is carried out or refused, and with which text. The
//! dashboard's actions are these chat commands (`src/web/actions.rs`), so this covers them too.

use std::sync::Arc;

use supportbot::domain::event::{ButtonAction, Inbound, InboundBody, Outbound, Space};
use supportbot::domain::i18n::{Key, Lang};
use supportbot::domain::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use supportbot::domain::ports::{KnowledgeBase, TicketStore};
use supportbot::domain::replies;
use supportbot::tr;

use crate::db::sqlite_store;
use crate::harness::{StubKb, TestApp, hit};

const STAFF: &str = r#"
[[staff.agents]]
name = "bob"
role = "agent"
users = ["telegram:100", "discord:200"]
[[staff.agents]]
name = "tia"
role = "agent"
users = ["telegram:101", "discord:201"]
[[staff.agents]]
name = "leo"
role = "lead"
users = ["telegram:102", "discord:202"]
[[staff.agents]]
name = "ada"
role = "admin"
users = ["telegram:103", "discord:203"]
"#;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Customer,
    Agent,
    Lead,
    Admin,
    /// Not staff, writing in the ticket's staff space.
    Outsider,
}

const WHO: [Who; 5] = [
    Who::Customer,
    Who::Agent,
    Who::Lead,
    Who::Admin,
    Who::Outsider,
];

/// What a cell expects: carried out (`Y`), or refused with one of these texts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Y,
    /// Staff only.
    S,
    /// Only agents may act in the staff space.
    H,
    /// A customer command used in the staff space.
    K,
    /// Only admins post the panel.
    P,
    /// Only agents claim.
    C,
    /// Someone else's FAQ question.
    Q,
    /// Only the opener rates.
    R,
    /// Not claimed by you.
    U,
    /// Only leads read reports.
    L,
    /// Only leads review FAQ proposals.
    B,
}
use Cell::*;

fn refusal(cell: Cell, id: TicketId) -> Option<String> {
    Some(match cell {
        Y => return None,
        S => tr!(Lang::En, Key::StaffOnly),
        H => tr!(Lang::En, Key::NotStaffHere),
        K => replies::customer_command_in_staff_space().render(Lang::En),
        P => "Only admins can post the support panel.".into(),
        C => "Only support agents can claim tickets.".into(),
        Q => "This question was asked by someone else.".into(),
        R => "Only the person who opened this ticket can rate it.".into(),
        U => format!("Ticket {id} is not claimed by you."),
        L => "Only leads and admins can see reports.".into(),
        B => "Only leads and admins review FAQ proposals.".into(),
    })
}

/// What is set up before the action.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Before {
    Nothing,
    ClaimedByBob,
    Closed,
    FaqAnswered,
}

/// Every chat command and button: (what the customer types, what staff type, setup, cells
/// for customer, agent, lead, admin, outsider). `{id}` is the ticket, `{faq}` the FAQ event.
const MATRIX: &[(&str, &str, Before, [Cell; 5])] = &[
    ("/start", "/start", Before::Nothing, [Y, Y, Y, Y, Y]),
    ("/help", "/help", Before::Nothing, [Y, Y, Y, Y, Y]),
    ("/lang hu", "/lang hu", Before::Nothing, [Y, Y, Y, Y, S]),
    (
        "/stop surveys",
        "/stop surveys",
        Before::Nothing,
        [Y, Y, Y, Y, S],
    ),
    (
        "/start surveys",
        "/start surveys",
        Before::Nothing,
        [Y, Y, Y, Y, S],
    ),
    (
        "/ticket more",
        "/ticket more",
        Before::Nothing,
        [Y, K, K, K, S],
    ),
    ("/status", "/status", Before::Nothing, [Y, K, K, K, S]),
    ("/faq reset", "/faq reset", Before::Nothing, [Y, Y, Y, Y, S]),
    (
        "/feedback bug it crashes",
        "/feedback bug it crashes",
        Before::Nothing,
        [Y, K, K, K, S],
    ),
    (
        "/register ACME-KEY-1",
        "/register ACME-KEY-1",
        Before::Nothing,
        [Y, K, K, K, S],
    ),
    (
        "/close",
        "/close {id} fixed",
        Before::Nothing,
        [Y, Y, Y, Y, S],
    ),
    ("/queue", "/queue", Before::Nothing, [S, Y, Y, Y, S]),
    ("/mine", "/mine", Before::Nothing, [S, Y, Y, Y, S]),
    ("/show {id}", "/show {id}", Before::Nothing, [S, Y, Y, Y, S]),
    (
        "/claim {id}",
        "/claim {id}",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/unclaim {id}",
        "/unclaim {id}",
        Before::ClaimedByBob,
        [S, U, Y, Y, S],
    ),
    (
        "/assign {id} ann",
        "/assign {id} ann",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/transfer {id} lea",
        "/transfer {id} lea",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/reply {id} hello",
        "/reply {id} hello",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/note {id} vip",
        "/note {id} vip",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/priority {id} P1",
        "/priority {id} P1",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/tier {id} pro",
        "/tier {id} pro",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/pending {id}",
        "/pending {id}",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    ("/hold {id}", "/hold {id}", Before::Nothing, [S, Y, Y, Y, S]),
    (
        "/solve {id}",
        "/solve {id}",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/reopen {id}",
        "/reopen {id}",
        Before::Closed,
        [S, Y, Y, Y, S],
    ),
    ("/sla {id}", "/sla {id}", Before::Nothing, [S, Y, Y, Y, S]),
    (
        "/report sla",
        "/report sla",
        Before::Nothing,
        [S, L, Y, Y, S],
    ),
    (
        "/kb proposals",
        "/kb proposals",
        Before::Nothing,
        [S, B, Y, Y, S],
    ),
    (
        "/fixed {id}",
        "/fixed {id}",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    (
        "/incident {id} since 00:00",
        "/incident {id} since 00:00",
        Before::Nothing,
        [S, Y, Y, Y, S],
    ),
    ("/panel", "/panel", Before::Nothing, [S, P, P, Y, S]),
    ("/dashboard", "/dashboard", Before::Nothing, [S, Y, Y, Y, S]),
    (
        "a plain message",
        "a plain message",
        Before::Nothing,
        [Y, Y, Y, Y, H],
    ),
    (
        "!fy:{faq}",
        "!fy:{faq}",
        Before::FaqAnswered,
        [Y, Q, Q, Q, Q],
    ),
    (
        "!fn:{faq}",
        "!fn:{faq}",
        Before::FaqAnswered,
        [Y, Q, Q, Q, Q],
    ),
    ("!cs:{id}:5", "!cs:{id}:5", Before::Closed, [Y, R, R, R, R]),
    ("!cl:{id}", "!cl:{id}", Before::Nothing, [C, Y, Y, Y, C]),
    ("!ot", "!ot", Before::Nothing, [Y, Y, Y, Y, Y]),
];

struct World {
    app: TestApp,
    seq: std::sync::atomic::AtomicU64,
}

impl World {
    fn key(&self) -> MessageKey {
        let n = self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        MessageKey::new(Platform::Console, format!("perm-{n}"))
    }

    fn inbound(&self, from: &UserRef, space: Space, conv: &ConversationRef, text: &str) -> Inbound {
        let (body, interaction) = match text.strip_prefix('!') {
            Some(data) => (
                InboundBody::Button {
                    data: data.into(),
                    message: None,
                },
                Some(format!(
                    "i-{}",
                    self.seq.load(std::sync::atomic::Ordering::SeqCst)
                )),
            ),
            None => (InboundBody::Text { text: text.into() }, None),
        };
        Inbound {
            key: self.key(),
            at: self.app.clock.now_utc(),
            from: from.clone(),
            roles: Vec::new(),
            conversation: conv.clone(),
            space,
            interaction,
            body,
            locale: None,
            community_locale: None,
        }
    }

    async fn say(
        &self,
        from: &UserRef,
        space: Space,
        conv: &ConversationRef,
        text: &str,
    ) -> Vec<Outbound> {
        self.app
            .desk
            .handle(self.inbound(from, space, conv, text))
            .await
    }
}

trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc>;
}

impl NowUtc for supportbot::domain::ports::ManualClock {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        use supportbot::domain::ports::Clock;
        self.now()
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

fn staff_user(p: Platform, who: Who) -> UserRef {
    let n = match who {
        Who::Agent => 1,
        Who::Lead => 2,
        Who::Admin => 3,
        _ => 899,
    };
    let base = if p == Platform::Telegram { 100 } else { 200 };
    UserRef::new(p, (base + n).to_string(), format!("{who:?}"))
}

async fn run_matrix(p: Platform) -> Vec<String> {
    let (store, _dir) = sqlite_store().await;
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![(
        "reset".into(),
        hit("reset-password", "Resetting your password", 0.9),
    )]));
    // `/kb` reviews through a curator over a kb folder of its own (no proposals in it).
    let articles = tempfile::tempdir().unwrap();
    std::fs::write(
        articles.path().join("a.md"),
        "---\nid: a\ntitle: Opening hours\nlang: en\n---\nNine to five.\n",
    )
    .unwrap();
    let (folder_kb, _) = supportbot::search::Kb::from_dir_in_ram(articles.path()).unwrap();
    let app = TestApp::over_sql(store.clone(), STAFF, Some(kb));
    let curator = supportbot::learning::Learning::new(
        store.clone(),
        Arc::new(folder_kb),
        app.clock.clone() as Arc<dyn supportbot::domain::ports::Clock>,
    )
    .unwrap();
    let world = World {
        app: app.with_curator(Arc::new(curator)),
        seq: Default::default(),
    };
    let bob = UserRef::new(
        p,
        if p == Platform::Telegram {
            "100"
        } else {
            "200"
        },
        "bob",
    );
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (n, (as_customer, as_staff, before, row)) in MATRIX.iter().enumerate() {
        for (who, expected) in WHO.iter().zip(row) {
            cells += 1;
            // Each cell is its own minute, so nobody reaches the flood limit.
            world.app.advance(chrono::Duration::minutes(1));
            // A fresh customer and ticket for each cell.
            let cust = UserRef::new(p, format!("c{n}-{who:?}"), "Cleo");
            let dm = ConversationRef::chat(p, format!("dm-{}", cust.id));
            let out = world
                .say(&cust, Space::Customer, &dm, "my printer is on fire")
                .await;
            let id = out
                .iter()
                .find_map(|o| match o {
                    Outbound::OpenStaffSpace { ticket, .. } => Some(*ticket),
                    _ => None,
                })
                .expect("ticket opened");
            let staff_space = ConversationRef::thread(p, "staff", id.0.to_string());
            store.bind_staff_space(id, &staff_space).await.unwrap();
            let mut faq = 0;
            match before {
                Before::Nothing => {}
                Before::ClaimedByBob => {
                    world.say(&bob, Space::Staff, &staff_space, "/claim").await;
                }
                Before::Closed => {
                    world
                        .say(&bob, Space::Staff, &staff_space, "/close done")
                        .await;
                }
                Before::FaqAnswered => {
                    // Ask in another conversation of theirs, with no ticket there to relay to.
                    world.say(&cust, Space::Customer, &dm, "/close").await;
                    let out = world
                        .say(&cust, Space::Customer, &dm, "how do I reset it")
                        .await;
                    faq = out
                        .iter()
                        .find_map(|o| match o {
                            Outbound::Send { message, .. } => {
                                message.buttons.iter().find_map(|b| match b.action {
                                    ButtonAction::FaqHelpful(e) => Some(e),
                                    _ => None,
                                })
                            }
                            _ => None,
                        })
                        .expect("FAQ answered with buttons");
                }
            }
            let (from, space, conv, text) = match who {
                Who::Customer => (cust.clone(), Space::Customer, dm.clone(), *as_customer),
                Who::Outsider => (
                    UserRef::new(p, "999", "Otto"),
                    Space::Staff,
                    staff_space.clone(),
                    *as_staff,
                ),
                staff => (
                    staff_user(p, *staff),
                    Space::Staff,
                    staff_space.clone(),
                    *as_staff,
                ),
            };
            let text = text
                .replace("{id}", &id.0.to_string())
                .replace("{faq}", &faq.to_string());
            let out = world.say(&from, space, &conv, &text).await;
            let said = texts(&out);
            let mut all_refusals: Vec<String> = [S, H, K, P, C, Q, R, U, B]
                .iter()
                .filter_map(|c| refusal(*c, id))
                .collect();
            all_refusals.push(tr!(Lang::En, Key::KbUnavailable));
            let ok = match refusal(*expected, id) {
                None => !out.is_empty() && !said.iter().any(|t| all_refusals.contains(t)),
                Some(r) => said.contains(&r) && said.len() == 1,
            };
            if !ok {
                wrong.push(format!(
                    "{p} {who:?} `{text}`: expected {expected:?}, got {said:?}"
                ));
            }
        }
    }
    assert_eq!(cells, MATRIX.len() * WHO.len());
    wrong
}

#[tokio::test]
async fn every_command_and_button_on_telegram() {
    let wrong = run_matrix(Platform::Telegram).await;
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn every_command_and_button_on_discord() {
    let wrong = run_matrix(Platform::Discord).await;
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_matrix_covers_every_command_and_button() {
    use supportbot::domain::command::{STAFF_COMMANDS, USER_COMMANDS};
    let typed: Vec<&str> = MATRIX
        .iter()
        .filter_map(|(c, _, _, _)| c.strip_prefix('/'))
        .map(|c| c.split(' ').next().unwrap())
        .collect();
    for c in USER_COMMANDS.iter().chain(STAFF_COMMANDS) {
        let name = c.name;
        assert!(typed.contains(&name), "/{name} missing from the matrix");
    }
    for extra in ["start", "panel"] {
        assert!(typed.contains(&extra));
    }
    let buttons: Vec<&str> = MATRIX
        .iter()
        .filter_map(|(c, _, _, _)| c.strip_prefix('!'))
        .map(|c| c.split(':').next().unwrap())
        .collect();
    // One per ButtonAction variant (the encoding's tags).
    for a in [
        ButtonAction::FaqHelpful(1),
        ButtonAction::FaqNeedHuman(1),
        ButtonAction::Csat(TicketId(1), 1),
        ButtonAction::Claim(TicketId(1)),
        ButtonAction::OpenTicket,
    ] {
        let tag = a.encode();
        let tag = tag.split(':').next().unwrap();
        assert!(buttons.contains(&tag), "button {tag} missing");
    }
}
