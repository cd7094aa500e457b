//! Conversation tests of the desk: ticket lifecycle, authorization, bad input, FAQ hand-off.

use std::sync::Arc;

use chrono::Duration;
use supportbot::domain::event::{ButtonAction, InboundBody};
use supportbot::domain::ids::TicketId;
use supportbot::domain::ports::{FaqOutcome, KnowledgeBase, TicketStore};
use supportbot::domain::ticket::{AuthorRole, EventKind, Priority, Status, Tier};

use crate::db::sqlite_store;
use crate::harness::{StubKb, TestApp, hit};

async fn app() -> (TestApp, tempfile::TempDir) {
    let (store, dir) = sqlite_store().await;
    (TestApp::over(store, "", None), dir)
}

async fn open(app: &TestApp, who: &str, text: &str) -> TicketId {
    let r = app.user_says(who, text).await;
    r.opened_ticket()
        .unwrap_or_else(|| panic!("no ticket opened: {r:#?}"))
}

#[tokio::test]
async fn a_ticket_from_first_message_to_rating_and_reopen() {
    let (app, _dir) = app().await;

    // The customer writes; with no knowledge base the desk opens a ticket.
    let r = app
        .user_says("bob", "My app crashes on start\nIt shows error 42")
        .await;
    let id = r.opened_ticket().expect("ticket opened");
    r.expect(&format!("opened ticket {id}"));
    assert!(
        r.to_customer("bob")[0]
            .text
            .contains("first reply within 8 hours of business time, by Tue 24 Nov 10:00 (UTC)"),
        "first-response expectation: {:?}",
        r.texts()
    );
    let intro = &r.to_staff(id)[0];
    assert!(intro.text.contains("My app crashes on start") && intro.text.contains("bob"));
    assert_eq!(intro.buttons[0].action, ButtonAction::Claim(id));
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(
        (t.subject.as_str(), t.priority, t.status, t.tier),
        (
            "My app crashes on start",
            Priority::P3,
            Status::New,
            Tier::Basic
        )
    );

    // An agent claims inside the ticket's thread, without typing the id.
    let r = app.agent_says(id, "/claim").await;
    r.expect("ann claimed ticket");
    assert!(r.to_customer("bob")[0].text.contains("ann from support"));
    assert_eq!(
        app.store.ticket(id).await.unwrap().unwrap().status,
        Status::Open
    );

    // Two-way relay.
    app.advance(Duration::minutes(5));
    let r = app.agent_says(id, "Which version are you on?").await;
    assert_eq!(
        r.to_customer("bob")[0].text,
        "ann (support): Which version are you on?"
    );
    let r = app.user_says("bob", "Version 2.3.1").await;
    assert!(
        r.opened_ticket().is_none(),
        "a reply must not open a second ticket"
    );
    assert_eq!(r.to_staff(id)[0].text, "bob (customer): Version 2.3.1");

    // An internal note is stored but never relayed to the customer.
    let r = app
        .agent_says(id, "/note customer is on an old build")
        .await;
    assert!(r.to_customer("bob").is_empty(), "{r:#?}");
    r.expect("Internal note added");

    // Priority change renames the staff space.
    let r = app.agent_says(id, "/priority P1").await;
    assert_eq!(
        r.renames(),
        vec![(format!("{id} [P1] My app crashes on start"), true)]
    );

    // Pending, then the customer's answer moves it back to open.
    app.agent_says(id, "/pending")
        .await
        .expect("waiting on the customer");
    assert_eq!(
        app.store.ticket(id).await.unwrap().unwrap().status,
        Status::Pending
    );
    app.user_says("bob", "Here are the logs").await;
    assert_eq!(
        app.store.ticket(id).await.unwrap().unwrap().status,
        Status::Open
    );

    // Close with a reason: the customer is thanked and asked for a rating.
    let r = app.agent_says(id, "/close fixed in 2.3.2").await;
    let bye = r.to_customer("bob")[0];
    assert!(bye.text.contains("closed (fixed in 2.3.2)") && bye.text.contains("Thank you"));
    assert_eq!(bye.buttons.len(), 5);
    assert_eq!(bye.buttons[4].action, ButtonAction::Csat(id, 5));
    assert!(!r.renames().last().unwrap().1, "staff space archived");

    // The rating and an optional comment are stored.
    app.user_presses("bob", &ButtonAction::Csat(id, 5).encode())
        .await
        .expect("5/5");
    app.user_says("bob", "Quick and friendly")
        .await
        .expect("added your comment");
    let csat = app.store.csat(id).await.unwrap().unwrap();
    assert_eq!(
        (csat.score, csat.comment.as_deref()),
        (5, Some("Quick and friendly"))
    );

    // Reopen brings it back and tells the customer.
    let r = app.agent_says(id, "/reopen").await;
    r.expect(&format!("Ticket {id} has been reopened"));
    assert_eq!(
        app.store.ticket(id).await.unwrap().unwrap().status,
        Status::Open
    );

    // The transcript and event log tell the whole story.
    let transcript = app.store.transcript(id).await.unwrap();
    let notes: Vec<_> = transcript.iter().filter(|e| e.internal).collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].role, AuthorRole::Agent);
    // What the bot told the customer is there too, in order.
    let bot: Vec<&str> = transcript
        .iter()
        .filter(|e| e.role == AuthorRole::Bot)
        .map(|e| e.body.as_str())
        .collect();
    assert!(bot[0].contains(&format!("opened ticket {id}")), "{bot:?}");
    assert!(
        bot.iter().any(|b| b.contains("is now looking at ticket")),
        "{bot:?}"
    );
    assert!(bot.iter().any(|b| b.contains("closed")), "{bot:?}");
    assert!(
        transcript
            .iter()
            .all(|e| e.role != AuthorRole::Bot || !e.internal)
    );
    let kinds: Vec<&str> = app
        .store
        .events(id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.name())
        .collect();
    for k in [
        "created",
        "claimed",
        "agent_replied",
        "customer_replied",
        "note_added",
        "priority_changed",
        "status_changed",
        "closed",
        "reopened",
    ] {
        assert!(kinds.contains(&k), "missing {k} in {kinds:?}");
    }
}

