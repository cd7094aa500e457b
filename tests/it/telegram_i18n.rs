//! A Hungarian customer's whole conversation through the fake Telegram, switching language
//! with `/lang` mid-ticket, small talk, and the command menus per `language_code`.

use std::sync::Arc;

use serde_json::{Value, json};
use supportbot::domain::ids::TicketId;
use supportbot::domain::ports::{KnowledgeBase, TicketStore};

use crate::db::sqlite_store;
use crate::fake_telegram::{FakeTelegram, press, private_text, topic_text};
use crate::harness::{StubKb, hit};
use crate::telegram::{ALICE, ANN, STAFF, buttons, sends_to, start};

/// A private message from a client whose interface language is `lang`.
fn text_from(lang: &str, message_id: i64, text: &str) -> Value {
    let mut u = private_text(ALICE, "Alice", message_id, text);
    u["message"]["from"]["language_code"] = json!(lang);
    u
}

fn press_from(lang: &str, id: &str, data: &str) -> Value {
    let mut u = press(id, ALICE, "Alice", ALICE, None, data);
    u["callback_query"]["from"]["language_code"] = json!(lang);
    u
}

fn is_hungarian(s: &str) -> bool {
    s.chars().any(|c| "áéíóöőúüűÁÉÍÓÖŐÚÜŰ".contains(c))
}

#[tokio::test]
async fn a_hungarian_customer_is_answered_in_hungarian_and_lang_switches_mid_ticket() {
    let fake = FakeTelegram::start().await;
    let (store, _dir) = sqlite_store().await;
    let kb: Arc<dyn KnowledgeBase> = Arc::new(StubKb(vec![(
        "nyomtató".into(),
        hit("hu-printer", "A nyomtató offline állapotú", 0.9),
    )]));
    let bot = start(&fake, store.clone(), Some(kb), true);

    // The menus: English by default, and one per language, none repeating the command.
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

    // Small talk first: a greeting gets a greeting, no ticket.
    fake.push(text_from("hu", 9, "Szia!"));
    fake.wait_until("the greeting", |f| !f.texts_to(ALICE).is_empty())
        .await;
    assert!(
        fake.texts_to(ALICE)[0].starts_with("Üdvözlöm!"),
        "{:?}",
        fake.texts_to(ALICE)
    );
    assert!(fake.ok_calls("createForumTopic").is_empty());

    // Question → answer → No → ticket.
    fake.push(text_from("hu", 10, "offline a nyomtató"));
    fake.wait_until("the FAQ answer", |f| {
        sends_to(f, ALICE).iter().any(|b| !buttons(b).is_empty())
    })
    .await;
    let answer = sends_to(&fake, ALICE).pop().unwrap();
    assert!(
        answer["text"].as_str().unwrap().contains("Segített ez?"),
        "{answer}"
    );
    let labels: Vec<&str> = answer["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter())
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Igen, ez segített", "Nem, munkatársat kérek"]);
    let no = buttons(&answer)[1].clone();
    fake.push(press_from("hu", "cb1", &no));
    fake.wait_until("the ticket confirmation", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("#1 számú jegyet"))
    })
    .await;
    fake.wait_until("the staff intro", |f| !sends_to(f, STAFF).is_empty())
        .await;
    let intro = sends_to(&fake, STAFF).pop().unwrap();
    let thread = intro["message_thread_id"].as_i64().unwrap();
    assert!(
        intro["text"]
            .as_str()
            .unwrap()
            .contains("language: Hungarian"),
        "{intro}"
    );

    // The agent claims and answers; the customer reads it in Hungarian.
    fake.push(press("cb2", ANN, "ann", STAFF, Some(thread), "cl:1"));
    fake.push(topic_text(
        STAFF,
        thread,
        ANN,
        "ann",
        20,
        "Kérem, indítsa újra",
    ));
    fake.wait_until("the relayed reply", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t == "ann (ügyfélszolgálat): Kérem, indítsa újra")
    })
    .await;
    assert!(
        fake.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("ann munkatársunk foglalkozik"))
    );

    // Everything so far reached Alice in Hungarian.
    for t in fake.texts_to(ALICE) {
        assert!(is_hungarian(&t), "not Hungarian: {t}");
    }

    // /lang zh mid-ticket: the confirmation and the next reply are in Chinese.
    fake.push(text_from("hu", 11, "/lang zh"));
    fake.wait_until("the language confirmation", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t == "好的，之后我会用中文回复您。")
    })
    .await;
    fake.push(topic_text(
        STAFF,
        thread,
        ANN,
        "ann",
        21,
        "/close 1 megoldva",
    ));
    fake.wait_until("the survey", |f| {
        sends_to(f, ALICE).iter().any(|b| buttons(b).len() == 5)
    })
    .await;
    let survey = sends_to(&fake, ALICE)
        .into_iter()
        .find(|b| buttons(b).len() == 5)
        .unwrap();
    let text = survey["text"].as_str().unwrap();
    assert!(text.starts_with("工单 #1 已关闭（megoldva）"), "{text}");
    fake.push(press_from("hu", "cb3", "cs:1:4"));
    fake.wait_until("the rating thanks", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.contains("感谢您给出 4/5 的评分"))
    })
    .await;
    assert_eq!(store.csat(TicketId(1)).await.unwrap().unwrap().score, 4);
    bot.stop().await;

    // The choice survives a restart: the next answer (to the rating's comment) is in Chinese
    // although the client still says Hungarian.
    let bot = start(&fake, store.clone(), None, true);
    fake.push(text_from("hu", 12, "köszönöm"));
    fake.wait_until("the reply after the restart", |f| {
        f.texts_to(ALICE)
            .iter()
            .any(|t| t.starts_with("谢谢，您的意见已添加到评分中"))
    })
    .await;
    assert!(
        store
            .active_ticket_for(&supportbot::domain::ids::UserRef::new(
                supportbot::domain::ids::Platform::Telegram,
                ALICE.to_string(),
                "Alice",
            ))
            .await
            .unwrap()
            .is_none()
    );
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
    fake.wait_until("the ticket for the real question", |f| {
        !f.ok_calls("createForumTopic").is_empty()
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
