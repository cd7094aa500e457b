//! Ticket state transitions. Each returns the events it caused, or a typed error and no change.

use chrono::{DateTime, Utc};

use super::ids::{AgentName, ConversationRef, TicketId, UserRef};
use super::ticket::{Already, EventKind, Priority, Status, Ticket, TicketError, TicketKind, Tier};

/// What is needed to open a ticket; the store assigns the id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    /// The customer.
    pub requester: UserRef,
    /// Where to reply.
    pub conversation: ConversationRef,
    /// Subject line.
    pub subject: String,
    /// Question, bug or feature.
    pub kind: TicketKind,
    /// Initial priority.
    pub priority: Priority,
    /// The customer's tier.
    pub tier: Tier,
    /// Initial tags.
    pub tags: Vec<String>,
    /// Opening time.
    pub at: DateTime<Utc>,
}

impl NewTicket {
    /// The ticket as it is right after creation, once the store has numbered it.
    pub fn into_ticket(self, id: TicketId) -> Ticket {
        Ticket {
            id,
            requester: self.requester,
            conversation: self.conversation,
            subject: self.subject,
            kind: self.kind,
            priority: self.priority,
            tier: self.tier,
            status: Status::New,
            assignee: None,
            tags: self.tags,
            created_at: self.at,
            updated_at: self.at,
        }
    }
}

/// Builds a subject from the first line of a message: trimmed, control characters removed,
/// at most 80 characters.
pub fn subject_from(text: &str, fallback: &str) -> String {
    // Invisible characters are dropped, and a line with no word in it (a lone emoji) does
    // not name a ticket: a thread titled "#4 [P3] \u{200b}" tells an agent nothing.
    let clean = |l: &str| -> String {
        l.chars()
            .filter(|c| !c.is_control() && !super::small_talk::is_format(*c))
            .collect::<String>()
            .trim()
            .to_string()
    };
    let line = text
        .lines()
        .map(clean)
        .find(|l| super::small_talk::has_words(l))
        .unwrap_or_default();
    let mut out: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        out.push('…');
    }
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

type Step = Result<Vec<EventKind>, TicketError>;

/// The tag `/feedback bug` puts on an open ticket, and `/fixed` on a ticket it marks.
pub const BUG_TAG: &str = "bug";
/// The tag `/fixed` adds, so a second `/fixed` is refused as a no-op.
pub const FIXED_TAG: &str = "fixed";

impl Ticket {
    fn ensure_not_closed(&self) -> Result<(), TicketError> {
        if self.status == Status::Closed {
            Err(TicketError::Closed(self.id))
        } else {
            Ok(())
        }
    }

    fn move_to(&mut self, to: Status, events: &mut Vec<EventKind>) {
        if self.status != to {
            events.push(EventKind::StatusChanged {
                from: self.status,
                to,
            });
            self.status = to;
        }
    }

    /// An agent takes the ticket. A new ticket becomes open.
    pub fn claim(&mut self, agent: &AgentName) -> Step {
        self.ensure_not_closed()?;
        match &self.assignee {
            Some(a) if a == agent => Err(TicketError::Unchanged {
                ticket: self.id,
                what: Already::ClaimedBy(agent.clone()),
            }),
            Some(other) => Err(TicketError::ClaimedByOther {
                ticket: self.id,
                by: other.clone(),
            }),
            None => {
                self.assignee = Some(agent.clone());
                let mut ev = vec![EventKind::Claimed {
                    agent: agent.clone(),
                }];
                if self.status == Status::New {
                    self.move_to(Status::Open, &mut ev);
                }
                Ok(ev)
            }
        }
    }

    /// The assignee lets go. `force` lets a lead release someone else's ticket.
    pub fn unclaim(&mut self, agent: &AgentName, force: bool) -> Step {
        self.ensure_not_closed()?;
        match self.assignee.take() {
            Some(a) if a == *agent || force => Ok(vec![EventKind::Unclaimed { agent: a }]),
            other => {
                self.assignee = other;
                Err(TicketError::NotClaimedByYou(self.id))
            }
        }
    }

    /// Assigns (or transfers) the ticket to `to`.
    pub fn assign(&mut self, to: &AgentName) -> Step {
        self.ensure_not_closed()?;
        if self.assignee.as_ref() == Some(to) {
            return Err(TicketError::Unchanged {
                ticket: self.id,
                what: Already::AssignedTo(to.clone()),
            });
        }
        let from = self.assignee.replace(to.clone());
        let mut ev = vec![EventKind::Assigned {
            from,
            to: to.clone(),
        }];
        if self.status == Status::New {
            self.move_to(Status::Open, &mut ev);
        }
        Ok(ev)
    }

