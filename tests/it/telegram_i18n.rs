//! Whole conversations through the fake Telegram in Chinese and in Hungarian (greeting,
//! question, answer, "No", ticket, claim, agent reply and edit, an unrelayable message,
//! `/lang` mid-ticket, close, survey, a second tap), the choice surviving a restart, the
//! command menus per `language_code`, and invisible text.

use serde_json::{Value, json};
use supportbot::domain::event::UnsupportedKind;
use supportbot::domain::i18n::{Key, Lang};
use supportbot::domain::ids::{Platform, TicketId, UserRef};
use supportbot::domain::ports::TicketStore;
use supportbot::domain::replies;
use supportbot::tr;

use crate::db::sqlite_store;
use crate::fake_telegram::{
    FakeTelegram, press, private_other, private_text, sticker, topic_edit, topic_text,
};
use crate::i18n::{HU, Tongue, ZH, assert_all_in};
use crate::telegram::{ALICE, ANN, STAFF, buttons, sends_to, start};

/// `update` as sent by a client whose interface language is `code`.
fn from_client(code: &str, mut update: Value) -> Value {
    for kind in ["message", "callback_query"] {
        if update.get(kind).is_some() {
            update[kind]["from"]["language_code"] = json!(code);
        }
    }
    update
}

/// Texts Alice got as answers to her button presses (`answerCallbackQuery`).
fn alerts_to_alice(fake: &FakeTelegram, presses: &[&str]) -> Vec<String> {
    fake.ok_calls("answerCallbackQuery")
        .into_iter()
        .filter(|b| presses.contains(&b["callback_query_id"].as_str().unwrap_or_default()))
        .filter_map(|b| b["text"].as_str().map(str::to_string))
        .collect()
}

/// `text` as the outlet sends it (HTML parse mode).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn wait_for_text(fake: &FakeTelegram, what: &str, text: &str) {
    let sent = html(text);
    fake.wait_until(what, |f| f.texts_to(ALICE).contains(&sent))
        .await;
}

