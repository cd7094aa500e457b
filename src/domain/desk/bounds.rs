//! The desk's side of `[limits]`: sizes checked before anything is stored or relayed, the
//! per-person flood limit, and the file count of a ticket.

use super::{Desk, DeskError};
use crate::domain::command::Command;
use crate::domain::event::Inbound;
use crate::domain::event::{InboundBody, Outbound};
use crate::domain::i18n::Text;
use crate::domain::limits::{Admission, LimitsConfig};
use crate::domain::replies;
use crate::domain::ticket::Ticket;

/// Refuses a message, command or caption longer than `message_chars`.
pub(super) fn check_sizes(limits: &LimitsConfig, body: &InboundBody) -> Result<(), Text> {
    let text = match body {
        InboundBody::Text { text } => text.as_str(),
        InboundBody::Attachment { caption, .. } => caption.as_deref().unwrap_or(""),
        InboundBody::Edited { text, .. } => text.as_str(),
        InboundBody::Button { .. } | InboundBody::Unsupported { .. } => "",
    };
    // Counting stops just past the bound, so a megabyte of text costs no more than the bound.
    let n = text.chars().take(limits.message_chars + 1).count();
    if n > limits.message_chars {
        return Err(replies::message_too_long(
            text.chars().count(),
            limits.message_chars,
        ));
    }
    Ok(())
}

/// Refuses a `/faq` question or a `/note` over its own bound.
pub(super) fn check_command(limits: &LimitsConfig, cmd: &Command) -> Result<(), Text> {
    match cmd {
        Command::Faq(q) if q.chars().count() > limits.faq_chars => {
            Err(replies::faq_too_long(limits.faq_chars))
        }
        Command::Note(_, t) if t.chars().count() > limits.note_chars => {
            Err(replies::note_too_long(t.chars().count(), limits.note_chars))
        }
        _ => Ok(()),
    }
}

impl Desk {
    /// `Some(answer)` when the sender is over the flood limit: one notice per burst, then
    /// silence (a button press or slash command is still acknowledged, quietly).
    pub(super) async fn flooded(&self, inbound: &Inbound) -> Option<Vec<Outbound>> {
        match self.flood.admit(&inbound.from.key(), self.clock.now()) {
            Admission::Allowed => None,
            Admission::RefusedTell => {
                // Said once per burst, so the one store read for the sender's language is not
                // paid by the flood itself.
                let lang = self.error_lang(inbound).await;
                Some(vec![self.error_reply(
                    inbound,
                    replies::slow_down(lang, self.limits.per_user_per_minute),
                )])
            }
            Admission::RefusedQuiet => Some(
                inbound
                    .interaction
                    .iter()
                    .map(|id| Outbound::Ack {
                        interaction: id.clone(),
                        text: None,
                        alert: false,
                    })
                    .collect(),
            ),
        }
    }

    /// Refuses files beyond `attachments_per_ticket` on `ticket`.
    pub(super) async fn check_attachments(
        &self,
        ticket: &Ticket,
        adding: usize,
    ) -> Result<(), DeskError> {
        if adding == 0 {
            return Ok(());
        }
        let held: usize = self
            .store
            .transcript(ticket.id)
            .await?
            .iter()
            .map(|e| e.attachments.len())
            .sum();
        if held + adding > self.limits.attachments_per_ticket {
            return Err(DeskError::Say(replies::too_many_attachments(
                ticket.id,
                self.limits.attachments_per_ticket,
            )));
        }
        Ok(())
    }
}