#[tokio::test]
async fn customers_cannot_run_agent_commands() {
    let (app, _dir) = app().await;
    let id = open(&app, "bob", "help please").await;
    let before = (
        app.store.ticket(id).await.unwrap(),
        app.store.events(id).await.unwrap(),
    );
    let attempts = [
        "/queue",
        "/mine",
        "/show 1",
        "/claim 1",
        "/unclaim 1",
        "/assign 1 ann",
        "/transfer 1 ann",
        "/reply 1 hi",
        "/note 1 x",
        "/priority 1 P1",
        "/tier 1 pro",
        "/pending 1",
        "/hold 1",
        "/solve 1",
        "/reopen 1",
        "/sla 1",
        "/panel",
        // Without or with bad arguments: still a refusal, not the staff usage text.
        "/claim",
        "/note hi",
        "/priority 1 urgent",
        "/assign",
    ];
    for cmd in attempts {
        // From the customer side and, impersonating staff, from inside the staff space.
        let r = app.user_says("mallory", cmd).await;
        r.expect("only for support agents");
        let r = app.staff_says("mallory", Some(id), cmd).await;
        r.expect("only for support agents");
    }
    // Closing somebody else's ticket is refused too.
    app.user_says("mallory", &format!("/close {} spam", id.0))
        .await
        .expect("only for support agents");
    // Plain text in the staff space from a non-agent is not relayed.
    let r = app.staff_says("mallory", Some(id), "hello customer").await;
    assert!(r.to_customer("bob").is_empty());
    let after = (
        app.store.ticket(id).await.unwrap(),
        app.store.events(id).await.unwrap(),
    );
    assert_eq!(before, after, "nothing changed");
}

#[tokio::test]
async fn a_replayed_message_is_ignored() {
    let (app, _dir) = app().await;
    let inb = app.customer_inbound(
        "bob",
        InboundBody::Text {
            text: "printer offline".into(),
        },
    );
    let first = app.send(inb.clone()).await;
    assert!(first.opened_ticket().is_some());
    let again = app.send(inb).await;
    assert!(again.0.is_empty(), "{again:#?}");
    let all = app.store.list_tickets(&Default::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    let transcript = app.store.transcript(all[0].id).await.unwrap();
    let roles: Vec<AuthorRole> = transcript.iter().map(|e| e.role).collect();
    assert_eq!(
        roles,
        vec![AuthorRole::Customer, AuthorRole::Bot],
        "the message and the bot's confirmation, once"
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display());
    let id = {
        let store: Arc<dyn TicketStore> =
            Arc::new(supportbot::storage::connect(&url, 2).await.unwrap());
        let app = TestApp::over(store, "", None);
        let id = open(&app, "bob", "lost my invoice").await;
        app.agent_says(id, "/claim").await;
        id
    };
    let store: Arc<dyn TicketStore> =
        Arc::new(supportbot::storage::connect(&url, 2).await.unwrap());
    let app = TestApp::over(store, "", None);
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.assignee.unwrap().0, "ann");
    // The staff-space mapping survived too: the agent can keep working in the thread.
    app.agent_says(id, "Found it, sending now").await;
    let r = app.user_says("bob", "thanks").await;
    assert_eq!(
        r.to_staff(id).len(),
        1,
        "relayed to the existing ticket: {r:#?}"
    );
}

