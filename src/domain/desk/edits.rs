//! Edited messages and messages the bot cannot relay. An edit reaches the other side as an
//! "edited" note and is kept as a new transcript entry beside the original, so both versions
//! stay on record. A sticker, location, poll and the like is answered, never dropped silently:
//! the sender learns it was not passed on, and inside a ticket the agent learns what was sent.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Attachment, Message, Space, UnsupportedKind};
use crate::domain::replies;
use crate::domain::ticket::{AuthorRole, Status, TicketError};

/// Whether an edit's new text is a command: commands are not run a second time.
fn looks_like_command(text: &str) -> bool {
    text.trim_start().starts_with('/')
}

impl Desk {
    /// A customer or an agent corrected an earlier message.
    pub(super) async fn on_edit(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Outcome {
        if looks_like_command(text) {
            let lang = self.lang(ctx).await?;
            return Ok(vec![ctx.private_reply(replies::edit_of_command(lang))]);
        }
        match ctx.inb.space {
            Space::Customer => self.customer_edit(ctx, text, attachments).await,
            Space::Staff => match (&ctx.staff, ctx.here) {
                (None, _) => Err(DeskError::Say(crate::text!(
                    crate::domain::i18n::Key::NotStaffHere
                ))),
                (Some(member), Some(id)) => {
                    let mut t = self.load(id).await?;
                    if t.status == Status::Closed {
                        return Err(TicketError::Closed(id).into());
                    }
                    let entry = self.entry(
                        AuthorRole::Agent,
                        &member.name.0,
                        &replies::edited_entry(self.staff_lang(), text),
                        false,
                        attachments.clone(),
                        ctx,
                    );
                    t.updated_at = ctx.now;
                    let theirs = self.customer_lang(&t.requester).await?;
                    let out = vec![self.to_customer(
                        &t,
                        theirs,
                        Message {
                            text: replies::edited_by_agent(theirs, &member.name.0, text),
                            attachments,
                            ..Message::default()
                        },
                    )];
                    self.save_finishing(ctx, &t, &[entry], &[], out).await
                }
                // Agents correcting lobby chatter: nothing the bot relayed.
                (Some(_), None) => Ok(Vec::new()),
            },
        }
    }

    async fn customer_edit(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Outcome {
        let Some(mut ticket) = self.sender_ticket(ctx).await? else {
            let lang = self.lang(ctx).await?;
            return Ok(vec![ctx.reply(replies::edit_not_relayed(lang))]);
        };
        let name = &ctx.inb.from.name;
        let entry = self.entry(
            AuthorRole::Customer,
            name,
            &replies::edited_entry(self.staff_lang(), text),
            false,
            attachments.clone(),
            ctx,
        );
        ticket.updated_at = ctx.now;
        let out = vec![self.to_staff(
            &ticket,
            Message {
                text: replies::edited_by_customer(self.staff_lang(), name, text),
                attachments,
                ..Message::default()
            },
        )];
        self.save_finishing(ctx, &ticket, &[entry], &[], out).await
    }

    /// Someone sent a kind of message the bot cannot pass on.
    pub(super) async fn on_unsupported(&self, ctx: &Ctx<'_>, kind: UnsupportedKind) -> Outcome {
        match ctx.inb.space {
            Space::Customer => {
                let lang = self.lang(ctx).await?;
                let mut out = vec![ctx.reply(replies::cannot_relay_to_support(lang, kind))];
                if let Some(mut ticket) = self.sender_ticket(ctx).await? {
                    let note = replies::customer_sent_unsupported(
                        self.staff_lang(),
                        &ctx.inb.from.name,
                        kind,
                    );
                    let entry = self.entry(AuthorRole::Bot, "bot", &note, true, Vec::new(), ctx);
                    ticket.updated_at = ctx.now;
                    out.push(self.to_staff(&ticket, Message::text(note)));
                    let ids = self
                        .store
                        .save_ticket_handling(&ticket, &[entry], &[], ctx.handling(&out))
                        .await?;
                    ctx.finished_with(out.clone(), ids);
                }
                Ok(out)
            }
            Space::Staff => match (&ctx.staff, ctx.here) {
                (None, _) => Err(DeskError::Say(crate::text!(
                    crate::domain::i18n::Key::NotStaffHere
                ))),
                (Some(_), Some(_)) => {
                    let lang = self.lang(ctx).await?;
                    Ok(vec![ctx.private_reply(replies::cannot_relay_to_customer(
                        lang, kind,
                    ))])
                }
                (Some(_), None) => Ok(Vec::new()),
            },
        }
    }
}
