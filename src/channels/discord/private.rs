//! Private answers and used buttons. Discord has no message only one person sees outside an
//! interaction, and a post in an archived thread unarchives it; so a private answer to an agent
//! who wrote in a closed ticket's thread goes to their DMs, and the thread is archived again.
//! Buttons that did their job are taken off their message.

use anyhow::{Context as _, Result};
use serenity::all::{ChannelId, EditMessage, EditThread, MessageId, UserId};

use super::outlet::DiscordOutlet;
use super::threads;
use crate::domain::event::{Message, Target};
use crate::domain::ids::{Platform, UserRef};
use crate::domain::ticket::Status;

impl DiscordOutlet {
    /// Sends a message meant for one person only ([`Message::direct`]) to their DMs. Without
    /// a Discord user to write to it fails for good rather than post it where others read.
    pub(super) async fn send_direct(&self, message: &Message) -> Result<()> {
        let user = message
            .private_to
            .as_ref()
            .filter(|p| p.platform == Platform::Discord)
            .and_then(|p| p.id.parse::<u64>().ok())
            .filter(|id| *id > 0)
            .map(UserId::new)
            .ok_or_else(|| anyhow::anyhow!("a direct message names no Discord user; not sent"))?;
        let dm = user
            .create_dm_channel(&*self.shared.http)
            .await
            .with_context(|| format!("cannot open a DM with {user}"))?;
        self.send(dm.id, message, None).await
    }

    /// The staff thread `to` names, when it belongs to a closed ticket (and so is archived).
    pub(super) async fn closed_staff_thread(&self, to: &Target) -> Result<Option<ChannelId>> {
        let shared = &self.shared;
        let ticket = match to {
            Target::StaffSpace { ticket, .. } => *ticket,
            Target::Conversation(c)
                if c.thread.is_some()
                    && shared.staff_channel.map(|s| s.to_string()).as_deref()
                        == Some(c.chat.as_str()) =>
            {
                match shared.store.ticket_for_staff_space(c).await? {
                    Some(t) => t,
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let closed = shared
            .store
            .ticket(ticket)
            .await?
            .is_some_and(|t| t.status == Status::Closed);
        if !closed {
            return Ok(None);
        }
        threads::staff_thread(shared, ticket).await
    }

    /// Sends `message` to `person`'s DMs instead of the archived `thread`, then archives the
    /// thread again (the agent's own message unarchived it). Without a Discord user to write
    /// to, the answer is only logged: posting it would reopen the thread for everyone.
    pub(super) async fn tell_privately(
        &self,
        person: Option<&UserRef>,
        thread: ChannelId,
        message: &Message,
    ) -> Result<()> {
        let http = &*self.shared.http;
        let user = person
            .filter(|p| p.platform == Platform::Discord)
            .and_then(|p| p.id.parse::<u64>().ok())
            .filter(|id| *id > 0)
            .map(UserId::new);
        match user {
            Some(user) => {
                let dm = user
                    .create_dm_channel(http)
                    .await
                    .with_context(|| format!("cannot open a DM with {user}"))?;
                self.send(dm.id, message, None).await?;
            }
            None => tracing::warn!(
                %thread,
                text = %message.text,
                "discord: a private answer for a closed ticket's thread has nobody to go to; not posted"
            ),
        }
        if let Err(e) = thread
            .edit_thread(http, EditThread::new().archived(true))
            .await
        {
            tracing::warn!(%thread, error = %e, "discord: cannot archive the closed ticket's thread again");
        }
        Ok(())
    }

    /// Takes all buttons off a message the bot sent.
    pub(super) async fn clear_buttons(&self, to: &Target, message: &str) -> Result<()> {
        let id = message
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(MessageId::new)
            .with_context(|| format!("`{message}` is not a Discord message id"))?;
        // Taking buttons off never needs a new thread: its message is in an existing one.
        let channel = self.resolve(to, None).await?;
        channel
            .edit_message(
                &*self.shared.http,
                id,
                EditMessage::new().components(Vec::new()),
            )
            .await
            .with_context(|| format!("cannot take the buttons off message {id}"))?;
        Ok(())
    }
}
