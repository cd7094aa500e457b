//! Fuzz runner: property-based fuzzing of every parser that reads outside input (chat commands,
//! kb front matter, the config loader, Telegram updates, Discord events, calendars and
//! durations). Each target gets `FUZZ_CASES` generated inputs (default 1 000 000) and must not
//! panic; the first panic is shrunk to a minimal input and reported, and the run fails.
//!
//! `cargo bench --bench fuzz` (all targets), `cargo bench --bench fuzz -- command config`
//! (some), `FUZZ_CASES=10000` for a quick run. cargo-fuzz needs nightly, which is not
//! available here; proptest generates structured inputs instead of mutating bytes.

#[path = "fuzz/targets.rs"]
mod targets;

use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn run<S: Strategy>(name: &str, cases: u32, strategy: S, target: fn(&S::Value)) -> bool
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    };
    // A fixed seed per target makes a reported panic reproducible; FUZZ_SEED varies it.
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(13);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..8 + name.len().min(24)].copy_from_slice(&name.as_bytes()[..name.len().min(24)]);
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let began = Instant::now();
    let result = runner.run(&strategy, |input| {
        target(&input);
        Ok(())
    });
    let secs = began.elapsed().as_secs_f64();
    match result {
        Ok(()) => {
            println!(
                "{name:>13}: {cases} inputs, 0 panics, {secs:.1} s ({:.0} inputs/s)",
                f64::from(cases) / secs
            );
            true
        }
        Err(e) => {
            println!("{name:>13}: PANIC after {secs:.1} s: {e}");
            false
        }
    }
}

fn main() {
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    // cargo bench passes `--bench`; other arguments pick targets.
    let picked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |t: &str| picked.is_empty() || picked.iter().any(|p| p == t);
    // Panics are caught and reported by the runner; the default hook would print each one
    // (with every shrinking step) before that.
    std::panic::set_hook(Box::new(|_| {}));
    println!("fuzzing with {cases} inputs per target");
    let mut ok = true;
    for t in targets::TARGETS {
        if !wanted(t) {
            continue;
        }
        ok &= match *t {
            "command" => run(t, cases, targets::command_input(), targets::command),
            "front_matter" => run(
                t,
                cases,
                targets::front_matter_input(),
                targets::front_matter,
            ),
            "config" => run(t, cases, targets::config_input(), targets::config),
            "telegram" => run(t, cases, targets::telegram_input(), targets::telegram),
            "discord" => run(t, cases, targets::discord_input(), targets::discord),
            "calendar" => run(t, cases, targets::calendar_input(), targets::calendar),
            _ => unreachable!("every target is listed"),
        };
    }
    if !ok {
        std::process::exit(1);
    }
}
