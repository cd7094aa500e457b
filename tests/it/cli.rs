//! The `supportbot` binary end to end: scripted console chat, config check, tickets views.

use std::io::Write;
use std::process::{Command, Stdio};

fn bot(dir: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_supportbot"));
    cmd.current_dir(dir.path())
        .env(
            "SUPPORTBOT__STORAGE__URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display()),
        )
        .env("SUPPORTBOT__ADMIN__ENABLED", "false")
        .env(
            "SUPPORTBOT__SEARCH__KB_DIR",
            dir.path().join("no-kb").display().to_string(),
        )
        .env(
            "SUPPORTBOT__SEARCH__DATA_DIR",
            dir.path().join("data").display().to_string(),
        )
        .env_remove("TELEGRAM_TOKEN")
        .env_remove("DISCORD_TOKEN");
    cmd
}

fn run_with_stdin(mut cmd: Command, input: &str) -> (String, String, bool) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn scripted_console_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.arg("console");
    let (out, err, ok) = run_with_stdin(
        cmd,
        "my app crashes\n@agent /claim 1\n@agent which version?\n2.3\n@agent /close 1 fixed\n!cs:1:4\n",
    );
    assert!(ok, "stderr: {err}");
    assert!(out.contains("[bot -> you] I've opened ticket #1"), "{out}");
    assert!(
        out.contains("[bot -> staff #1] New question ticket #1"),
        "{out}"
    );
    assert!(
        out.contains("[bot -> you] demo from support is now looking at ticket #1"),
        "{out}"
    );
    assert!(
        out.contains("[bot -> you] demo (support): which version?"),
        "{out}"
    );
    assert!(
        out.contains("[bot -> staff #1] you (customer): 2.3"),
        "{out}"
    );
    assert!(out.contains("Thank you for rating us 4/5"), "{out}");

    // The ticket is in the database the console used.
    let mut list = bot(&dir);
    list.args(["tickets", "list", "--json"]);
    let out = list.output().unwrap();
    assert!(out.status.success());
    let tickets: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tickets[0]["status"], "closed");
    let mut show = bot(&dir);
    show.args(["tickets", "show", "1"]);
    let text = String::from_utf8(show.output().unwrap().stdout).unwrap();
    assert!(
        text.contains("which version?") && text.contains("closed") && text.contains("csat 4/5"),
        "{text}"
    );
}

#[test]
fn the_readme_console_example_works_with_the_bundled_kb() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    let kb = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    cmd.env("SUPPORTBOT__SEARCH__KB_DIR", kb.display().to_string())
        .arg("console");
    // The README's script, then a question the bundled kb answers.
    let (out, err, ok) = run_with_stdin(
        cmd,
        "/ticket my app crashes\n@agent /claim 1\n@agent which version?\n/close\nhow do I report a bug?\n",
    );
    assert!(ok, "stderr: {err}");
    assert!(out.contains("[bot -> you] I've opened ticket #1"), "{out}");
    assert!(
        out.contains("[bot -> you] demo (support): which version?"),
        "{out}"
    );
    assert!(out.contains("Did this help?"), "{out}");
}

#[test]
fn config_check_redacts_tokens_and_names_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.args(["config", "check"])
        .env("TELEGRAM_TOKEN", "123:SECRET")
        .env(
            "SUPPORTBOT__STORAGE__URL",
            "postgres://bot:s3cr3t@db.example:5432/support",
        );
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        !text.contains("SECRET") && text.contains("TELEGRAM_TOKEN = \"<redacted>\""),
        "{text}"
    );
    assert!(
        !text.contains("s3cr3t") && text.contains("postgres://bot:***@db.example:5432/support"),
        "{text}"
    );

    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[staff]\nhomee = \"discord\"\n").unwrap();
    let mut cmd = bot(&dir);
    cmd.args(["--config", file.to_str().unwrap(), "config", "check"]);
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("homee") && err.contains("staff"), "{err}");
}

#[test]
fn bad_database_url_and_ticket_id_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.args(["tickets", "list"])
        .env("SUPPORTBOT__STORAGE__URL", "redis://localhost");
    let err = String::from_utf8(cmd.output().unwrap().stderr).unwrap();
    assert!(err.contains("unknown database URL scheme `redis`"), "{err}");
    let mut cmd = bot(&dir);
    cmd.args(["tickets", "show", "abc"]);
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("`abc` is not a ticket number"));
}
