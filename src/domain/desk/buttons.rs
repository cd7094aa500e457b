//! Button presses: FAQ feedback, CSAT ratings, claim, open-a-ticket.

use super::customer::same_person;
use super::{Ctx, Desk, Outcome};
use crate::domain::event::{ButtonAction, InboundBody, Message, Outbound, Space, Target};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ports::FaqOutcome;
use crate::domain::replies;
use crate::domain::ticket::{Actor, Status, TicketKind};
use crate::tr;

/// The polite answer to a button this bot cannot act on any more.
pub(super) fn stale(ctx: &Ctx<'_>, lang: Lang) -> Outbound {
    let text = tr!(lang, Key::ButtonExpired);
    ack(ctx, &text, true).unwrap_or_else(|| ctx.reply(text))
}

/// Takes the buttons off the pressed message, once they have done their job, so nobody taps a
/// used one again; `None` when the platform did not say which message it was.
fn clear(ctx: &Ctx<'_>) -> Option<Outbound> {
    let InboundBody::Button {
        message: Some(message),
        ..
    } = &ctx.inb.body
    else {
        return None;
    };
    // In a staff space the message lives in the ticket's lane, like everything sent there.
    let to = match (ctx.inb.space, ctx.here) {
        (Space::Staff, Some(ticket)) => Target::StaffSpace {
            ticket,
            platform: ctx.inb.conversation.platform,
        },
        _ => Target::Conversation(ctx.inb.conversation.clone()),
    };
    Some(Outbound::ClearButtons {
        to,
        message: message.clone(),
    })
}

fn ack(ctx: &Ctx<'_>, text: &str, alert: bool) -> Option<Outbound> {
    ctx.inb.interaction.as_ref().map(|id| Outbound::Ack {
        interaction: id.clone(),
        text: Some(text.to_string()),
        alert,
    })
}

impl Desk {
    pub(super) async fn on_button(&self, ctx: &Ctx<'_>, action: ButtonAction) -> Outcome {
        let mut out = self.button(ctx, action).await?;
        // Every press is answered, so the client stops its spinner.
        if let Some(id) = &ctx.inb.interaction
            && !out.iter().any(|o| matches!(o, Outbound::Ack { .. }))
        {
            out.insert(
                0,
                Outbound::Ack {
                    interaction: id.clone(),
                    text: None,
                    alert: false,
                },
            );
        }
        Ok(out)
    }