    /// Changes the priority.
    pub fn set_priority(&mut self, to: Priority) -> Step {
        self.ensure_not_closed()?;
        if self.priority == to {
            return Err(TicketError::Unchanged {
                ticket: self.id,
                what: Already::Priority(to),
            });
        }
        let from = std::mem::replace(&mut self.priority, to);
        Ok(vec![EventKind::PriorityChanged { from, to }])
    }

    /// Changes the customer tier.
    pub fn set_tier(&mut self, to: Tier) -> Step {
        self.ensure_not_closed()?;
        if self.tier == to {
            return Err(TicketError::Unchanged {
                ticket: self.id,
                what: Already::Tier(to),
            });
        }
        let from = std::mem::replace(&mut self.tier, to);
        Ok(vec![EventKind::TierChanged { from, to }])
    }

    /// Moves to pending, on hold, open or solved. Closing goes through [`Ticket::close`].
    pub fn set_status(&mut self, to: Status) -> Step {
        self.ensure_not_closed()?;
        if to == Status::Closed {
            return self.close("closed");
        }
        if self.status == to {
            return Err(TicketError::Unchanged {
                ticket: self.id,
                what: Already::Status(to),
            });
        }
        let mut ev = Vec::new();
        self.move_to(to, &mut ev);
        Ok(ev)
    }

    /// Closes the ticket with a reason.
    pub fn close(&mut self, reason: &str) -> Step {
        self.ensure_not_closed()?;
        self.status = Status::Closed;
        Ok(vec![EventKind::Closed {
            reason: reason.to_string(),
        }])
    }

    /// Reopens a closed or solved ticket.
    pub fn reopen(&mut self) -> Step {
        if !matches!(self.status, Status::Closed | Status::Solved) {
            return Err(TicketError::NotClosed(self.id));
        }
        self.status = Status::Open;
        Ok(vec![EventKind::Reopened])
    }

    /// The customer wrote. Pending and solved tickets go back to open.
    pub fn customer_wrote(&mut self) -> Step {
        self.ensure_not_closed()?;
        let mut ev = vec![EventKind::CustomerReplied];
        if matches!(self.status, Status::Pending | Status::Solved) {
            self.move_to(Status::Open, &mut ev);
        }
        Ok(ev)
    }

    /// An agent replied to the customer. A new ticket becomes open.
    pub fn agent_replied(&mut self) -> Step {
        self.ensure_not_closed()?;
        let mut ev = vec![EventKind::AgentReplied];
        if self.status == Status::New {
            self.move_to(Status::Open, &mut ev);
        }
        Ok(ev)
    }

    /// An agent marks the reported bug fixed; allowed on closed tickets too, since a fix often
    /// ships after the ticket closed. A ticket that was not a bug report becomes one (the
    /// agent's word that something was fixed says it was a bug), so the bug-fix rate counts it.
    pub fn mark_fixed(&mut self) -> Step {
        if self.tags.iter().any(|t| t == FIXED_TAG) {
            return Err(TicketError::Unchanged {
                ticket: self.id,
                what: Already::Fixed,
            });
        }
        if self.kind != TicketKind::Bug && !self.tags.iter().any(|t| t == BUG_TAG) {
            self.tags.push(BUG_TAG.to_string());
        }
        self.tags.push(FIXED_TAG.to_string());
        Ok(vec![EventKind::Fixed])
    }

    /// An agent confirms the ticket is an incident that began at `since`. An open ticket
    /// becomes an incident at P1 (downtime is what P1 incidents count); a closed one may only
    /// have the start of an incident it already is corrected, since changing a closed ticket's
    /// priority would rewrite its SLA history.
    pub fn confirm_incident(&mut self, since: DateTime<Utc>) -> Step {
        let already = self.kind == TicketKind::Incident && self.priority == Priority::P1;
        if !already {
            self.ensure_not_closed()?;
        }
        self.kind = TicketKind::Incident;
        let mut ev = Vec::new();
        if self.priority != Priority::P1 {
            let from = std::mem::replace(&mut self.priority, Priority::P1);
            ev.push(EventKind::PriorityChanged {
                from,
                to: Priority::P1,
            });
        }
        ev.push(EventKind::IncidentStart { since });
        Ok(ev)
    }

