//! Telegram, nothing lost in translation: edits both ways (deduplicated), every button press
//! answered, surveys counted once, used buttons removed, unrelayable kinds answered, captionless
//! photos relayed bare, and no topic call that cannot change anything.

use serde_json::json;
use supportbot::domain::ids::TicketId;
use supportbot::domain::ports::TicketStore;

use super::{ALICE, ANN, STAFF, sends_to, start};
use crate::db::sqlite_store;
use crate::fake_telegram::{
    FakeTelegram, press, press_without_message, private_edit, private_other, private_text, sticker,
    topic_edit, topic_text,
};

/// Opens ticket #1 for Alice and returns its topic's thread id.
async fn open_ticket(fake: &FakeTelegram, text: &str) -> i64 {
    fake.push(private_text(ALICE, "Alice", 10, text));
    fake.wait_until("the topic intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    sends_to(fake, STAFF)[0]["message_thread_id"]
        .as_i64()
        .expect("the intro goes into the topic")
}

fn staff_texts(fake: &FakeTelegram) -> Vec<String> {
    fake.texts_to(STAFF)
}

#[tokio::test]
async fn edits_reach_the_other_side_once_and_the_transcript_keeps_both_versions() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    let thread = open_ticket(&fake, "my licence key is ABC-1").await;

    // The customer corrects the key; Telegram delivers the same edit twice.
    fake.push(private_edit(
        ALICE,
        "Alice",
        10,
        1_700_000_100,
        "my licence key is ABC-2",
    ));
    fake.push(private_edit(
        ALICE,
        "Alice",
        10,
        1_700_000_100,
        "my licence key is ABC-2",
    ));
    // The agent answers, then corrects their answer.
    fake.push(topic_text(
        STAFF,
        thread,
        ANN,
        "ann",
        20,
        "Try version 1.2.3",
    ));
    fake.push(topic_edit(
        STAFF,
        thread,
        ANN,
        "ann",
        20,
        1_700_000_200,
        "Try version 1.2.4",
    ));
    fake.push(private_text(ALICE, "Alice", 11, "thanks"));
    fake.wait_until("the customer's last message in the topic", |f| {
        staff_texts(f)
            .iter()
            .any(|t| t.contains("Alice (customer): thanks"))
    })
    .await;

    let notes: Vec<String> = staff_texts(&fake)
        .into_iter()
        .filter(|t| t.contains("edited"))
        .collect();
    assert_eq!(
        notes,
        vec!["✏️ Alice (customer) edited a message: my licence key is ABC-2".to_string()],
        "one note for the edit delivered twice"
    );
    // The customer's chat is a lane of its own, which may finish after the topic's.
    fake.wait_until("the agent's edit in the customer's chat", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("edited a message"))
    })
    .await;
    let to_alice = fake.texts_to(ALICE);
    assert!(
        to_alice
            .iter()
            .any(|t| t == "✏️ ann (support) edited a message: Try version 1.2.4"),
        "{to_alice:?}"
    );
    let bodies: Vec<String> = store
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
    bot.stop().await;
}

