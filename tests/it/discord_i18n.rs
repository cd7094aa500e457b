//! A Chinese customer's whole conversation through the fake Discord, and the localized
//! slash-command registration.

use serde_json::{Value, json};
use supportbot::domain::ids::TicketId;

use crate::discord::{
    AGENT_ROLE, CUSTOMER_DM, STAFF, callback_path, content, custom_ids, messages_path, posts_with,
    rig,
};
use crate::fake_discord::{GUILD, Where, click, dm, guild_message, matching, slash, user};

fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// An interaction from a Chinese Discord client.
fn zh(mut v: Value) -> Value {
    v["locale"] = json!("zh-CN");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chinese_customer_is_answered_in_chinese_from_question_to_survey() {
    let rig = rig("").await;
    let fake = &rig.fake;
    let alice = user("5000", "alice", false);
    let ann = user("5100", "ann", false);

    // The commands were registered with Chinese and Hungarian names and descriptions.
    let registered = format!("/applications/100/guilds/{GUILD}/commands");
    let calls = fake.calls();
    let put = matching(&calls, "PUT", &registered)[0].clone();
    let help = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "help")
        .unwrap()
        .clone();
    assert_eq!(help["name_localizations"]["zh-CN"], "帮助");
    assert_eq!(help["name_localizations"]["hu"], "segítség");
    assert_eq!(help["description_localizations"]["zh-CN"], "我能为您做什么");
    assert_eq!(help["description_localizations"]["hu"], "Miben segíthetek");
    let ticket = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ticket")
        .unwrap()
        .clone();
    assert_eq!(
        ticket["options"][0]["description_localizations"]["zh-CN"],
        "您需要什么帮助？"
    );

    // A question in Chinese script (a DM carries no locale): the answer is in Chinese.
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2001", CUSTOMER_DM, &alice, "我忘了password，怎么重置？"),
    );
    let calls = fake
        .wait_for("FAQ answer", |c| {
            posts_with(c, CUSTOMER_DM, "这篇文章对您有帮助吗？") == 1
        })
        .await;
    let answer = matching(&calls, "POST", &messages_path(CUSTOMER_DM))[0].clone();
    let labels: Vec<String> = answer.body["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        labels,
        ["有帮助，解决了", "没有，我需要人工客服"],
        "{}",
        answer.body
    );
    let no = custom_ids(&answer)
        .into_iter()
        .find(|id| id.starts_with("fn:"))
        .unwrap();

    // "No": the ticket confirmation with the SLA promise, in Chinese.
    fake.dispatch(
        "INTERACTION_CREATE",
        zh(click(
            "7002",
            "tok2",
            Where::Dm(CUSTOMER_DM),
            &alice,
            &[],
            &no,
        )),
    );
    let calls = fake
        .wait_for("ticket confirmation", |c| {
            !matching(c, "POST", "/webhooks/100/tok2").is_empty()
        })
        .await;
    let confirm = content(matching(&calls, "POST", "/webhooks/100/tok2")[0]);
    assert!(confirm.starts_with("已为您创建工单 #1"), "{confirm}");
    assert!(confirm.contains("预计在"), "{confirm}");
    let thread = rig.staff_thread(1).await;
    // The agent reads English, and learns which language to answer in.
    let intro = calls
        .iter()
        .find(|c| {
            c.path == messages_path(&thread) && content(c).starts_with("New question ticket #1")
        })
        .expect("the staff intro")
        .clone();
    assert!(
        content(&intro).contains("Customer's language: Chinese"),
        "{}",
        content(&intro)
    );

    // The agent claims and answers in the thread; the customer reads both in Chinese.
    let t = Where::Thread(&thread, STAFF);
    fake.dispatch(
        "INTERACTION_CREATE",
        click("7004", "tok4", t, &ann, &[AGENT_ROLE], "cl:1"),
    );
    fake.wait_for("claim notice", |c| {
        posts_with(c, CUSTOMER_DM, "正在处理您的工单 #1") == 1
    })
    .await;
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message("2002", &thread, &ann, &[AGENT_ROLE], "请使用重置链接"),
    );
    fake.wait_for("agent relay", |c| {
        posts_with(c, CUSTOMER_DM, "ann（客服）：请使用重置链接") == 1
    })
    .await;
    // A thank-you inside the ticket is relayed to the agent, not answered as small talk.
    fake.dispatch("MESSAGE_CREATE", dm("2003", CUSTOMER_DM, &alice, "谢谢"));
    fake.wait_for("customer relay", |c| posts_with(c, &thread, "谢谢") == 1)
        .await;

    // Close: the thank-you and the survey in Chinese; the rating thanks too.
    fake.dispatch(
        "INTERACTION_CREATE",
        slash(
            "7006",
            "tok6",
            t,
            &ann,
            &[AGENT_ROLE],
            "close",
            json!([{"name": "reason", "type": 3, "value": "已重置密码"}]),
        ),
    );
    let calls = fake
        .wait_for("survey", |c| {
            posts_with(c, CUSTOMER_DM, "您对这次得到的帮助满意吗") == 1
        })
        .await;
    let survey = matching(&calls, "POST", &messages_path(CUSTOMER_DM))
        .into_iter()
        .find(|c| custom_ids(c).iter().any(|id| id.starts_with("cs:1:")))
        .unwrap()
        .clone();
    assert!(
        content(&survey).contains("工单 #1 已关闭（已重置密码）"),
        "{}",
        content(&survey)
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        zh(click(
            "7007",
            "tok7",
            Where::Dm(CUSTOMER_DM),
            &alice,
            &[],
            "cs:1:5",
        )),
    );
    let calls = fake
        .wait_for("rating thanks", |c| {
            !matching(c, "POST", "/webhooks/100/tok7").is_empty()
        })
        .await;
    assert!(
        content(matching(&calls, "POST", "/webhooks/100/tok7")[0])
            .contains("感谢您给出 5/5 的评分")
    );
    assert_eq!(rig.store.csat(TicketId(1)).await.unwrap().unwrap().score, 5);

    // Every bot text the customer received is in Chinese.
    let to_customer: Vec<String> = calls
        .iter()
        .filter(|c| {
            c.method == "POST"
                && (c.path == messages_path(CUSTOMER_DM)
                    || c.path.starts_with("/webhooks/100/tok2")
                    || c.path.starts_with("/webhooks/100/tok7")
                    || c.path == callback_path("7002", "tok2")
                    || c.path == callback_path("7007", "tok7"))
        })
        .map(content)
        .filter(|t| !t.is_empty())
        .collect();
    assert!(to_customer.len() >= 6, "{to_customer:#?}");
    for text in &to_customer {
        assert!(has_han(text), "not Chinese: {text}");
        for english in ["ticket", "Thank", "help", "support"] {
            assert!(!text.contains(english), "English {english:?} in: {text}");
        }
    }
    rig.stop().await;
}
