//! The one integration-test binary: harness, fake platforms and conversation tests.

mod cli;
mod db;
mod desk;
mod discord;
mod discord_i18n;
mod fake_discord;
mod fake_telegram;
mod harness;
mod intake;
mod kb;
mod outbox;
mod semantic;
mod sla_cli;
mod sla_clock;
mod sla_props;
mod sla_store;
mod sla_sweep;
mod storage;
mod telegram;
mod telegram_i18n;
