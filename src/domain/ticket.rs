//! The ticket: its fields, transcript, event log and state machine. Transitions return typed errors.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::Attachment;
use super::ids::{AgentName, ConversationRef, TicketId, UserRef};

/// Urgency, P1 (most urgent) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    /// Critical: production down.
    P1,
    /// High.
    P2,
    /// Normal (the default).
    P3,
    /// Low.
    P4,
}

impl Priority {
    /// All priorities, most urgent first.
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    /// 1 for P1 … 4 for P4.
    pub fn rank(self) -> i64 {
        match self {
            Priority::P1 => 1,
            Priority::P2 => 2,
            Priority::P3 => 3,
            Priority::P4 => 4,
        }
    }

    /// Inverse of [`Priority::rank`].
    pub fn from_rank(rank: i64) -> Option<Priority> {
        Priority::ALL.get(usize::try_from(rank - 1).ok()?).copied()
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.rank())
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "P1" | "1" => Ok(Priority::P1),
            "P2" | "2" => Ok(Priority::P2),
            "P3" | "3" => Ok(Priority::P3),
            "P4" | "4" => Ok(Priority::P4),
            _ => Err(format!("`{s}` is not a priority (use P1, P2, P3 or P4)")),
        }
    }
}

/// Customer service tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Included with every license for the first year.
    Basic,
    /// Paid support.
    Pro,
    /// Paid support with 24×7 coverage for P1.
    Enterprise,
}

impl Tier {
    /// All tiers, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Basic, Tier::Pro, Tier::Enterprise];

    /// Lowercase name used in config and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Basic => "basic",
            Tier::Pro => "pro",
            Tier::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a tier (use basic, pro or enterprise)"))
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Opened, nobody has picked it up.
    New,
    /// Being worked on.
    Open,
    /// Waiting on the customer.
    Pending,
    /// Waiting on a third party or internal work.
    OnHold,
    /// An agent considers it done; a customer reply reopens it.
    Solved,
    /// Finished; only `/reopen` brings it back.
    Closed,
}

impl Status {
    /// All statuses in lifecycle order.
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Open,
        Status::Pending,
        Status::OnHold,
        Status::Solved,
        Status::Closed,
    ];

    /// snake_case name used in storage and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Solved => "solved",
            Status::Closed => "closed",
        }
    }

    /// True until the ticket is closed: customer messages attach to it.
    pub fn is_active(self) -> bool {
        self != Status::Closed
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!("`{s}` is not a status (use new, open, pending, on_hold, solved or closed)")
            })
    }
}

/// Why the ticket exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketKind {
    /// A question or problem.
    Question,
    /// A bug report from `/feedback bug`.
    Bug,
    /// A feature request from `/feedback feature`.
    Feature,
    /// Something that worked stopped working for people now (an outage, a failed login).
    Incident,
}

impl TicketKind {
    /// Lowercase name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketKind::Question => "question",
            TicketKind::Bug => "bug",
            TicketKind::Feature => "feature",
            TicketKind::Incident => "incident",
        }
    }
}

impl FromStr for TicketKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "question" => Ok(TicketKind::Question),
            "bug" => Ok(TicketKind::Bug),
            "feature" => Ok(TicketKind::Feature),
            "incident" => Ok(TicketKind::Incident),
            _ => Err(format!("`{s}` is not a ticket kind")),
        }
    }
}

/// A support ticket (without its transcript and event log, which are stored separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Ticket number.
    pub id: TicketId,
    /// The customer who opened it.
    pub requester: UserRef,
    /// Where the customer talks to the bot; replies go here.
    pub conversation: ConversationRef,
    /// First line of the first message, trimmed.
    pub subject: String,
    /// Question, bug or feature.
    pub kind: TicketKind,
    /// Urgency.
    pub priority: Priority,
    /// The requester's tier when the ticket was opened (agents may change it).
    pub tier: Tier,
    /// Lifecycle state.
    pub status: Status,
    /// Agent working on it.
    pub assignee: Option<AgentName>,
    /// Free-form labels such as `out_of_support`.
    pub tags: Vec<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// Last change of any kind.
    pub updated_at: DateTime<Utc>,
}

/// Who wrote a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorRole {
    /// The requester.
    Customer,
    /// A support agent.
    Agent,
    /// The bot itself.
    Bot,
}

impl AuthorRole {
    /// Lowercase name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorRole::Customer => "customer",
            AuthorRole::Agent => "agent",
            AuthorRole::Bot => "bot",
        }
    }
}

impl FromStr for AuthorRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(AuthorRole::Customer),
            "agent" => Ok(AuthorRole::Agent),
            "bot" => Ok(AuthorRole::Bot),
            _ => Err(format!("`{s}` is not an author role")),
        }
    }
}

