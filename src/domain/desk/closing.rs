//! Closing a ticket: the thank-you, the CSAT question (unless the customer sent `/stop
//! surveys`), and the rating with its optional comment; the survey opt-out itself; and answers
//! to agents in a closed ticket's staff space, which go to them privately.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Button, ButtonAction, Message, Outbound, Space, Target};
use crate::domain::i18n::Key;
use crate::domain::ids::{TicketId, UserRef};
use crate::domain::ports::Csat;
use crate::domain::replies;
use crate::domain::ticket::{Actor, Status, Ticket};
use crate::tr;

/// How long after a CSAT rating the next plain message counts as its comment.
const CSAT_COMMENT_WINDOW_MS: i64 = 15 * 60 * 1000;

impl Desk {
    /// Closes, thanks the customer, asks for CSAT, archives the staff space. `reason` is
    /// recorded and shown to staff; the customer reads `told_reason` in their language if
    /// given (a reason the bot words), else the reason as typed.
    pub(super) async fn close_ticket(
        &self,
        ctx: &Ctx<'_>,
        mut ticket: Ticket,
        reason: &str,
        told_reason: Option<Key>,
        actor: Actor,
    ) -> Outcome {
        let kinds = ticket.close(reason)?;
        ticket.updated_at = ctx.now;
        let events = self.events(kinds, actor, ctx);
        let lang = self.customer_lang(&ticket.requester).await?;
        let told = told_reason.map_or_else(|| reason.to_string(), |k| tr!(lang, k));
        let surveyed = self
            .store
            .get_state(&surveys_off_key(&ticket.requester))
            .await?
            .is_none();
        let thanks = if surveyed {
            replies::closed_for_customer(lang, ticket.id, &told)
        } else {
            tr!(
                lang,
                Key::ClosedForCustomerNoSurvey,
                id = ticket.id,
                reason = told.as_str()
            )
        };
        let said = self.bot_said(&thanks, ctx);
        self.store.save_ticket(&ticket, &[said], &events).await?;
        let csat: Vec<Button> = (1..=5)
            .filter(|_| surveyed)
            .map(|s| Button {
                label: s.to_string(),
                action: ButtonAction::Csat(ticket.id, s),
            })
            .collect();
        Ok(vec![
            self.to_customer(&ticket, lang, Message::text(thanks).with_buttons(csat)),
            self.to_staff(
                &ticket,
                Message::text(tr!(
                    self.staff_lang(),
                    Key::ClosedStaff,
                    id = ticket.id,
                    reason = reason
                )),
            ),
            self.rename_staff_space(&ticket),
        ])
    }

    /// `/stop surveys` and `/start surveys`: stored with the customer (their user key), so it
    /// holds on every instance and after restarts.
    pub(super) async fn set_surveys(&self, ctx: &Ctx<'_>, on: bool) -> Outcome {
        self.store
            .set_state(&surveys_off_key(&ctx.inb.from), (!on).then_some("1"))
            .await?;
        let lang = self.lang(ctx).await?;
        let said = if on { Key::SurveysOn } else { Key::SurveysOff };
        Ok(vec![ctx.reply(tr!(lang, said))])
    }