#[tokio::test]
async fn every_press_is_answered_surveys_count_once_and_used_buttons_are_removed() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    let thread = open_ticket(&fake, "export crashes").await;

    // A press that comes without a message (inline mode) still stops the spinner.
    fake.push(press_without_message("cb-none", ALICE, "Alice", "zz:1"));
    // Claim: the intro's Claim button is taken off.
    fake.push(press("cb-claim", ANN, "ann", STAFF, Some(thread), "cl:1"));
    fake.push(topic_text(STAFF, thread, ANN, "ann", 30, "/close 1 fixed"));
    fake.wait_until("the survey", |f| {
        sends_to(f, ALICE)
            .iter()
            .any(|b| b["reply_markup"]["inline_keyboard"].is_array())
    })
    .await;
    fake.push(press("cb-rate", ALICE, "Alice", ALICE, None, "cs:1:4"));
    fake.wait_until("the rating thanks", |f| {
        f.texts_to(ALICE).iter().any(|t| t.contains("4/5"))
    })
    .await;
    fake.push(private_text(ALICE, "Alice", 12, "quick and friendly"));
    fake.wait_until("the comment thanks", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("added your comment"))
    })
    .await;
    // A second tap on the old survey changes nothing and says so.
    fake.push(press("cb-again", ALICE, "Alice", ALICE, None, "cs:1:1"));
    fake.wait_until("the second tap answered", |f| {
        f.ok_calls("answerCallbackQuery")
            .iter()
            .any(|b| b["callback_query_id"] == "cb-again")
    })
    .await;

    let answers = fake.ok_calls("answerCallbackQuery");
    for id in ["cb-none", "cb-claim", "cb-rate", "cb-again"] {
        assert!(
            answers.iter().any(|b| b["callback_query_id"] == id),
            "{id} unanswered: {answers:#?}"
        );
    }
    let again = answers
        .iter()
        .find(|b| b["callback_query_id"] == "cb-again")
        .unwrap();
    assert!(
        again["text"]
            .as_str()
            .unwrap()
            .contains("already rated ticket #1 (4/5)"),
        "{again}"
    );
    let csat = store.csat(TicketId(1)).await.unwrap().unwrap();
    assert_eq!(csat.score, 4);
    assert_eq!(csat.comment.as_deref(), Some("quick and friendly"));
    assert!(
        !fake.texts_to(ALICE).iter().any(|t| t.contains("1/5")),
        "the second tap was not counted"
    );
    // The claim button went from the staff topic, the survey from the customer's chat (the
    // fake's press fixtures sit on message 1), and nothing else was touched.
    let cleared: Vec<(i64, i64)> = fake
        .ok_calls("editMessageReplyMarkup")
        .iter()
        .map(|b| {
            (
                b["chat_id"].as_i64().unwrap(),
                b["message_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(cleared.contains(&(STAFF, 1)), "{cleared:?}");
    assert!(cleared.contains(&(ALICE, 1)), "{cleared:?}");
    assert!(
        fake.ok_calls("editMessageReplyMarkup")
            .iter()
            .all(|b| b.get("reply_markup").is_none()),
        "the keyboard is removed, not replaced"
    );
    bot.stop().await;
}

#[tokio::test]
async fn unrelayable_kinds_are_answered_and_captionless_photos_relayed_bare() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);

    // Before any ticket: a sticker is answered and opens nothing.
    fake.push(private_other(ALICE, "Alice", 5, sticker()));
    fake.wait_until("the sticker answer", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("pass on a sticker to our support"))
    })
    .await;
    assert!(
        store
            .list_tickets(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    let thread = open_ticket(&fake, "the app freezes").await;
    fake.push(private_other(
        ALICE,
        "Alice",
        11,
        json!({"location": {"latitude": 47.49, "longitude": 19.04}}),
    ));
    let bare = json!({"photo": [{"file_id": "PHOTO-2", "file_unique_id": "u2", "width": 640,
        "height": 480, "file_size": 99}]});
    fake.push(private_other(ALICE, "Alice", 12, bare));
    fake.wait_until("the photo copied", |f| {
        !f.ok_calls("copyMessage").is_empty()
    })
    .await;
    fake.wait_until("the agent told of the location", |f| {
        staff_texts(f)
            .iter()
            .any(|t| t.contains("Alice (customer) sent a location"))
    })
    .await;
    assert!(
        fake.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("pass on a location to our support")),
        "{:?}",
        fake.texts_to(ALICE)
    );
    let copy = fake.ok_calls("copyMessage").pop().unwrap();
    assert_eq!(copy["message_thread_id"], json!(thread));
    assert_eq!(copy["message_id"], json!(12));
    let staff = staff_texts(&fake);
    assert!(
        !staff.iter().any(|t| t.trim_end().ends_with("(customer):")),
        "no empty line before the photo: {staff:#?}"
    );
    // Two staff messages: the intro and the location note; the photo is only the copy.
    assert_eq!(staff.len(), 2, "{staff:#?}");
    let transcript = store.transcript(TicketId(1)).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e.internal && e.body.contains("sent a location")),
        "{transcript:#?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_claim_makes_no_topic_call_that_cannot_change_anything() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    let thread = open_ticket(&fake, "printer offline").await;
    fake.push(topic_text(STAFF, thread, ANN, "ann", 20, "/claim"));
    fake.wait_until("the customer told of the claim", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("ann from support"))
    })
    .await;
    // The title and the open state are what they were: no request at all.
    fake.push(topic_text(STAFF, thread, ANN, "ann", 21, "/priority P2"));
    fake.wait_until("the rename", |f| !f.ok_calls("editForumTopic").is_empty())
        .await;
    fake.push(topic_text(STAFF, thread, ANN, "ann", 22, "/close 1 done"));
    fake.wait_until("the topic closed", |f| {
        !f.ok_calls("closeForumTopic").is_empty()
    })
    .await;
    let topic_calls: Vec<(String, bool)> = fake
        .calls()
        .into_iter()
        .filter(|c| c.method.ends_with("forumtopic") && c.method != "createforumtopic")
        .map(|c| (c.method, c.ok))
        .collect();
    assert_eq!(
        topic_calls,
        vec![
            ("editforumtopic".to_string(), true),
            ("editforumtopic".to_string(), true),
            ("closeforumtopic".to_string(), true),
        ],
        "one rename for P2, one rename and a close for the close; nothing refused"
    );
    bot.stop().await;
}
