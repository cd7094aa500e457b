//! Kill -9 under load: the real binary against the fake platforms, killed and restarted while
//! customers write, and the counts that must come out exact afterwards: every message stored
//! and relayed once, one confirmation and one staff space per ticket. The tests here run a
//! small load on the debug binary; `benches/chaos.rs` runs the full one on the release binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use supportbot::domain::ids::{Platform, UserRef};
use supportbot::domain::ports::TicketStore;
use supportbot::domain::ticket::AuthorRole;
use supportbot::storage::SqlStore;

use crate::fake_discord::{self, FakeDiscord};
use crate::fake_telegram::{FakeTelegram, private_text};

/// The Telegram staff supergroup in these runs.
pub const TG_STAFF: i64 = -100_777;
/// The Discord staff channel in these runs.
pub const DC_STAFF: &str = "7000";

/// What to throw at the bot.
#[derive(Debug, Clone)]
pub struct Load {
    /// The supportbot binary to run.
    pub bin: PathBuf,
    /// Customers writing at once.
    pub users: u64,
    /// Messages each customer writes (the first opens the ticket).
    pub per_user: u64,
    /// How many times the bot is killed with SIGKILL while they write.
    pub kills: usize,
    /// How long the writing lasts.
    pub spread: Duration,
}

/// What came out, counted per expected item.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Messages written.
    pub sent: u64,
    /// Customers writing: one ticket and one staff space each is right.
    pub customers: u64,
    /// Kills done.
    pub kills: usize,
    /// Messages missing from the transcripts, and those recorded more than once.
    pub lost: u64,
    /// See `lost`.
    pub duplicated: u64,
    /// Messages never relayed to the staff space, and those relayed more than once.
    pub relays_missing: u64,
    /// See `relays_missing`.
    pub relays_doubled: u64,
    /// Customers without their "opened ticket" confirmation, and with more than one.
    pub confirmations_missing: u64,
    /// See `confirmations_missing`.
    pub confirmations_doubled: u64,
    /// Staff spaces created, against the tickets opened.
    pub spaces: u64,
    /// See `spaces`.
    pub tickets: u64,
    /// From the first message to the last relay.
    pub elapsed: Duration,
    /// Repeats whose first copy reached the platform in the second before a kill: a request
    /// whose answer the kill cut off, so the bot could not know it had arrived. Telegram has
    /// no way to recognise a repeated request; these are not counted as doubled above.
    pub doubles_in_flight: u64,
    /// Discord: messages dispatched while no session was connected, which only the catch-up
    /// after a restart could find.
    pub missed_live: u64,
}

impl Outcome {
    /// True when nothing was lost or doubled and each ticket has one staff space.
    pub fn exact(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.relays_missing == 0
            && self.relays_doubled == 0
            && self.confirmations_missing == 0
            && self.confirmations_doubled == 0
            && self.spaces == self.customers
            && self.tickets == self.customers
    }
}

/// A marker no other text contains, so counting it counts one message.
pub fn token(user: u64, k: u64) -> String {
    format!("[u{user}/m{k}]")
}

/// The markers in one staff message, each once (a ticket intro names the first message in its
/// title and quotes it).
pub fn tokens(text: &str) -> std::collections::BTreeSet<String> {
    text.split('[')
        .skip(1)
        .filter_map(|piece| piece.find(']').map(|end| format!("[{}]", &piece[..end])))
        .filter(|t| t.starts_with("[u"))
        .collect()
}

/// One run of the binary; killed with SIGKILL when dropped.
pub struct Bot(tokio::process::Child);

impl Bot {
    /// Starts `bin run` with `dir/bot.toml`, logging to `dir/bot.log`.
    pub fn spawn(bin: &Path, dir: &Path, env: &[(&str, String)]) -> Bot {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("bot.log"))
            .expect("bot log");
        let mut cmd = tokio::process::Command::new(bin);
        cmd.current_dir(dir)
            .arg("--config")
            .arg(dir.join("bot.toml"))
            .arg("run")
            .env("SUPPORTBOT_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("bot log"))
            .stderr(log)
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Bot(cmd.spawn().expect("start the bot binary"))
    }

