//! `[limits]`: every size a person controls has a bound and a clear refusal, and one person's
//! flood is cut without touching the store or slowing anyone else.

use std::sync::Arc;

use chrono::Duration;
use supportbot::domain::event::{Attachment, AttachmentKind, InboundBody};
use supportbot::domain::i18n::Lang;
use supportbot::domain::ids::Platform;
use supportbot::domain::ports::KnowledgeBase;
use supportbot::domain::replies;

use crate::db::sqlite_store;
use crate::harness::{StubKb, TestApp, hit};

const LIMITS: &str = "[limits]\nmessage_chars = 50\nfaq_chars = 20\nnote_chars = 30\nattachments_per_ticket = 2\nper_user_per_minute = 5\n";

async fn app() -> (TestApp, tempfile::TempDir) {
    let (store, dir) = sqlite_store().await;
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![(
        "reset".into(),
        hit("reset", "Resetting", 0.9),
    )]));
    (TestApp::over(store, LIMITS, Some(kb)), dir)
}

fn file(n: usize) -> InboundBody {
    InboundBody::Attachment {
        attachment: Attachment {
            kind: AttachmentKind::Document,
            platform: Platform::Console,
            file_ref: format!("https://files.example/{n}"),
            source: None,
            name: Some(format!("log{n}.txt")),
        },
        caption: None,
    }
}

#[tokio::test]
async fn long_messages_questions_and_notes_are_refused_with_the_bound() {
    let (app, _dir) = app().await;
    let r = app.user_says("bob", &"x".repeat(51)).await;
    assert_eq!(
        r.texts(),
        vec![replies::message_too_long(51, 50).render(Lang::En)]
    );
    assert!(r.opened_ticket().is_none(), "nothing was opened");
    // Counted in characters, not bytes.
    let r = app.user_says("bob", &"é".repeat(50)).await;
    assert!(r.opened_ticket().is_some(), "{:?}", r.texts());
    app.advance(Duration::minutes(1));
    let r = app
        .user_says("bob", &format!("/faq {}", "reset ".repeat(5)))
        .await;
    assert_eq!(r.texts(), vec![replies::faq_too_long(20).render(Lang::En)]);
    let r = app.user_says("bob", "/faq reset it").await;
    assert!(r.says("Resetting"), "{:?}", r.texts());
    let id = app
        .store
        .active_ticket_for(&supportbot::domain::ids::UserRef::new(
            Platform::Console,
            "bob",
            "bob",
        ))
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = app
        .agent_says(id, &format!("/note {}", "n".repeat(31)))
        .await;
    assert_eq!(
        r.texts(),
        vec![replies::note_too_long(31, 30).render(Lang::En)]
    );
    app.agent_says(id, &format!("/note {}", "n".repeat(30)))
        .await
        .expect("Internal note added");
    // A caption counts like a message.
    let mut inb = app.customer_inbound("bob", file(0));
    if let InboundBody::Attachment { caption, .. } = &mut inb.body {
        *caption = Some("c".repeat(51));
    }
    let r = app.send(inb).await;
    assert_eq!(
        r.texts(),
        vec![replies::message_too_long(51, 50).render(Lang::En)]
    );
    // A huge paste costs no more than the bound to refuse.
    let r = app.user_says("eve", &"y".repeat(2_000_000)).await;
    assert_eq!(
        r.texts(),
        vec![replies::message_too_long(2_000_000, 50).render(Lang::En)]
    );
}

#[tokio::test]
async fn a_ticket_holds_a_bounded_number_of_files() {
    let (app, _dir) = app().await;
    let r = app.send(app.customer_inbound("bob", file(1))).await;
    let id = r.opened_ticket().expect("a file opens a ticket");
    app.send(app.customer_inbound("bob", file(2))).await;
    let r = app.send(app.customer_inbound("bob", file(3))).await;
    assert_eq!(
        r.texts(),
        vec![replies::too_many_attachments(id, 2).render(Lang::En)]
    );
    let held: usize = app
        .store
        .transcript(id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.attachments.len())
        .sum();
    assert_eq!(held, 2);
    // Agents are bound too.
    let mut inb = app.customer_inbound("ann", file(4));
    inb.space = supportbot::domain::event::Space::Staff;
    inb.conversation = crate::harness::staff_space(id);
    let r = app.send(inb).await;
    assert_eq!(
        r.texts(),
        vec![replies::too_many_attachments(id, 2).render(Lang::En)]
    );
}

#[tokio::test]
async fn one_open_ticket_per_person() {
    let (app, _dir) = app().await;
    let id = app
        .user_says("bob", "/ticket first")
        .await
        .opened_ticket()
        .unwrap();
    for text in ["/ticket second", "/feedback bug third"] {
        let r = app.user_says("bob", text).await;
        assert!(r.opened_ticket().is_none(), "{text}");
        assert!(r.says(&id.to_string()), "{text}: {:?}", r.texts());
    }
}

#[tokio::test]
async fn a_flood_is_told_in_the_senders_language() {
    let (app, _dir) = app().await;
    app.user_says("zsofi", "/lang hu").await;
    let mut told = Vec::new();
    for i in 0..20 {
        let r = app.user_says("zsofi", &format!("/status {i}")).await;
        told.extend(r.texts());
    }
    let hungarian = replies::slow_down(Lang::Hu, 5);
    assert!(told.contains(&hungarian), "{told:#?}");
    assert!(!told.contains(&replies::slow_down(Lang::En, 5)));
}

#[tokio::test]
async fn a_flood_is_cut_for_its_sender_only() {
    let (app, _dir) = app().await;
    let mut told = 0;
    for i in 0..200 {
        let r = app.user_says("flood", &format!("/ticket spam {i}")).await;
        if r.says(&replies::slow_down(Lang::En, 5)) {
            told += 1;
        } else if i >= 5 {
            assert!(r.0.is_empty(), "message {i} answered: {:?}", r.texts());
        }
    }
    assert_eq!(told, 1, "the flood is told once");
    // The store saw only the admitted five events: one ticket, four "already open" replies.
    let flood = supportbot::domain::ids::UserRef::new(Platform::Console, "flood", "flood");
    let t = app.store.active_ticket_for(&flood).await.unwrap().unwrap();
    assert_eq!(
        app.store
            .transcript(t.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.body.starts_with("spam"))
            .count(),
        1
    );
    // Someone else, at the same instant, is served at once.
    let began = std::time::Instant::now();
    let r = app.user_says("calm", "/ticket please help").await;
    assert!(r.opened_ticket().is_some(), "{:?}", r.texts());
    assert!(began.elapsed() < std::time::Duration::from_secs(2));
    // A refused button press is still acknowledged (quietly), so the client stops waiting.
    let r = app.user_presses("flood", "ot").await;
    assert!(
        matches!(
            r.0.as_slice(),
            [supportbot::domain::event::Outbound::Ack { text: None, .. }]
        ),
        "{:?}",
        r.0
    );
    // A minute later the sender is heard again.
    app.advance(Duration::minutes(1));
    let r = app.user_says("flood", "/status").await;
    assert!(r.says("spam 0"), "{:?}", r.texts());
}
