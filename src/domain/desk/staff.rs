//! Agent commands: queue, claim, reply, notes, priority, status changes, close and reopen.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::command::Command;
use crate::domain::directory::{StaffMember, StaffRole};
use crate::domain::event::{Attachment, Message, Outbound};
use crate::domain::ids::{AgentName, TicketId};
use crate::domain::replies;
use crate::domain::ticket::{Actor, AuthorRole, EventKind, Status, Ticket, TicketError};

/// How many tickets `/queue` and `/mine` list; the rest are counted.
const QUEUE_ROWS: usize = 30;

/// How many open tickets `/queue` sorts at most (the oldest), so a huge backlog cannot make one
/// command load everything.
const QUEUE_LOAD: i64 = 5000;

impl Desk {
    pub(super) async fn staff_command(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        cmd: Command,
    ) -> Outcome {
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
                    format!("{} claimed ticket {id}.", me.name),
                    Some(replies::claimed_for_customer(id, &me.name.0)),
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
                    format!("Ticket {id} is unassigned again."),
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
                    return Err(DeskError::Say(format!(
                        "There is no agent named {to}. Agents: {}.",
                        names.join(", ")
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
                    format!("Ticket {id} is now assigned to {to}."),
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
                let out = vec![ctx.reply(format!(
                    "Internal note added to ticket {id} (the customer does not see it)."
                ))];
                let ids = self
                    .store
                    .save_ticket_handling(&t, &[entry], &events, ctx.handling(&out))
                    .await?;
                ctx.finished_with(out.clone(), ids);
                Ok(out)
            }
            Command::Priority(id, p) => {
                let mut t = self.load(id).await?;
                let kinds = t.set_priority(p)?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    replies::priority_changed(id, p),
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
                    format!("Ticket {id} is now on the {tier} tier."),
                    None,
                )
                .await
            }
            Command::Pending(id) => {
                self.set_status(ctx, me, id, Status::Pending, "is waiting on the customer")
                    .await
            }
            Command::Hold(id) => {
                self.set_status(ctx, me, id, Status::OnHold, "is on hold")
                    .await
            }
            Command::Solve(id) => {
                self.set_status(ctx, me, id, Status::Solved, "is solved")
                    .await
            }
            Command::Reopen(id) => {
                let mut t = self.load(id).await?;
                let kinds = t.reopen()?;
                self.commit(
                    ctx,
                    me,
                    &mut t,
                    kinds,
                    format!("Ticket {id} reopened."),
                    Some(replies::reopened_for_customer(id)),
                )
                .await
            }
            Command::Sla(id) => {
                let t = self.load(id).await?;
                let events = self.store.events(id).await?;
                Ok(vec![
                    ctx.reply(self.settings.sla.explain(&t, &events, ctx.now)),
                ])
            }
            Command::Panel => {
                if me.role < StaffRole::Admin {
                    return Err(DeskError::Say(
                        "Only admins can post the support panel.".into(),
                    ));
                }
                Ok(vec![Outbound::Send {
                    to: crate::domain::event::Target::Conversation(ctx.inb.conversation.clone()),
                    message: Message::text(
                        "Need help? Ask your question here, or open a ticket to talk to a person.",
                    )
                    .with_buttons(vec![crate::domain::event::Button {
                        label: replies::OPEN_TICKET.into(),
                        action: crate::domain::event::ButtonAction::OpenTicket,
                    }]),
                }])
            }
            other => Err(DeskError::Say(format!("{other:?} is not a staff command."))),
        }
    }

    async fn set_status(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        id: TicketId,
        to: Status,
        said: &str,
    ) -> Outcome {
        let mut t = self.load(id).await?;
        let kinds = t.set_status(to)?;
        self.commit(ctx, me, &mut t, kinds, format!("Ticket {id} {said}."), None)
            .await
    }

    /// Saves a staff change, confirms it where the agent typed, optionally tells the customer,
    /// and renames the staff space when the title changed.
    async fn commit(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        t: &mut Ticket,
        kinds: Vec<EventKind>,
        confirm: String,
        tell_customer: Option<String>,
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
        let said: Vec<_> = tell_customer
            .iter()
            .map(|text| self.bot_said(text, ctx))
            .collect();
        let mut out = vec![ctx.reply(confirm)];
        if let Some(text) = tell_customer {
            out.push(self.to_customer(t, Message::text(text)));
        }
        if renames {
            out.push(self.rename_staff_space(t));
        }
        let ids = self
            .store
            .save_ticket_handling(t, &said, &events, ctx.handling(&out))
            .await?;
        ctx.finished_with(out.clone(), ids);
        Ok(out)
    }