    /// Stops it with SIGTERM, as systemd does, and waits until it has exited cleanly.
    pub async fn terminate(mut self) {
        let pid = self.0.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(20), self.0.wait())
            .await
            .expect("the bot stops within 20 s of SIGTERM")
            .expect("reap the bot");
        assert!(status.success(), "the bot exited with {status}");
    }

    /// Kills it with SIGKILL and reaps it.
    pub async fn kill(mut self) {
        self.0.start_kill().expect("kill -9");
        self.0.wait().await.expect("reap the bot");
    }
}

/// Writes `dir/bot.toml`: SQLite in `dir`, an empty kb (every message opens a ticket), no admin
/// listener, no per-person flood limit, the staff on `platform`, then `section`.
pub fn write_config(dir: &Path, platform: &str, section: &str) {
    std::fs::create_dir_all(dir.join("kb")).unwrap();
    let db = dir.join("bot.db");
    let toml = format!(
        "[storage]\nurl = \"sqlite://{db}?mode=rwc\"\n\
         [admin]\nenabled = false\n\
         [search]\nkb_dir = \"{kb}\"\ndata_dir = \"{data}\"\n\
         [limits]\nper_user_per_minute = 100000\n\
         [staff]\nhome = \"{platform}\"\n{platform_section}",
        db = db.display(),
        kb = dir.join("kb").display(),
        data = dir.join("data").display(),
        platform_section = section,
    );
    std::fs::write(dir.join("bot.toml"), toml).unwrap();
}

/// The `[telegram]` section for `fake`: Telegram's own send limits when `real_limits`, else
/// limits out of the way.
pub fn telegram_section(fake: &FakeTelegram, real_limits: bool) -> String {
    let limits = if real_limits {
        "overall_per_sec = 30\nchat_per_sec = 1\nchat_per_min = 20\ngroup_per_min = 20\n"
    } else {
        "overall_per_sec = 100000\nchat_per_sec = 100000\nchat_per_min = 10000000\n\
         group_per_min = 10000000\n"
    };
    format!(
        "[discord]\nenabled = false\n[telegram]\napi_url = \"{}\"\nstaff_chat_id = {TG_STAFF}\n\
         poll_timeout_secs = 1\n[telegram.limits]\n{limits}",
        fake.url
    )
}

/// The `[discord]` section for `fake`.
pub fn discord_section(fake: &FakeDiscord) -> String {
    format!(
        "[telegram]\nenabled = false\n[discord]\nstaff_channel_id = \"{DC_STAFF}\"\n\
         command_guild_ids = [\"{}\"]\napi_proxy = \"{}\"\n",
        fake_discord::GUILD,
        fake.base()
    )
}

/// Kills and restarts the bot `kills` times, evenly over `spread` with some jitter, while
/// `write` feeds the messages; returns when the writing is done.
async fn under_fire(
    load: &Load,
    spawn: impl Fn() -> Bot,
    write: impl std::future::Future<Output = ()>,
) -> (Bot, Vec<tokio::time::Instant>) {
    let mut bot = spawn();
    let mut kills = 0;
    let mut at = Vec::new();
    tokio::pin!(write);
    let step = load.spread / (load.kills as u32 + 1);
    let mut next = tokio::time::Instant::now() + step;
    loop {
        tokio::select! {
            () = &mut write => break,
            () = tokio::time::sleep_until(next), if kills < load.kills => {
                at.push(tokio::time::Instant::now());
                bot.kill().await;
                kills += 1;
                bot = spawn();
                // Jitter, so kills land at different points of the bot's work.
                let jitter = step.mul_f64(0.5 * (((kills * 7919) % 11) as f64 / 10.0));
                next = tokio::time::Instant::now() + step / 2 + jitter;
            }
        }
    }
    while kills < load.kills {
        tokio::time::sleep_until(next).await;
        at.push(tokio::time::Instant::now());
        bot.kill().await;
        kills += 1;
        bot = spawn();
        next = tokio::time::Instant::now() + step;
    }
    (bot, at)
}

