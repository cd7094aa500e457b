//! The one integration-test binary: harness, fake platforms and conversation tests.

mod cli;
mod db;
mod desk;
mod desk_fidelity;
mod discord;
mod discord_i18n;
mod fake_discord;
mod fake_telegram;
mod fuzz_seeds;
mod harness;
mod intake;
mod kb;
mod limits;
mod outage;
mod outbox;
mod permissions;
mod secrets;
mod semantic;
mod sla_cli;
mod sla_clock;
mod sla_props;
mod sla_store;
mod sla_sweep;
mod storage;
mod telegram;
mod telegram_i18n;
