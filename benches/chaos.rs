//! Kill -9 under load, at full size: the release binary against the fake Telegram and the fake
//! Discord, killed ten times while 200 customers write 2,000 messages on each platform. Prints
//! what was lost, doubled and how long the run took; exits non-zero unless every count is
//! exact. `cargo bench --bench chaos [-- telegram|discord]`; `CHAOS_USERS`, `CHAOS_PER_USER`,
//! `CHAOS_KILLS` and `CHAOS_SPREAD_SECS` change the load.

#[allow(dead_code)]
#[path = "../tests/it/chaos.rs"]
mod chaos;
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/fake_discord.rs"]
mod fake_discord;
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/fake_telegram.rs"]
mod fake_telegram;

use std::path::PathBuf;
use std::time::Duration;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let load = chaos::Load {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_supportbot")),
        users: knob("CHAOS_USERS", 200),
        per_user: knob("CHAOS_PER_USER", 10),
        kills: knob("CHAOS_KILLS", 10) as usize,
        spread: Duration::from_secs(knob("CHAOS_SPREAD_SECS", 40)),
    };
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |p: &str| only.is_empty() || only.iter().any(|o| o == p);
    println!(
        "{} customers × {} messages, {} kills over {:?}, binary {}",
        load.users,
        load.per_user,
        load.kills,
        load.spread,
        load.bin.display()
    );
    println!(
        "platform  sent  kills  lost  doubled  relays missing/doubled  confirmations missing/doubled  spaces/tickets  seconds"
    );
    let mut exact = true;
    for platform in ["telegram", "discord"] {
        if !wanted(platform) {
            continue;
        }
        let out = match platform {
            "telegram" => chaos::telegram(&load).await,
            _ => chaos::discord(&load).await,
        };
        println!(
            "{platform:<9} {:>5} {:>5} {:>5} {:>8} {:>12}/{:<10} {:>18}/{:<10} {:>15} {:>8}/{:<6} {:>7.1}",
            out.sent,
            out.kills,
            out.lost,
            out.duplicated,
            out.relays_missing,
            out.relays_doubled,
            out.confirmations_missing,
            out.confirmations_doubled,
            out.doubles_in_flight,
            out.spaces,
            out.tickets,
            out.elapsed.as_secs_f64()
        );
        exact &= out.exact();
    }
    if !exact {
        std::process::exit(1);
    }
}