#[tokio::test]
async fn a_message_stored_by_a_process_that_died_is_handled_on_redelivery() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display());
    let first: Arc<dyn TicketStore> =
        Arc::new(supportbot::storage::connect(&url, 2).await.unwrap());
    let app = TestApp::over(first.clone(), "", None);
    let inb = app.customer_inbound(
        "bob",
        InboundBody::Text {
            text: "printer offline".into(),
        },
    );
    // The process stores the message, then dies before the desk has done anything with it.
    assert!(first.record_inbound(&inb).await.unwrap());
    drop(app);
    drop(first);

    // After the restart the platform delivers it again: it is a new ticket, not a duplicate.
    let store: Arc<dyn TicketStore> =
        Arc::new(supportbot::storage::connect(&url, 2).await.unwrap());
    let app = TestApp::over(store, "", None);
    let r = app.send(inb.clone()).await;
    assert!(r.opened_ticket().is_some(), "{r:#?}");
    // Once handled, further deliveries are duplicates, also for yet another process.
    assert!(app.send(inb.clone()).await.0.is_empty());
    let later: Arc<dyn TicketStore> =
        Arc::new(supportbot::storage::connect(&url, 2).await.unwrap());
    assert!(!later.record_inbound(&inb).await.unwrap());
    assert_eq!(
        app.store
            .list_tickets(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_queue_lists_nearest_deadlines_first_however_long_it_is() {
    let (app, _dir) = app().await;
    // The oldest ticket is the urgent one; 240 newer, less urgent ones follow it.
    let urgent = open(&app, "first", "production is down").await;
    app.agent_says(urgent, "/priority P1").await;
    for i in 0..240 {
        open(&app, &format!("c{i}"), &format!("question {i}")).await;
    }
    app.advance(Duration::minutes(30));
    let q = app.staff_says("ann", None, "/queue").await;
    let text = &q.to_lobby()[0].text;
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(
        rows[0].starts_with(&format!("{urgent} [P1] production is down")),
        "{text}"
    );
    assert_eq!(rows.len(), 31, "{text}");
    assert_eq!(rows[30], "… and 211 more");
    // /mine lists only the agent's own tickets.
    app.staff_says("lea", None, &format!("/claim {}", urgent.0))
        .await;
    let mine = app.staff_says("lea", None, "/mine").await;
    let text = &mine.to_lobby()[0].text;
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("production is down"));
}

#[tokio::test]
async fn sla_explains_a_tickets_deadlines_to_agents_and_only_to_them() {
    let (app, _dir) = app().await;
    let id = open(&app, "bob", "cannot log in").await;
    app.agent_says(id, "/priority P1").await;
    let r = app.agent_says(id, "/sla").await;
    let text = r.texts().join("\n");
    assert!(
        text.contains(&format!("SLA for ticket {id}")) && text.contains("P1"),
        "{text}"
    );
    assert!(text.contains("first response"), "{text}");
    assert!(!text.contains("breached"), "{text}");
    // A day later with no agent reply, the first response shows as breached.
    app.advance(Duration::days(1));
    let text = app.agent_says(id, "/sla").await.texts().join("\n");
    assert!(text.to_lowercase().contains("breached"), "{text}");
    // Customers cannot ask.
    app.user_says("bob", &format!("/sla {}", id.0))
        .await
        .expect("only for support agents");
}

#[tokio::test]
async fn feedback_opens_a_typed_ticket_or_joins_the_open_one() {
    let (app, _dir) = app().await;
    let r = app
        .user_says("bob", "/feedback bug export crashes on PDF")
        .await;
    let bug = r.opened_ticket().expect("a bug ticket");
    let t = app.store.ticket(bug).await.unwrap().unwrap();
    assert_eq!(t.kind, supportbot::domain::ticket::TicketKind::Bug);
    // With that ticket open, a feature request joins it instead of opening a second one.
    let r = app
        .user_says("bob", "/feedback feature dark mode please")
        .await;
    assert!(r.opened_ticket().is_none(), "{r:#?}");
    r.expect(&format!("Added to your open ticket {bug}"));
    assert!(
        r.to_staff(bug)
            .iter()
            .any(|m| m.text.contains("Feature request: dark mode please"))
    );
    let t = app.store.ticket(bug).await.unwrap().unwrap();
    assert!(t.tags.contains(&"feature".to_string()), "{:?}", t.tags);
    assert_eq!(
        app.store
            .list_tickets(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
    let transcript = app.store.transcript(bug).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e.body == "Feature request: dark mode please")
    );
}

#[tokio::test]
async fn everyday_commands_work_for_customers_and_agents() {
    let (app, _dir) = app().await;
    let help = app.user_says("bob", "/help").await.texts().join("\n");
    assert!(
        help.contains("/ticket [text]") && !help.contains("Agent commands"),
        "{help}"
    );
    let help = app
        .staff_says("ann", None, "/help")
        .await
        .texts()
        .join("\n");
    assert!(
        help.contains("Agent commands") && help.contains("/claim [id]"),
        "{help}"
    );

    // /ticket without text opens one; a second /ticket points at it.
    let id = app
        .user_says("bob", "/ticket")
        .await
        .opened_ticket()
        .expect("opened");
    app.user_says("bob", "/ticket again")
        .await
        .expect(&format!("You already have ticket {id} open"));
    app.user_says("bob", "/status")
        .await
        .expect(&format!("{id}"))
        .expect("waiting for an agent");

    // Agents work it from the lobby by number.
    app.user_says("bob", "the export button is grey").await;
    let show = app
        .staff_says("ann", None, &format!("/show {}", id.0))
        .await
        .texts()
        .join("\n");
    assert!(show.contains("the export button is grey"), "{show}");
    app.staff_says("ann", None, &format!("/tier {} pro", id.0))
        .await;
    let r = app
        .staff_says("ann", None, &format!("/reply {} Try the new build", id.0))
        .await;
    r.expect(&format!("Reply sent to the customer of ticket {id}"));
    assert!(
        r.to_customer("bob")
            .iter()
            .any(|m| m.text == "ann (support): Try the new build"),
        "{r:#?}"
    );
    app.staff_says("ann", None, &format!("/hold {}", id.0))
        .await;
    assert_eq!(
        app.store.ticket(id).await.unwrap().unwrap().status,
        Status::OnHold
    );
    app.staff_says("ann", None, &format!("/solve {}", id.0))
        .await;
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!((t.status, t.tier), (Status::Solved, Tier::Pro));
}

#[tokio::test]
async fn bad_input_gets_a_clear_reply_and_changes_nothing() {
    let (app, _dir) = app().await;
    let id = open(&app, "bob", "first").await;
    let snapshot = || async {
        (
            app.store.ticket(id).await.unwrap(),
            app.store.events(id).await.unwrap(),
        )
    };
    let before = snapshot().await;
    app.staff_says("ann", None, "/frobnicate")
        .await
        .expect("don't know the command /frobnicate");
    app.staff_says("ann", None, "/claim")
        .await
        .expect("needs a ticket number");
    app.staff_says("ann", None, "/claim abc")
        .await
        .expect("\"abc\" is not a ticket number");
    app.staff_says("ann", None, "/claim 999")
        .await
        .expect("There is no ticket #999");
    app.staff_says("ann", None, "/priority 1 urgent")
        .await
        .expect("not a priority");
    app.staff_says("ann", None, "/assign 1 nobody")
        .await
        .expect("no agent named nobody");
    assert_eq!(before, snapshot().await);

    app.agent_says(id, "/close done").await;
    let closed = snapshot().await;
    app.agent_says(id, "/claim")
        .await
        .expect(&format!("Ticket {id} is closed"));
    app.agent_says(id, "too late").await.expect("is closed");
    assert_eq!(closed, snapshot().await);

    // A message at the length bound and control characters are stored whole; a longer one is
    // refused with the bound ([limits] message_chars, tests/it/limits.rs).
    let max = supportbot::domain::limits::LimitsConfig::default().message_chars;
    let r = app.user_says("carol", &"x".repeat(max + 1)).await;
    assert!(
        r.opened_ticket().is_none() && r.says(&max.to_string()),
        "{:?}",
        r.texts()
    );
    let long = "x".repeat(max);
    let id2 = open(&app, "carol", &long).await;
    let t = app.store.transcript(id2).await.unwrap();
    assert_eq!(t[0].body.len(), max);
    let weird = "bell\u{7} esc\u{1b}[31m nul-free\ttab";
    app.user_says("carol", weird).await;
    let t = app.store.transcript(id2).await.unwrap();
    assert_eq!(t.last().unwrap().body, weird);
    // The subject is cleaned of control characters.
    let id3 = open(&app, "dave", "\u{1b}[31mred alert").await;
    assert_eq!(
        app.store.ticket(id3).await.unwrap().unwrap().subject,
        "[31mred alert"
    );
}

#[tokio::test]
async fn faq_answers_then_hands_off_with_the_attempt_attached() {
    let (store, _dir) = sqlite_store().await;
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![
        (
            "reset".into(),
            hit("reset-password", "How to reset your password", 0.9),
        ),
        (
            "invoice".into(),
            hit("billing", "Billing and invoices", 0.45),
        ),
    ]));
    // Explicit thresholds, so the test does not depend on the shipped calibration.
    let app = TestApp::over(
        store,
        "[faq]\nanswer_threshold = 0.6\nsuggest_threshold = 0.3",
        Some(kb),
    );

    // Confident: answer with the two buttons, no ticket.
    let r = app.user_says("bob", "how do I reset my password").await;
    assert!(r.opened_ticket().is_none());
    r.expect("How to reset your password");
    let buttons = r.buttons();
    assert_eq!(buttons.len(), 2);
    let (yes, no) = (buttons[0].action, buttons[1].action);

    // "Yes" records a deflection; pressing again is politely refused.
    app.user_presses("bob", &yes.encode())
        .await
        .expect("Glad it helped");
    let ButtonAction::FaqHelpful(ev) = yes else {
        panic!()
    };
    assert_eq!(
        app.store.faq_event(ev).await.unwrap().unwrap().outcome,
        FaqOutcome::Helpful
    );
    assert!(
        app.user_presses("bob", &no.encode())
            .await
            .alert()
            .unwrap()
            .contains("already answered")
    );

    // Ask again, then "No": a ticket with the question and the offered article.
    let r = app.user_says("bob", "reset does not work").await;
    let no = r.buttons()[1].action;
    // Someone else cannot press bob's button.
    assert!(
        app.user_presses("eve", &no.encode())
            .await
            .alert()
            .unwrap()
            .contains("someone else")
    );
    let r = app.user_presses("bob", &no.encode()).await;
    let id = r.opened_ticket().expect("ticket opened on No");
    assert!(
        r.to_staff(id)[0]
            .text
            .contains("How to reset your password"),
        "{r:#?}"
    );
    let transcript = app.store.transcript(id).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e.internal && e.role == AuthorRole::Bot && e.body.contains("reset-password"))
    );
    let ButtonAction::FaqNeedHuman(ev) = no else {
        panic!()
    };
    let ev = app.store.faq_event(ev).await.unwrap().unwrap();
    assert_eq!((ev.outcome, ev.ticket), (FaqOutcome::NeedHuman, Some(id)));

    // /faq works inside an open ticket and does not touch the ticket.
    let r = app.user_says("bob", "/faq reset").await;
    r.expect("1. How to reset your password");
    assert!(r.to_staff(id).is_empty());

    // Medium confidence: suggestions, not a ticket.
    let r = app.user_says("carol", "where is my invoice").await;
    assert!(r.opened_ticket().is_none());
    r.expect("might help");
    // Low confidence: straight to a ticket.
    assert!(
        app.user_says("dave", "quantum flux capacitor")
            .await
            .opened_ticket()
            .is_some()
    );
}

