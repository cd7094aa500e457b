//! `supportbot doctor` and `discord invite-url` against the fake platforms: a healthy setup
//! passes, and each failure injected into a fake fails exactly its check, with the fix.

use serde_json::json;
use supportbot::config::Config;
use supportbot::doctor::{Report, Status};

use crate::fake_discord::{BOT_ROLE, FakeDiscord, GUILD};
use crate::fake_telegram::FakeTelegram;

const TG_TOKEN: &str = "123456:TEST-TOKEN";
const DC_TOKEN: &str = "discord-test-token";
const STAFF_CHAT: i64 = -1_001_234;
const STAFF_CHANNEL: &str = "3200";
const SUPPORT_CHANNEL: &str = "3300";

/// A config in a fresh folder: migrated SQLite, the bundled kb, no model, a free admin port.
struct Setup {
    _dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display());
        supportbot::storage::connect(&db, 2).await.unwrap();
        let kb = concat!(env!("CARGO_MANIFEST_DIR"), "/kb").to_string();
        let env = vec![
            ("SUPPORTBOT__STORAGE__URL".into(), db),
            ("SUPPORTBOT__SEARCH__KB_DIR".into(), kb),
            (
                "SUPPORTBOT__SEARCH__DATA_DIR".into(),
                dir.path().join("data").display().to_string(),
            ),
            (
                "SUPPORTBOT__SEARCH__SEMANTIC__MODEL_DIR".into(),
                String::new(),
            ),
            ("SUPPORTBOT__ADMIN__BIND".into(), "127.0.0.1:0".into()),
        ];
        Setup { _dir: dir, env }
    }

    fn set(mut self, key: &str, value: impl Into<String>) -> Setup {
        self.env.push((key.into(), value.into()));
        self
    }

    fn telegram(self, fake: &FakeTelegram) -> Setup {
        self.set("SUPPORTBOT__TELEGRAM__API_URL", fake.url.clone())
            .set(
                "SUPPORTBOT__TELEGRAM__STAFF_CHAT_ID",
                STAFF_CHAT.to_string(),
            )
            .set("SUPPORTBOT__STAFF__HOME", "telegram")
    }

    fn discord(self, fake: &FakeDiscord) -> Setup {
        self.set("SUPPORTBOT__DISCORD__API_PROXY", fake.base())
            .set(
                "SUPPORTBOT__DISCORD__STAFF_CHANNEL_ID",
                format!("\"{STAFF_CHANNEL}\""),
            )
            .set(
                "SUPPORTBOT__DISCORD__SUPPORT_CHANNEL_IDS",
                format!("[\"{SUPPORT_CHANNEL}\"]"),
            )
            .set("SUPPORTBOT__STAFF__HOME", "discord")
    }

    fn config(&self, telegram: bool, discord: bool) -> Config {
        let mut cfg = Config::from_layers(None, &self.env).unwrap();
        cfg.secrets.telegram_token = telegram.then(|| TG_TOKEN.to_string());
        cfg.secrets.discord_token = discord.then(|| DC_TOKEN.to_string());
        cfg
    }
}

fn fix_of<'a>(report: &'a Report, id: &str) -> &'a str {
    report
        .get(id)
        .and_then(|c| c.fix.as_deref())
        .unwrap_or_else(|| panic!("no fix for {id}:\n{}", report.render()))
}

#[tokio::test]
async fn a_healthy_telegram_setup_passes_every_check() {
    let fake = FakeTelegram::start().await;
    fake.require_token(TG_TOKEN);
    let setup = Setup::new().await.telegram(&fake);
    let report = supportbot::doctor::run(&setup.config(true, false)).await;
    assert!(report.ok(), "{}", report.render());
    assert!(report.warned().is_empty(), "{}", report.render());
    for id in [
        "telegram.token",
        "telegram.webhook",
        "telegram.staff_chat",
        "telegram.topics",
        "telegram.admin",
        "telegram.privacy",
        "storage",
        "kb",
        "model",
        "port.admin",
    ] {
        assert_eq!(
            report.get(id).map(|c| c.status),
            Some(Status::Pass),
            "{id}:\n{}",
            report.render()
        );
    }
    let text = report.render();
    assert!(
        text.contains("ok   telegram.token: the token works: @support_bot"),
        "{text}"
    );
    assert!(text.contains("ready to go live"), "{text}");
    assert!(!text.contains(TG_TOKEN), "the token never appears: {text}");
}

type Inject = fn(&FakeTelegram);

