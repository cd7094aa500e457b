//! SLA clocks as pure functions of a ticket's event log: which clocks run, when they paused,
//! how much business time they counted, when they are due and whether they were met.
//! The rules (Zendesk's model) are written down in `docs/sla.md`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::calendar::{Calendar, CalendarError, Window};
use super::ticket::{EventKind, Priority, Status, Ticket, TicketEvent, Tier};

/// Which promise a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClockKind {
    /// Creation → first public agent reply.
    FirstResponse,
    /// Oldest unanswered customer message → next public agent reply.
    NextResponse,
    /// Creation → solved or closed, paused while pending.
    Resolution,
}

impl ClockKind {
    /// All kinds, in the order they are shown.
    pub const ALL: [ClockKind; 3] = [
        ClockKind::FirstResponse,
        ClockKind::NextResponse,
        ClockKind::Resolution,
    ];

    /// snake_case name used in config and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first_response",
            ClockKind::NextResponse => "next_response",
            ClockKind::Resolution => "resolution",
        }
    }
}

impl fmt::Display for ClockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStatus {
    /// Counting; the due time is in the future.
    Running,
    /// Stopped for now (pending, on hold, solved); time left is kept.
    Paused,
    /// Stopped within the target.
    Met,
    /// The target has passed (still running, paused, or stopped late).
    Breached,
}

impl fmt::Display for ClockStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockStatus::Running => "running",
            ClockStatus::Paused => "paused",
            ClockStatus::Met => "met",
            ClockStatus::Breached => "breached",
        })
    }
}

/// A stretch of time during which a clock did not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// When it stopped counting.
    pub from: DateTime<Utc>,
    /// When it resumed; `None` while still paused.
    pub to: Option<DateTime<Utc>>,
    /// The status that paused it (`pending`, `on_hold`, `solved`, `closed`).
    pub reason: Status,
}

/// A running stretch of a clock, counted on one calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Start.
    pub from: DateTime<Utc>,
    /// End; `None` while the clock runs.
    pub to: Option<DateTime<Utc>>,
    /// Calendar name the stretch is counted on.
    pub calendar: String,
}

/// One clock's state at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    /// What it measures.
    pub kind: ClockKind,
    /// The current target in business time.
    pub target: Duration,
    /// Calendar the target is counted on now.
    pub calendar: String,
    /// When it started.
    pub start: DateTime<Utc>,
    /// Pauses, in order.
    pub pauses: Vec<Pause>,
    /// Running stretches, split at pauses and at re-targets.
    pub segments: Vec<Segment>,
    /// Business windows counted so far (clipped to `now`).
    pub windows: Vec<Window>,
    /// Business time counted so far.
    pub elapsed: Duration,
    /// When the target is (or was) reached; `None` while paused short of it.
    pub due: Option<DateTime<Utc>>,
    /// When it stopped for good (met or breached late).
    pub stopped_at: Option<DateTime<Utc>>,
    /// Running, paused, met or breached.
    pub status: ClockStatus,
}

impl ClockState {
    /// Business time left (negative once breached).
    pub fn remaining(&self) -> Duration {
        self.target - self.elapsed
    }
}

/// Validated calendars and targets: everything the clock rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Calendars by name, `24x7` included.
    pub calendars: BTreeMap<String, Calendar>,
    /// Targets and calendar names per (tier, priority, clock).
    pub targets: HashMap<(Tier, Priority, ClockKind), (Duration, String)>,
    /// Pause resolution while on hold as well as while pending.
    pub pause_on_hold: bool,
}

struct Run {
    kind: ClockKind,
    target: Duration,
    calendar: String,
    start: DateTime<Utc>,
    segments: Vec<Segment>,
    pauses: Vec<Pause>,
    stopped_at: Option<DateTime<Utc>>,
}

impl Run {
    fn running(&self) -> bool {
        self.segments.last().is_some_and(|s| s.to.is_none())
    }
    fn halt(&mut self, at: DateTime<Utc>) {
        if let Some(s) = self.segments.last_mut().filter(|s| s.to.is_none()) {
            s.to = Some(at);
        }
    }
    fn pause(&mut self, at: DateTime<Utc>, reason: Status) {
        if self.running() {
            self.halt(at);
            self.pauses.push(Pause {
                from: at,
                to: None,
                reason,
            });
        }
    }
    fn resume(&mut self, at: DateTime<Utc>) {
        if !self.running() {
            if let Some(p) = self.pauses.last_mut().filter(|p| p.to.is_none()) {
                p.to = Some(at);
            }
            self.stopped_at = None;
            self.segments.push(Segment {
                from: at,
                to: None,
                calendar: self.calendar.clone(),
            });
        }
    }
    fn stop(&mut self, at: DateTime<Utc>) {
        if self.stopped_at.is_none() {
            self.halt(at);
            self.stopped_at = Some(at);
        }
    }
    fn retarget(&mut self, at: DateTime<Utc>, target: (Duration, String)) {
        if self.stopped_at.is_some() {
            return; // a met (or late) clock keeps the target it was measured against
        }
        (self.target, self.calendar) = target;
        if self.running() {
            self.halt(at);
            self.segments.push(Segment {
                from: at,
                to: None,
                calendar: self.calendar.clone(),
            });
        }
    }
}

impl Policy {
    /// The calendar called `name` (`24x7` when unknown, which validation prevents).
    pub fn calendar(&self, name: &str) -> &Calendar {
        static OPEN: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
        self.calendars
            .get(name)
            .unwrap_or_else(|| OPEN.get_or_init(Calendar::always_open))
    }

