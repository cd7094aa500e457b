//! Whole conversations through the fake Discord in Chinese and in Hungarian (greeting,
//! sticker, question, answer, "No", ticket, claim, agent reply and edit, `/lang` mid-ticket,
//! close, survey, a second tap), and the localized slash-command registration.

use serde_json::{Value, json};
use supportbot::domain::event::UnsupportedKind;
use supportbot::domain::i18n::{Key, Lang};
use supportbot::domain::ids::TicketId;
use supportbot::domain::replies;
use supportbot::tr;

use crate::discord::{
    AGENT_ROLE, CUSTOMER_DM, STAFF, SUPPORT, callback_path, content, custom_ids, messages_path,
    rig, rig_with_kb,
};
use crate::fake_discord::{
    Call, GUILD, Where, click, dm, guild_message, matching, message_update, slash, user,
    with_sticker,
};
use crate::i18n::{HU, Tongue, ZH, assert_all_in};

const EDITED_AT: &str = "2024-01-01T00:05:00.000000+00:00";

/// Bot posts in the customer's DM with exactly `text`.
fn in_dm(calls: &[Call], text: &str) -> usize {
    matching(calls, "POST", &messages_path(CUSTOMER_DM))
        .iter()
        .filter(|c| content(c) == text)
        .count()
}

/// What the bot answered to interaction `id` (its response and follow-ups).
fn answers(calls: &[Call], id: &str, token: &str) -> Vec<String> {
    let followups = format!("/webhooks/100/{token}");
    calls
        .iter()
        .filter(|c| {
            c.method == "POST"
                && (c.path == callback_path(id, token) || c.path.starts_with(&followups))
        })
        .map(content)
        .filter(|t| !t.is_empty())
        .collect()
}

/// The customer's `/lang code` slash command.
fn lang_command(id: &str, token: &str, alice: &Value, code: &str) -> Value {
    let options = json!([{"name": "language", "type": 3, "value": code}]);
    slash(
        id,
        token,
        Where::Dm(CUSTOMER_DM),
        alice,
        &[],
        "lang",
        options,
    )
}