async fn open_store(dir: &Path) -> Arc<SqlStore> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("bot.db").display());
    Arc::new(supportbot::storage::connect(&url, 2).await.unwrap())
}

/// Counts each user's messages in their ticket's transcript.
async fn count_transcripts(store: &SqlStore, load: &Load, platform: Platform, out: &mut Outcome) {
    for user in 0..load.users {
        let who = UserRef::new(platform, user_id(platform, user), "C");
        let bodies: Vec<String> = match store.active_ticket_for(&who).await.unwrap() {
            Some(t) => store
                .transcript(t.id)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.role == AuthorRole::Customer)
                .map(|e| e.body)
                .collect(),
            None => Vec::new(),
        };
        for k in 0..load.per_user {
            match bodies
                .iter()
                .filter(|b| b.contains(&token(user, k)))
                .count()
            {
                0 => out.lost += 1,
                1 => {}
                n => out.duplicated += n as u64 - 1,
            }
        }
    }
}

/// The platform user id of customer number `user`.
pub fn user_id(platform: Platform, user: u64) -> String {
    match platform {
        Platform::Discord => (300_000 + user).to_string(),
        _ => (10_000 + user).to_string(),
    }
}

/// How long before a kill a send may have reached the platform and still be a request the kill
/// cut off: the platform got it, but the instance died before recording the delivery. Runs
/// under a load average of 10 showed at most 120 ms; the margin covers a busier CI machine.
pub(crate) const CUT_OFF: Duration = Duration::from_secs(3);

/// Counts marker occurrences in what reached the staff, and confirmations per customer.
/// Sorts the copies of one item: (missing, doubled, doubled in flight at a kill). A later
/// copy is a repeat of a request a kill cut off only when a kill falls between it and the
/// first copy, shortly after the first: only then could its outbox row have outlived the
/// send. Any other copy (two from one instance's lifetime) is a plain double.
pub(crate) fn copies(
    mut at: Vec<tokio::time::Instant>,
    kills: &[tokio::time::Instant],
) -> (u64, u64, u64) {
    at.sort();
    let Some(first) = at.first().copied() else {
        return (1, 0, 0);
    };
    let cut_off = kills
        .iter()
        .find(|k| **k >= first)
        .filter(|k| **k - first < CUT_OFF);
    let (mut doubled, mut in_flight) = (0, 0);
    for later in &at[1..] {
        match cut_off {
            Some(k) if later > k => in_flight += 1,
            _ => doubled += 1,
        }
    }
    (0, doubled, in_flight)
}

/// Counts marker copies in what reached the staff, and confirmations per customer, each with
/// when the platform received it.
fn count_deliveries(
    load: &Load,
    staff: &[(String, tokio::time::Instant)],
    confirmations: &HashMap<u64, Vec<tokio::time::Instant>>,
    kills: &[tokio::time::Instant],
    out: &mut Outcome,
) {
    let mut seen: HashMap<String, Vec<tokio::time::Instant>> = HashMap::new();
    let mut texts: HashMap<String, Vec<&str>> = HashMap::new();
    for (text, at) in staff {
        for token in tokens(text) {
            seen.entry(token.clone()).or_default().push(*at);
            texts.entry(token).or_default().push(text);
        }
    }
    for (token, copies) in &texts {
        if copies.len() > 1 {
            // When each copy arrived, relative to the kills, to tell a send a kill cut off
            // from one repeated by a live instance.
            let mut at = seen[token].clone();
            at.sort();
            let timeline: Vec<String> = at
                .iter()
                .map(|a| {
                    let before = kills.iter().filter(|k| *k < a).count();
                    let next = kills.iter().find(|k| *k >= a);
                    match next {
                        Some(k) => format!("after kill {before}, {:?} before the next", *k - *a),
                        None => format!("after kill {before} (the last)"),
                    }
                })
                .collect();
            eprintln!(
                "{token} reached the staff {} times: {copies:?} {timeline:?}",
                copies.len()
            );
        }
    }
    for user in 0..load.users {
        for k in 0..load.per_user {
            let (missing, doubled, in_flight) =
                copies(seen.remove(&token(user, k)).unwrap_or_default(), kills);
            out.relays_missing += missing;
            out.relays_doubled += doubled;
            out.doubles_in_flight += in_flight;
        }
        let (missing, doubled, in_flight) =
            copies(confirmations.get(&user).cloned().unwrap_or_default(), kills);
        out.confirmations_missing += missing;
        out.confirmations_doubled += doubled;
        out.doubles_in_flight += in_flight;
    }
}

