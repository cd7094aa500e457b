//! The one integration-test binary: harness, fake platforms and conversation tests.

mod cli;
mod db;
mod desk;
mod discord;
mod fake_discord;
mod fake_telegram;
mod harness;
mod storage;
mod telegram;