async fn conversation(t: &Tongue) {
    let (lang, other) = (t.lang, t.other);
    let rig = rig_with_kb(t.kb()).await;
    let fake = &rig.fake;
    let alice = user("5000", "alice", false);
    let ann = user("5100", "ann", false);
    // Interactions carry the client's locale; DMs carry none, so their script tells.
    let local = |mut v: Value| {
        v["locale"] = json!(t.discord_locale);
        v
    };

    // Small talk and a sticker before any ticket: answered, nothing opens.
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2001", CUSTOMER_DM, &alice, t.greeting),
    );
    let greeting = tr!(lang, Key::SmalltalkGreeting);
    fake.wait_for("the greeting", |c| in_dm(c, &greeting) == 1)
        .await;
    let sticker = with_sticker(dm("2002", CUSTOMER_DM, &alice, ""));
    fake.dispatch("MESSAGE_CREATE", sticker);
    let sticker_answer = replies::cannot_relay_to_support(lang, UnsupportedKind::Sticker);
    fake.wait_for("the sticker answer", |c| in_dm(c, &sticker_answer) == 1)
        .await;

    // Question → answer → No → ticket.
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2003", CUSTOMER_DM, &alice, t.question),
    );
    let calls = fake
        .wait_for("the FAQ answer", |c| {
            matching(c, "POST", &messages_path(CUSTOMER_DM))
                .iter()
                .any(|m| content(m).contains(&t.did_this_help()))
        })
        .await;
    let answer = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .find(|m| content(m).contains(&t.did_this_help()))
        .unwrap()
        .clone();
    let labels: Vec<String> = answer.body["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, t.answer_buttons(), "{}", answer.body);
    let no = custom_ids(&answer)
        .into_iter()
        .find(|id| id.starts_with("fn:"))
        .unwrap();
    let dm_at = Where::Dm(CUSTOMER_DM);
    fake.dispatch(
        "INTERACTION_CREATE",
        local(click("7002", "tok2", dm_at, &alice, &[], &no)),
    );
    let calls = fake
        .wait_for("the staff intro", |c| {
            c.iter()
                .any(|c| c.method == "POST" && content(c).starts_with("New question ticket #1"))
        })
        .await;
    let intro = calls
        .iter()
        .find(|c| c.method == "POST" && content(c).starts_with("New question ticket #1"))
        .map(content)
        .unwrap();
    let names_lang = tr!(
        Lang::En,
        Key::IntroLang,
        lang = replies::lang_name(Lang::En, lang)
    );
    assert!(intro.contains(&names_lang), "{intro}");
    let thread = rig.staff_thread(1).await;
    let in_thread = Where::Thread(&thread, STAFF);

    // The agent claims, answers and corrects the answer; a sticker inside the ticket.
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7004", "tok4", in_thread, &ann, &[AGENT_ROLE], "cl:1"),
    );
    let claimed = tr!(
        lang,
        Key::ClaimedForCustomer,
        agent = "ann",
        id = TicketId(1)
    );
    fake.wait_for("the claim notice", |c| in_dm(c, &claimed) == 1)
        .await;
    let reply = guild_message("2004", &thread, &ann, &[AGENT_ROLE], t.agent_text);
    fake.dispatch("MESSAGE_CREATE", reply);
    let said = tr!(lang, Key::AgentSaid, agent = "ann", text = t.agent_text);
    fake.wait_for("the relayed reply", |c| in_dm(c, &said) == 1)
        .await;
    let roles = [AGENT_ROLE];
    let edit = message_update("2004", &thread, &ann, Some(&roles), t.agent_edit, EDITED_AT);
    fake.dispatch("MESSAGE_UPDATE", edit);
    let edited = replies::edited_by_agent(lang, "ann", t.agent_edit);
    fake.wait_for("the relayed edit", |c| in_dm(c, &edited) == 1)
        .await;
    let sticker = with_sticker(dm("2005", CUSTOMER_DM, &alice, ""));
    fake.dispatch("MESSAGE_CREATE", sticker);
    let note = replies::customer_sent_unsupported(Lang::En, "alice", UnsupportedKind::Sticker);
    fake.wait_for("the second sticker answer and the note", |c| {
        in_dm(c, &sticker_answer) == 2
            && matching(c, "POST", &messages_path(&thread))
                .iter()
                .any(|m| content(m) == note)
    })
    .await;

    // /lang mid-ticket: the confirmation and the next reply in the other language; then back.
    fake.dispatch(
        "INTERACTION_CREATE",
        local(lang_command("7008", "tok8", &alice, other.code())),
    );
    let switched = tr!(other, Key::LangSet);
    fake.wait_for("the switch", |c| {
        answers(c, "7008", "tok8").contains(&switched)
    })
    .await;
    let later_msg = guild_message("2006", &thread, &ann, &[AGENT_ROLE], t.agent_later);
    fake.dispatch("MESSAGE_CREATE", later_msg);
    let later = tr!(other, Key::AgentSaid, agent = "ann", text = t.agent_later);
    fake.wait_for("the reply after the switch", |c| in_dm(c, &later) == 1)
        .await;
    fake.dispatch(
        "INTERACTION_CREATE",
        local(lang_command("7009", "tok9", &alice, lang.code())),
    );
    let back = tr!(lang, Key::LangSet);
    fake.wait_for("the switch back", |c| {
        answers(c, "7009", "tok9").contains(&back)
    })
    .await;

    // Close, survey, rating, and a second tap that does not count.
    let reason = json!([{"name": "reason", "type": 3, "value": t.reason}]);
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7010",
            "tok10",
            in_thread,
            &ann,
            &[AGENT_ROLE],
            "close",
            reason,
        ),
    );
    let survey = replies::closed_for_customer(lang, TicketId(1), t.reason);
    let calls = fake
        .wait_for("the survey", |c| in_dm(c, &survey) == 1)
        .await;
    let with_scores = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .find(|c| content(c) == survey)
        .unwrap()
        .clone();
    assert_eq!(custom_ids(&with_scores).len(), 5);
    fake.dispatch(
        "INTERACTION_CREATE",
        local(click("7011", "tok11", dm_at, &alice, &[], "cs:1:4")),
    );
    let thanks = tr!(lang, Key::CsatThanks, score = 4u8);
    fake.wait_for("the thanks", |c| {
        answers(c, "7011", "tok11").contains(&thanks)
    })
    .await;
    fake.dispatch(
        "INTERACTION_CREATE",
        local(click("7012", "tok12", dm_at, &alice, &[], "cs:1:2")),
    );
    let again = replies::already_rated(lang, TicketId(1), 4);
    let calls = fake
        .wait_for("the second tap's answer", |c| {
            answers(c, "7012", "tok12").contains(&again)
        })
        .await;
    assert_eq!(rig.store.csat(TicketId(1)).await.unwrap().unwrap().score, 4);

    // Every text Alice received is in her language, or in the one she switched to.
    let mut texts: Vec<String> = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .map(content)
        .collect();
    for (id, token) in [
        ("7002", "tok2"),
        ("7008", "tok8"),
        ("7009", "tok9"),
        ("7011", "tok11"),
        ("7012", "tok12"),
    ] {
        texts.extend(answers(&calls, id, token));
    }
    assert_all_in(&texts, t, |s| s == switched || s == later);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chinese_customer_hears_chinese_from_greeting_to_survey_on_discord() {
    conversation(&ZH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hungarian_customer_hears_hungarian_from_greeting_to_survey_on_discord() {
    conversation(&HU).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chinese_post_in_the_support_channel_moves_to_a_thread_named_in_chinese() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let wei = user("5300", "wei", false);
    let post = guild_message("2201", SUPPORT, &wei, &[], "我的软件无法启动");
    fake.dispatch("MESSAGE_CREATE", post);
    let calls = fake
        .wait_for("the pointer and the ticket", |c| {
            !matching(c, "POST", &messages_path(SUPPORT)).is_empty()
                && c.iter()
                    .any(|c| c.method == "POST" && content(c).starts_with("已为您创建工单 #1"))
        })
        .await;
    let created = matching(&calls, "POST", &format!("/channels/{SUPPORT}/threads"));
    let title = tr!(Lang::Zh, Key::CustomerThreadTitle, name = "wei");
    assert_eq!(created[0].body["name"], json!(title));
    let key = format!("discord:customer_thread:{SUPPORT}:5300");
    let thread = rig.store.get_state(&key).await.unwrap().unwrap();
    let pointer = content(matching(&calls, "POST", &messages_path(SUPPORT))[0]);
    let moved = format!("<#{thread}>");
    assert_eq!(pointer, tr!(Lang::Zh, Key::MovedToThread, thread = moved));
    rig.stop().await;
}

/// A plain message carries no locale, so in a server whose admins chose Hungarian a member
/// who writes neutral Latin text hears Hungarian, while one who writes Chinese still hears
/// Chinese (the script ranks above the server's setting). The server is asked once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_preferred_locale_is_the_language_of_members_who_tell_nothing_else() {
    let rig = rig("").await;
    let fake = &rig.fake;
    fake.set_preferred_locale("hu");
    let anna = user("5310", "anna", false);
    let post = guild_message("2211", SUPPORT, &anna, &[], "Error 0x80070005 at setup.exe");
    fake.dispatch("MESSAGE_CREATE", post);
    let calls = fake
        .wait_for("anna's ticket", |c| {
            c.iter()
                .any(|c| c.method == "POST" && content(c).starts_with("Megnyitottam"))
        })
        .await;
    let created = matching(&calls, "POST", &format!("/channels/{SUPPORT}/threads"));
    assert_eq!(
        created[0].body["name"],
        json!(tr!(Lang::Hu, Key::CustomerThreadTitle, name = "anna"))
    );
    let key = format!("discord:customer_thread:{SUPPORT}:5310");
    let thread = rig.store.get_state(&key).await.unwrap().unwrap();
    let pointer = content(matching(&calls, "POST", &messages_path(SUPPORT))[0]);
    let moved = format!("<#{thread}>");
    assert_eq!(pointer, tr!(Lang::Hu, Key::MovedToThread, thread = moved));

    let wei = user("5311", "wei", false);
    let post = guild_message("2212", SUPPORT, &wei, &[], "安装程序报错 0x80070005");
    fake.dispatch("MESSAGE_CREATE", post);
    let calls = fake
        .wait_for("wei's ticket", |c| {
            c.iter()
                .any(|c| c.method == "POST" && content(c).starts_with("已为您创建工单"))
        })
        .await;
    let created = matching(&calls, "POST", &format!("/channels/{SUPPORT}/threads"));
    assert_eq!(
        created[1].body["name"],
        json!(tr!(Lang::Zh, Key::CustomerThreadTitle, name = "wei"))
    );
    let lookups = matching(&calls, "GET", &format!("/guilds/{GUILD}")).len();
    assert_eq!(lookups, 1, "the server's locale is fetched once and kept");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_are_registered_with_chinese_and_hungarian_names() {
    let rig = rig("").await;
    let registered = format!("/applications/100/guilds/{GUILD}/commands");
    let calls = rig.fake.calls();
    let put = matching(&calls, "PUT", &registered)[0].clone();
    let command = |name: &str| {
        put.body
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let help = command("help");
    assert_eq!(help["name_localizations"]["zh-CN"], "帮助");
    assert_eq!(help["name_localizations"]["hu"], "segítség");
    assert_eq!(help["description_localizations"]["zh-CN"], "我能为您做什么");
    assert_eq!(help["description_localizations"]["hu"], "Miben segíthetek");
    assert_eq!(
        command("ticket")["options"][0]["description_localizations"]["zh-CN"],
        "您需要什么帮助？"
    );
    // Every command and option has both localizations, none empty.
    for c in put.body.as_array().unwrap() {
        for locale in ["zh-CN", "hu"] {
            let name = c["name_localizations"][locale].as_str().unwrap_or_default();
            assert!(!name.is_empty(), "{} lacks a {locale} name", c["name"]);
            let desc = c["description_localizations"][locale]
                .as_str()
                .unwrap_or_default();
            assert!(
                !desc.is_empty(),
                "{} lacks a {locale} description",
                c["name"]
            );
        }
    }
    rig.stop().await;
}
