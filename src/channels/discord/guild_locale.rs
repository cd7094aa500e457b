//! Each Discord server's preferred locale, fetched once and kept a while: the language for
//! members who tell nothing else (a plain message carries no locale; interactions do).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serenity::all::{GuildId, Http};

/// How long a fetched locale is trusted: admins rarely change it, and an hour's delay is
/// harmless next to a REST call per message.
const FRESH: Duration = Duration::from_secs(60 * 60);
/// How long a failed lookup is not repeated, so an outage costs one call per server, not
/// one per message.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5 * 60);

/// The cache of server locales.
#[derive(Default)]
pub(super) struct GuildLocales {
    entries: Mutex<HashMap<GuildId, (Instant, Option<String>)>>,
}

impl GuildLocales {
    /// The server's preferred locale (`en-US`, `hu`, `zh-CN`, …), from the cache or
    /// `GET /guilds/{id}`; `None` while Discord cannot be asked.
    pub(super) async fn get(&self, http: &Http, guild: GuildId) -> Option<String> {
        if let Some(known) = self.cached(guild) {
            return known;
        }
        let (locale, keep) = match http.get_guild(guild).await {
            Ok(g) => (Some(g.preferred_locale).filter(|l| !l.is_empty()), FRESH),
            Err(e) => {
                tracing::warn!(error = %e, %guild, "discord: cannot read the server's preferred locale");
                (None, RETRY_AFTER_FAILURE)
            }
        };
        self.lock()
            .insert(guild, (Instant::now() + keep, locale.clone()));
        locale
    }

    fn cached(&self, guild: GuildId) -> Option<Option<String>> {
        self.lock()
            .get(&guild)
            .filter(|(until, _)| Instant::now() < *until)
            .map(|(_, l)| l.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<GuildId, (Instant, Option<String>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
