//! The intake suggestion on a new ticket's staff intro, and accepting it with one tap: the
//! ticket takes the suggested kind and priority, and its SLA clocks follow that priority.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Button, ButtonAction, Message};
use crate::domain::i18n::Key;
use crate::domain::ids::TicketId;
use crate::domain::replies;
use crate::domain::ticket::{Actor, EventKind, Priority, Ticket, TicketKind};
use crate::domain::triage;
use crate::{text, tr};

impl Desk {
    /// The suggestion line and its accept button for a ticket just opened from `text`; nothing
    /// when the suggestion is what the ticket already is. A kind the customer chose with
    /// `/feedback` is kept; only the priority is suggested then.
    pub(super) fn triage_offer(
        &self,
        ticket: &Ticket,
        text: &str,
        chosen: TicketKind,
    ) -> (Option<String>, Vec<Button>) {
        let mut s = triage::suggest(text);
        if chosen != TicketKind::Question {
            s.kind = chosen;
            s.priority = match chosen {
                TicketKind::Feature => Priority::P4,
                _ => s.priority,
            };
        }
        if s.kind == ticket.kind && s.priority == ticket.priority {
            return (None, Vec::new());
        }
        let lang = self.staff_lang();
        let kind = replies::kind_word(lang, s.kind);
        let priority = s.priority.to_string();
        let line = tr!(
            lang,
            Key::TriageSuggest,
            kind = kind.clone(),
            priority = priority.clone()
        );
        let button = Button {
            label: tr!(lang, Key::BtnAcceptTriage, kind = kind, priority = priority),
            action: ButtonAction::AcceptTriage(ticket.id, s.kind, s.priority),
        };
        (Some(line), vec![button])
    }

    /// An agent tapped "Accept": set kind and priority, rename the staff space.
    pub(super) async fn accept_triage(
        &self,
        ctx: &Ctx<'_>,
        id: TicketId,
        kind: TicketKind,
        priority: Priority,
    ) -> Outcome {
        let Some(me) = ctx.staff.clone() else {
            return Err(DeskError::Say(text!(Key::StaffOnly)));
        };
        let mut t = self.load(id).await?;
        if !t.status.is_active() {
            return Err(DeskError::Say(text!(Key::TriageStale)));
        }
        let mut kinds: Vec<EventKind> = Vec::new();
        if t.priority != priority {
            kinds.extend(t.set_priority(priority)?);
        }
        let kind_changed = t.kind != kind;
        if kind_changed {
            t.kind = kind;
            let tag = kind.as_str().to_string();
            if kind != TicketKind::Question && !t.tags.contains(&tag) {
                t.tags.push(tag);
            }
        }
        if kinds.is_empty() && !kind_changed {
            return Err(DeskError::Say(text!(Key::TriageStale)));
        }
        t.updated_at = ctx.now;
        let events = self.events(kinds, Actor::Agent(me.name.clone()), ctx);
        self.store.save_ticket(&t, &[], &events).await?;
        let lang = self.staff_lang();
        let said = tr!(
            lang,
            Key::TriageAccepted,
            agent = &me.name.0,
            kind = replies::kind_word(lang, kind),
            priority = priority.to_string()
        );
        Ok(vec![
            self.to_staff(&t, Message::text(said)),
            self.rename_staff_space(&t),
        ])
    }
}