    /// An internal note; allowed even on closed tickets, for post-mortems.
    pub fn note_added(&mut self) -> Step {
        Ok(vec![EventKind::NoteAdded])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::Platform;

    fn ticket() -> Ticket {
        NewTicket {
            requester: UserRef::new(Platform::Console, "u1", "Ann"),
            conversation: ConversationRef::chat(Platform::Console, "dm"),
            subject: "printer".into(),
            kind: TicketKind::Question,
            priority: Priority::P3,
            tier: Tier::Basic,
            tags: vec![],
            at: DateTime::UNIX_EPOCH,
        }
        .into_ticket(TicketId(1))
    }

    fn agent(n: &str) -> AgentName {
        AgentName(n.into())
    }

    #[test]
    fn claim_opens_and_blocks_others() {
        let mut t = ticket();
        let ev = t.claim(&agent("ann")).unwrap();
        assert_eq!(ev.len(), 2);
        assert_eq!(t.status, Status::Open);
        assert!(matches!(
            t.claim(&agent("bob")),
            Err(TicketError::ClaimedByOther { .. })
        ));
        assert!(matches!(
            t.claim(&agent("ann")),
            Err(TicketError::Unchanged { .. })
        ));
    }

    #[test]
    fn unclaim_requires_owner_unless_forced() {
        let mut t = ticket();
        t.claim(&agent("ann")).unwrap();
        assert_eq!(
            t.unclaim(&agent("bob"), false),
            Err(TicketError::NotClaimedByYou(t.id))
        );
        assert_eq!(t.assignee, Some(agent("ann")));
        assert!(t.unclaim(&agent("bob"), true).is_ok());
        assert_eq!(t.assignee, None);
    }

    #[test]
    fn closed_tickets_refuse_everything_but_reopen_and_notes() {
        let mut t = ticket();
        t.close("done").unwrap();
        let before = t.clone();
        assert_eq!(t.claim(&agent("ann")), Err(TicketError::Closed(t.id)));
        assert_eq!(t.set_priority(Priority::P1), Err(TicketError::Closed(t.id)));
        assert_eq!(t.close("again"), Err(TicketError::Closed(t.id)));
        assert_eq!(t.customer_wrote(), Err(TicketError::Closed(t.id)));
        assert_eq!(t, before);
        assert!(t.note_added().is_ok());
        assert_eq!(t.reopen(), Ok(vec![EventKind::Reopened]));
        assert_eq!(t.status, Status::Open);
        assert_eq!(t.reopen(), Err(TicketError::NotClosed(t.id)));
    }

    #[test]
    fn fixed_marks_a_bug_once_even_after_close() {
        let mut t = ticket();
        t.close("done").unwrap();
        assert_eq!(t.mark_fixed(), Ok(vec![EventKind::Fixed]));
        assert_eq!(t.tags, vec![BUG_TAG.to_string(), FIXED_TAG.to_string()]);
        assert!(matches!(t.mark_fixed(), Err(TicketError::Unchanged { .. })));
        let mut bug = ticket();
        bug.kind = TicketKind::Bug;
        bug.mark_fixed().unwrap();
        assert_eq!(bug.tags, vec![FIXED_TAG.to_string()]);
    }

    #[test]
    fn an_incident_is_raised_to_p1_and_a_closed_one_only_has_its_start_corrected() {
        let at = |h| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 14, h, 0, 0).unwrap();
        let mut t = ticket();
        t.priority = Priority::P3;
        assert_eq!(
            t.confirm_incident(at(1)),
            Ok(vec![
                EventKind::PriorityChanged {
                    from: Priority::P3,
                    to: Priority::P1
                },
                EventKind::IncidentStart { since: at(1) }
            ])
        );
        assert_eq!((t.kind, t.priority), (TicketKind::Incident, Priority::P1));
        t.close("restored").unwrap();
        assert_eq!(
            t.confirm_incident(at(0)),
            Ok(vec![EventKind::IncidentStart { since: at(0) }])
        );
        let mut question = ticket();
        question.close("answered").unwrap();
        let before = question.clone();
        assert_eq!(
            question.confirm_incident(at(0)),
            Err(TicketError::Closed(question.id))
        );
        assert_eq!(question, before);
    }

    #[test]
    fn customer_reply_wakes_pending_ticket() {
        let mut t = ticket();
        t.set_status(Status::Pending).unwrap();
        let ev = t.customer_wrote().unwrap();
        assert_eq!(t.status, Status::Open);
        assert!(ev.contains(&EventKind::StatusChanged {
            from: Status::Pending,
            to: Status::Open
        }));
    }

    #[test]
    fn subjects_are_first_non_empty_line_without_controls() {
        assert_eq!(
            subject_from("\n  my app\u{7} crashes \nmore", "-"),
            "my app crashes"
        );
        assert_eq!(subject_from("", "(no subject)"), "(no subject)");
        assert_eq!(subject_from("\u{200b}", "(none)"), "(none)");
        assert_eq!(
            subject_from("👍\nprinter \u{200b}offline", "-"),
            "printer offline"
        );
        assert_eq!(subject_from(&"x".repeat(200), "-").chars().count(), 81);
    }
}