/// One message in a ticket's transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// Who wrote it.
    pub role: AuthorRole,
    /// Display name of the author.
    pub author: String,
    /// The text, stored whole.
    pub body: String,
    /// Internal notes are never shown to the customer.
    pub internal: bool,
    /// Files sent with it.
    pub attachments: Vec<Attachment>,
    /// When it was written.
    pub at: DateTime<Utc>,
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", content = "name", rename_all = "lowercase")]
pub enum Actor {
    /// The requester.
    Customer(String),
    /// A configured agent.
    Agent(AgentName),
    /// The bot or the SLA sweeper.
    System,
}

/// What happened to a ticket; the append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The ticket was opened.
    Created {
        /// Initial priority.
        priority: Priority,
        /// Initial tier.
        tier: Tier,
    },
    /// An agent took it.
    Claimed {
        /// The agent.
        agent: AgentName,
    },
    /// The assignee let go of it.
    Unclaimed {
        /// The former assignee.
        agent: AgentName,
    },
    /// Assigned or transferred to someone else.
    Assigned {
        /// Previous assignee.
        from: Option<AgentName>,
        /// New assignee.
        to: AgentName,
    },
    /// Priority changed.
    PriorityChanged {
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// Tier changed (re-targets SLA clocks).
    TierChanged {
        /// Before.
        from: Tier,
        /// After.
        to: Tier,
    },
    /// Status changed.
    StatusChanged {
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// An agent reply the customer can see.
    AgentReplied,
    /// A customer message.
    CustomerReplied,
    /// An internal note.
    NoteAdded,
    /// Closed, with the agent's reason.
    Closed {
        /// Why.
        reason: String,
    },
    /// Reopened after close or solve.
    Reopened,
    /// An agent marked the reported bug fixed (`/fixed`); counted by the bug-fix rate.
    Fixed,
    /// An agent confirmed the ticket is an incident that began at `since` (`/incident`); the
    /// availability report counts downtime from the latest such start.
    IncidentStart {
        /// When the incident began.
        since: DateTime<Utc>,
    },
}

impl EventKind {
    /// The snake_case tag, as stored.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::Claimed { .. } => "claimed",
            EventKind::Unclaimed { .. } => "unclaimed",
            EventKind::Assigned { .. } => "assigned",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::TierChanged { .. } => "tier_changed",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::AgentReplied => "agent_replied",
            EventKind::CustomerReplied => "customer_replied",
            EventKind::NoteAdded => "note_added",
            EventKind::Closed { .. } => "closed",
            EventKind::Reopened => "reopened",
            EventKind::Fixed => "fixed",
            EventKind::IncidentStart { .. } => "incident_start",
        }
    }
}

/// One entry of a ticket's event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// A transition that the ticket's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The ticket is closed; only reopen is allowed.
    #[error("ticket {0} is closed")]
    Closed(TicketId),
    /// The ticket is not closed or solved, so it cannot be reopened.
    #[error("ticket {0} is not closed")]
    NotClosed(TicketId),
    /// Someone else holds the ticket.
    #[error("ticket {ticket} is already claimed by {by}")]
    ClaimedByOther {
        /// The ticket.
        ticket: TicketId,
        /// Current assignee.
        by: AgentName,
    },
    /// Nobody holds the ticket, or someone else does.
    #[error("ticket {0} is not claimed by you")]
    NotClaimedByYou(TicketId),
    /// Nothing would change.
    #[error("ticket {ticket} is already {what}")]
    Unchanged {
        /// The ticket.
        ticket: TicketId,
        /// The state it is already in.
        what: Already,
    },
}

/// What a ticket already is, when a change would not change it. Worded by the catalogs
/// (`err-already-*`); `Display` is for logs only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Already {
    /// The agent asking already holds it.
    ClaimedBy(AgentName),
    /// It is already assigned to this agent.
    AssignedTo(AgentName),
    /// It already has this priority.
    Priority(Priority),
    /// It is already on this tier.
    Tier(Tier),
    /// It is already in this status.
    Status(Status),
    /// Its bug is already marked fixed.
    Fixed,
}

impl fmt::Display for Already {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Already::ClaimedBy(a) => write!(f, "claimed by {a}"),
            Already::AssignedTo(a) => write!(f, "assigned to {a}"),
            Already::Priority(p) => write!(f, "{p}"),
            Already::Tier(t) => write!(f, "{t}"),
            Already::Status(s) => write!(f, "{s}"),
            Already::Fixed => write!(f, "fixed"),
        }
    }
}
