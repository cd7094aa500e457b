//! Running as a service: under systemd's `NOTIFY_SOCKET` the binary sends `READY=1` only once
//! Telegram answered its first poll, and `STOPPING=1` on SIGTERM; `--log-format json` writes
//! one JSON object per log line.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use crate::fake_telegram::FakeTelegram;

#[tokio::test]
async fn ready_is_sent_once_telegram_polls_and_stopping_on_sigterm() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_supportbot"))
        .args(["--log-format", "json", "run"])
        .current_dir(dir.path())
        .env("NOTIFY_SOCKET", &socket_path)
        .env("TELEGRAM_TOKEN", "123456:TEST-TOKEN")
        .env_remove("DISCORD_TOKEN")
        .env("SUPPORTBOT__TELEGRAM__API_URL", &fake.url)
        .env("SUPPORTBOT__TELEGRAM__POLL_TIMEOUT_SECS", "1")
        .env("SUPPORTBOT__TELEGRAM__STAFF_CHAT_ID", "-1001234")
        .env("SUPPORTBOT__STAFF__HOME", "telegram")
        .env("SUPPORTBOT__ADMIN__ENABLED", "false")
        .env(
            "SUPPORTBOT__SEARCH__KB_DIR",
            dir.path().join("kb").display().to_string(),
        )
        .env("SUPPORTBOT__SEARCH__SEMANTIC__MODEL_DIR", "")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (message, polled) = tokio::task::spawn_blocking({
        let fake = fake.clone();
        move || {
            let mut buf = [0u8; 256];
            let n = socket.recv(&mut buf).expect("a notification within 60 s");
            let polled = !fake.ok_calls("getUpdates").is_empty();
            (
                String::from_utf8_lossy(&buf[..n]).into_owned(),
                (polled, socket),
            )
        }
    })
    .await
    .unwrap();
    let (polled, socket) = polled;
    assert!(message.contains("READY=1"), "{message}");
    assert!(polled, "READY=1 came only after the first getUpdates");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stopping = tokio::task::spawn_blocking(move || {
        let mut buf = [0u8; 256];
        let n = socket.recv(&mut buf).expect("STOPPING=1 after SIGTERM");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(stopping.contains("STOPPING=1"), "{stopping}");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "clean exit on SIGTERM");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
    assert!(
        lines.iter().any(|l| l.contains("supportbot is ready")),
        "{stderr}"
    );
}
