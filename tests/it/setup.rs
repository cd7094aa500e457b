//! `supportbot setup` end to end against the fakes: non-interactive with flags, and plain
//! prompts answered on a pipe (picking the staff group and channels from lists), both
//! writing a config doctor passes and a mode-0600 token file.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use serde_json::json;

use crate::fake_discord::FakeDiscord;
use crate::fake_telegram::FakeTelegram;

const TG: &str = "123456:TEST-TOKEN";
const DC: &str = "discord-test-token";

fn setup_cmd(dir: &tempfile::TempDir) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_supportbot"));
    cmd.current_dir(dir.path())
        .arg("setup")
        .env_remove("TELEGRAM_TOKEN")
        .env_remove("DISCORD_TOKEN")
        .env(
            "SUPPORTBOT__SEARCH__KB_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/kb"),
        )
        .env("SUPPORTBOT__SEARCH__SEMANTIC__MODEL_DIR", "")
        .env("SUPPORTBOT__ADMIN__BIND", "127.0.0.1:0");
    cmd
}

fn group_message(chat: i64, title: &str) -> serde_json::Value {
    json!({"message": {"message_id": 5, "date": 1_700_000_000,
        "chat": {"id": chat, "type": "supergroup", "title": title, "is_forum": true},
        "from": {"id": 77, "is_bot": false, "first_name": "Ann"}, "text": "hello bot"}})
}

#[tokio::test]
async fn non_interactive_setup_writes_a_config_doctor_passes() {
    let fake = FakeTelegram::start().await;
    fake.require_token(TG);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = setup_cmd(&dir);
    cmd.args([
        "--non-interactive",
        "--platforms",
        "telegram",
        "--telegram-staff-chat",
        "-1001234",
    ])
    .env("TELEGRAM_TOKEN", TG)
    .env("SUPPORTBOT__TELEGRAM__API_URL", &fake.url);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("ready to go live"), "{stdout}");
    let config = std::fs::read_to_string(dir.path().join("config/local.toml")).unwrap();
    assert!(config.contains("staff_chat_id = -1001234"), "{config}");
    assert!(config.contains("home = \"telegram\""), "{config}");
    assert!(config.contains("forum_topics = true"), "{config}");
    assert!(
        config.contains(&format!("api_url = \"{}\"", fake.url)),
        "{config}"
    );
    assert!(!config.contains(TG), "no token in the config");
    let env = dir.path().join(".env");
    assert_eq!(
        std::fs::read_to_string(&env).unwrap().lines().nth(1),
        Some(&*format!("TELEGRAM_TOKEN={TG}"))
    );
    assert_eq!(
        std::fs::metadata(&env).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Missing answers are named; existing files are kept without --force.
    let mut cmd = setup_cmd(&dir);
    cmd.args(["--non-interactive", "--platforms", "telegram"])
        .env("TELEGRAM_TOKEN", TG);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let fresh = tempfile::tempdir().unwrap();
    let mut cmd = setup_cmd(&fresh);
    cmd.args(["--non-interactive", "--platforms", "telegram"])
        .env("TELEGRAM_TOKEN", TG)
        .env("SUPPORTBOT__TELEGRAM__API_URL", &fake.url);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--telegram-staff-chat"));
}

#[tokio::test]
async fn piped_answers_pick_from_the_groups_and_channels_the_bot_sees() {
    let tg = FakeTelegram::start().await;
    tg.require_token(TG);
    tg.push(group_message(-1002222, "Other team"));
    tg.push(group_message(-1001234, "Staff"));
    let dc = FakeDiscord::start().await;
    dc.require_token(DC);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = setup_cmd(&dir);
    cmd.env("SUPPORTBOT__TELEGRAM__API_URL", &tg.url)
        .env("SUPPORTBOT__DISCORD__API_PROXY", dc.base())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // both; a wrong Telegram token, then the right one; the second group; Discord token;
    // staff channel #staff (1), support channel #help (1 of the rest); agents in Discord.
    let answers = format!("3\nwrong:token\n{TG}\n2\n{DC}\n1\n1\n2\n");
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answers.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("Telegram rejected the token"), "{stderr}");
    assert!(
        stderr.contains("Staff (-1001234)") && stderr.contains("Acme / #help"),
        "{stderr}"
    );
    let config = std::fs::read_to_string(dir.path().join("config/local.toml")).unwrap();
    for line in [
        "staff_chat_id = -1001234",
        "staff_channel_id = \"3200\"",
        "support_channel_ids = [\"3300\"]",
        "home = \"discord\"",
    ] {
        assert!(config.contains(line), "{line} in\n{config}");
    }
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(
        env.contains(&format!("TELEGRAM_TOKEN={TG}"))
            && env.contains(&format!("DISCORD_TOKEN={DC}"))
    );
    // The updates the bot had were only looked at, not confirmed.
    assert!(
        tg.ok_calls("getUpdates")
            .iter()
            .all(|b| b.get("offset").is_none())
    );
}
