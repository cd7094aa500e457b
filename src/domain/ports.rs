//! The traits the desk needs from the outside world: storage, knowledge base, clock.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Inbound, Outbound};
use super::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use super::learning::{NewProposal, OutcomeRecord, Phrasings};
use super::lifecycle::NewTicket;
use super::ticket::{Status, Ticket, TicketEvent, TranscriptEntry};

pub use super::outbox::{Deferred, OutboxStore, Planned};

/// A storage failure the desk can branch on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or concurrency conflict.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached right now (connection refused, pool timed out); the
    /// same call can succeed later, so callers keep the work and try again.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else from the database.
    #[error("storage error: {0}")]
    Backend(String),
}

/// What a write that finishes an inbound event also stores: the event's key, marked handled,
/// and the actions the desk decided about it, put in the outbox. Both commit with the write,
/// so a crash can neither repeat the event's effect nor lose what it decided.
#[derive(Debug, Clone, Copy)]
pub struct Handling<'a> {
    /// The inbound event this write finishes.
    pub key: &'a MessageKey,
    /// The actions decided about it; the durable ones ([`Outbound::durable`]) go to the outbox.
    pub actions: &'a [Outbound],
}

/// Builds, from the ticket just numbered, the bot's transcript entries and the actions that
/// name it; runs inside the ticket's creating transaction.
pub type DecideForNew<'a> =
    &'a (dyn Fn(&Ticket) -> (Vec<TranscriptEntry>, Vec<Outbound>) + Send + Sync);

/// A ticket created together with what was decided about it.
#[derive(Debug, Clone)]
pub struct Created {
    /// The new ticket.
    pub ticket: Ticket,
    /// The actions built by the [`DecideForNew`] callback (empty without one).
    pub actions: Vec<Outbound>,
    /// Outbox ids of the durable actions among them, in order.
    pub outbox_ids: Vec<i64>,
}

/// Which tickets to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    /// Only these statuses; empty means all.
    pub statuses: Vec<Status>,
    /// Only tickets assigned to this agent.
    pub assignee: Option<String>,
    /// At most this many, newest first; `None` means no limit.
    pub limit: Option<i64>,
}

/// What became of an FAQ answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaqOutcome {
    /// An answer was shown; no feedback yet.
    Answered,
    /// Suggestions were shown (`/faq` or medium confidence).
    Suggested,
    /// Nothing confident enough; a ticket was opened.
    NoAnswer,
    /// The customer pressed "Yes, that helped": a deflection.
    Helpful,
    /// The customer pressed "No, I need a person": a ticket was opened.
    NeedHuman,
}

