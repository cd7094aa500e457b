//! Who administers the staff group, for `staff.telegram_group_admins`: asked from Telegram
//! and cached briefly, so that promoting or demoting an admin takes effect within a minute
//! without a Bot API call per staff message.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use teloxide::prelude::*;
use tokio::sync::Mutex;

/// How long a fetched administrator list is trusted.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// The staff group's administrators, refreshed on demand.
pub struct GroupAdmins {
    chat: ChatId,
    cache: Mutex<Option<(Instant, HashSet<u64>)>>,
}

impl GroupAdmins {
    /// A cache for the administrators of `chat`.
    pub fn new(chat: i64) -> GroupAdmins {
        GroupAdmins {
            chat: ChatId(chat),
            cache: Mutex::new(None),
        }
    }

    /// Whether `user` administers the group. When Telegram cannot be asked, the last known
    /// list answers; with none, nobody is an admin (staff powers are never granted on doubt).
    pub async fn contains(&self, bot: &Bot, user: u64) -> bool {
        let mut cache = self.cache.lock().await;
        let stale = cache
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > FRESH_FOR);
        if stale {
            match bot.get_chat_administrators(self.chat).await {
                Ok(members) => {
                    let ids = members.iter().map(|m| m.user.id.0).collect();
                    *cache = Some((Instant::now(), ids));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "getChatAdministrators failed; using the last known list");
                }
            }
        }
        cache.as_ref().is_some_and(|(_, ids)| ids.contains(&user))
    }
}