    /// If the sender just rated a ticket, their next plain message is the rating's comment.
    pub(super) async fn csat_comment(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
    ) -> Result<Option<Vec<Outbound>>, DeskError> {
        let key = csat_state_key(ctx);
        let Some(state) = self.store.get_state(&key).await? else {
            return Ok(None);
        };
        self.store.set_state(&key, None).await?;
        // A quarterly rating's window is marked `q<quarter>:<at>`, a ticket's `<ticket>:<at>`.
        let (quarterly, state) = match state.strip_prefix('q') {
            Some(rest) => (true, rest),
            None => (false, state.as_str()),
        };
        let parsed = state
            .split_once(':')
            .and_then(|(t, at)| Some((t.parse::<i64>().ok()?, at.parse::<i64>().ok()?)));
        let Some((ticket, rated_at)) = parsed else {
            return Ok(None);
        };
        if ctx.now.timestamp_millis() - rated_at > CSAT_COMMENT_WINDOW_MS {
            return Ok(None);
        }
        if quarterly {
            let Ok(quarter) = u32::try_from(ticket) else {
                return Ok(None);
            };
            self.store
                .record_quarterly_comment(&ctx.inb.from, quarter, text)
                .await?;
            let lang = self.lang(ctx).await?;
            return Ok(Some(vec![ctx.reply(tr!(lang, Key::CsatCommentThanks))]));
        }
        let Some(mut csat) = self.store.csat(TicketId(ticket)).await? else {
            return Ok(None);
        };
        csat.comment = Some(text.to_string());
        self.store.record_csat(&csat).await?;
        let lang = self.lang(ctx).await?;
        Ok(Some(vec![ctx.reply(tr!(lang, Key::CsatCommentThanks))]))
    }

    /// Records the sender's first rating of a quarter and opens the comment window; `false`,
    /// changing nothing, when they rated it before or were not asked.
    pub(super) async fn record_quarterly(
        &self,
        ctx: &Ctx<'_>,
        quarter: u32,
        score: u8,
    ) -> Result<bool, DeskError> {
        let first = self
            .store
            .record_quarterly_rating(&ctx.inb.from, quarter, score, ctx.now)
            .await?;
        if first {
            let value = format!("q{quarter}:{}", ctx.now.timestamp_millis());
            self.store
                .set_state(&csat_state_key(ctx), Some(&value))
                .await?;
        }
        Ok(first)
    }

    /// Records the ticket's first rating and opens the comment window; `false`, changing
    /// nothing, when the ticket was rated before.
    pub(super) async fn record_rating(
        &self,
        ctx: &Ctx<'_>,
        ticket: &Ticket,
        score: u8,
    ) -> Result<bool, DeskError> {
        let first = self
            .store
            .record_first_csat(&Csat {
                ticket: ticket.id,
                score,
                comment: None,
                at: ctx.now,
            })
            .await?;
        if !first {
            return Ok(false);
        }
        let value = format!("{}:{}", ticket.id.0, ctx.now.timestamp_millis());
        self.store
            .set_state(&csat_state_key(ctx), Some(&value))
            .await?;
        Ok(true)
    }
}

impl Desk {
    /// Makes the answers to an agent in a closed ticket's staff space private: the space is
    /// archived there (a Discord thread), and a public answer would reopen it for everyone.
    /// Answers to an interaction are already shown to the presser only.
    pub(super) async fn private_in_closed_space(
        &self,
        ctx: &Ctx<'_>,
        mut out: Vec<Outbound>,
    ) -> Outcome {
        let here = &ctx.inb.conversation;
        let answers_here = |o: &Outbound| {
            matches!(o, Outbound::Send { to: Target::Conversation(c), message }
                if c == here && !message.ephemeral && message.in_reply_to.is_none())
        };
        let (Space::Staff, Some(id)) = (ctx.inb.space, ctx.here) else {
            return Ok(out);
        };
        // Checked only when there is a public answer, so most staff messages cost nothing.
        if !out.iter().any(answers_here) {
            return Ok(out);
        }
        let closed = self
            .store
            .ticket(id)
            .await?
            .is_some_and(|t| t.status == Status::Closed);
        if !closed {
            return Ok(out);
        }
        for o in out.iter_mut().filter(|o| answers_here(o)) {
            if let Outbound::Send { message, .. } = o {
                message.ephemeral = true;
                message.private_to = Some(ctx.inb.from.clone());
            }
        }
        Ok(out)
    }
}

/// Where a customer's survey opt-out is kept.
fn surveys_off_key(user: &UserRef) -> String {
    format!("surveys_off:{}", user.key())
}

fn csat_state_key(ctx: &Ctx<'_>) -> String {
    format!("csat_comment:{}", ctx.inb.from.key())
}
