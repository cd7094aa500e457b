//! Discord, nothing lost in translation: MESSAGE_UPDATE edits both ways (deduplicated), used
//! buttons taken off, surveys counted once, stickers answered, and a closed ticket's archived
//! thread left alone: the agent who writes there is answered by DM.

use supportbot::domain::ids::TicketId;

use super::{
    AGENT_ROLE, CUSTOMER_DM, alice, ann, callback_path, content, messages_path, posts_with, rig,
};
use crate::fake_discord::{
    Where, click, dm, guild_message, matching, message_update, with_sticker,
};

const EDITED_AT: &str = "2024-01-01T00:05:00.000000+00:00";

/// Waits until ticket #1's intro is in its staff thread and returns the thread id.
async fn opened(rig: &super::Rig) -> String {
    rig.fake
        .wait_for("the staff thread intro", |c| {
            c.iter().any(|c| {
                c.path.starts_with("/channels/") && content(c).starts_with("New question ticket #1")
            })
        })
        .await;
    rig.staff_thread(1).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_reach_the_other_side_once_and_the_transcript_keeps_both_versions() {
    let rig = rig("").await;
    let fake = &rig.fake;
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2001", CUSTOMER_DM, &alice(), "my licence key is ABC-1"),
    );
    let thread = opened(&rig).await;

    let customer_edit = message_update(
        "2001",
        CUSTOMER_DM,
        &alice(),
        None,
        "my licence key is ABC-2",
        EDITED_AT,
    );
    // Redelivered: the same edit twice. A link preview (no edit time) is no edit.
    fake.dispatch("MESSAGE_UPDATE", customer_edit.clone());
    fake.dispatch("MESSAGE_UPDATE", customer_edit);
    let mut preview = message_update("2001", CUSTOMER_DM, &alice(), None, "x", EDITED_AT);
    preview["edited_timestamp"] = serde_json::Value::Null;
    fake.dispatch("MESSAGE_UPDATE", preview);
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message("2002", &thread, &ann(), &[AGENT_ROLE], "Try version 1.2.3"),
    );
    fake.dispatch(
        "MESSAGE_UPDATE",
        message_update(
            "2002",
            &thread,
            &ann(),
            Some(&[AGENT_ROLE]),
            "Try version 1.2.4",
            EDITED_AT,
        ),
    );
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2003", CUSTOMER_DM, &alice(), "thanks"),
    );
    let calls = fake
        .wait_for("the last message and the agent's edit", |c| {
            posts_with(c, &thread, "alice (customer): thanks") == 1
                && posts_with(c, CUSTOMER_DM, "Try version 1.2.4") == 1
        })
        .await;
    let edits: Vec<String> = matching(&calls, "POST", &messages_path(&thread))
        .into_iter()
        .map(content)
        .filter(|t| t.contains("edited"))
        .collect();
    assert_eq!(
        edits,
        vec!["✏️ alice (customer) edited a message: my licence key is ABC-2".to_string()]
    );
    assert_eq!(
        posts_with(
            &calls,
            CUSTOMER_DM,
            "✏️ ann (support) edited a message: Try version 1.2.4"
        ),
        1
    );
    let bodies: Vec<String> = rig
        .store
        .transcript(TicketId(1))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    for kept in [
        "my licence key is ABC-1",
        "✏️ edited: my licence key is ABC-2",
        "Try version 1.2.3",
        "✏️ edited: Try version 1.2.4",
    ] {
        assert_eq!(
            bodies.iter().filter(|b| *b == kept).count(),
            1,
            "{kept:?} in {bodies:#?}"
        );
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_threads_stay_archived_surveys_count_once_and_used_buttons_go() {
    let rig = rig("").await;
    let fake = &rig.fake;
    // A sticker is answered, not dropped, and opens nothing.
    fake.dispatch(
        "MESSAGE_CREATE",
        with_sticker(dm("1999", CUSTOMER_DM, &alice(), "")),
    );
    fake.wait_for("the sticker answer", |c| {
        posts_with(c, CUSTOMER_DM, "can't pass on a sticker") == 1
    })
    .await;
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2001", CUSTOMER_DM, &alice(), "the sync never finishes"),
    );
    let thread = opened(&rig).await;
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message("2002", &thread, &ann(), &[AGENT_ROLE], "/close 1 fixed"),
    );
    let archived = |c: &[crate::fake_discord::Call]| {
        matching(c, "PATCH", &format!("/channels/{thread}"))
            .iter()
            .filter(|p| p.body["archived"] == true)
            .count()
    };
    fake.wait_for("the thread archived", |c| archived(c) == 1)
        .await;

    // The agent writes in the archived thread: the answer goes to their DMs, and the thread
    // (which their message unarchived) is archived again.
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message("2003", &thread, &ann(), &[AGENT_ROLE], "one more thing"),
    );
    let calls = fake
        .wait_for("the private answer", |c| {
            c.iter().any(|c| {
                c.method == "POST"
                    && c.path.ends_with("/messages")
                    && content(c).contains("Ticket #1 is closed")
            }) && archived(c) == 2
        })
        .await;
    let dms = matching(&calls, "POST", "/users/@me/channels");
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].body["recipient_id"], "5100");
    assert_eq!(
        posts_with(&calls, &thread, "is closed"),
        0,
        "nothing posted in the thread"
    );
    assert_eq!(posts_with(&calls, &thread, "one more thing"), 0);
    // A command typed in the closed thread is answered by DM as well.
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message("2004", &thread, &ann(), &[AGENT_ROLE], "/show"),
    );
    let calls = fake
        .wait_for("the private /show", |c| {
            matching(c, "POST", "/users/@me/channels").len() == 2 && archived(c) == 3
        })
        .await;
    assert!(
        calls.iter().any(|c| c.method == "POST"
            && c.path.ends_with("/messages")
            && content(c).contains("Ticket #1 [P3]")),
        "the /show answer went somewhere"
    );
    assert_eq!(posts_with(&calls, &thread, "Ticket #1 [P3]"), 0);

    // The survey: the first tap counts and takes the buttons off; a second tap says so.
    fake.dispatch(
        "INTERACTION_CREATE",
        click(
            "7007",
            "tok7",
            Where::Dm(CUSTOMER_DM),
            &alice(),
            &[],
            "cs:1:5",
        ),
    );
    fake.wait_for("the buttons taken off", |c| {
        matching(c, "PATCH", &format!("{}/1", messages_path(CUSTOMER_DM))).len() == 1
    })
    .await;
    fake.dispatch(
        "INTERACTION_CREATE",
        click(
            "7008",
            "tok8",
            Where::Dm(CUSTOMER_DM),
            &alice(),
            &[],
            "cs:1:2",
        ),
    );
    let calls = fake
        .wait_for("the second tap answered", |c| {
            !matching(c, "POST", &callback_path("7008", "tok8")).is_empty()
        })
        .await;
    let cleared = matching(
        &calls,
        "PATCH",
        &format!("{}/1", messages_path(CUSTOMER_DM)),
    );
    assert_eq!(cleared[0].body["components"], serde_json::json!([]));
    let again = matching(&calls, "POST", &callback_path("7008", "tok8"))[0].clone();
    assert_eq!(again.body["data"]["flags"], 64, "{}", again.body);
    assert!(
        content(&again).contains("already rated ticket #1 (5/5)"),
        "{}",
        again.body
    );
    let csat = rig.store.csat(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(csat.score, 5);
    rig.stop().await;
}
