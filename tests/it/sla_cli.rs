//! `supportbot sla deadline` and `sla explain` through the real binary.

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
        .env_remove("TELEGRAM_TOKEN")
        .env_remove("DISCORD_TOKEN");
    cmd
}

fn run(mut cmd: Command, stdin: &str) -> (String, String, bool) {
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
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let s = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (s(out.stdout), s(out.stderr), out.status.success())
}

#[test]
fn deadline_on_business_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    // Friday 16:00 UTC on the default Mon–Fri 09–17 UTC calendar: 1h Friday, 3h Monday.
    cmd.args([
        "sla",
        "deadline",
        "--calendar",
        "business",
        "--target",
        "4h",
    ])
    .args(["--start", "2026-11-20T16:00:00Z"]);
    let (out, err, ok) = run(cmd, "");
    assert!(ok, "{err}");
    assert_eq!(out, "2026-11-23T12:00:00Z\n");
}

#[test]
fn deadline_reads_stdin_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.args([
        "sla",
        "deadline",
        "--calendar",
        "24x7",
        "--target",
        "1h30m",
        "--start",
        "-",
    ]);
    let (out, err, ok) = run(
        cmd,
        "2026-11-20T16:00:00Z\nyesterday\n2026-11-20T17:00:00+01:00\n",
    );
    assert!(!ok, "a bad line makes the exit status non-zero");
    assert_eq!(out, "2026-11-20T17:30:00Z\n\n2026-11-20T17:30:00Z\n");
    assert!(
        err.contains("line 2:") && err.contains("yesterday"),
        "{err}"
    );
}

#[test]
fn deadline_rejects_unknown_calendar_and_bad_target() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.args([
        "sla",
        "deadline",
        "--calendar",
        "nope",
        "--target",
        "4h",
        "--start",
        "2026-11-20T16:00:00Z",
    ]);
    let (_, err, ok) = run(cmd, "");
    assert!(!ok && err.contains("no calendar named `nope`"), "{err}");
    let mut cmd = bot(&dir);
    cmd.args([
        "sla",
        "deadline",
        "--target",
        "4 hours",
        "--start",
        "2026-11-20T16:00:00Z",
    ]);
    let (_, err, ok) = run(cmd, "");
    assert!(!ok && err.contains("not a duration"), "{err}");
}

#[test]
fn explain_opens_the_store_and_names_missing_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.args(["sla", "explain", "42"]);
    let (_, err, ok) = run(cmd, "");
    assert!(!ok && err.contains("no ticket #42"), "{err}");
}
