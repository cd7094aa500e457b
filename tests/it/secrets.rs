//! Tokens and database passwords never appear in logs, errors, `config check` or panics: the
//! real binary is made to fail with a token in every Telegram URL, a token on the Discord
//! connection and a password in the database URL, and all it prints is scanned.

use std::process::{Command, Stdio};
use std::time::Duration;

const TG_TOKEN: &str = "7777777:AAH-secret_telegram-token";
const DC_TOKEN: &str = "MTEx.secret-discord.token-xyz";
const DB_PASSWORD: &str = "S3cret-pa55w0rd";

fn bot(dir: &tempfile::TempDir, db_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_supportbot"));
    cmd.current_dir(dir.path())
        .env("SUPPORTBOT__STORAGE__URL", db_url)
        .env("SUPPORTBOT__ADMIN__ENABLED", "false")
        .env("SUPPORTBOT__SEARCH__DATA_DIR", dir.path().join("data"))
        .env("TELEGRAM_TOKEN", TG_TOKEN)
        .env("DISCORD_TOKEN", DC_TOKEN)
        // Nothing listens there: every request fails, and errors quote the URL.
        .env("SUPPORTBOT__TELEGRAM__API_URL", "http://127.0.0.1:9")
        .env("SUPPORTBOT__DISCORD__API_PROXY", "http://127.0.0.1:9")
        .env("SUPPORTBOT_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn pg_url() -> String {
    format!("postgres://supportbot:{DB_PASSWORD}@127.0.0.1:9/supportbot")
}

#[track_caller]
fn assert_clean(what: &str, out: &str) {
    let encoded = DB_PASSWORD.replace('-', "%2D");
    for secret in [
        TG_TOKEN,
        "AAH-secret_telegram-token",
        DC_TOKEN,
        DB_PASSWORD,
        encoded.as_str(),
    ] {
        assert!(
            !out.contains(secret),
            "{what} printed a secret ({secret}):\n{out}"
        );
    }
}

fn output(mut cmd: Command) -> (String, bool) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.success())
}

#[test]
fn config_check_and_failing_commands_print_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir, &pg_url());
    cmd.args(["config", "check"]);
    let (out, ok) = output(cmd);
    assert!(ok, "{out}");
    assert!(
        out.contains("<redacted>") && out.contains("supportbot:***@"),
        "{out}"
    );
    assert_clean("config check", &out);
    // `migrate` waits out the pool's connect timeout (30 s); the others fail at once on a
    // connection option the driver rejects, an error that quotes the URL.
    let bad_option = format!("{}?sslmode=sometimes", pg_url());
    for (args, url) in [
        (&["migrate"][..], pg_url()),
        (&["tickets", "list"], bad_option.clone()),
        (&["sla", "explain", "1"], bad_option.clone()),
        (&["run"], bad_option.clone()),
    ] {
        let mut cmd = bot(&dir, &url);
        cmd.args(args);
        let (out, ok) = output(cmd);
        assert!(!ok, "{args:?} cannot reach the database: {out}");
        assert!(
            out.contains("cannot open the database") || out.contains("error"),
            "{args:?}: {out}"
        );
        assert_clean(&format!("{args:?}"), &out);
    }
}

#[test]
fn channels_failing_with_tokens_in_their_urls_log_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display());
    let mut cmd = bot(&dir, &db);
    cmd.arg("run");
    let mut child = cmd.spawn().unwrap();
    // Both channels try, fail and retry; a few seconds give several rounds of errors.
    std::thread::sleep(Duration::from_secs(6));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("127.0.0.1:9"),
        "the channels did try the unreachable endpoints:\n{text}"
    );
    assert_clean("run", &text);
}

/// Re-runs this test binary as a child that panics with secrets in the message.
#[test]
fn panics_print_no_secret() {
    if std::env::var_os("SUPPORTBOT_PANIC_CHILD").is_some() {
        supportbot::redact::register(TG_TOKEN);
        supportbot::redact::register_url_password(&pg_url());
        supportbot::redact::install_panic_hook();
        panic!(
            "request to https://api.telegram.org/bot{TG_TOKEN}/getMe with {}",
            pg_url()
        );
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "secrets::panics_print_no_secret",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SUPPORTBOT_PANIC_CHILD", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the child panicked:\n{text}");
    assert!(
        text.contains("panicked") && text.contains("bot<redacted>/getMe"),
        "{text}"
    );
    assert_clean("a panic", &text);
}