async fn conversation(t: &Tongue) {
    let (lang, other, code) = (t.lang, t.other, t.telegram_code);
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), Some(t.kb()), true);

    // Small talk and a sticker before any ticket: answered, nothing opens.
    fake.push(from_client(
        code,
        private_text(ALICE, "Alice", 9, t.greeting),
    ));
    wait_for_text(&fake, "the greeting", &tr!(lang, Key::SmalltalkGreeting)).await;
    fake.push(from_client(
        code,
        private_other(ALICE, "Alice", 10, sticker()),
    ));
    let sticker_answer = replies::cannot_relay_to_support(lang, UnsupportedKind::Sticker);
    wait_for_text(&fake, "the sticker answer", &sticker_answer).await;
    assert!(fake.ok_calls("createForumTopic").is_empty());

    // Question → answer → No → ticket.
    fake.push(from_client(
        code,
        private_text(ALICE, "Alice", 11, t.question),
    ));
    fake.wait_until("the FAQ answer", |f| {
        sends_to(f, ALICE).iter().any(|b| !buttons(b).is_empty())
    })
    .await;
    let answer = sends_to(&fake, ALICE).pop().unwrap();
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains(&t.did_this_help()), "{answer}");
    let labels: Vec<&str> = answer["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, t.answer_buttons());
    let no = buttons(&answer)[1].clone();
    fake.push(from_client(
        code,
        press("cb1", ALICE, "Alice", ALICE, None, &no),
    ));
    fake.wait_until("the staff intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let intro = sends_to(&fake, STAFF).pop().unwrap();
    let thread = intro["message_thread_id"].as_i64().unwrap();
    let names_lang = tr!(
        Lang::En,
        Key::IntroLang,
        lang = replies::lang_name(Lang::En, lang)
    );
    let intro_text = intro["text"].as_str().unwrap();
    assert!(intro_text.contains(&html(&names_lang)), "{intro}");

    // The agent claims, answers and corrects the answer.
    fake.push(press("cb2", ANN, "ann", STAFF, Some(thread), "cl:1"));
    let claimed = tr!(
        lang,
        Key::ClaimedForCustomer,
        agent = "ann",
        id = TicketId(1)
    );
    wait_for_text(&fake, "the claim notice", &claimed).await;
    fake.push(topic_text(STAFF, thread, ANN, "ann", 20, t.agent_text));
    let said = tr!(lang, Key::AgentSaid, agent = "ann", text = t.agent_text);
    wait_for_text(&fake, "the relayed reply", &said).await;
    fake.push(topic_edit(
        STAFF,
        thread,
        ANN,
        "ann",
        20,
        1_700_000_100,
        t.agent_edit,
    ));
    let edited = replies::edited_by_agent(lang, "ann", t.agent_edit);
    wait_for_text(&fake, "the relayed edit", &edited).await;

    // A location inside the ticket: the customer is answered, the agent told.
    let location = json!({"location": {"latitude": 47.5, "longitude": 19.04}});
    fake.push(from_client(
        code,
        private_other(ALICE, "Alice", 12, location),
    ));
    let kind = UnsupportedKind::Location;
    wait_for_text(
        &fake,
        "the location answer",
        &replies::cannot_relay_to_support(lang, kind),
    )
    .await;
    let note = replies::customer_sent_unsupported(Lang::En, "Alice", kind);
    fake.wait_until("the agent's note", |f| {
        f.texts_to(STAFF).contains(&html(&note))
    })
    .await;

    // /lang mid-ticket: the confirmation and the next reply in the other language; then back.
    let switch = format!("/lang {}", other.code());
    fake.push(from_client(code, private_text(ALICE, "Alice", 13, &switch)));
    wait_for_text(&fake, "the switch", &tr!(other, Key::LangSet)).await;
    fake.push(topic_text(STAFF, thread, ANN, "ann", 21, t.agent_later));
    let later = tr!(other, Key::AgentSaid, agent = "ann", text = t.agent_later);
    wait_for_text(&fake, "the reply after the switch", &later).await;
    let back = format!("/lang {}", lang.code());
    fake.push(from_client(code, private_text(ALICE, "Alice", 14, &back)));
    wait_for_text(&fake, "the switch back", &tr!(lang, Key::LangSet)).await;

    // Close, survey, rating, and a second tap that does not count.
    let close = format!("/close 1 {}", t.reason);
    fake.push(topic_text(STAFF, thread, ANN, "ann", 22, &close));
    let survey = replies::closed_for_customer(lang, TicketId(1), t.reason);
    wait_for_text(&fake, "the survey", &survey).await;
    let with_scores = sends_to(&fake, ALICE)
        .into_iter()
        .find(|b| buttons(b).len() == 5)
        .expect("the survey's buttons");
    assert_eq!(with_scores["text"], json!(html(&survey)));
    fake.push(from_client(
        code,
        press("cb3", ALICE, "Alice", ALICE, None, "cs:1:4"),
    ));
    wait_for_text(
        &fake,
        "the thanks",
        &tr!(lang, Key::CsatThanks, score = 4u8),
    )
    .await;
    fake.push(from_client(
        code,
        press("cb4", ALICE, "Alice", ALICE, None, "cs:1:2"),
    ));
    let again = replies::already_rated(lang, TicketId(1), 4);
    fake.wait_until("the second tap's answer", |f| {
        alerts_to_alice(f, &["cb4"]).contains(&again)
    })
    .await;
    assert_eq!(store.csat(TicketId(1)).await.unwrap().unwrap().score, 4);

    // Every text Alice received is in her language, or in the one she switched to.
    let mut texts = fake.texts_to(ALICE);
    texts.extend(alerts_to_alice(&fake, &["cb1", "cb3", "cb4"]));
    let (switched, later) = (html(&tr!(other, Key::LangSet)), html(&later));
    assert_all_in(&texts, t, |s| s == switched || s == later);
    bot.stop().await;

    // The choice survives a restart and beats the client's locale: a comment written from a
    // client set to the other language is answered in the chosen one.
    let bot = start(&fake, store.clone(), None, true);
    fake.push(from_client(
        other.code(),
        private_text(ALICE, "Alice", 15, t.comment),
    ));
    wait_for_text(
        &fake,
        "the comment thanks",
        &tr!(lang, Key::CsatCommentThanks),
    )
    .await;
    let alice = UserRef::new(Platform::Telegram, ALICE.to_string(), "Alice");
    assert!(store.active_ticket_for(&alice).await.unwrap().is_none());
    bot.stop().await;
}

#[tokio::test]
async fn a_chinese_customer_hears_chinese_from_greeting_to_survey_on_telegram() {
    conversation(&ZH).await;
}

#[tokio::test]
async fn a_hungarian_customer_hears_hungarian_from_greeting_to_survey_on_telegram() {
    conversation(&HU).await;
}

#[tokio::test]
async fn the_command_menus_come_per_language_without_repeating_the_command() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    fake.wait_until("the command menus", |f| {
        f.ok_calls("setMyCommands").len() >= 6
    })
    .await;
    let menus = fake.ok_calls("setMyCommands");
    let private_hu = menus
        .iter()
        .find(|m| m["language_code"] == "hu" && m["scope"]["type"] == "all_private_chats")
        .expect("a Hungarian private menu");
    let help = private_hu["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "help")
        .unwrap();
    assert_eq!(help["description"], "Miben segíthetek");
    assert!(menus.iter().any(|m| m["language_code"] == "zh"));
    assert!(
        menus
            .iter()
            .any(|m| m.get("language_code").is_none_or(Value::is_null))
    );
    for m in &menus {
        for c in m["commands"].as_array().unwrap() {
            let d = c["description"].as_str().unwrap();
            assert!(!d.contains('/'), "menu repeats a command: {d}");
        }
    }
    bot.stop().await;
}

#[tokio::test]
async fn invisible_text_and_a_lone_emoji_never_open_a_ticket() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let bot = start(&fake, store.clone(), None, true);
    fake.push(private_text(ALICE, "Alice", 10, "\u{200b}"));
    fake.push(private_text(ALICE, "Alice", 11, "👍"));
    fake.push(private_text(ALICE, "Alice", 12, "我的软件无法启动"));
    // The topic and the confirmation go out in different lanes: wait for both.
    fake.wait_until("the ticket for the real question", |f| {
        !f.ok_calls("createForumTopic").is_empty()
            && f.texts_to(ALICE)
                .iter()
                .any(|t| t.starts_with("已为您创建工单 #1"))
    })
    .await;
    let topics = fake.ok_calls("createForumTopic");
    assert_eq!(topics.len(), 1, "{topics:?}");
    assert_eq!(topics[0]["name"], "#1 [P3] 我的软件无法启动");
    let texts = fake.texts_to(ALICE);
    // The emoji got a short answer, the zero-width space none, the question a Chinese ticket.
    assert!(
        texts.iter().any(|t| t.starts_with("All right.")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("已为您创建工单 #1")),
        "{texts:?}"
    );
    assert_eq!(texts.len(), 2, "{texts:?}");
    bot.stop().await;
}