    /// Target and calendar of one clock, if the policy sets one.
    pub fn target(
        &self,
        tier: Tier,
        prio: Priority,
        kind: ClockKind,
    ) -> Option<(Duration, String)> {
        self.targets.get(&(tier, prio, kind)).cloned()
    }

    /// Replays `events` and returns every clock (all next-response cycles included) at `now`.
    pub fn clocks(
        &self,
        ticket: &Ticket,
        events: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<ClockState>, CalendarError> {
        let mut evs: Vec<&TicketEvent> = events.iter().filter(|e| e.at <= now).collect();
        evs.sort_by_key(|e| e.at);
        let created_at = evs
            .iter()
            .find(|e| matches!(e.kind, EventKind::Created { .. }))
            .map_or(ticket.created_at, |e| e.at);
        let (mut tier, mut prio) = evs
            .iter()
            .find_map(|e| match e.kind {
                EventKind::Created { priority, tier } => Some((tier, priority)),
                _ => None,
            })
            .unwrap_or((ticket.tier, ticket.priority));
        let start = |kind, at, tier, prio| {
            self.target(tier, prio, kind).map(|(target, calendar)| Run {
                kind,
                segments: vec![Segment {
                    from: at,
                    to: None,
                    calendar: calendar.clone(),
                }],
                target,
                calendar,
                start: at,
                pauses: Vec::new(),
                stopped_at: None,
            })
        };
        let mut first = start(ClockKind::FirstResponse, created_at, tier, prio);
        let mut first_done = false;
        let mut resolution = start(ClockKind::Resolution, created_at, tier, prio);
        let mut next: Vec<Run> = Vec::new();
        let mut next_open = false;
        for e in evs {
            let at = e.at;
            match &e.kind {
                EventKind::AgentReplied => {
                    first_done = true;
                    next_open = false;
                    for r in first.iter_mut().chain(next.last_mut()) {
                        r.stop(at);
                    }
                }
                EventKind::CustomerReplied if first_done && !next_open => {
                    next_open = true;
                    next.extend(start(ClockKind::NextResponse, at, tier, prio));
                }
                EventKind::PriorityChanged { to, .. } => prio = *to,
                EventKind::TierChanged { to, .. } => tier = *to,
                _ => {}
            }
            if matches!(
                e.kind,
                EventKind::PriorityChanged { .. } | EventKind::TierChanged { .. }
            ) {
                for r in first
                    .iter_mut()
                    .chain(resolution.iter_mut())
                    .chain(next.last_mut())
                {
                    if let Some(t) = self.target(tier, prio, r.kind) {
                        r.retarget(at, t);
                    }
                }
            }
            let to = match &e.kind {
                EventKind::StatusChanged { to, .. } => *to,
                EventKind::Closed { .. } => Status::Closed,
                EventKind::Reopened => Status::Open,
                _ => continue,
            };
            match to {
                Status::Solved | Status::Closed => {
                    // Solving fulfils the response clocks; resolution may be resumed by a reopen.
                    first_done = true;
                    next_open = false;
                    for r in first.iter_mut().chain(next.last_mut()) {
                        r.stop(at);
                    }
                    if let Some(r) = resolution.as_mut() {
                        r.pause(at, to);
                        r.stop(at);
                    }
                }
                Status::Pending => resolution.iter_mut().for_each(|r| r.pause(at, to)),
                Status::OnHold if self.pause_on_hold => {
                    resolution.iter_mut().for_each(|r| r.pause(at, to))
                }
                _ => resolution.iter_mut().for_each(|r| r.resume(at)),
            }
        }
        let mut out: Vec<ClockState> = Vec::new();
        for r in first.into_iter().chain(next).chain(resolution) {
            out.push(self.state(r, now)?);
        }
        Ok(out)
    }

    /// The instant at which a clock's counted time reaches `elapsed`, if it already did or will
    /// while running; `None` while paused short of it.
    pub fn instant_at(
        &self,
        segments: &[Segment],
        elapsed: Duration,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        let mut cum = Duration::zero();
        for s in segments {
            let cal = self.calendar(&s.calendar);
            match s.to {
                Some(to) => {
                    let e = cal.business_between(s.from, to);
                    if cum + e >= elapsed {
                        return cal.add_business(s.from, elapsed - cum).map(Some);
                    }
                    cum += e;
                }
                None => return cal.add_business(s.from, elapsed - cum).map(Some),
            }
        }
        Ok(None)
    }

    fn state(&self, r: Run, now: DateTime<Utc>) -> Result<ClockState, CalendarError> {
        let mut windows = Vec::new();
        for s in &r.segments {
            let cal = self.calendar(&s.calendar);
            windows.extend(cal.windows_between(s.from, s.to.unwrap_or(now).min(now)));
        }
        let elapsed = windows
            .iter()
            .fold(Duration::zero(), |a, (x, y)| a + (*y - *x));
        let due = self.instant_at(&r.segments, r.target)?;
        let status = if r.stopped_at.is_some() {
            if elapsed > r.target {
                ClockStatus::Breached
            } else {
                ClockStatus::Met
            }
        } else if elapsed >= r.target {
            ClockStatus::Breached
        } else if r.running() {
            ClockStatus::Running
        } else {
            ClockStatus::Paused
        };
        Ok(ClockState {
            kind: r.kind,
            target: r.target,
            calendar: r.calendar,
            start: r.start,
            pauses: r.pauses,
            segments: r.segments,
            windows,
            elapsed,
            due,
            stopped_at: r.stopped_at,
            status,
        })
    }
}
