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

/// Writes a config file into `dir` and returns its path as an argument.
fn config_file(dir: &tempfile::TempDir, text: &str) -> String {
    let p = dir.path().join("c.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const ROUND_THE_CLOCK: &str = r#"
[sla.calendars.always]
timezone = "Europe/Budapest"
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]
[sla.calendars.shifts]
timezone = "America/New_York"
mon = ["08:00-20:00", "20:00-08:00"]
tue = ["08:00-20:00", "20:00-08:00"]
wed = ["08:00-20:00", "20:00-08:00"]
thu = ["08:00-20:00", "20:00-08:00"]
fri = ["08:00-20:00", "20:00-08:00"]
sat = ["08:00-20:00", "20:00-08:00"]
sun = ["08:00-20:00", "20:00-08:00"]
[sla.calendars.tiny]
timezone = "UTC"
sun = ["00:00-00:01"]
"#;

fn deadline(dir: &tempfile::TempDir, calendar: &str, target: &str, start: &str) -> Command {
    let mut cmd = bot(dir);
    cmd.args(["--config", &config_file(dir, ROUND_THE_CLOCK)])
        .args([
            "sla",
            "deadline",
            "--calendar",
            calendar,
            "--target",
            target,
        ])
        .args(["--start", start]);
    cmd
}

#[test]
fn round_the_clock_calendars_answer_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for cal in ["always", "shifts"] {
        let began = std::time::Instant::now();
        let (out, err, ok) = run(deadline(&dir, cal, "30d", "2026-10-20T10:00:00Z"), "");
        assert!(ok, "{cal}: {err}");
        assert_eq!(out, "2026-11-19T10:00:00Z\n", "{cal}");
        assert!(
            began.elapsed() < std::time::Duration::from_secs(10),
            "{cal} took {:?}",
            began.elapsed()
        );
    }
}

#[test]
fn huge_targets_and_far_due_times_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    for cal in ["24x7", "always"] {
        let (out, err, ok) = run(
            deadline(&dir, cal, "2147483647d", "2026-11-20T16:00:00Z"),
            "",
        );
        assert!(!ok && out.is_empty(), "{cal}: {out}");
        assert!(
            err.contains("--target") && err.contains("at most 366d"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // One minute a week: a year of business time lies some 10 000 years ahead.
    let (out, err, ok) = run(deadline(&dir, "tiny", "366d", "9000-11-20T16:00:00Z"), "");
    assert!(!ok && out.is_empty(), "{out}");
    assert!(
        err.contains("after 9999-12-31T23:59:59Z") && err.contains("`tiny`"),
        "{err}"
    );
    let (out, err, ok) = run(deadline(&dir, "24x7", "2h", "9999-12-31T23:00:00Z"), "");
    assert!(
        !ok && out.is_empty() && err.contains("9999-12-31"),
        "{out} {err}"
    );
}

#[test]
fn a_bad_calendar_is_named_but_blocks_only_what_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(
        &dir,
        "[sla.calendars.mars]\ntimezone = \"Mars/Olympus\"\nmon = [\"09:00-17:00\"]\n",
    );
    let with = |args: &[&str]| {
        let mut cmd = bot(&dir);
        cmd.args(["--config", &cfg]).args(args);
        run(cmd, "")
    };
    // Commands that use the SLA policy refuse, naming the calendar and the fix.
    for args in [
        &["config", "check"][..],
        &["sla", "explain", "1"],
        &["console"],
    ] {
        let (_, err, ok) = with(args);
        assert!(!ok, "{args:?} ran");
        assert!(
            err.contains("calendar `mars` is invalid")
                && err.contains("sla.calendars.mars.timezone")
                && err.contains("Europe/Budapest"),
            "{args:?}: {err}"
        );
    }
    // The others run and warn.
    let (out, err, ok) = with(&["tickets", "list"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning:") && err.contains("calendar `mars`"),
        "{err}"
    );
    assert!(!out.contains("mars"), "{out}");
    let (out, err, ok) = with(&[
        "sla",
        "deadline",
        "--calendar",
        "business",
        "--target",
        "4h",
        "--start",
        "2026-11-20T16:00:00Z",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "2026-11-23T12:00:00Z\n");
    let (_, err, ok) = with(&[
        "sla",
        "deadline",
        "--calendar",
        "mars",
        "--target",
        "4h",
        "--start",
        "2026-11-20T16:00:00Z",
    ]);
    assert!(!ok && err.contains("calendar `mars` is invalid"), "{err}");
}