    /// An agent's message to the customer (plain text in the staff space, or `/reply`).
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
        let mut out = vec![self.to_customer(
            &t,
            Message {
                text: super::customer::relayed(&me.name.0, "support", text),
                attachments,
                ..Message::default()
            },
        )];
        // A reply typed via /reply outside the ticket's own space gets a confirmation there.
        if ctx.here != Some(id) {
            out.push(ctx.reply(format!("Reply sent to the customer of ticket {id}.")));
        }
        let ids = self
            .store
            .save_ticket_handling(&t, &[entry], &events, ctx.handling(&out))
            .await?;
        ctx.finished_with(out.clone(), ids);
        Ok(out)
    }

    pub(super) async fn staff_close(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        id: Option<TicketId>,
        reason: Option<String>,
    ) -> Outcome {
        let Some(id) = id else {
            return Err(DeskError::Say(
                "/close needs a ticket number here. Usage: /close <id> <reason>".into(),
            ));
        };
        let Some(reason) = reason else {
            return Err(DeskError::Say(
                "/close needs a reason. Usage: /close <id> <reason>".into(),
            ));
        };
        let t = self.load(id).await?;
        let mut out = self
            .close_ticket(ctx, t, &reason, Actor::Agent(me.name.clone()))
            .await?;
        if ctx.here != Some(id) {
            out.push(ctx.reply(format!("Ticket {id} closed.")));
        }
        Ok(out)
    }

    async fn queue(&self, ctx: &Ctx<'_>, mine: Option<AgentName>) -> Outcome {
        let mut tickets = self
            .store
            .active_tickets_with_events(mine.as_ref().map(|a| a.0.as_str()), QUEUE_LOAD + 1)
            .await?;
        let capped = tickets.len() > QUEUE_LOAD as usize;
        tickets.truncate(QUEUE_LOAD as usize);
        if tickets.is_empty() {
            return Ok(vec![ctx.reply(if mine.is_some() {
                "You have no open tickets."
            } else {
                "The queue is empty."
            })]);
        }
        let mut rows = self.settings.sla.queue_rows(&tickets, ctx.now);
        let more = rows.len().saturating_sub(QUEUE_ROWS);
        rows.truncate(QUEUE_ROWS);
        if more > 0 {
            rows.push(format!("… and {more} more"));
        }
        if capped {
            rows.push(format!(
                "(More than {QUEUE_LOAD} tickets are open; these are the nearest deadlines among the {QUEUE_LOAD} oldest.)"
            ));
        }
        let mut text = String::from(if mine.is_some() {
            "Your tickets:\n"
        } else {
            "Queue (nearest deadline first):\n"
        });
        for row in rows {
            text.push_str(&row);
            text.push('\n');
        }
        Ok(vec![ctx.reply(text.trim_end().to_string())])
    }

    async fn show(&self, ctx: &Ctx<'_>, id: TicketId) -> Outcome {
        let t = self.load(id).await?;
        let transcript = self.store.transcript(id).await?;
        let mut text = format!(
            "Ticket {} [{}] {}\nStatus: {}  Tier: {}  Kind: {}  Assignee: {}\nFrom: {} ({} {})\nTags: {}\n",
            t.id,
            t.priority,
            t.subject,
            t.status,
            t.tier,
            t.kind.as_str(),
            t.assignee
                .as_ref()
                .map_or("nobody".to_string(), |a| a.0.clone()),
            t.requester.name,
            t.requester.platform,
            t.requester.id,
            if t.tags.is_empty() {
                "-".to_string()
            } else {
                t.tags.join(", ")
            },
        );
        let skip = transcript.len().saturating_sub(20);
        if skip > 0 {
            text.push_str(&format!(
                "… {skip} earlier messages (supportbot tickets show {} for all)\n",
                id.0
            ));
        }
        for e in transcript.iter().skip(skip) {
            let mark = if e.internal { " [internal]" } else { "" };
            text.push_str(&format!(
                "\n{} {} ({}){mark}: {}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.author,
                e.role.as_str(),
                e.body
            ));
        }
        Ok(vec![ctx.reply(text)])
    }
}