    async fn button(&self, ctx: &Ctx<'_>, action: ButtonAction) -> Outcome {
        let lang = self.lang(ctx).await?;
        let refuse = |key: Key| -> Outcome {
            let text = tr!(lang, key);
            Ok(vec![
                ack(ctx, &text, true).unwrap_or_else(|| ctx.private_reply(text)),
            ])
        };
        match action {
            ButtonAction::FaqHelpful(id) | ButtonAction::FaqNeedHuman(id) => {
                let Some(event) = self.store.faq_event(id).await? else {
                    return Ok(vec![stale(ctx, lang)]);
                };
                if !same_person(&event.user, &ctx.inb.from) {
                    return refuse(Key::FaqNotYours);
                }
                let answered = || -> Outcome {
                    let mut out = refuse(Key::FaqAlreadyAnswered)?;
                    out.extend(clear(ctx));
                    Ok(out)
                };
                if !matches!(event.outcome, FaqOutcome::Answered | FaqOutcome::Suggested) {
                    return answered();
                }
                if let ButtonAction::FaqHelpful(_) = action {
                    let short = tr!(lang, Key::FaqGladShort);
                    let mut out = vec![
                        ack(ctx, &short, false).unwrap_or_else(|| ctx.reply(short.clone())),
                        ctx.reply(tr!(lang, Key::FaqGlad)),
                    ];
                    out.extend(clear(ctx));
                    if !self.confirm_faq(ctx, &event, lang, &out).await? {
                        return answered();
                    }
                    return Ok(out);
                }
                if let Some(t) = self.sender_ticket(ctx).await? {
                    self.decline_faq(ctx, &event, lang, Some(t.id)).await?;
                    let mut out = vec![ctx.reply(replies::already_open(lang, &t))];
                    out.extend(clear(ctx));
                    return Ok(out);
                }
                let mut out = self
                    .open_ticket(
                        ctx,
                        &event.query,
                        Vec::new(),
                        TicketKind::Question,
                        Some(&event),
                    )
                    .await?;
                out.extend(clear(ctx));
                let ticket = out.iter().find_map(|o| match o {
                    Outbound::OpenStaffSpace { ticket, .. } => Some(*ticket),
                    _ => None,
                });
                self.decline_faq(ctx, &event, lang, ticket).await?;
                Ok(out)
            }
            ButtonAction::Csat(id, score) => {
                let Some(t) = self.store.ticket(id).await? else {
                    return Ok(vec![stale(ctx, lang)]);
                };
                if !same_person(&t.requester, &ctx.inb.from) {
                    return refuse(Key::CsatNotYours);
                }
                if !matches!(t.status, Status::Closed | Status::Solved) {
                    return refuse(Key::CsatReopened);
                }
                // A survey counts once: a second tap keeps the first score and its comment.
                let mut earlier = self.store.csat(id).await?.map(|c| c.score);
                if earlier.is_none() && !self.record_rating(ctx, &t, score).await? {
                    // Rated meanwhile (a double tap on two devices): that rating stands.
                    earlier = Some(self.store.csat(id).await?.map_or(score, |c| c.score));
                }
                let mut out = match earlier {
                    None => vec![ctx.reply(tr!(lang, Key::CsatThanks, score = score))],
                    Some(earlier) => {
                        let text = replies::already_rated(lang, id, earlier);
                        vec![ack(ctx, &text, false).unwrap_or_else(|| ctx.private_reply(text))]
                    }
                };
                out.extend(clear(ctx));
                Ok(out)
            }
            ButtonAction::QuarterlyCsat(quarter, score) => {
                let me = &ctx.inb.from;
                let out = if self.record_quarterly(ctx, quarter, score).await? {
                    vec![ctx.reply(tr!(lang, Key::CsatThanks, score = score))]
                } else {
                    match self.store.quarterly_rating(me, quarter).await? {
                        Some(earlier) => {
                            let text = tr!(lang, Key::QuarterlyAlreadyRated, score = earlier);
                            vec![ack(ctx, &text, false).unwrap_or_else(|| ctx.private_reply(text))]
                        }
                        None => vec![stale(ctx, lang)],
                    }
                };
                let mut out = out;
                out.extend(clear(ctx));
                Ok(out)
            }
            ButtonAction::Claim(id) => {
                let Some(me) = ctx.staff.clone() else {
                    return refuse(Key::ClaimNotStaff);
                };
                let mut t = self.load(id).await?;
                let kinds = match t.claim(&me.name) {
                    Ok(k) => k,
                    Err(e) => {
                        let text = super::ticket_error_text(&e).render(lang);
                        return Ok(vec![
                            ack(ctx, &text, true).unwrap_or_else(|| ctx.private_reply(text)),
                        ]);
                    }
                };
                t.updated_at = ctx.now;
                let events = self.events(kinds, Actor::Agent(me.name.clone()), ctx);
                let theirs = self.customer_lang(&t.requester).await?;
                let told = tr!(theirs, Key::ClaimedForCustomer, agent = &me.name.0, id = id);
                self.store
                    .save_ticket(&t, &[self.bot_said(&told, ctx)], &events)
                    .await?;
                let staff = self.staff_lang();
                let mut out = vec![
                    ack(ctx, &tr!(lang, Key::ClaimAck, id = id), false)
                        .unwrap_or_else(|| ctx.reply(tr!(lang, Key::ClaimedShort))),
                    self.to_staff(
                        &t,
                        Message::text(tr!(staff, Key::ClaimedStaff, agent = &me.name.0, id = id)),
                    ),
                    self.to_customer(&t, theirs, Message::text(told)),
                    self.rename_staff_space(&t),
                ];
                out.extend(clear(ctx));
                Ok(out)
            }
            ButtonAction::OpenTicket => Ok(vec![ctx.private_reply(tr!(lang, Key::PanelPrompt))]),
            ButtonAction::SetLang(chosen) => self.set_lang(ctx, chosen).await,
            ButtonAction::AcceptTriage(id, kind, priority) => {
                self.accept_triage(ctx, id, kind, priority).await
            }
        }
    }
}
