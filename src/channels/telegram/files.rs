//! Telegram files for the dashboard: a file id is not a link (the download URL carries the
//! bot's token), so the dashboard asks the bot, which fetches the file and hands over its bytes.

use anyhow::{Context, Result};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::FileId;

/// The largest file the Bot API lets a bot download.
const MAX_BYTES: u32 = 20 * 1024 * 1024;

/// Fetches files people sent the bot on Telegram.
pub struct TelegramFiles {
    bot: Bot,
}

impl TelegramFiles {
    /// A fetcher using the bot's own connection settings.
    pub fn new(bot: Bot) -> TelegramFiles {
        TelegramFiles { bot }
    }
}

#[async_trait::async_trait]
impl crate::web::FileSource for TelegramFiles {
    async fn fetch(&self, file_ref: &str) -> Result<Vec<u8>> {
        let file = self
            .bot
            .get_file(FileId(file_ref.to_string()))
            .await
            .with_context(|| format!("Telegram has no file `{file_ref}` for this bot"))?;
        // teloxide reads a missing size as u32::MAX; Telegram then still enforces its limit.
        if file.size != u32::MAX && file.size > MAX_BYTES {
            anyhow::bail!(
                "the file is {} MB; Telegram lets bots download at most 20 MB",
                file.size / 1024 / 1024
            );
        }
        let mut bytes = Vec::with_capacity(file.size.min(MAX_BYTES) as usize);
        self.bot
            .download_file(&file.path, &mut bytes)
            .await
            .context("downloading the file from Telegram failed")?;
        Ok(bytes)
    }
}