#[tokio::test]
async fn entitlements_tiers_and_out_of_support() {
    let (app, _dir) = app().await;
    // A customer whose support period ended is told politely and still gets a ticket.
    let r = app.user_says("old", "please help").await;
    let id = r.opened_ticket().expect("ticket still opened");
    r.expect("support period ended on 2020-01-01");
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert!(t.tags.contains(&"out_of_support".to_string()));
    assert_eq!(t.tier, Tier::Pro);

    // A license key sets the tier; an unknown one is refused without storing anything.
    app.user_says("zed", "/register NOPE")
        .await
        .expect("couldn't find that license key");
    app.user_says("zed", "/register ACME-KEY-1")
        .await
        .expect("linked to Acme");
    let id = open(&app, "zed", "server down").await;
    assert_eq!(
        app.store.ticket(id).await.unwrap().unwrap().tier,
        Tier::Enterprise
    );

    // Feedback opens typed tickets.
    let r = app
        .user_says("amy", "/feedback feature dark mode please")
        .await;
    let id = r.opened_ticket().unwrap();
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.kind, supportbot::domain::ticket::TicketKind::Feature);
    assert!(
        app.user_says("amy", "/status")
            .await
            .says("dark mode please")
    );
}

#[tokio::test]
async fn claims_assignments_and_queue() {
    let (app, _dir) = app().await;
    let a = open(&app, "bob", "one").await;
    let b = open(&app, "carl", "two").await;
    app.staff_presses("ann", a, &ButtonAction::Claim(a).encode())
        .await
        .expect("You claimed ticket");
    // A second claim by someone else is refused via alert, nothing changes.
    let r = app
        .staff_presses("lea", a, &ButtonAction::Claim(a).encode())
        .await;
    assert!(r.alert().unwrap().contains("already claimed by ann"));
    // Customers can't press Claim.
    assert!(
        app.user_presses("bob", &ButtonAction::Claim(b).encode())
            .await
            .alert()
            .unwrap()
            .contains("Only support agents")
    );
    // A lead may unclaim someone else's ticket; an agent may not.
    app.staff_says("ann", None, &format!("/claim {}", b.0))
        .await;
    app.staff_says("lea", None, &format!("/unclaim {}", b.0))
        .await
        .expect("unassigned again");
    app.staff_says("lea", None, &format!("/transfer {} ann", a.0))
        .await
        .expect("already assigned to ann");
    app.staff_says("ann", None, &format!("/assign {} lea", a.0))
        .await
        .expect("assigned to lea");
    let events = app.store.events(a).await.unwrap();
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Assigned { from: Some(f), to } if f.0 == "ann" && to.0 == "lea")));
    let q = app.staff_says("ann", None, "/queue").await;
    let lobby = q.to_lobby();
    assert!(
        lobby[0].text.contains("one") && lobby[0].text.contains("two"),
        "{q:#?}"
    );
    let mine = app.staff_says("lea", None, "/mine").await;
    assert!(mine.says("one") && !mine.says("two"));
}

