//! The desk: platform-neutral support logic. No platform, SQL or search crates in here.

pub mod calendar;
pub mod command;
pub mod command_menu;
pub mod desk;
pub mod directory;
pub mod event;
pub mod faq;
pub mod i18n;
pub mod id_text;
pub mod ids;
pub mod incident;
pub mod lifecycle;
pub mod limits;
pub mod outbox;
pub mod ports;
pub mod replies;
pub mod report_source;
pub mod sla;
pub mod sla_clock;
pub mod sla_credits;
pub mod sla_sweep;
pub mod sla_text;
pub mod small_talk;
pub mod ticket;
pub mod triage;
pub mod wall_clock;
