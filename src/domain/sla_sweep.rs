//! The SLA sweeper: `tick(now)` finds tickets whose SLA state changed or whose next notice is
//! due (through an indexed store query, never by loading all tickets), and turns due warnings,
//! breaches and escalation re-pings into staff-space messages. Each notice has a stable key and
//! is recorded before it is sent; the store's uniqueness on (ticket, key) decides it once even
//! with several bot instances on one database, and an unconfirmed delivery is retried.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::calendar::parse_duration;
use super::directory::{StaffConfig, parse_user_key};
use super::event::{Message, Outbound, Target};
use super::i18n::{Key, format_datetime, format_duration_short};
use super::ids::{Platform, TicketId, UserRef};
use super::ports::StoreError;
use super::sla::SlaConfig;
use super::sla_clock::ClockKind;
use super::sla_text::clock_name;
use super::ticket::{Ticket, TicketEvent};
use crate::tr;

/// What a notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    /// Approaching the deadline; the label is `75%` or `30m`.
    Warning(String),
    /// The deadline passed.
    Breach,
    /// Re-ping number `n` (1-based) after the breach, to the lead role.
    Escalation(u32),
}

/// One scheduled notification for one clock of one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Unique per ticket: series and step, e.g. `first_response/0/120m/warn-75%`.
    pub key: String,
    /// The clock run it belongs to: clock, cycle and target, e.g. `first_response/0/120m`.
    /// A recorded notice settles every earlier notice of its series.
    pub series: String,
    /// When it becomes due.
    pub at: DateTime<Utc>,
    /// Which clock.
    pub clock: ClockKind,
    /// Warning, breach or escalation.
    pub kind: NoticeKind,
    /// The clock's due instant.
    pub due: DateTime<Utc>,
}

impl SlaConfig {
    /// Every notice the running clocks of a ticket call for, past and future, ordered by time.
    /// Paused and stopped clocks call for none; a re-target produces fresh keys.
    pub fn notices(
        &self,
        ticket: &Ticket,
        events: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
        let Ok(policy) = self.policy() else {
            return Vec::new();
        };
        let Ok(clocks) = policy.clocks(ticket, events, now) else {
            return Vec::new();
        };
        let repeat = parse_duration(&self.escalation.repeat_every).unwrap_or(Duration::minutes(30));
        let mut out = Vec::new();
        let mut cycles: HashMap<ClockKind, usize> = HashMap::new();
        for c in clocks {
            let cycle = {
                let n = cycles.entry(c.kind).or_insert(0);
                *n += 1;
                *n - 1
            };
            let running =
                c.stopped_at.is_none() && c.segments.last().is_some_and(|s| s.to.is_none());
            let Some(due) = c.due.filter(|_| running) else {
                continue;
            };
            let base = format!("{}/{cycle}/{}m", c.kind.as_str(), c.target.num_minutes());
            let mut push = |key: String, at: DateTime<Utc>, kind| {
                out.push(Notice {
                    key: format!("{base}/{key}"),
                    series: base.clone(),
                    at,
                    clock: c.kind,
                    kind,
                    due,
                });
            };
            let mut warn_at = Vec::new();
            for p in &self.warnings.at_percent {
                warn_at.push((
                    format!("{p}%"),
                    c.target * i32::try_from(*p).unwrap_or(75) / 100,
                ));
            }
            for b in &self.warnings.before {
                if let Ok(d) = parse_duration(b)
                    && d < c.target
                {
                    warn_at.push((b.clone(), c.target - d));
                }
            }
            for (label, elapsed) in warn_at {
                if let Ok(Some(at)) = policy.instant_at(&c.segments, elapsed)
                    && at < due
                {
                    push(format!("warn-{label}"), at, NoticeKind::Warning(label));
                }
            }
            push("breach".into(), due, NoticeKind::Breach);
            for n in 1..=self.escalation.max_repeats {
                let at = due + repeat * i32::try_from(n).unwrap_or(i32::MAX);
                push(format!("esc-{n}"), at, NoticeKind::Escalation(n));
            }
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
        out
    }
}

/// A ticket as the sweeper needs it: the ticket, its events and the notice keys already recorded.
#[derive(Debug, Clone)]
pub struct SweepItem {
    /// The ticket.
    pub ticket: Ticket,
    /// Its event log.
    pub events: Vec<TicketEvent>,
    /// Keys of notices already recorded for it.
    pub sent: Vec<String>,
}

/// A notice to record: ticket, key, when it was due, and the message sent for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    /// The ticket.
    pub ticket: TicketId,
    /// Stable key, unique per ticket.
    pub key: String,
    /// When it became due.
    pub due_at: DateTime<Utc>,
    /// Platform of the ticket's staff space.
    pub platform: Platform,
    /// The message text.
    pub text: String,
    /// Who is alerted: the assignee, and for escalations the leads too.
    pub notify: Vec<UserRef>,
}

