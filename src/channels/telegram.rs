//! Telegram adapter (teloxide).

use serde::{Deserialize, Serialize};

/// `[telegram]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Run the Telegram adapter when `TELEGRAM_TOKEN` is set.
    pub enabled: bool,
}