/// A run that has finished writing.
struct Run<'a> {
    load: &'a Load,
    dir: &'a Path,
    started: Instant,
    kills: usize,
}

impl Run<'_> {
    /// Waits (up to 3 min) until `relayed` counts every message, gives what is still on its
    /// way a moment so a double shows up too, kills the bot, and counts the transcripts.
    async fn wind_down(
        &self,
        bot: Bot,
        platform: Platform,
        relayed: impl Fn() -> u64,
    ) -> (Arc<SqlStore>, Outcome) {
        let total = self.load.users * self.load.per_user;
        let deadline = Instant::now() + Duration::from_secs(180);
        while relayed() < total && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let elapsed = self.started.elapsed();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        bot.kill().await;
        let store = open_store(self.dir).await;
        let mut out = Outcome {
            sent: total,
            customers: self.load.users,
            kills: self.kills,
            elapsed,
            ..Outcome::default()
        };
        count_transcripts(&store, self.load, platform, &mut out).await;
        (store, out)
    }
}

/// Telegram: customers write in private chats, the staff works in forum topics.
pub async fn telegram(load: &Load) -> Outcome {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "telegram", &telegram_section(&fake, false));
    let env = [("TELEGRAM_TOKEN", "123:CHAOS".to_string())];
    let started = Instant::now();
    let write = {
        let (fake, load) = (fake.clone(), load.clone());
        async move {
            let total = load.users * load.per_user;
            let pause = load.spread / total.max(1) as u32;
            for k in 0..load.per_user {
                for user in 0..load.users {
                    let id = 10_000 + user as i64;
                    let text = if k == 0 {
                        format!("/ticket {} sync fails", token(user, k))
                    } else {
                        format!("detail {}", token(user, k))
                    };
                    fake.push(private_text(id, "C", 100 + k as i64, &text));
                    tokio::time::sleep(pause).await;
                }
            }
        }
    };
    let dirp = dir.path().to_path_buf();
    let (bot, kill_times) = under_fire(load, || Bot::spawn(&load.bin, &dirp, &env), write).await;
    let kills = kill_times.len();
    let relayed = |fake: &FakeTelegram| {
        fake.texts_to(TG_STAFF)
            .iter()
            .map(|t| tokens(t).len() as u64)
            .sum::<u64>()
    };
    let run = Run {
        load,
        dir: dir.path(),
        started,
        kills,
    };
    let (store, mut out) = run
        .wind_down(bot, Platform::Telegram, || relayed(&fake))
        .await;
    let sends: Vec<(i64, String, tokio::time::Instant)> = fake
        .calls()
        .into_iter()
        .filter(|c| c.ok && c.method == "sendmessage")
        .map(|c| {
            let chat = c.body["chat_id"].as_i64().unwrap_or_default();
            let text = c.body["text"].as_str().unwrap_or_default().to_string();
            (chat, text, c.at)
        })
        .collect();
    let mut confirmations: HashMap<u64, Vec<tokio::time::Instant>> = HashMap::new();
    let mut staff = Vec::new();
    for (chat, text, at) in sends {
        if chat == TG_STAFF {
            staff.push((text, at));
        } else if text.contains("opened ticket") {
            confirmations
                .entry((chat - 10_000) as u64)
                .or_default()
                .push(at);
        }
    }
    count_deliveries(load, &staff, &confirmations, &kill_times, &mut out);
    out.spaces = fake.ok_calls("createForumTopic").len() as u64;
    out.tickets = store.list_tickets(&Default::default()).await.unwrap().len() as u64;
    if !out.exact() {
        eprintln!(
            "telegram chaos run: {out:?}\n--- bot log ---\n{}",
            tail_log(dir.path())
        );
    }
    out
}