impl NoticeRecord {
    /// The message that carries this notice to the ticket's staff space.
    pub fn outbound(&self) -> Outbound {
        Outbound::Send {
            to: Target::StaffSpace {
                ticket: self.ticket,
                platform: self.platform,
            },
            message: Message {
                text: self.text.clone(),
                notify: self.notify.clone(),
                ..Message::default()
            },
        }
    }
}

/// What the sweeper decided for a batch of loaded tickets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Notices to record (and send when recorded first).
    pub records: Vec<NoticeRecord>,
    /// Each ticket's next check (`None`: nothing scheduled).
    pub next: Vec<(TicketId, Option<DateTime<Utc>>)>,
}

/// Which tickets a batch takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Tickets saved since their SLA state was computed (`sla_dirty`); the mark is cleared.
    Dirty,
    /// Tickets whose next check is at or before `now`.
    Due,
}

/// Decides notices and next checks for loaded tickets; pure, called inside the store's
/// transaction.
pub type Decide<'a> = &'a (dyn Fn(&[SweepItem]) -> Decision + Send + Sync);

/// SLA bookkeeping on the tickets table (implemented in `src/storage/sla.rs`).
#[async_trait]
pub trait SlaStore: Send + Sync {
    /// In one transaction: claims up to `limit` tickets (`pick`) so no other instance handles
    /// them meanwhile, loads them with their events and recorded notice keys, lets `decide`
    /// choose, records the notices at `now` and stores the next checks. Returns how many
    /// tickets were claimed and the notices this call recorded first (others existed already).
    async fn sla_batch(
        &self,
        pick: Pick,
        now: DateTime<Utc>,
        limit: i64,
        decide: Decide<'_>,
    ) -> Result<(usize, Vec<NoticeRecord>), StoreError>;

