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

/// A small kb of our own for the `kb` subcommands (the eval sets stay out of the repository).
fn small_kb(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let articles = [
        (
            "reset",
            "Resetting your password",
            "Open Settings, choose Security and press Reset.",
        ),
        (
            "invoice",
            "Downloading invoices",
            "Invoices are under Billing; each has a PDF button.",
        ),
        (
            "export",
            "Exporting data to CSV",
            "Use File, Export, CSV to get a spreadsheet file.",
        ),
    ];
    for (id, title, body) in articles {
        std::fs::write(
            dir.join(format!("{id}.md")),
            format!("---\nid: {id}\ntitle: {title}\nlang: en\n---\n{body}\n"),
        )
        .unwrap();
    }
}

#[test]
fn kb_subcommands_check_index_search_and_eval() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    small_kb(&kb);
    let with_kb = |args: &[&str]| {
        let mut cmd = bot(&dir);
        cmd.env("SUPPORTBOT__SEARCH__KB_DIR", kb.display().to_string())
            .args(args);
        let out = cmd.output().unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.success(),
        )
    };

    // check: clean, then a broken file is named with its reason and the exit status says so.
    let (out, err, ok) = with_kb(&["kb", "check"]);
    assert!(ok, "{out}{err}");
    std::fs::write(kb.join("broken.md"), "no front matter here\n").unwrap();
    let (out, err, ok) = with_kb(&["kb", "check"]);
    assert!(!ok);
    assert!(format!("{out}{err}").contains("broken.md"), "{out}{err}");
    std::fs::remove_file(kb.join("broken.md")).unwrap();

    // index: built once, then reused.
    let (first, _, ok) = with_kb(&["kb", "index"]);
    assert!(ok && first.contains("rebuilt"), "{first}");
    let (second, _, ok) = with_kb(&["kb", "index"]);
    assert!(ok && second.contains("up to date"), "{second}");

    // search: JSON hits with a confidence; --explain shows the parts.
    let (out, err, ok) = with_kb(&["kb", "search", "how do I reset my password", "--json"]);
    assert!(ok, "{err}");
    let hits: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(hits[0]["id"], "reset", "{out}");
    let c = hits[0]["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c), "{out}");
    let (out, _, ok) = with_kb(&["kb", "search", "export csv", "--explain"]);
    assert!(
        ok && out.contains("export") && out.contains("coverage"),
        "{out}"
    );

    // eval: metrics printed and predictions written in score.py's format.
    let queries = dir.path().join("q.jsonl");
    std::fs::write(
        &queries,
        "{\"q\": \"reset password\", \"lang\": \"en\", \"expected\": \"reset\"}\n\
         {\"q\": \"where are my invoices\", \"lang\": \"en\", \"expected\": \"invoice\"}\n\
         {\"q\": \"what is the weather on mars\", \"lang\": \"en\", \"expected\": null}\n",
    )
    .unwrap();
    let preds = dir.path().join("pred.jsonl");
    let kb_arg = kb.display().to_string();
    let (q_arg, p_arg) = (queries.display().to_string(), preds.display().to_string());
    let (out, err, ok) = with_kb(&[
        "kb",
        "eval",
        "--kb",
        &kb_arg,
        "--queries",
        &q_arg,
        "--predictions",
        &p_arg,
        "--json",
    ]);
    assert!(ok, "{err}");
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(m["recall_at_1"], 1.0, "{out}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&preds)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["ranked"][0], "reset");
    assert!(
        lines.iter().all(|l| l.get("abstain").is_some()),
        "{lines:?}"
    );
}

#[test]
fn tickets_list_filters_by_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.arg("console");
    let (_, err, ok) = run_with_stdin(
        cmd,
        "/ticket first problem\n@agent /close 1 done\n!cs:1:5\n/ticket second problem\n",
    );
    assert!(ok, "{err}");
    let list = |status: &str| {
        let mut cmd = bot(&dir);
        cmd.args(["tickets", "list", "--status", status, "--json"]);
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["subject"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(list("closed"), vec!["first problem"]);
    assert_eq!(list("new"), vec!["second problem"]);
    let mut cmd = bot(&dir);
    cmd.args(["tickets", "list", "--status", "dunno"]);
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("dunno"));
}

#[test]
fn output_to_a_closed_pipe_ends_quietly_with_the_sigpipe_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bot(&dir);
    cmd.arg("console");
    let (_, err, ok) = run_with_stdin(cmd, "/ticket first problem\n");
    assert!(ok, "{err}");
    let commands: [&[&str]; 3] = [
        &["tickets", "list"],
        &["tickets", "show", "1", "--json"],
        &["config", "check"],
    ];
    for args in commands {
        let mut cmd = bot(&dir);
        let mut child = cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the command writes (as `| head -0` would). The command
        // stops quietly with the status of a tool killed by SIGPIPE, not a panic or a success.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{args:?}: {err}"
        );
    }
    // The same for output written line by line while reading stdin.
    let mut cmd = bot(&dir);
    let mut child = cmd
        .args([
            "sla",
            "deadline",
            "--calendar",
            "24x7",
            "--target",
            "4h",
            "--start",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all("2026-11-20T15:00:00Z\n".repeat(1000).as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}