impl FaqOutcome {
    /// snake_case name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            FaqOutcome::Answered => "answered",
            FaqOutcome::Suggested => "suggested",
            FaqOutcome::NoAnswer => "no_answer",
            FaqOutcome::Helpful => "helpful",
            FaqOutcome::NeedHuman => "need_human",
        }
    }

    /// Inverse of [`FaqOutcome::as_str`].
    pub fn parse(s: &str) -> Option<FaqOutcome> {
        [
            FaqOutcome::Answered,
            FaqOutcome::Suggested,
            FaqOutcome::NoAnswer,
            FaqOutcome::Helpful,
            FaqOutcome::NeedHuman,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One FAQ interaction, kept for reports and for the "did this help?" buttons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaqEvent {
    /// Assigned by the store; 0 before insert.
    pub id: i64,
    /// When the question was asked.
    pub at: DateTime<Utc>,
    /// Who asked.
    pub user: UserRef,
    /// Where it was asked.
    pub conversation: ConversationRef,
    /// The question, whole.
    pub query: String,
    /// Best article offered, if any.
    pub article_id: Option<String>,
    /// Title of that article.
    pub article_title: Option<String>,
    /// Confidence of the best hit in [0, 1].
    pub confidence: f32,
    /// What happened.
    pub outcome: FaqOutcome,
    /// Ticket opened because of it, if any.
    pub ticket: Option<TicketId>,
}

/// A satisfaction rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Csat {
    /// Rated ticket.
    pub ticket: TicketId,
    /// 1 (bad) to 5 (great).
    pub score: u8,
    /// Optional free-text comment.
    pub comment: Option<String>,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// What storing an inbound event found.
// Returned once per event and consumed at once, so the unboxed ticket costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// The event was handled before, or this process is handling it now.
    Duplicate,
    /// The event is stored and claimed for this process.
    New {
        /// The sender's active ticket as it was when the event was stored.
        sender_ticket: Option<Ticket>,
    },
}

/// Persistent state of tickets and everything around them.
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Stores an inbound event under its (platform, message id) key and claims it for this
    /// process. Returns `false`, changing nothing, when the event was handled before or this
    /// process is handling it now. An event stored but never finished (the process died
    /// midway) counts as new again, so its redelivery is processed rather than lost.
    async fn record_inbound(&self, inbound: &Inbound) -> Result<bool, StoreError>;

    /// [`TicketStore::record_inbound`], also loading the sender's active ticket, which nearly
    /// every customer message needs next; stores answer both in one round trip.
    async fn record_inbound_with_sender_ticket(
        &self,
        inbound: &Inbound,
    ) -> Result<Recorded, StoreError> {
        if !self.record_inbound(inbound).await? {
            return Ok(Recorded::Duplicate);
        }
        Ok(Recorded::New {
            sender_ticket: self.active_ticket_for(&inbound.from).await?,
        })
    }

    /// Gives up this process's claim on an event it could not finish (the store went away
    /// midway), so that trying it again counts as new. A handled event stays handled.
    async fn release_inbound(&self, key: &MessageKey) -> Result<(), StoreError>;

    /// Marks an inbound event as handled, so any redelivery is a duplicate, and puts the
    /// durable ones of `actions` in the outbox in the same transaction; returns their outbox
    /// ids, in order.
    async fn finish_inbound(
        &self,
        key: &MessageKey,
        actions: &[Outbound],
    ) -> Result<Vec<i64>, StoreError>;

    /// Numbers and stores a new ticket with its first transcript entries and events, atomically.
    async fn create_ticket(
        &self,
        new: NewTicket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
    ) -> Result<Ticket, StoreError> {
        Ok(self
            .create_ticket_handling(new, entries, events, None)
            .await?
            .ticket)
    }

    /// [`TicketStore::create_ticket`]; with `handled`, also marks that inbound event handled
    /// and stores the entries and actions `decide` builds from the new ticket (the durable
    /// actions in the outbox), all in the same transaction.
    async fn create_ticket_handling(
        &self,
        new: NewTicket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
        handled: Option<(&MessageKey, DecideForNew<'_>)>,
    ) -> Result<Created, StoreError>;

    /// Loads a ticket.
    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;

    /// The requester's most recent ticket that is not closed.
    async fn active_ticket_for(&self, requester: &UserRef) -> Result<Option<Ticket>, StoreError>;

    /// Saves the ticket's fields and appends transcript entries and events, atomically.
    async fn save_ticket(
        &self,
        ticket: &Ticket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
    ) -> Result<(), StoreError> {
        self.save_ticket_handling(ticket, entries, events, None)
            .await
            .map(|_| ())
    }

    /// [`TicketStore::save_ticket`], also finishing an inbound event ([`Handling`]) in the same
    /// transaction; returns the outbox ids of its durable actions, in order.
    async fn save_ticket_handling(
        &self,
        ticket: &Ticket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
        handled: Option<Handling<'_>>,
    ) -> Result<Vec<i64>, StoreError>;

    /// Lists tickets, newest first.
    async fn list_tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>, StoreError>;

    /// The whole transcript, oldest first, including internal notes.
    async fn transcript(&self, id: TicketId) -> Result<Vec<TranscriptEntry>, StoreError>;

    /// The whole event log, oldest first.
    async fn events(&self, id: TicketId) -> Result<Vec<TicketEvent>, StoreError>;

    /// The oldest `limit` active tickets (new, open, pending, on hold), or only those assigned
    /// to one agent, each with its event log; for the queue.
    async fn active_tickets_with_events(
        &self,
        assignee: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(Ticket, Vec<TicketEvent>)>, StoreError>;

    /// Where events on `platform` may have been missed while the bot was away: the
    /// conversations of active tickets and their staff spaces there, and when the last event
    /// from `platform` was received (`None` before the first).
    async fn catch_up_points(
        &self,
        platform: Platform,
    ) -> Result<(Vec<ConversationRef>, Option<DateTime<Utc>>), StoreError>;

    /// Remembers the staff thread/topic created for a ticket on a platform.
    async fn bind_staff_space(
        &self,
        ticket: TicketId,
        space: &ConversationRef,
    ) -> Result<(), StoreError>;

    /// The ticket's staff thread/topic on `platform`, if one was created.
    async fn staff_space(
        &self,
        ticket: TicketId,
        platform: Platform,
    ) -> Result<Option<ConversationRef>, StoreError>;

    /// The ticket whose staff thread/topic this is.
    async fn ticket_for_staff_space(
        &self,
        space: &ConversationRef,
    ) -> Result<Option<TicketId>, StoreError>;

    /// Links a license key to a user (`/register`); a later key replaces an earlier one.
    async fn register_license(
        &self,
        user: &UserRef,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The license key a user registered, if any.
    async fn license_of(&self, user: &UserRef) -> Result<Option<String>, StoreError>;

    /// Stores (or replaces) the satisfaction rating of a ticket.
    async fn record_csat(&self, csat: &Csat) -> Result<(), StoreError>;

    /// Stores the rating of a ticket unless it already has one; `false`, changing nothing,
    /// when it had (a second tap on an old survey keeps the first score and its comment).
    async fn record_first_csat(&self, csat: &Csat) -> Result<bool, StoreError>;

    /// The rating of a ticket, if given.
    async fn csat(&self, ticket: TicketId) -> Result<Option<Csat>, StoreError>;

    /// Stores `user`'s rating of the quarter `quarter` (a quarterly survey's code, `20264`)
    /// unless they gave one; `false`, changing nothing, when they had or were never asked.
    async fn record_quarterly_rating(
        &self,
        user: &UserRef,
        quarter: u32,
        score: u8,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Stores the comment on `user`'s rating of the quarter `quarter`.
    async fn record_quarterly_comment(
        &self,
        user: &UserRef,
        quarter: u32,
        comment: &str,
    ) -> Result<(), StoreError>;

    /// `user`'s rating of the quarter `quarter`, if given.
    async fn quarterly_rating(
        &self,
        user: &UserRef,
        quarter: u32,
    ) -> Result<Option<u8>, StoreError>;

    /// Stores an FAQ event and returns its id.
    async fn record_faq_event(&self, event: &FaqEvent) -> Result<i64, StoreError>;

    /// Loads an FAQ event.
    async fn faq_event(&self, id: i64) -> Result<Option<FaqEvent>, StoreError>;

    /// Sets the outcome of an `answered` FAQ event. Returns `false`, changing nothing, if the
    /// event already has feedback (a stale or repeated button press).
    async fn resolve_faq_event(
        &self,
        id: i64,
        outcome: FaqOutcome,
        ticket: Option<TicketId>,
    ) -> Result<bool, StoreError>;

    /// Stores an FAQ event together with what the FAQ learns from it (a question no
    /// article answered), in one transaction; returns the event's id.
    async fn record_unanswered(
        &self,
        event: &FaqEvent,
        learned: &OutcomeRecord,
    ) -> Result<i64, StoreError>;

    /// Stores what the FAQ learns from an outcome and, if given, a proposed phrasing (unless
    /// the same one exists for that article, whatever its status: then nothing more), in one
    /// transaction. True when a proposal was added.
    async fn record_learning(
        &self,
        learned: &OutcomeRecord,
        proposal: Option<&NewProposal>,
    ) -> Result<bool, StoreError>;

    /// [`TicketStore::resolve_faq_event`] together with [`TicketStore::record_learning`] and,
    /// with `handled`, the inbound event's handled mark and its actions in the outbox: all in
    /// one transaction, so a "Yes" counts, teaches and answers once. `None`, changing
    /// nothing, when the event already had feedback; else the outbox ids of the actions.
    async fn resolve_faq_event_learning(
        &self,
        id: i64,
        outcome: FaqOutcome,
        ticket: Option<TicketId>,
        learned: &OutcomeRecord,
        proposal: Option<&NewProposal>,
        handled: Option<Handling<'_>>,
    ) -> Result<Option<Vec<i64>>, StoreError>;

    /// Reads a small piece of named state (adapter offsets, conversation modes).
    async fn get_state(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Writes a small piece of named state; `None` deletes it.
    async fn set_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;

    /// The language stored for a person: their `/lang` choice, or the one last detected.
    async fn user_lang(&self, user: &UserRef) -> Result<Option<StoredLang>, StoreError>;

    /// Stores a person's language. A detected language (`chosen == false`) never replaces a
    /// choice; a choice replaces anything.
    async fn set_user_lang(
        &self,
        user: &UserRef,
        lang: StoredLang,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Leases on roles only one instance may fill at a time (the Telegram poller, the Discord
/// gateway), kept in the shared database. Times are the database's, so instances whose clocks
/// disagree still agree on who holds a role.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes `role` for `holder` for `lease` from now, or renews it when `holder` has it
    /// already; true when `holder` holds it afterwards. One atomic statement: it succeeds only
    /// when the role is free, its lease has ended, or it is `holder`'s.
    async fn try_lease(
        &self,
        role: &str,
        holder: &str,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError>;

    /// Gives `role` up when `holder` has it, so another instance may take it at once.
    async fn give_up_lease(&self, role: &str, holder: &str) -> Result<(), StoreError>;

    /// Who holds `role` now (an unexpired lease), if anyone.
    async fn lease_holder(&self, role: &str) -> Result<Option<String>, StoreError>;
}

/// A person's language as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredLang {
    /// The language.
    pub lang: crate::domain::i18n::Lang,
    /// True when the person chose it with `/lang`; false when the bot detected it.
    pub chosen: bool,
}

/// One knowledge-base article that matched a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KbHit {
    /// Stable article id from its front matter.
    pub id: String,
    /// Article title.
    pub title: String,
    /// A trimmed excerpt of the body, plain text.
    pub excerpt: String,
    /// Calibrated confidence in [0, 1] that this article answers the question.
    pub confidence: f32,
    /// Article language.
    pub lang: String,
}

/// Answers questions from articles. Implemented by the search module.
pub trait KnowledgeBase: Send + Sync {
    /// The best `limit` articles for a question, best first. Never fails: any input,
    /// however odd, yields a (possibly empty) list.
    fn search(&self, query: &str, lang: Option<&str>, limit: usize) -> Vec<KbHit>;

    /// The title and listed questions of the article with this id, if it is indexed.
    fn phrasings(&self, id: &str) -> Option<Phrasings>;
}

/// The time source, injected so tests can drive time.
pub trait Clock: Send + Sync {
    /// Current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told; for tests and scripted runs.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }

    /// Jumps to an instant.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