    /// Takes up to `limit` notices recorded at or before `cutoff` and never marked delivered,
    /// with fewer than `max_attempts` attempts, for another attempt: each one's attempt count
    /// goes up and its lease restarts at `now`, so no other instance takes it meanwhile.
    async fn redeliver(
        &self,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        max_attempts: i64,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>, StoreError>;

    /// Marks notices, given as (ticket, key), as delivered to their staff spaces.
    async fn mark_delivered(
        &self,
        notices: &[(TicketId, String)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Drives warnings, breaches and escalations; one `tick` per sweep interval.
pub struct Sweeper {
    store: Arc<dyn SlaStore>,
    sla: SlaConfig,
    staff: StaffConfig,
    /// Tickets handled per batch (one transaction each).
    pub batch: i64,
    /// Batches of each kind (dirty, due) handled per tick at most.
    pub max_batches: usize,
    /// How long a recorded notice may stay undelivered before it is sent again.
    pub lease: Duration,
    /// Delivery attempts per notice before it is given up (and logged).
    pub max_attempts: i64,
    /// When to look for unconfirmed notices next: twice per lease is enough (none can become
    /// due sooner after the last look) and keeps that write off most ticks.
    next_redelivery: Mutex<Option<DateTime<Utc>>>,
}

impl Sweeper {
    /// A sweeper over `store` with the given SLA and staff configuration.
    pub fn new(store: Arc<dyn SlaStore>, sla: SlaConfig, staff: StaffConfig) -> Sweeper {
        Sweeper {
            store,
            sla,
            staff,
            batch: 200,
            max_batches: 10,
            lease: Duration::minutes(2),
            max_attempts: 10,
            next_redelivery: Mutex::new(None),
        }
    }

    /// One sweep at `now`: notices still unconfirmed after their lease (looked for at most
    /// twice per lease), then dirty tickets
    /// recomputed, then due ones handled. Returns the notices to deliver now; report each
    /// successful delivery with [`Sweeper::delivered`], or it is sent again after the lease.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Vec<NoticeRecord>, StoreError> {
        let due = {
            let mut next = self
                .next_redelivery
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let due = next.is_none_or(|at| now >= at);
            if due {
                *next = Some(now + self.lease / 2);
            }
            due
        };
        let mut out = if due {
            self.store
                .redeliver(now, now - self.lease, self.max_attempts, self.batch)
                .await?
        } else {
            Vec::new()
        };
        let decide = |items: &[SweepItem]| self.decide(items, now);
        // Bounded per tick, so a backlog (say, every ticket dirty after an upgrade) is worked
        // off over several ticks instead of making one tick unboundedly long.
        for pick in [Pick::Dirty, Pick::Due] {
            for _ in 0..self.max_batches {
                let (n, fresh) = self.store.sla_batch(pick, now, self.batch, &decide).await?;
                out.extend(fresh);
                if (n as i64) < self.batch {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Records that `notices` reached their staff spaces, in one write.
    pub async fn delivered(
        &self,
        notices: &[NoticeRecord],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if notices.is_empty() {
            return Ok(());
        }
        let keys: Vec<(TicketId, String)> =
            notices.iter().map(|n| (n.ticket, n.key.clone())).collect();
        self.store.mark_delivered(&keys, now).await
    }

    /// The notices due now (the latest per clock run, not yet recorded) and each ticket's next
    /// check.
    pub fn decide(&self, items: &[SweepItem], now: DateTime<Utc>) -> Decision {
        let mut d = Decision::default();
        for item in items {
            let sent: HashSet<&str> = item.sent.iter().map(String::as_str).collect();
            let notices = self.sla.notices(&item.ticket, &item.events, now);
            // A recorded notice settles the earlier ones of its series (they were skipped when
            // several fell due together, e.g. after downtime).
            let mut settled: HashMap<&str, DateTime<Utc>> = HashMap::new();
            for n in notices.iter().filter(|n| sent.contains(n.key.as_str())) {
                let at = settled.entry(n.series.as_str()).or_insert(n.at);
                *at = (*at).max(n.at);
            }
            let (due, later): (Vec<&Notice>, Vec<&Notice>) = notices
                .iter()
                .filter(|n| !sent.contains(n.key.as_str()))
                .filter(|n| settled.get(n.series.as_str()).is_none_or(|at| n.at > *at))
                .partition(|n| n.at <= now);
            // Only the latest due notice of each series is recorded and said.
            let mut latest: HashMap<&str, &Notice> = HashMap::new();
            for n in due {
                latest.insert(n.series.as_str(), n);
            }
            let mut latest: Vec<&Notice> = latest.into_values().collect();
            latest.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
            for n in latest {
                let platform = self.home(&item.ticket);
                d.records.push(NoticeRecord {
                    ticket: item.ticket.id,
                    key: n.key.clone(),
                    due_at: n.at,
                    platform,
                    text: self.text(&item.ticket, n, now),
                    notify: self.notify(&item.ticket, n, platform),
                });
            }
            d.next
                .push((item.ticket.id, later.iter().map(|n| n.at).min()));
        }
        d
    }

    fn home(&self, t: &Ticket) -> Platform {
        let p = t.conversation.platform;
        self.staff
            .home_for
            .get(&p)
            .copied()
            .unwrap_or(self.staff.home)
    }

    /// The staff identities on `platform` to alert: the assignee always, the leads on escalation.
    fn notify(&self, t: &Ticket, n: &Notice, platform: Platform) -> Vec<UserRef> {
        let lead_role = self.sla.escalation.lead_role;
        let escalation = matches!(n.kind, NoticeKind::Escalation(_));
        let mut out: Vec<UserRef> = Vec::new();
        for agent in &self.staff.agents {
            let assignee = t.assignee.as_ref().is_some_and(|a| a.0 == agent.name);
            if !(assignee || escalation && agent.role >= lead_role) {
                continue;
            }
            for key in &agent.users {
                // Config validation already rejected malformed identities.
                if let Ok((p, id)) = parse_user_key(key)
                    && p == platform
                    && !out.iter().any(|u| u.id == id)
                {
                    out.push(UserRef::new(p, id, agent.name.clone()));
                }
            }
        }
        out
    }

    fn text(&self, t: &Ticket, n: &Notice, now: DateTime<Utc>) -> String {
        // Notices go to the staff space, in its language.
        let lang = self.staff.lang;
        let who = t
            .assignee
            .as_ref()
            .map_or_else(|| tr!(lang, Key::Unassigned), |a| format!("@{}", a.0));
        let leads: Vec<String> = self
            .staff
            .agents
            .iter()
            .filter(|a| a.role >= self.sla.escalation.lead_role)
            .map(|a| format!("@{}", a.name))
            .collect();
        let due = format!("{} UTC", format_datetime(lang, &n.due));
        let clock = clock_name(lang, n.clock);
        match &n.kind {
            NoticeKind::Warning(label) => tr!(
                lang,
                Key::SlaWarning,
                label = label,
                id = t.id,
                priority = t.priority.to_string(),
                clock = clock,
                due = due,
                left = format_duration_short(lang, n.due - now, true),
                who = who
            ),
            NoticeKind::Breach => tr!(
                lang,
                Key::SlaBreach,
                id = t.id,
                priority = t.priority.to_string(),
                clock = clock,
                due = due,
                who = who
            ),
            NoticeKind::Escalation(k) => tr!(
                lang,
                Key::SlaEscalation,
                n = *k,
                max = self.sla.escalation.max_repeats,
                id = t.id,
                priority = t.priority.to_string(),
                clock = clock,
                ago = format_duration_short(lang, now - n.due, false),
                who = who,
                leads = if leads.is_empty() {
                    tr!(lang, Key::SlaNoLeads)
                } else {
                    leads.join(" ")
                }
            ),
        }
    }
}
