//! Agent commands: queue, claim, reply, notes, priority, status changes, close and reopen.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::command::Command;
use crate::domain::directory::{StaffMember, StaffRole};
use crate::domain::event::{Attachment, Message, Outbound};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::{AgentName, Platform, TicketId};
use crate::domain::replies;
use crate::domain::ticket::{Actor, AuthorRole, EventKind, Status, Ticket, TicketError};
use crate::{text, tr};

/// What the customer is told about a staff change, worded in their language later.
type Tell = Option<fn(Lang, TicketId, &str) -> String>;

impl Desk {
    pub(super) async fn staff_command(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        cmd: Command,
    ) -> Outcome {
        let lang = self.lang(ctx).await?;
        match cmd {
            Command::Queue => self.queue(ctx, None).await,
            Command::Mine => self.queue(ctx, Some(me.name.clone())).await,
            Command::Show(id) => self.show(ctx, id).await,
            Command::Claim(id) => {
                let mut t = self.load(id).await?;
                let kinds = t.claim(&me.name)?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    tr!(lang, Key::ClaimedStaff, agent = &me.name.0, id = id),
                    Some(|l, id, agent| tr!(l, Key::ClaimedForCustomer, agent = agent, id = id)),
                )
                .await
            }
            Command::Unclaim(id) => {
                let mut t = self.load(id).await?;
                let kinds = t.unclaim(&me.name, me.role >= StaffRole::Lead)?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    tr!(lang, Key::UnassignedAgain, id = id),
                    None,
                )
                .await
            }
            Command::Assign(id, to) | Command::Transfer(id, to) => {
                let Some(agent) = self.settings.staff.agent(&to.0) else {
                    let names: Vec<&str> = self
                        .settings
                        .staff
                        .agents
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect();
                    return Err(DeskError::Say(text!(
                        Key::NoSuchAgent,
                        name = &to.0,
                        agents = names.join(", ")
                    )));
                };
                let to = AgentName(agent.name.clone());
                let mut t = self.load(id).await?;
                let kinds = t.assign(&to)?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    tr!(lang, Key::Assigned, id = id, agent = &to.0),
                    None,
                )
                .await
            }
            Command::Reply(id, text) => self.agent_reply(ctx, me, id, &text, Vec::new()).await,
            Command::Note(id, text) => {
                let mut t = self.load(id).await?;
                let kinds = t.note_added()?;
                t.updated_at = ctx.now;
                let entry = self.entry(AuthorRole::Agent, &me.name.0, &text, true, Vec::new(), ctx);
                let events = self.events(kinds, Actor::Agent(me.name.clone()), ctx);
                let mut out = vec![ctx.reply(tr!(lang, Key::NoteAdded, id = id))];
                out.extend(self.dashboard_copy(ctx, &t, Key::WebNoteMirror, me, &text));
                self.save_finishing(ctx, &t, &[entry], &events, out).await
            }
            Command::Priority(id, p) => {
                let mut t = self.load(id).await?;
                let kinds = t.set_priority(p)?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    replies::priority_changed(lang, id, p),
                    None,
                )
                .await
            }
            Command::Tier(id, tier) => {
                let mut t = self.load(id).await?;
                let kinds = t.set_tier(tier)?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    tr!(lang, Key::TierChanged, id = id, tier = tier.as_str()),
                    None,
                )
                .await
            }
            Command::Pending(id) => {
                self.set_status(
                    ctx,
                    me,
                    id,
                    Status::Pending,
                    tr!(lang, Key::NowPending, id = id),
                )
                .await
            }
            Command::Hold(id) => {
                self.set_status(
                    ctx,
                    me,
                    id,
                    Status::OnHold,
                    tr!(lang, Key::NowOnHold, id = id),
                )
                .await
            }
            Command::Solve(id) => {
                self.set_status(
                    ctx,
                    me,
                    id,
                    Status::Solved,
                    tr!(lang, Key::NowSolved, id = id),
                )
                .await
            }
            Command::Fixed(id) => {
                let mut t = self.load(id).await?;
                let kinds = t.mark_fixed()?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    tr!(lang, Key::NowFixed, id = id),
                    None,
                )
                .await
            }
            Command::Incident(id, since) => self.confirm_incident(ctx, me, lang, id, since).await,
            Command::Reopen(id) => {
                let mut t = self.load(id).await?;
                let kinds = t.reopen()?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    tr!(lang, Key::ReopenedStaff, id = id),
                    Some(|l, id, _| tr!(l, Key::ReopenedForCustomer, id = id)),
                )
                .await
            }
            Command::Sla(id) => {
                let t = self.load(id).await?;
                let events = self.store.events(id).await?;
                Ok(vec![ctx.reply(
                    self.settings.sla.explain(lang, &t, &events, ctx.now),
                )])
            }
            Command::ReportSla(month) => self.report_sla(ctx, me, lang, month.as_deref()).await,
            Command::Kb(action) => self.kb_review(ctx, me, lang, action).await,
            Command::Dashboard => self.dashboard_link(ctx, me, lang),
            Command::Panel => {
                if me.role < StaffRole::Admin {
                    return Err(DeskError::Say(text!(Key::PanelAdminOnly)));
                }
                // The panel faces customers, who have not said which language they read.
                let theirs = self.settings.customers.default_lang;
                Ok(vec![Outbound::Send {
                    to: crate::domain::event::Target::Conversation(ctx.inb.conversation.clone()),
                    message: Message::text(format!(
                        "{}\n{}",
                        tr!(theirs, Key::PanelTitle),
                        tr!(theirs, Key::PanelText)
                    ))
                    .with_buttons(vec![crate::domain::event::Button {
                        label: tr!(theirs, Key::BtnOpenTicket),
                        action: crate::domain::event::ButtonAction::OpenTicket,
                    }]),
                }])
            }
            // Customer commands are routed before staff ones; none reaches here.
            _ => Err(DeskError::Say(text!(Key::StaffOnly))),
        }
    }

    async fn set_status(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        id: TicketId,
        to: Status,
        said: String,
    ) -> Outcome {
        let mut t = self.load(id).await?;
        let kinds = t.set_status(to)?;
        self.commit(ctx, me, &mut t, kinds, said, None).await
    }

    /// Saves a staff change, confirms it where the agent typed, optionally tells the customer,
    /// and renames the staff space when the title changed.
    pub(super) async fn commit(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        t: &mut Ticket,
        kinds: Vec<EventKind>,
        confirm: String,
        tell_customer: Tell,
    ) -> Outcome {
        // The staff-space title shows priority and status, so those changes rename it.
        let renames = kinds.iter().any(|k| {
            matches!(
                k,
                EventKind::PriorityChanged { .. }
                    | EventKind::StatusChanged { .. }
                    | EventKind::Closed { .. }
                    | EventKind::Reopened
            )
        });
        t.updated_at = ctx.now;
        let events = self.events(kinds, Actor::Agent(me.name.clone()), ctx);
        let tell_customer = match tell_customer {
            Some(word) => {
                let lang = self.customer_lang(&t.requester).await?;
                Some((lang, word(lang, t.id, &me.name.0)))
            }
            None => None,
        };
        let said: Vec<_> = tell_customer
            .iter()
            .map(|(_, text)| self.bot_said(text, ctx))
            .collect();
        let mut out = vec![ctx.reply(confirm)];
        if let Some((theirs, text)) = tell_customer {
            out.push(self.to_customer(t, theirs, Message::text(text)));
        }
        if renames {
            out.push(self.rename_staff_space(t));
        }
        self.save_finishing(ctx, t, &said, &events, out).await
    }

    /// An agent's message to the customer (plain text in the staff space, or `/reply`).
    /// For an action taken in the dashboard, its copy (`key`: "… replied/added a note from
    /// the dashboard: {text}") in the ticket's staff space, so agents working in chat see it.
    fn dashboard_copy(
        &self,
        ctx: &Ctx<'_>,
        t: &Ticket,
        key: Key,
        me: &StaffMember,
        text: &str,
    ) -> Option<Outbound> {
        (ctx.inb.conversation.platform == Platform::Web).then(|| {
            let staff = self.staff_lang();
            self.to_staff(
                t,
                Message::text(tr!(staff, key, agent = &me.name.0, text = text)),
            )
        })
    }

    pub(super) async fn agent_reply(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        id: TicketId,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Outcome {
        let mut t = self.load(id).await?;
        if t.status == Status::Closed {
            return Err(TicketError::Closed(id).into());
        }
        self.check_attachments(&t, attachments.len()).await?;
        let kinds = t.agent_replied()?;
        t.updated_at = ctx.now;
        let entry = self.entry(
            AuthorRole::Agent,
            &me.name.0,
            text,
            false,
            attachments.clone(),
            ctx,
        );
        let events = self.events(kinds, Actor::Agent(me.name.clone()), ctx);
        let theirs = self.customer_lang(&t.requester).await?;
        let mut out = vec![self.to_customer(
            &t,
            theirs,
            Message {
                // A file without a caption goes alone, without an empty "ann (support): " line.
                text: if text.trim().is_empty() {
                    String::new()
                } else {
                    tr!(theirs, Key::AgentSaid, agent = &me.name.0, text = text)
                },
                attachments,
                ..Message::default()
            },
        )];
        out.extend(self.dashboard_copy(ctx, &t, Key::WebReplyMirror, me, text));
        // A reply typed via /reply outside the ticket's own space gets a confirmation there.
        if ctx.here != Some(id) {
            let lang = self.lang(ctx).await?;
            out.push(ctx.reply(tr!(lang, Key::ReplySent, id = id)));
        }
        self.save_finishing(ctx, &t, &[entry], &events, out).await
    }

    pub(super) async fn staff_close(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        id: Option<TicketId>,
        reason: Option<String>,
        article: Option<String>,
    ) -> Outcome {
        let usage = Key::UsageCloseStaff;
        let Some(id) = id else {
            return Err(DeskError::Say(text!(Key::CloseNeedsId, usage = usage)));
        };
        let linked = article
            .as_deref()
            .map(|a| self.linked_article(a))
            .transpose()?;
        let reason = match (reason, &linked) {
            (Some(r), _) => r,
            (None, Some(a)) => tr!(
                self.staff_lang(),
                Key::ClosedWithArticle,
                article = a.id.as_str()
            ),
            (None, None) => {
                return Err(DeskError::Say(text!(Key::CloseNeedsReason, usage = usage)));
            }
        };
        let t = self.load(id).await?;
        // Checked on a copy first, so nothing is learned from a close that will be refused.
        t.clone().close(&reason)?;
        let learned = match &linked {
            Some(a) => Some(self.learn_from_close(ctx, &t, a).await?),
            None => None,
        };
        let mut out = self
            .close_ticket(ctx, t, &reason, None, Actor::Agent(me.name.clone()))
            .await?;
        out.extend(learned.map(|said| ctx.reply(said)));
        if ctx.here != Some(id) {
            let lang = self.lang(ctx).await?;
            out.push(ctx.reply(tr!(lang, Key::ClosedConfirm, id = id)));
        }
        Ok(out)
    }
}
