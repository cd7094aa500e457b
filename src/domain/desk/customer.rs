//! Customer-side flows: questions, FAQ answers, opening tickets, status, close, registration.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Attachment, Message, Outbound};
use crate::domain::faq::FaqDecision;
use crate::domain::i18n::Key;
use crate::domain::ids::TicketId;
use crate::domain::lifecycle::{NewTicket, subject_from};
use crate::domain::ports::{DecideForNew, FaqEvent, FaqOutcome};
use crate::domain::replies;
use crate::domain::small_talk;
use crate::domain::ticket::{
    Actor, AuthorRole, EventKind, Priority, Ticket, TicketEvent, TicketKind, TranscriptEntry,
};
use crate::{text, tr};

impl Desk {
    pub(super) async fn customer_message(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Outcome {
        // Zero-width and other invisible characters are no message at all.
        if small_talk::is_invisible(text) && attachments.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(mut ticket) = self.sender_ticket(ctx).await? {
            return self
                .relay_customer(ctx, &mut ticket, text, attachments)
                .await;
        }
        // Ratings follow a close, so a comment can only come when no ticket is open; checking
        // here keeps the lookup off the hot path of an ongoing conversation.
        if attachments.is_empty()
            && let Some(out) = self.csat_comment(ctx, text).await?
        {
            return Ok(out);
        }
        if attachments.is_empty()
            && let Some(talk) = small_talk::classify(text)
        {
            return self.small_talk(ctx, talk).await;
        }
        // A failure that hits everyone, or one the customer calls urgent, goes to a person
        // at once: articles are no help then, and the ticket's SLA clock starts now.
        let pressing = crate::domain::triage::pressing(text);
        if attachments.is_empty()
            && !pressing
            && let Some(kb) = &self.kb
        {
            let lang = self.lang(ctx).await?;
            let hits = self.kb_search(kb.as_ref(), text, lang, 3);
            match self.settings.faq.decide(&hits) {
                FaqDecision::Answer(hit) => return self.faq_answer(ctx, text, hit).await,
                FaqDecision::Suggest(hits) => return self.faq_suggest(ctx, text, hits).await,
                FaqDecision::Escalate => {
                    let event = self.faq_event(ctx, text, hits.first(), FaqOutcome::NoAnswer);
                    self.record_no_match(ctx, event).await?;
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
        self.check_attachments(ticket, attachments.len()).await?;
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
        let mut out = vec![self.to_staff(
            ticket,
            Message {
                // A file without a caption goes alone, without an empty "Name (customer): " line.
                text: if text.trim().is_empty() {
                    String::new()
                } else {
                    tr!(
                        self.staff_lang(),
                        Key::RelayFromCustomer,
                        name = &ctx.inb.from.name,
                        text = text
                    )
                },
                attachments,
                ..Message::default()
            },
        )];
        if status_changed {
            out.push(self.rename_staff_space(ticket));
        }
        self.save_finishing(ctx, ticket, &[entry], &events, out)
            .await
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
        let lang = self.lang(ctx).await?;
        let staff = self.staff_lang();
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
            subject: subject_from(text, &tr!(staff, Key::TicketDefaultSubject)),
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
            let confidence = format!("{:.2}", f.confidence);
            let tried = match (&f.article_title, &f.article_id) {
                (Some(t), Some(id)) => tr!(
                    staff,
                    Key::FaqTried,
                    query = &f.query,
                    title = t,
                    article = id,
                    confidence = confidence
                ),
                _ => tr!(staff, Key::FaqTriedNone, query = &f.query),
            };
            entries.push(self.entry(AuthorRole::Bot, "bot", &tried, true, Vec::new(), ctx));
        }
        let created = EventKind::Created {
            priority: new.priority,
            tier: new.tier,
        };
        let events = self.events(vec![created], Actor::Customer(from.name.clone()), ctx);
        // The confirmation and the staff intro name the ticket number, known only once the
        // ticket is numbered: they are built inside the creating transaction.
        let decide = |ticket: &Ticket| -> (Vec<TranscriptEntry>, Vec<Outbound>) {
            let promise = self.settings.sla.first_response_promise(
                lang,
                ticket.tier,
                ticket.priority,
                ticket.created_at,
            );
            let mut told = vec![replies::ticket_opened(lang, ticket.id, &promise)];
            if !in_support {
                let until = ent.support_until.map(|d| d.to_string()).unwrap_or_default();
                told.push(tr!(lang, Key::OutOfSupport, until = until));
            }
            let said: Vec<TranscriptEntry> = told.iter().map(|t| self.bot_said(t, ctx)).collect();
            let mut out: Vec<Outbound> = told.into_iter().map(|t| ctx.reply(t)).collect();
            out.push(Outbound::OpenStaffSpace {
                ticket: ticket.id,
                platform: self.staff_home(ticket),
                title: replies::staff_title(staff, ticket),
            });
            let head = tr!(
                staff,
                if in_support {
                    Key::IntroHead
                } else {
                    Key::IntroHeadOos
                },
                kind = replies::kind_word(staff, kind),
                id = ticket.id,
                name = &from.name,
                platform = from.platform.as_str(),
                user = &from.id,
                tier = ticket.tier.as_str()
            );
            let mut intro = format!(
                "{head}\n{}\n{}\n\n{text}",
                tr!(staff, Key::IntroSubject, subject = &ticket.subject),
                tr!(
                    staff,
                    Key::IntroLang,
                    lang = replies::lang_name(staff, lang)
                ),
            );
            if let Some(f) = faq
                && let Some(t) = &f.article_title
            {
                let confidence = format!("{:.2}", f.confidence);
                intro.push_str("\n\n");
                intro.push_str(&tr!(
                    staff,
                    Key::IntroFaq,
                    title = t,
                    confidence = confidence
                ));
            }
            let (suggestion, mut buttons) = self.triage_offer(ticket, text, kind);
            if let Some(line) = suggestion {
                intro.push_str("\n\n");
                intro.push_str(&line);
            }
            buttons.insert(0, self.claim_button(ticket.id));
            out.push(self.to_staff(
                ticket,
                Message {
                    text: intro,
                    buttons,
                    attachments: attachments.clone(),
                    ..Message::default()
                },
            ));
            (said, out)
        };
        let handling = ctx
            .handling(&[])
            .map(|h| (h.key, &decide as DecideForNew<'_>));
        let finishes = handling.is_some();
        let created = self
            .store
            .create_ticket_handling(new, &entries, &events, handling)
            .await?;
        if finishes {
            ctx.finished_with(created.actions.clone(), created.outbox_ids);
            return Ok(created.actions);
        }
        let (said, out) = decide(&created.ticket);
        self.store.save_ticket(&created.ticket, &said, &[]).await?;
        Ok(out)
    }

    pub(super) async fn customer_ticket_command(
        &self,
        ctx: &Ctx<'_>,
        text: Option<String>,
    ) -> Outcome {
        let lang = self.lang(ctx).await?;
        if let Some(t) = self.sender_ticket(ctx).await? {
            return Ok(vec![ctx.reply(replies::already_open(lang, &t))]);
        }
        let text = text.unwrap_or_else(|| tr!(lang, Key::TicketDefaultSubject));
        self.open_ticket(ctx, &text, Vec::new(), TicketKind::Question, None)
            .await
    }

    pub(super) async fn customer_feedback(
        &self,
        ctx: &Ctx<'_>,
        kind: TicketKind,
        text: &str,
    ) -> Outcome {
        // One conversation has one open ticket (that is where messages are relayed), so
        // feedback given while one is open joins it, tagged, instead of opening a second.
        if let Some(mut t) = self.sender_ticket(ctx).await? {
            let tag = kind.as_str().to_string();
            if !t.tags.contains(&tag) {
                t.tags.push(tag);
            }
            let label = tr!(
                self.staff_lang(),
                match kind {
                    TicketKind::Bug => Key::FeedbackLabelBug,
                    TicketKind::Feature => Key::FeedbackLabelFeature,
                    TicketKind::Question | TicketKind::Incident => Key::FeedbackLabelQuestion,
                }
            );
            let lang = self.lang(ctx).await?;
            let mut out = self
                .relay_customer(ctx, &mut t, &format!("{label}: {text}"), Vec::new())
                .await?;
            out.push(ctx.reply(tr!(lang, Key::FeedbackAdded, id = t.id)));
            return Ok(out);
        }
        self.open_ticket(ctx, text, Vec::new(), kind, None).await
    }

    pub(super) async fn customer_status(&self, ctx: &Ctx<'_>) -> Outcome {
        let lang = self.lang(ctx).await?;
        Ok(vec![ctx.reply(match self.sender_ticket(ctx).await? {
            Some(t) => replies::status(lang, &t),
            None => tr!(lang, Key::NoOpenTicket),
        })])
    }

    pub(super) async fn customer_register(&self, ctx: &Ctx<'_>, key: &str) -> Outcome {
        let lang = self.lang(ctx).await?;
        let Some(account) = self.settings.customers.account_by_license(key) else {
            return Ok(vec![ctx.private_reply(tr!(lang, Key::UnknownLicense))]);
        };
        self.store
            .register_license(&ctx.inb.from, key, ctx.now)
            .await?;
        let until = account.support_until.map(|d| d.to_string());
        Ok(vec![ctx.private_reply(replies::registered(
            lang,
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
                    return Err(DeskError::Say(text!(Key::StaffOnly)));
                }
                t
            }
            None => match self.sender_ticket(ctx).await? {
                Some(t) => t,
                None => {
                    let lang = self.lang(ctx).await?;
                    return Ok(vec![ctx.reply(tr!(lang, Key::NoOpenTicket))]);
                }
            },
        };
        let actor = Actor::Customer(ctx.inb.from.name.clone());
        let reason = tr!(self.staff_lang(), Key::ClosedByCustomer);
        self.close_ticket(ctx, ticket, &reason, Some(Key::ClosedByYou), actor)
            .await
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

    /// What the bot told the customer about a ticket, for its transcript.
    pub(super) fn bot_said(&self, text: &str, ctx: &Ctx<'_>) -> TranscriptEntry {
        self.entry(AuthorRole::Bot, "bot", text, false, Vec::new(), ctx)
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