#[tokio::test]
async fn each_telegram_failure_fails_its_own_check_with_the_fix() {
    let cases: [(&str, Inject, &[&str], &str); 6] = [
        (
            "a wrong token",
            |f| f.require_token("654321:OTHER"),
            &["telegram.token"],
            "@BotFather",
        ),
        (
            "an unknown staff chat",
            |f| f.set_chat(STAFF_CHAT, None),
            &["telegram.staff_chat"],
            "add the bot to the staff group",
        ),
        (
            "a basic group",
            |f| {
                f.set_chat(
                    STAFF_CHAT,
                    Some(json!({"id": STAFF_CHAT, "type": "group", "title": "Staff"})),
                )
            },
            &["telegram.staff_chat"],
            "supergroup",
        ),
        (
            "topics off",
            |f| {
                f.set_chat(
                    STAFF_CHAT,
                    Some(json!({"id": STAFF_CHAT, "type": "supergroup", "title": "Staff", "is_forum": false})),
                )
            },
            &["telegram.topics"],
            "Topics: on",
        ),
        (
            "a plain member",
            |f| {
                f.set_bot_member(json!({"status": "member",
                    "user": {"id": 1, "is_bot": true, "first_name": "Support"}}))
            },
            &["telegram.admin", "telegram.privacy"],
            "Add Admin",
        ),
        (
            "an admin who may not manage topics",
            |f| {
                f.set_bot_member(
                    json!({"status": "administrator", "can_manage_topics": false,
                    "user": {"id": 1, "is_bot": true, "first_name": "Support"}}),
                )
            },
            &["telegram.admin"],
            "Manage Topics",
        ),
    ];
    for (what, inject, failed, fix) in cases {
        let fake = FakeTelegram::start().await;
        inject(&fake);
        let setup = Setup::new().await.telegram(&fake);
        let report = supportbot::doctor::run(&setup.config(true, false)).await;
        assert!(!report.ok(), "{what}: must fail\n{}", report.render());
        assert_eq!(report.failed(), failed, "{what}:\n{}", report.render());
        assert!(
            fix_of(&report, failed[0]).contains(fix),
            "{what}: the fix names `{fix}`:\n{}",
            report.render()
        );
    }
}

#[tokio::test]
async fn telegram_warnings_and_settings_that_change_what_is_needed() {
    // A webhook left set: the bot deletes it when polling starts, so a warning, not a failure.
    let fake = FakeTelegram::start().await;
    fake.set_webhook("https://old.example.com/hook");
    let setup = Setup::new().await.telegram(&fake);
    let report = supportbot::doctor::run(&setup.config(true, false)).await;
    assert!(report.ok(), "{}", report.render());
    assert_eq!(report.warned(), ["telegram.webhook"]);
    assert!(fix_of(&report, "telegram.webhook").contains("deletes it"));

    // Reply threads: topics and admin rights are not needed, privacy mode only warns.
    let fake = FakeTelegram::start().await;
    fake.set_chat(
        STAFF_CHAT,
        Some(json!({"id": STAFF_CHAT, "type": "supergroup", "title": "Staff", "is_forum": false})),
    );
    fake.set_bot_member(json!({"status": "member",
        "user": {"id": 1, "is_bot": true, "first_name": "Support"}}));
    let setup = Setup::new()
        .await
        .telegram(&fake)
        .set("SUPPORTBOT__TELEGRAM__FORUM_TOPICS", "false");
    let report = supportbot::doctor::run(&setup.config(true, false)).await;
    assert!(report.ok(), "{}", report.render());
    assert_eq!(report.warned(), ["telegram.privacy"], "{}", report.render());
    fake.set_reads_all(true);
    let report = supportbot::doctor::run(&setup.config(true, false)).await;
    assert!(report.warned().is_empty(), "{}", report.render());

    // No staff chat while agents work in Telegram.
    let fake = FakeTelegram::start().await;
    let setup = Setup::new()
        .await
        .set("SUPPORTBOT__TELEGRAM__API_URL", fake.url.clone())
        .set("SUPPORTBOT__STAFF__HOME", "telegram");
    let report = supportbot::doctor::run(&setup.config(true, false)).await;
    assert_eq!(
        report.failed(),
        ["telegram.staff_chat"],
        "{}",
        report.render()
    );
    assert!(fix_of(&report, "telegram.staff_chat").contains("supportbot setup"));
}

