//! The desk's side of edits, unrelayable kinds and used buttons, platform by platform tested
//! in `telegram_fidelity.rs` and `discord_fidelity.rs`: the decisions themselves, here.

use supportbot::domain::event::{InboundBody, Outbound, Target, UnsupportedKind};
use supportbot::domain::ids::{Platform, TicketId};
use supportbot::domain::ticket::Status;

use crate::db::sqlite_store;
use crate::harness::{AGENT, TestApp};

async fn app() -> (TestApp, tempfile::TempDir) {
    let (store, dir) = sqlite_store().await;
    (TestApp::over(store, "", None), dir)
}

fn edit(text: &str) -> InboundBody {
    InboundBody::Edited {
        text: text.into(),
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn edits_outside_a_ticket_and_edited_commands_are_answered_not_acted_on() {
    let (app, _dir) = app().await;
    let r = app
        .send(app.customer_inbound("bob", edit("typo fixed")))
        .await;
    r.expect("I saw you edited a message");
    assert!(
        app.store
            .list_tickets(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    let id = app
        .user_says("bob", "sync fails")
        .await
        .opened_ticket()
        .unwrap();
    let r = app
        .send(app.staff_inbound(AGENT, Some(id), edit("/close 1 spam")))
        .await;
    r.expect("Edited commands are not run again");
    assert!(r.to_customer("bob").is_empty(), "{r:#?}");
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.status, Status::New);
}

#[tokio::test]
async fn an_agents_edit_in_a_closed_ticket_is_answered_privately() {
    let (app, _dir) = app().await;
    let id = app
        .user_says("bob", "sync fails")
        .await
        .opened_ticket()
        .unwrap();
    app.agent_says(id, "/close 1 fixed").await;
    let r = app
        .send(app.staff_inbound(AGENT, Some(id), edit("one more thing")))
        .await;
    let answer = r.to_staff(id);
    assert_eq!(answer.len(), 1, "{r:#?}");
    assert!(answer[0].text.contains("is closed"));
    assert!(answer[0].ephemeral);
    assert_eq!(
        answer[0].private_to.as_ref().map(|u| u.id.as_str()),
        Some(AGENT)
    );
    assert!(r.to_customer("bob").is_empty());
    // Any answer in the closed ticket's space is private; once reopened, answers are public.
    let shown = app.agent_says(id, "/show").await;
    assert!(shown.to_staff(id)[0].ephemeral, "{shown:#?}");
    let reopened = app.agent_says(id, "/reopen").await;
    reopened.expect("reopened");
    assert!(
        reopened.to_staff(id).iter().all(|m| !m.ephemeral),
        "{reopened:#?}"
    );
}

#[tokio::test]
async fn unrelayable_kinds_are_answered_and_noted_for_the_agent() {
    let (app, _dir) = app().await;
    let poll = InboundBody::Unsupported {
        kind: UnsupportedKind::Poll,
    };
    let r = app.send(app.customer_inbound("bob", poll.clone())).await;
    r.expect("can't pass on a poll");
    assert!(r.opened_ticket().is_none());
    let id = app
        .user_says("bob", "sync fails")
        .await
        .opened_ticket()
        .unwrap();
    let r = app.send(app.customer_inbound("bob", poll.clone())).await;
    r.expect("can't pass on a poll");
    assert!(
        r.to_staff(id)[0]
            .text
            .contains("bob (customer) sent a poll")
    );
    let r = app.send(app.staff_inbound(AGENT, Some(id), poll)).await;
    assert!(
        r.to_staff(id)[0]
            .text
            .contains("can't pass on a poll to the customer")
    );
    assert!(r.to_customer("bob").is_empty());
}

#[tokio::test]
async fn used_buttons_are_cleared_in_the_lane_of_their_message_and_a_rating_counts_once() {
    let (app, _dir) = app().await;
    let id = app
        .user_says("bob", "sync fails")
        .await
        .opened_ticket()
        .unwrap();
    let mut claim = app.staff_inbound(
        AGENT,
        Some(id),
        InboundBody::Button {
            data: format!("cl:{}", id.0),
            message: Some("m-intro".into()),
        },
    );
    claim.interaction = Some("cb-claim".into());
    let r = app.send(claim).await;
    let clear =
        r.0.iter()
            .find(|o| matches!(o, Outbound::ClearButtons { .. }))
            .expect("the Claim button is taken off");
    let intro_lane = Target::StaffSpace {
        ticket: id,
        platform: Platform::Console,
    }
    .lane();
    assert_eq!(clear.lane(), Some(intro_lane));
    app.agent_says(id, "/close 1 fixed").await;

    let rate = |score: u8, cb: &str| {
        let mut inb = app.customer_inbound(
            "bob",
            InboundBody::Button {
                data: format!("cs:{}:{score}", id.0),
                message: Some("m-survey".into()),
            },
        );
        inb.interaction = Some(cb.into());
        inb
    };
    let first = app.send(rate(2, "cb-1")).await;
    first.expect("2/5");
    assert!(first.0.iter().any(|o| matches!(o,
        Outbound::ClearButtons { to: Target::Conversation(c), message } if c.chat == "dm-bob" && message == "m-survey")));
    app.user_says("bob", "slow but fine")
        .await
        .expect("added your comment");
    let again = app.send(rate(5, "cb-2")).await;
    again.expect("already rated ticket #1 (2/5)");
    let csat = app.store.csat(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(
        (csat.score, csat.comment.as_deref()),
        (2, Some("slow but fine"))
    );
}
