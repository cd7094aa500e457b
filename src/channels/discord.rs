//! Discord adapter (serenity).

use serde::{Deserialize, Serialize};

/// `[discord]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Run the Discord adapter when `DISCORD_TOKEN` is set.
    pub enabled: bool,
}