/// Discord: customers write in DMs, the staff works in private threads. A person's first DM
/// is written while a session is up: Discord offers a bot no list of its DM channels, so a DM
/// from someone the bot has never heard of, written while no instance is connected, cannot be
/// fetched by anyone (documented in docs/discord.md).
pub async fn discord(load: &Load) -> Outcome {
    let fake = Arc::new(FakeDiscord::start().await);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "discord", &discord_section(&fake));
    let env = [("DISCORD_TOKEN", "CHAOS.TOKEN".to_string())];
    let dirp = dir.path().to_path_buf();
    let started = Instant::now();
    let dm_channel = |user: u64| (500_000 + user).to_string();
    let mut seq = 0_u64;
    let mut message = |user: u64, k: u64| {
        seq += 1;
        let author = fake_discord::user(&user_id(Platform::Discord, user), "C", false);
        let text = if k == 0 {
            format!("{} sync fails", token(user, k))
        } else {
            format!("detail {}", token(user, k))
        };
        fake_discord::dm(&snowflake_now(seq), &dm_channel(user), &author, &text)
    };
    // Everyone's first message reaches a live session (see above).
    let bot = Bot::spawn(&load.bin, &dirp, &env);
    fake.wait_connected().await;
    for user in 0..load.users {
        fake.dispatch("MESSAGE_CREATE", message(user, 0));
    }
    let threads = |fake: &FakeDiscord| {
        fake.calls()
            .iter()
            .filter(|c| {
                c.method == "POST"
                    && c.path == format!("/channels/{DC_STAFF}/threads")
                    && c.status == 200
            })
            .count() as u64
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while threads(&fake) < load.users && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.kill().await;
    let later: Vec<Value> = (1..load.per_user)
        .flat_map(|k| (0..load.users).map(move |u| (u, k)))
        .map(|(u, k)| message(u, k))
        .collect();
    let write = {
        let (fake, spread) = (Arc::clone(&fake), load.spread);
        async move {
            let pause = spread / later.len().max(1) as u32;
            for m in later {
                // What a dead or reconnecting session misses stays in the channel's history.
                fake.dispatch("MESSAGE_CREATE", m);
                tokio::time::sleep(pause).await;
            }
        }
    };
    let (bot, kill_times) = under_fire(load, || Bot::spawn(&load.bin, &dirp, &env), write).await;
    let kills = kill_times.len();
    let staff_posts = |fake: &FakeDiscord| -> Vec<(String, tokio::time::Instant)> {
        fake.calls()
            .iter()
            .filter(|c| {
                c.method == "POST" && c.status == 200 && !c.repeat && c.path.ends_with("/messages")
            })
            .filter(|c| {
                let ch = c
                    .path
                    .trim_start_matches("/channels/")
                    .split('/')
                    .next()
                    .unwrap_or("");
                ch.parse::<u64>()
                    .is_ok_and(|n| !(500_000..600_000).contains(&n))
            })
            .map(|c| {
                let text = c.body["content"].as_str().unwrap_or_default().to_string();
                (text, c.at)
            })
            .collect()
    };
    let relayed = |fake: &FakeDiscord| {
        staff_posts(fake)
            .iter()
            .map(|(t, _)| tokens(t).len() as u64)
            .sum::<u64>()
    };
    let run = Run {
        load,
        dir: dir.path(),
        started,
        kills,
    };
    let (store, mut out) = run
        .wind_down(bot, Platform::Discord, || relayed(&fake))
        .await;
    let calls = fake.calls();
    let confirmations: HashMap<u64, Vec<tokio::time::Instant>> = (0..load.users)
        .map(|u| {
            let path = format!("/channels/{}/messages", dm_channel(u));
            let at = calls
                .iter()
                .filter(|c| c.method == "POST" && c.status == 200 && !c.repeat && c.path == path)
                .filter(|c| {
                    c.body["content"]
                        .as_str()
                        .unwrap_or("")
                        .contains("opened ticket")
                })
                .map(|c| c.at)
                .collect();
            (u, at)
        })
        .collect();
    count_deliveries(
        load,
        &staff_posts(&fake),
        &confirmations,
        &kill_times,
        &mut out,
    );
    out.spaces = threads(&fake);
    out.missed_live = fake.redelivery().0 as u64;
    out.tickets = store.list_tickets(&Default::default()).await.unwrap().len() as u64;
    if !out.exact() {
        eprintln!(
            "discord chaos run: {out:?}\n--- bot log ---\n{}",
            tail_log(dir.path())
        );
    }
    out
}