#[tokio::test]
async fn a_healthy_discord_setup_passes_and_commands_count() {
    let fake = FakeDiscord::start().await;
    fake.require_token(DC_TOKEN);
    let setup = Setup::new().await.discord(&fake);
    let report = supportbot::doctor::run(&setup.config(false, true)).await;
    assert!(report.ok(), "{}", report.render());
    for id in [
        "discord.token",
        "discord.intent",
        "discord.staff_channel",
        "discord.support_channel",
    ] {
        assert_eq!(
            report.get(id).map(|c| c.status),
            Some(Status::Pass),
            "{id}\n{}",
            report.render()
        );
    }
    // Not registered yet: `run` registers them, so only a warning.
    assert_eq!(report.warned(), ["discord.commands"], "{}", report.render());
    let names = supportbot::channels::discord::command_names();
    fake.set_commands("", &names);
    let report = supportbot::doctor::run(&setup.config(false, true)).await;
    assert!(report.warned().is_empty(), "{}", report.render());
    // An Administrator role needs nothing else, whatever the overwrites deny.
    fake.set_role("4200", 1 << 3);
    fake.set_bot_roles(&["4200"]);
    fake.set_overwrites(
        STAFF_CHANNEL,
        vec![json!({"id": "4200", "type": 0, "allow": "0", "deny": (1u64 << 10).to_string()})],
    );
    let report = supportbot::doctor::run(&setup.config(false, true)).await;
    assert!(report.ok(), "{}", report.render());

    // With registration off, missing commands are a failure.
    let fake = FakeDiscord::start().await;
    let setup = Setup::new()
        .await
        .discord(&fake)
        .set("SUPPORTBOT__DISCORD__REGISTER_COMMANDS", "false")
        .set(
            "SUPPORTBOT__DISCORD__COMMAND_GUILD_IDS",
            format!("[\"{GUILD}\"]"),
        );
    fake.set_commands(GUILD, &names[..3]);
    let report = supportbot::doctor::run(&setup.config(false, true)).await;
    assert_eq!(report.failed(), ["discord.commands"], "{}", report.render());
    assert!(
        report
            .get("discord.commands")
            .unwrap()
            .detail
            .contains(names[3])
    );
}

type InjectDiscord = fn(&FakeDiscord);

#[tokio::test]
async fn each_discord_failure_fails_its_own_check_with_the_fix() {
    let cases: [(&str, InjectDiscord, &[&str], &str, &str); 6] = [
        (
            "a wrong token",
            |f| f.require_token("another"),
            &["discord.token"],
            "Reset Token",
            "",
        ),
        (
            "the intent off",
            |f| f.set_app_flags(0),
            &["discord.intent"],
            "Message Content Intent",
            "",
        ),
        (
            "no role at all",
            |f| f.set_bot_roles(&[]),
            &["discord.staff_channel", "discord.support_channel"],
            "invite-url",
            "View Channel, Send Messages, Create Private Threads, Manage Threads, Send Messages in Threads, Read Message History",
        ),
        (
            "Manage Threads denied in the staff channel",
            |f| {
                f.set_overwrites(
                    STAFF_CHANNEL,
                    vec![json!({"id": BOT_ROLE, "type": 0, "allow": "0",
                        "deny": (1u64 << 34).to_string()})],
                )
            },
            &["discord.staff_channel"],
            "allow Manage Threads",
            "lacks Manage Threads",
        ),
        (
            "an unknown staff channel",
            |f| f.hide_channel(STAFF_CHANNEL),
            &["discord.staff_channel"],
            "check the id",
            "does not exist",
        ),
        (
            "a voice channel",
            |f| {
                f.put_channel(json!({"id": SUPPORT_CHANNEL, "type": 2, "guild_id": GUILD,
                    "name": "lounge", "position": 0, "permission_overwrites": []}))
            },
            &["discord.support_channel"],
            "text channel",
            "not a text channel",
        ),
    ];
    for (what, inject, failed, fix, detail) in cases {
        let fake = FakeDiscord::start().await;
        fake.require_token(DC_TOKEN);
        inject(&fake);
        let setup = Setup::new().await.discord(&fake);
        let report = supportbot::doctor::run(&setup.config(false, true)).await;
        assert_eq!(report.failed(), failed, "{what}:\n{}", report.render());
        let first = report.get(failed[0]).unwrap();
        assert!(first.detail.contains(detail), "{what}: {}", report.render());
        assert!(
            fix_of(&report, failed[0]).contains(fix),
            "{what}: {}",
            report.render()
        );
    }
}

