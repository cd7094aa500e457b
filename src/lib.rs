//! supportbot: a self-hosted customer-support bot for Discord and Telegram.

/// Admin HTTP endpoint: health and metrics.
pub mod admin;
/// Wiring of store, index, channels and sweeper.
pub mod app;
/// The periodic work beside the channels: SLA sweeper, digests and surveys.
pub mod background;
/// Channel adapters (Discord, Telegram, console).
pub mod channels;
/// Command-line definitions.
pub mod cli;
/// Layered configuration.
pub mod config;
/// Delivery lanes: decided actions carried out concurrently per lane, in order within one.
pub mod delivery;
/// Live checks of a setup (`supportbot doctor`).
pub mod doctor;
/// The platform-neutral desk.
pub mod domain;
/// Leader election among instances on one database: one Telegram poller, one Discord gateway.
pub mod leader;
/// The FAQ that learns: unanswered questions grouped, proposed phrasings reviewed and
/// written into articles (the API the chat commands and the dashboard share).
pub mod learning;
/// Readiness and stop notices for systemd (`NOTIFY_SOCKET`).
pub mod readiness;
/// Scrubbing secrets from logs, errors and panics.
pub mod redact;
/// KPI and SLA-compliance reports: facts, computations, renderers.
pub mod reports;
/// Knowledge-base search.
pub mod search;
/// sqlx-backed ticket store.
pub mod storage;
/// The web dashboard for agents and leads.
pub mod web;