/// A Discord snowflake for now, unique through `n`.
pub fn snowflake_now(n: u64) -> String {
    let ms = chrono::Utc::now().timestamp_millis() - 1_420_070_400_000;
    (((ms as u64) << 22) + (n & 0x3f_ffff)).to_string()
}

fn tail_log(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("bot.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// Markers relayed into the Telegram staff group so far.
pub fn tg_relayed(fake: &FakeTelegram) -> usize {
    fake.texts_to(TG_STAFF)
        .iter()
        .map(|t| tokens(t).len())
        .sum()
}

/// Opens `users` Telegram tickets (from user ids 10 000 on) and waits for their intros.
pub async fn tg_open(fake: &FakeTelegram, users: u64) {
    for u in 0..users {
        fake.push(private_text(
            10_000 + u as i64,
            "C",
            100,
            &format!("/ticket {} sync fails", token(u, 0)),
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while tg_relayed(fake) < users as usize {
        assert!(Instant::now() < deadline, "ticket intros did not arrive");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What a burst of 429s left behind.
#[derive(Debug)]
pub struct Burst {
    /// Relays expected after the burst began.
    pub expected: u64,
    /// Of those, never relayed, and relayed more than once.
    pub missing: u64,
    /// See `missing`.
    pub doubled: u64,
    /// From the burst's end to the last relay.
    pub after_end: Duration,
    /// The most send requests one lane (chat and topic) made inside any `retry_after` window
    /// during the burst.
    pub most_per_window: usize,
    /// Lanes that sent during the burst.
    pub lanes: usize,
}

/// Every Telegram send answers 429 (`retry_after` seconds) for `length` while `users` open
/// tickets get three messages each, spread over the burst.
pub async fn telegram_burst(bin: &Path, users: u64, length: Duration, retry_after: u64) -> Burst {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "telegram", &telegram_section(&fake, false));
    let bot = Bot::spawn(bin, dir.path(), &[("TELEGRAM_TOKEN", "123:BURST".into())]);
    tg_open(&fake, users).await;
    let started = tokio::time::Instant::now();
    fake.burst_429(length, retry_after);
    for k in 1..=3 {
        for u in 0..users {
            let text = format!("detail {}", token(u, k));
            fake.push(private_text(10_000 + u as i64, "C", 100 + k as i64, &text));
        }
        tokio::time::sleep(length / 4).await;
    }
    let complete = |fake: &FakeTelegram| {
        let seen: Vec<String> = fake
            .texts_to(TG_STAFF)
            .iter()
            .flat_map(|t| tokens(t))
            .collect();
        (0..users).all(|u| (1..=3).all(|k| seen.contains(&token(u, k))))
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while !complete(&fake) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let after_end = started.elapsed().saturating_sub(length);
    tokio::time::sleep(Duration::from_millis(500)).await;
    bot.kill().await;
    let mut counts: HashMap<String, u64> = HashMap::new();
    for t in fake.texts_to(TG_STAFF) {
        for tok in tokens(&t) {
            *counts.entry(tok).or_default() += 1;
        }
    }
    let (mut missing, mut doubled) = (0, 0);
    for u in 0..users {
        for k in 1..=3 {
            match counts.get(&token(u, k)).copied().unwrap_or(0) {
                0 => missing += 1,
                1 => {}
                n => doubled += n - 1,
            }
        }
    }
    let window = Duration::from_secs(retry_after);
    let mut lanes: HashMap<String, Vec<tokio::time::Instant>> = HashMap::new();
    for c in fake.calls() {
        if c.method == "sendmessage" && c.at >= started && c.at < started + length {
            let thread = c.body.get("message_thread_id").cloned().unwrap_or_default();
            lanes
                .entry(format!("{}/{thread}", c.body["chat_id"]))
                .or_default()
                .push(c.at);
        }
    }
    let most_per_window = lanes
        .values()
        .map(|ts| {
            ts.iter()
                .map(|t| ts.iter().filter(|u| **u >= *t && **u < *t + window).count())
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    Burst {
        expected: users * 3,
        missing,
        doubled,
        after_end,
        most_per_window,
        lanes: lanes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The debug binary, a load the 2-core CI machine gets through in well under a minute.
    fn small_load() -> Load {
        Load {
            bin: PathBuf::from(env!("CARGO_BIN_EXE_supportbot")),
            users: 20,
            per_user: 8,
            kills: 3,
            spread: Duration::from_secs(6),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn telegram_killed_three_times_loses_nothing_and_doubles_at_most_one_relay_per_kill() {
        let out = telegram(&small_load()).await;
        assert_eq!((out.sent, out.kills), (160, 3));
        eprintln!(
            "telegram: 160 messages, 3 kills, {:?}, {} repeat(s) of requests a kill cut off",
            out.elapsed, out.doubles_in_flight
        );
        assert_eq!(
            (out.lost, out.duplicated, out.relays_missing),
            (0, 0, 0),
            "{out:?}"
        );
        assert_eq!(
            (out.confirmations_missing, out.confirmations_doubled),
            (0, 0),
            "{out:?}"
        );
        assert_eq!((out.spaces, out.tickets), (20, 20), "{out:?}");
        // Telegram cannot recognise a repeated request, so a send a kill cut off may arrive
        // twice (counted apart); nothing else may.
        assert_eq!(out.relays_doubled, 0, "{out:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn telegram_waits_out_a_429_burst_one_request_per_lane_per_retry_after() {
        let out = telegram_burst(&small_load().bin, 5, Duration::from_secs(4), 1).await;
        assert_eq!(
            (out.expected, out.missing, out.doubled),
            (15, 0, 0),
            "{out:?}"
        );
        eprintln!("all relayed {:?} after the burst", out.after_end);
        assert!(out.lanes >= 5, "the burst met the relays: {out:?}");
        assert_eq!(out.most_per_window, 1, "{out:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn discord_killed_three_times_loses_and_doubles_nothing() {
        let out = discord(&small_load()).await;
        assert_eq!((out.sent, out.kills), (160, 3));
        // Discord's enforced nonce turns even a post cut off by a kill into one message.
        assert_eq!(out.doubles_in_flight, 0, "{out:?}");
        eprintln!("discord: 160 messages, 3 kills, {:?}", out.elapsed);
        assert!(
            out.missed_live > 0,
            "no message fell into a downtime: {out:?}"
        );
        assert!(out.exact(), "{out:?}");
    }
}
