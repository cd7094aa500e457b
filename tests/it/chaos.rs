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
const TG_STAFF: i64 = -100_777;
/// The Discord staff channel in these runs.
const DC_STAFF: &str = "7000";

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
fn token(user: u64, k: u64) -> String {
    format!("[u{user}/m{k}]")
}

/// One run of the binary; killed with SIGKILL when dropped.
struct Bot(tokio::process::Child);

impl Bot {
    fn spawn(bin: &Path, dir: &Path, env: &[(&str, String)]) -> Bot {
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

    async fn kill(mut self) {
        self.0.start_kill().expect("kill -9");
        self.0.wait().await.expect("reap the bot");
    }
}

/// The configuration both platforms share: SQLite in `dir`, an empty kb (every message opens a
/// ticket), no admin listener, limits out of the way.
fn write_config(dir: &Path, platform: &str) {
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
        platform_section = std::fs::read_to_string(dir.join("platform.toml")).unwrap_or_default(),
    );
    std::fs::write(dir.join("bot.toml"), toml).unwrap();
}

/// Kills and restarts the bot `kills` times, evenly over `spread` with some jitter, while
/// `write` feeds the messages; returns when the writing is done.
async fn under_fire(
    load: &Load,
    spawn: impl Fn() -> Bot,
    write: impl std::future::Future<Output = ()>,
) -> (Bot, usize) {
    let mut bot = spawn();
    let mut kills = 0;
    tokio::pin!(write);
    let step = load.spread / (load.kills as u32 + 1);
    let mut next = tokio::time::Instant::now() + step;
    loop {
        tokio::select! {
            () = &mut write => break,
            () = tokio::time::sleep_until(next), if kills < load.kills => {
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
        bot.kill().await;
        kills += 1;
        bot = spawn();
        next = tokio::time::Instant::now() + step;
    }
    (bot, kills)
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

fn user_id(platform: Platform, user: u64) -> String {
    match platform {
        Platform::Discord => (300_000 + user).to_string(),
        _ => (10_000 + user).to_string(),
    }
}

/// Counts marker occurrences in what reached the staff, and confirmations per customer.
fn count_deliveries(
    load: &Load,
    staff_texts: &[String],
    confirmations: &HashMap<u64, usize>,
    out: &mut Outcome,
) {
    let mut seen: HashMap<String, u64> = HashMap::new();
    for text in staff_texts {
        for piece in text.split('[').skip(1) {
            if let Some(end) = piece.find(']') {
                *seen.entry(format!("[{}]", &piece[..end])).or_default() += 1;
            }
        }
    }
    for user in 0..load.users {
        for k in 0..load.per_user {
            match seen.get(&token(user, k)).copied().unwrap_or(0) {
                0 => out.relays_missing += 1,
                1 => {}
                n => out.relays_doubled += n - 1,
            }
        }
        match confirmations.get(&user).copied().unwrap_or(0) {
            0 => out.confirmations_missing += 1,
            1 => {}
            n => out.confirmations_doubled += n as u64 - 1,
        }
    }
}

/// Telegram: customers write in private chats, the staff works in forum topics.
pub async fn telegram(load: &Load) -> Outcome {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("platform.toml"),
        format!(
            "[discord]\nenabled = false\n[telegram]\napi_url = \"{}\"\nstaff_chat_id = {TG_STAFF}\n\
             poll_timeout_secs = 1\n[telegram.limits]\noverall_per_sec = 100000\n\
             chat_per_sec = 100000\nchat_per_min = 10000000\ngroup_per_min = 10000000\n",
            fake.url
        ),
    )
    .unwrap();
    write_config(dir.path(), "telegram");
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
    let (bot, kills) = under_fire(load, || Bot::spawn(&load.bin, &dirp, &env), write).await;
    let total = load.users * load.per_user;
    let relayed = |fake: &FakeTelegram| {
        fake.texts_to(TG_STAFF)
            .iter()
            .map(|t| t.matches("[u").count() as u64)
            .sum::<u64>()
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    while relayed(&fake) < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    // Whatever is still on its way after that gets a moment, so a double shows up too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    bot.kill().await;
    let store = open_store(dir.path()).await;
    let mut out = Outcome {
        sent: total,
        customers: load.users,
        kills,
        elapsed,
        ..Outcome::default()
    };
    count_transcripts(&store, load, Platform::Telegram, &mut out).await;
    let confirmations: HashMap<u64, usize> = (0..load.users)
        .map(|u| {
            let n = fake
                .texts_to(10_000 + u as i64)
                .iter()
                .filter(|t| t.contains("opened ticket"))
                .count();
            (u, n)
        })
        .collect();
    count_deliveries(load, &fake.texts_to(TG_STAFF), &confirmations, &mut out);
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
    std::fs::write(
        dir.path().join("platform.toml"),
        format!(
            "[telegram]\nenabled = false\n[discord]\nstaff_channel_id = \"{DC_STAFF}\"\n\
             command_guild_ids = [\"{}\"]\napi_proxy = \"{}\"\n",
            fake_discord::GUILD,
            fake.base()
        ),
    )
    .unwrap();
    write_config(dir.path(), "discord");
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
    let (bot, kills) = under_fire(load, || Bot::spawn(&load.bin, &dirp, &env), write).await;
    let total = load.users * load.per_user;
    let staff_posts = |fake: &FakeDiscord| -> Vec<String> {
        fake.calls()
            .iter()
            .filter(|c| c.method == "POST" && c.status == 200 && c.path.ends_with("/messages"))
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
            .map(|c| c.body["content"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let relayed = |fake: &FakeDiscord| {
        staff_posts(fake)
            .iter()
            .map(|t| t.matches("[u").count() as u64)
            .sum::<u64>()
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    while relayed(&fake) < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    bot.kill().await;
    let store = open_store(dir.path()).await;
    let mut out = Outcome {
        sent: total,
        customers: load.users,
        kills,
        elapsed,
        ..Outcome::default()
    };
    count_transcripts(&store, load, Platform::Discord, &mut out).await;
    let calls = fake.calls();
    let confirmations: HashMap<u64, usize> = (0..load.users)
        .map(|u| {
            let path = format!("/channels/{}/messages", dm_channel(u));
            let n = calls
                .iter()
                .filter(|c| c.method == "POST" && c.status == 200 && c.path == path)
                .filter(|c| {
                    c.body["content"]
                        .as_str()
                        .unwrap_or("")
                        .contains("opened ticket")
                })
                .count();
            (u, n)
        })
        .collect();
    count_deliveries(load, &staff_posts(&fake), &confirmations, &mut out);
    out.spaces = threads(&fake);
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
fn snowflake_now(n: u64) -> String {
    let ms = chrono::Utc::now().timestamp_millis() - 1_420_070_400_000;
    (((ms as u64) << 22) + (n & 0x3f_ffff)).to_string()
}

fn tail_log(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("bot.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
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
    async fn telegram_killed_three_times_loses_and_doubles_nothing() {
        let out = telegram(&small_load()).await;
        assert_eq!(out.kills, 3);
        assert!(out.exact(), "{out:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn discord_killed_three_times_loses_and_doubles_nothing() {
        let out = discord(&small_load()).await;
        assert_eq!(out.kills, 3);
        assert!(out.exact(), "{out:?}");
    }
}
