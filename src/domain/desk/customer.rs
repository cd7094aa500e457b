//! Customer-side flows: questions, FAQ answers, opening tickets, status, close, registration.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Attachment, Button, ButtonAction, Message, Outbound};
use crate::domain::faq::{FaqDecision, trim_excerpt};
use crate::domain::ids::TicketId;
use crate::domain::lifecycle::{NewTicket, subject_from};
use crate::domain::ports::{Csat, FaqEvent, FaqOutcome, KbHit};
use crate::domain::replies;
use crate::domain::ticket::{
    Actor, AuthorRole, EventKind, Priority, Ticket, TicketEvent, TicketKind, TranscriptEntry,
};

/// How long after a CSAT rating the next plain message counts as its comment.
const CSAT_COMMENT_WINDOW_MS: i64 = 15 * 60 * 1000;

impl Desk {
    pub(super) async fn customer_message(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Outcome {
        if text.trim().is_empty() && attachments.is_empty() {
            return Ok(Vec::new());
        }
        if attachments.is_empty()
            && let Some(out) = self.csat_comment(ctx, text).await?
        {
            return Ok(out);
        }
        if let Some(mut ticket) = self.store.active_ticket_for(&ctx.inb.from).await? {
            return self
                .relay_customer(ctx, &mut ticket, text, attachments)
                .await;
        }
        if attachments.is_empty()
            && let Some(kb) = &self.kb
        {
            let hits = kb.search(text, None, 3);
            match self.settings.faq.decide(&hits) {
                FaqDecision::Answer(hit) => return self.faq_answer(ctx, text, hit).await,
                FaqDecision::Suggest(hits) => return self.faq_suggest(ctx, text, hits).await,
                FaqDecision::Escalate => {
                    let top = hits.first();
                    self.record_faq(ctx, text, top, FaqOutcome::NoAnswer)
                        .await?;
                }
            }
        }
        self.open_ticket(ctx, text, attachments, TicketKind::Question, None)
            .await
    }

    async fn relay_customer(
        &self,
        ctx: &Ctx<'_>,
        ticket: &mut Ticket,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Outcome {
        let kinds = ticket.customer_wrote()?;
        let events = self.events(kinds, Actor::Customer(ctx.inb.from.name.clone()), ctx);
        let entry = self.entry(
            AuthorRole::Customer,
            &ctx.inb.from.name,
            text,
            false,
            attachments.clone(),
            ctx,
        );
        ticket.updated_at = ctx.now;
        let status_changed = events.len() > 1;
        self.store.save_ticket(ticket, &[entry], &events).await?;
        let mut out = vec![self.to_staff(
            ticket,
            Message {
                text: format!("{} (customer): {}", ctx.inb.from.name, text),
                attachments,
                ..Message::default()
            },
        )];
        if status_changed {
            out.push(self.rename_staff_space(ticket));
        }
        Ok(out)
    }

    async fn faq_answer(&self, ctx: &Ctx<'_>, question: &str, hit: KbHit) -> Outcome {
        let id = self
            .record_faq(ctx, question, Some(&hit), FaqOutcome::Answered)
            .await?;
        let text = format!("{}\n\n{}", hit.title, trim_excerpt(&hit.excerpt, 600));
        Ok(vec![Outbound::Send {
            to: crate::domain::event::Target::Conversation(ctx.inb.conversation.clone()),
            message: Message::text(format!("{text}\n\nDid this help?"))
                .with_buttons(feedback_buttons(id)),
        }])
    }

    async fn faq_suggest(&self, ctx: &Ctx<'_>, question: &str, hits: Vec<KbHit>) -> Outcome {
        let id = self
            .record_faq(ctx, question, hits.first(), FaqOutcome::Suggested)
            .await?;
        let mut text = String::from("These articles might help:\n");
        for (i, h) in hits.iter().enumerate() {
            text.push_str(&format!(
                "\n{}. {}\n{}\n",
                i + 1,
                h.title,
                trim_excerpt(&h.excerpt, 200)
            ));
        }
        text.push_str("\nDid one of these help?");
        Ok(vec![
            ctx.reply(text).with_message_buttons(feedback_buttons(id)),
        ])
    }

    /// `/faq <question>`: the top 3 at any time, even inside an open ticket.
    pub(super) async fn faq_lookup(&self, ctx: &Ctx<'_>, question: &str) -> Outcome {
        let Some(kb) = &self.kb else {
            return Ok(vec![
                ctx.private_reply("The help articles are not available right now."),
            ]);
        };
        let hits: Vec<KbHit> = kb
            .search(question, None, 3)
            .into_iter()
            .filter(|h| h.confidence > 0.0)
            .collect();
        self.record_faq(ctx, question, hits.first(), FaqOutcome::Suggested)
            .await?;
        if hits.is_empty() {
            return Ok(vec![ctx.private_reply(
                "I found no article about that. Write your question here and a person will help.",
            )]);
        }
        let mut text = String::new();
        for (i, h) in hits.iter().enumerate() {
            text.push_str(&format!(
                "{}. {}\n{}\n\n",
                i + 1,
                h.title,
                trim_excerpt(&h.excerpt, 300)
            ));
        }
        Ok(vec![ctx.private_reply(text.trim_end().to_string())])
    }

    pub(super) async fn record_faq(
        &self,
        ctx: &Ctx<'_>,
        query: &str,
        hit: Option<&KbHit>,
        outcome: FaqOutcome,
    ) -> Result<i64, DeskError> {
        let event = FaqEvent {
            id: 0,
            at: ctx.now,
            user: ctx.inb.from.clone(),
            conversation: ctx.inb.conversation.clone(),
            query: query.to_string(),
            article_id: hit.map(|h| h.id.clone()),
            article_title: hit.map(|h| h.title.clone()),
            confidence: hit.map_or(0.0, |h| h.confidence),
            outcome,
            ticket: None,
        };
        Ok(self.store.record_faq_event(&event).await?)
    }

    /// Opens a ticket for the sender. `faq` is the FAQ attempt that did not help, if any.
    pub(super) async fn open_ticket(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
        attachments: Vec<Attachment>,
        kind: TicketKind,
        faq: Option<&FaqEvent>,
    ) -> Outcome {
        let from = &ctx.inb.from;
        let license = self.store.license_of(from).await?;
        let ent = self
            .settings
            .customers
            .entitlement(from, &ctx.inb.roles, license.as_deref());
        let in_support = ent.in_support(ctx.now.date_naive());
        let mut tags = Vec::new();
        if kind != TicketKind::Question {
            tags.push(kind.as_str().to_string());
        }
        if !in_support {
            tags.push("out_of_support".to_string());
        }
        if let Some(account) = &ent.account {
            tags.push(format!("account:{account}"));
        }
        let new = NewTicket {
            requester: from.clone(),
            conversation: ctx.inb.conversation.clone(),
            subject: subject_from(text),
            kind,
            priority: Priority::P3,
            tier: ent.tier,
            tags,
            at: ctx.now,
        };
        let mut entries = vec![self.entry(
            AuthorRole::Customer,
            &from.name,
            text,
            false,
            attachments.clone(),
            ctx,
        )];
        if let Some(f) = faq {
            let tried = match (&f.article_title, &f.article_id) {
                (Some(t), Some(id)) => {
                    format!("article \"{t}\" ({id}), confidence {:.2}", f.confidence)
                }
                _ => "no article".to_string(),
            };
            entries.push(self.entry(
                AuthorRole::Bot,
                "bot",
                &format!(
                    "Bot tried to answer \"{}\" with {tried}; the customer asked for a person.",
                    f.query
                ),
                true,
                Vec::new(),
                ctx,
            ));
        }
        let created = EventKind::Created {
            priority: new.priority,
            tier: new.tier,
        };
        let events = self.events(vec![created], Actor::Customer(from.name.clone()), ctx);
        let ticket = self.store.create_ticket(new, &entries, &events).await?;

        let promise = self.settings.sla.first_response_promise(
            ticket.tier,
            ticket.priority,
            ticket.created_at,
        );
        let mut out = vec![ctx.reply(replies::ticket_opened(ticket.id, &promise))];
        if !in_support {
            let until = ent.support_until.map(|d| d.to_string()).unwrap_or_default();
            out.push(ctx.reply(replies::out_of_support(&until)));
        }
        out.push(Outbound::OpenStaffSpace {
            ticket: ticket.id,
            platform: self.staff_home(&ticket),
            title: replies::staff_title(&ticket),
        });
        let mut intro = format!(
            "New {} ticket {} from {} ({} {}, tier {}{})\nSubject: {}\n\n{}",
            kind.as_str(),
            ticket.id,
            from.name,
            from.platform,
            from.id,
            ticket.tier,
            if in_support { "" } else { ", OUT OF SUPPORT" },
            ticket.subject,
            text
        );
        if let Some(f) = faq
            && let Some(t) = &f.article_title
        {
            intro.push_str(&format!(
                "\n\nThe bot offered \"{t}\" (confidence {:.2}); the customer said it did not help.",
                f.confidence
            ));
        }
        out.push(self.to_staff(
            &ticket,
            Message {
                text: intro,
                buttons: vec![Self::claim_button(ticket.id)],
                attachments,
                ..Message::default()
            },
        ));
        Ok(out)
    }

    pub(super) async fn customer_ticket_command(
        &self,
        ctx: &Ctx<'_>,
        text: Option<String>,
    ) -> Outcome {
        if let Some(t) = self.store.active_ticket_for(&ctx.inb.from).await? {
            return Ok(vec![ctx.reply(replies::already_open(&t))]);
        }
        let text = text.unwrap_or_else(|| "Support request (no description yet)".to_string());
        self.open_ticket(ctx, &text, Vec::new(), TicketKind::Question, None)
            .await
    }

    pub(super) async fn customer_feedback(
        &self,
        ctx: &Ctx<'_>,
        kind: TicketKind,
        text: &str,
    ) -> Outcome {
        self.open_ticket(ctx, text, Vec::new(), kind, None).await
    }

    pub(super) async fn customer_status(&self, ctx: &Ctx<'_>) -> Outcome {
        Ok(vec![ctx.reply(
            match self.store.active_ticket_for(&ctx.inb.from).await? {
                Some(t) => replies::status(&t),
                None => replies::no_open_ticket(),
            },
        )])
    }

    pub(super) async fn customer_register(&self, ctx: &Ctx<'_>, key: &str) -> Outcome {
        let Some(account) = self.settings.customers.account_by_license(key) else {
            return Ok(vec![ctx.private_reply(replies::unknown_license())]);
        };
        self.store
            .register_license(&ctx.inb.from, key, ctx.now)
            .await?;
        let until = account.support_until.map(|d| d.to_string());
        Ok(vec![ctx.private_reply(replies::registered(
            &account.name,
            until.as_deref(),
        ))])
    }

    /// A customer closes their own ticket (`/close`, or `/close <id>` for one of theirs).
    pub(super) async fn customer_close(&self, ctx: &Ctx<'_>, id: Option<TicketId>) -> Outcome {
        let ticket = match id {
            Some(id) => {
                let t = self.load(id).await?;
                if !same_person(&t.requester, &ctx.inb.from) {
                    return Err(DeskError::Say(replies::staff_only()));
                }
                t
            }
            None => match self.store.active_ticket_for(&ctx.inb.from).await? {
                Some(t) => t,
                None => return Ok(vec![ctx.reply(replies::no_open_ticket())]),
            },
        };
        let actor = Actor::Customer(ctx.inb.from.name.clone());
        self.close_ticket(ctx, ticket, "closed by the customer", actor)
            .await
    }

    /// Closes, thanks the customer, asks for CSAT, archives the staff space.
    pub(super) async fn close_ticket(
        &self,
        ctx: &Ctx<'_>,
        mut ticket: Ticket,
        reason: &str,
        actor: Actor,
    ) -> Outcome {
        let kinds = ticket.close(reason)?;
        ticket.updated_at = ctx.now;
        let events = self.events(kinds, actor, ctx);
        self.store.save_ticket(&ticket, &[], &events).await?;
        let csat: Vec<Button> = (1..=5)
            .map(|s| Button {
                label: s.to_string(),
                action: ButtonAction::Csat(ticket.id, s),
            })
            .collect();
        Ok(vec![
            self.to_customer(
                &ticket,
                Message::text(replies::closed_for_customer(ticket.id, reason)).with_buttons(csat),
            ),
            self.to_staff(
                &ticket,
                Message::text(format!("Ticket {} closed: {reason}", ticket.id)),
            ),
            self.rename_staff_space(&ticket),
        ])
    }

    /// If the sender just rated a ticket, their next plain message is the rating's comment.
    async fn csat_comment(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
    ) -> Result<Option<Vec<Outbound>>, DeskError> {
        let key = csat_state_key(ctx);
        let Some(state) = self.store.get_state(&key).await? else {
            return Ok(None);
        };
        self.store.set_state(&key, None).await?;
        let parsed = state
            .split_once(':')
            .and_then(|(t, at)| Some((t.parse::<i64>().ok()?, at.parse::<i64>().ok()?)));
        let Some((ticket, rated_at)) = parsed else {
            return Ok(None);
        };
        if ctx.now.timestamp_millis() - rated_at > CSAT_COMMENT_WINDOW_MS {
            return Ok(None);
        }
        let Some(mut csat) = self.store.csat(TicketId(ticket)).await? else {
            return Ok(None);
        };
        csat.comment = Some(text.to_string());
        self.store.record_csat(&csat).await?;
        Ok(Some(vec![ctx.reply(replies::csat_comment_thanks())]))
    }

    pub(super) async fn record_rating(
        &self,
        ctx: &Ctx<'_>,
        ticket: &Ticket,
        score: u8,
    ) -> Result<(), DeskError> {
        self.store
            .record_csat(&Csat {
                ticket: ticket.id,
                score,
                comment: None,
                at: ctx.now,
            })
            .await?;
        let value = format!("{}:{}", ticket.id.0, ctx.now.timestamp_millis());
        self.store
            .set_state(&csat_state_key(ctx), Some(&value))
            .await?;
        Ok(())
    }

    pub(super) fn entry(
        &self,
        role: AuthorRole,
        author: &str,
        body: &str,
        internal: bool,
        attachments: Vec<Attachment>,
        ctx: &Ctx<'_>,
    ) -> TranscriptEntry {
        TranscriptEntry {
            role,
            author: author.to_string(),
            body: body.to_string(),
            internal,
            attachments,
            at: ctx.now,
        }
    }

    pub(super) fn events(
        &self,
        kinds: Vec<EventKind>,
        actor: Actor,
        ctx: &Ctx<'_>,
    ) -> Vec<TicketEvent> {
        kinds
            .into_iter()
            .map(|kind| TicketEvent {
                kind,
                actor: actor.clone(),
                at: ctx.now,
            })
            .collect()
    }
}

/// Names change; platform and id do not.
pub(super) fn same_person(
    a: &crate::domain::ids::UserRef,
    b: &crate::domain::ids::UserRef,
) -> bool {
    a.platform == b.platform && a.id == b.id
}

fn csat_state_key(ctx: &Ctx<'_>) -> String {
    format!("csat_comment:{}", ctx.inb.from.key())
}

fn feedback_buttons(event: i64) -> Vec<Button> {
    vec![
        Button {
            label: replies::YES_HELPED.into(),
            action: ButtonAction::FaqHelpful(event),
        },
        Button {
            label: replies::NO_PERSON.into(),
            action: ButtonAction::FaqNeedHuman(event),
        },
    ]
}

trait WithButtons {
    fn with_message_buttons(self, buttons: Vec<Button>) -> Self;
}

impl WithButtons for Outbound {
    fn with_message_buttons(mut self, buttons: Vec<Button>) -> Self {
        if let Outbound::Send { message, .. } = &mut self {
            message.buttons = buttons;
        }
        self
    }
}