#[tokio::test]
async fn local_failures_storage_kb_sla_staff_home_and_a_busy_port() {
    let busy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let kb = tempfile::tempdir().unwrap();
    std::fs::write(kb.path().join("bad.md"), "no front matter here\n").unwrap();
    let not_a_db = kb.path().join("not.db");
    std::fs::write(&not_a_db, vec![7u8; 4096]).unwrap();
    let setup = Setup::new()
        .await
        .set(
            "SUPPORTBOT__STORAGE__URL",
            format!("sqlite://{}?mode=rwc", not_a_db.display()),
        )
        .set(
            "SUPPORTBOT__SEARCH__KB_DIR",
            kb.path().display().to_string(),
        )
        .set(
            "SUPPORTBOT__ADMIN__BIND",
            busy.local_addr().unwrap().to_string(),
        )
        .set("SUPPORTBOT__STAFF__HOME", "discord")
        .set("SUPPORTBOT__SLA__WARNINGS__BEFORE", "[\"soon\"]");
    let report = supportbot::doctor::run(&setup.config(false, false)).await;
    assert_eq!(
        report.failed(),
        ["staff.home", "sla", "storage", "kb", "port.admin"],
        "{}",
        report.render()
    );
    assert!(fix_of(&report, "port.admin").contains("admin.bind"));
    assert!(fix_of(&report, "kb").contains("supportbot kb check"));
    assert_eq!(report.warned(), ["platforms"]);
}

#[tokio::test]
async fn a_missing_required_model_fails_and_a_corrupt_one_fails_its_hash() {
    let models = tempfile::tempdir().unwrap();
    let dir = models.path().join("all-MiniLM-L6-v2");
    let setup = Setup::new().await.set(
        "SUPPORTBOT__SEARCH__SEMANTIC__MODEL_DIR",
        dir.display().to_string(),
    );
    let report = supportbot::doctor::run(&setup.config(false, false)).await;
    assert_eq!(report.get("model").unwrap().status, Status::Warn);
    assert!(fix_of(&report, "model").contains("supportbot models fetch"));
    let setup = setup.set("SUPPORTBOT__SEARCH__SEMANTIC__REQUIRED", "true");
    let report = supportbot::doctor::run(&setup.config(false, false)).await;
    assert_eq!(report.failed(), ["model"], "{}", report.render());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.safetensors"), b"not the weights").unwrap();
    let report = supportbot::doctor::run(&setup.config(false, false)).await;
    assert_eq!(report.failed(), ["model"]);
    assert!(
        report.get("model").unwrap().detail.contains("pinned hash"),
        "{}",
        report.render()
    );
}

fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_supportbot"));
    cmd.env_remove("TELEGRAM_TOKEN").env_remove("DISCORD_TOKEN");
    cmd
}

#[tokio::test]
async fn the_binary_exits_1_on_a_failure_and_0_when_healthy() {
    let fake = FakeTelegram::start().await;
    let setup = Setup::new().await.telegram(&fake);
    let run = |setup_env: Vec<(String, String)>| {
        tokio::task::spawn_blocking(move || {
            binary()
                .arg("doctor")
                .envs(setup_env)
                .env("TELEGRAM_TOKEN", TG_TOKEN)
                .output()
                .unwrap()
        })
    };
    let out = run(setup.env.clone()).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok   telegram.admin"), "{stdout}");
    fake.set_chat(
        STAFF_CHAT,
        Some(json!({"id": STAFF_CHAT, "type": "supergroup", "title": "Staff", "is_forum": false})),
    );
    let out = run(setup.env.clone()).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("FAIL telegram.topics"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains("→ fix: Group settings → Topics: on"),
        "{line}"
    );
}

#[tokio::test]
async fn invite_url_asks_for_exactly_the_checked_permissions() {
    let expected = supportbot::channels::discord::perms::all(&Default::default()).bits();
    let out = tokio::task::spawn_blocking(|| {
        binary()
            .args(["discord", "invite-url", "--client-id", "42"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands&permissions={expected}"
        )
    );
    // Without --client-id the application id is read from Discord with the token.
    let fake = FakeDiscord::start().await;
    fake.require_token(DC_TOKEN);
    let base = fake.base();
    let out = tokio::task::spawn_blocking(move || {
        binary()
            .args(["discord", "invite-url"])
            .env("DISCORD_TOKEN", DC_TOKEN)
            .env("SUPPORTBOT__DISCORD__API_PROXY", base)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("client_id=100&"), "{stdout}");
    let out =
        tokio::task::spawn_blocking(|| binary().args(["discord", "invite-url"]).output().unwrap())
            .await
            .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-id"));
    // The fake's default bot role has exactly these bits, and the healthy check passes on it:
    // the invite and the doctor use one list.
    assert_eq!(expected & (1 << 3), 0, "no Administrator");
}