/// `/stop surveys` is kept with the customer: the next close thanks them without the rating
/// question or buttons, on a desk started afresh too, until `/start surveys` turns it back on.
#[tokio::test]
async fn stop_surveys_keeps_the_rating_question_away_until_start_surveys() {
    let (store, _dir) = sqlite_store().await;
    let app = TestApp::over(store.clone(), "", None);
    app.user_says("bob", "/stop surveys")
        .await
        .expect("You will get no more satisfaction surveys. Send /start surveys");
    app.user_says("bob", "/stop")
        .await
        .expect("/stop needs what to stop (surveys). Usage: /stop surveys");
    let restarted = TestApp::over(store.clone(), "", None);
    let id = open(&restarted, "bob", "/ticket my export fails").await;
    let r = restarted.agent_says(id, "/close fixed").await;
    let bye = r.to_customer("bob")[0];
    assert_eq!(
        bye.text,
        format!("Ticket {id} is now closed (fixed). Thank you for contacting support!")
    );
    assert!(bye.buttons.is_empty(), "{bye:#?}");
    // Someone else still gets the survey.
    let other = open(&restarted, "carol", "/ticket my import fails").await;
    let r = restarted.agent_says(other, "/close fixed").await;
    assert_eq!(r.to_customer("carol")[0].buttons.len(), 5);
    // Back on.
    restarted
        .user_says("bob", "/start surveys")
        .await
        .expect("Satisfaction surveys are on again");
    let again = open(&restarted, "bob", "/ticket my export fails again").await;
    let r = restarted.agent_says(again, "/close fixed").await;
    let bye = r.to_customer("bob")[0];
    assert!(bye.text.contains("How satisfied are you"), "{}", bye.text);
    assert_eq!(bye.buttons.len(), 5);
}
