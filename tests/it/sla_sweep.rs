//! Sweeper scenarios driven by a manual clock over an in-memory `SlaStore`: warnings, breach,
//! escalation re-pings, pauses, re-targeting, and a holiday weekend.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use supportbot::config::Config;
use supportbot::domain::event::{Outbound, Target};
use supportbot::domain::ids::{ConversationRef, Platform, TicketId, UserRef};
use supportbot::domain::lifecycle::NewTicket;
use supportbot::domain::ports::{Clock, ManualClock, StoreError};
use supportbot::domain::sla_sweep::{Decide, NoticeRecord, Pick, SlaStore, SweepItem, Sweeper};
use supportbot::domain::ticket::{
    Actor, EventKind, Priority, Status, Ticket, TicketEvent, TicketKind, Tier,
};

/// Budapest business hours, Mon 30 Nov off, warnings at 50 % and 15 min before, 3 re-pings.
const CONF: &str = r#"
[sla.calendars.business]
timezone = "Europe/Budapest"
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
holidays = ["2026-11-30"]
[sla.warnings]
at_percent = [50]
before = ["15m"]
[sla.escalation]
lead_role = "lead"
repeat_every = "30m"
max_repeats = 3
"#;

#[derive(Default)]
struct Mem {
    tickets: BTreeMap<i64, (Ticket, Vec<TicketEvent>)>,
    dirty: BTreeSet<i64>,
    next: BTreeMap<i64, DateTime<Utc>>,
    sent: BTreeSet<(i64, String)>,
    /// Recorded, not yet delivered: (notice, lease start, attempts).
    pending: BTreeMap<(i64, String), (NoticeRecord, DateTime<Utc>, i64)>,
}

#[derive(Default)]
struct MemStore(Mutex<Mem>);

#[async_trait]
impl SlaStore for MemStore {
    async fn sla_batch(
        &self,
        pick: Pick,
        now: DateTime<Utc>,
        limit: i64,
        decide: Decide<'_>,
    ) -> Result<(usize, Vec<NoticeRecord>), StoreError> {
        // The lock stands in for the database transaction.
        let mut m = self.0.lock().unwrap();
        let ids: Vec<i64> = match pick {
            Pick::Dirty => m.dirty.iter().take(limit as usize).copied().collect(),
            Pick::Due => m
                .next
                .iter()
                .filter(|(_, at)| **at <= now)
                .map(|(id, _)| *id)
                .take(limit as usize)
                .collect(),
        };
        for id in &ids {
            m.dirty.remove(id);
        }
        let items: Vec<SweepItem> = ids
            .iter()
            .map(|id| {
                let (t, e) = &m.tickets[id];
                SweepItem {
                    ticket: t.clone(),
                    events: e.clone(),
                    sent: m
                        .sent
                        .iter()
                        .filter(|(i, _)| i == id)
                        .map(|(_, k)| k.clone())
                        .collect(),
                }
            })
            .collect();
        let d = decide(&items);
        let fresh = d
            .records
            .into_iter()
            .filter(|n| m.sent.insert((n.ticket.0, n.key.clone())))
            .collect();
        for (id, at) in d.next {
            match at {
                Some(at) => m.next.insert(id.0, at),
                None => m.next.remove(&id.0),
            };
        }
        let fresh: Vec<NoticeRecord> = fresh;
        for n in &fresh {
            m.pending
                .insert((n.ticket.0, n.key.clone()), (n.clone(), now, 1));
        }
        Ok((ids.len(), fresh))
    }

    async fn redeliver(
        &self,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        max_attempts: i64,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>, StoreError> {
        let mut m = self.0.lock().unwrap();
        let mut out = Vec::new();
        for (n, leased, attempts) in m.pending.values_mut() {
            if *leased <= cutoff && *attempts < max_attempts && (out.len() as i64) < limit {
                *leased = now;
                *attempts += 1;
                out.push(n.clone());
            }
        }
        Ok(out)
    }

    async fn mark_delivered(
        &self,
        notices: &[(TicketId, String)],
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut m = self.0.lock().unwrap();
        for (ticket, key) in notices {
            m.pending.remove(&(ticket.0, key.clone()));
        }
        Ok(())
    }
}

impl MemStore {
    fn open(&self, id: i64, tier: Tier, priority: Priority, at: DateTime<Utc>) {
        let t = NewTicket {
            requester: UserRef::new(Platform::Telegram, "9", "Cleo"),
            conversation: ConversationRef::chat(Platform::Telegram, "9"),
            subject: "cannot log in".into(),
            kind: TicketKind::Question,
            priority,
            tier,
            tags: vec![],
            at,
        }
        .into_ticket(TicketId(id));
        let created = TicketEvent {
            kind: EventKind::Created { priority, tier },
            actor: Actor::System,
            at,
        };
        let mut m = self.0.lock().unwrap();
        m.tickets.insert(id, (t, vec![created]));
        m.dirty.insert(id);
    }
    fn push(&self, id: i64, kind: EventKind, at: DateTime<Utc>) {
        let mut m = self.0.lock().unwrap();
        let (t, evs) = m.tickets.get_mut(&id).unwrap();
        match &kind {
            EventKind::StatusChanged { to, .. } => t.status = *to,
            EventKind::PriorityChanged { to, .. } => t.priority = *to,
            EventKind::Claimed { agent } => t.assignee = Some(agent.clone()),
            _ => {}
        }
        evs.push(TicketEvent {
            kind,
            actor: Actor::System,
            at,
        });
        m.dirty.insert(id);
    }
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn setup() -> (Arc<MemStore>, Sweeper, ManualClock) {
    let cfg = Config::from_layers(Some((Path::new("t.toml"), CONF)), &[]).unwrap();
    let store = Arc::new(MemStore::default());
    let sweeper = Sweeper::new(store.clone(), cfg.sla, cfg.staff);
    (store, sweeper, ManualClock::new(t("2026-11-23T09:00:00Z")))
}

/// Texts of one tick, only those about `clock` (e.g. "first response").
async fn tick(sw: &Sweeper, clock: &ManualClock, about: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for n in sw.tick(clock.now()).await.unwrap() {
        match n.outbound() {
            Outbound::Send {
                to: Target::StaffSpace { ticket, platform },
                message,
            } => {
                assert_eq!(platform, Platform::Console, "staff home from config");
                assert_eq!(ticket, TicketId(1));
                texts.push(message.text);
            }
            other => panic!("unexpected {other:?}"),
        }
        // Delivered, as the app confirms after sending.
        sw.delivered(std::slice::from_ref(&n), clock.now())
            .await
            .unwrap();
    }
    texts.retain(|s| s.contains(about));
    texts
}

#[tokio::test]
async fn warning_breach_then_escalation_repings() {
    let (store, sw, clock) = setup();
    // Mon 23 Nov 10:00 CET, basic P1: first response 2h → due 11:00Z.
    store.open(1, Tier::Basic, Priority::P1, clock.now());
    let fr = "first response";
    assert!(tick(&sw, &clock, fr).await.is_empty());
    clock.set(t("2026-11-23T09:59:00Z"));
    assert!(tick(&sw, &clock, fr).await.is_empty());
    clock.set(t("2026-11-23T10:00:00Z"));
    let w = tick(&sw, &clock, fr).await;
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("SLA warning (50%)") && w[0].contains("(in 1 h)"),
        "{w:?}"
    );
    assert!(
        tick(&sw, &clock, fr).await.is_empty(),
        "same instant: sent once"
    );
    clock.set(t("2026-11-23T10:45:00Z"));
    let w = tick(&sw, &clock, fr).await;
    assert!(
        w.len() == 1 && w[0].contains("(15m)") && w[0].contains("in 15 min"),
        "{w:?}"
    );
    clock.set(t("2026-11-23T11:00:00Z"));
    let b = tick(&sw, &clock, fr).await;
    assert!(b.len() == 1 && b[0].contains("SLA breached"), "{b:?}");
    for (k, at) in [(1, "11:30"), (2, "12:00"), (3, "12:30")] {
        clock.set(t(&format!("2026-11-23T{at}:00Z")));
        let e = tick(&sw, &clock, fr).await;
        assert_eq!(e.len(), 1, "{at}: {e:?}");
        assert!(
            e[0].contains(&format!("escalation {k}/3")) && e[0].contains("@demo"),
            "{e:?}"
        );
    }
    clock.set(t("2026-11-23T15:00:00Z"));
    assert!(
        tick(&sw, &clock, fr).await.is_empty(),
        "no more than 3 re-pings"
    );
}

#[tokio::test]
async fn notices_alert_the_assignee_and_escalations_the_leads_on_the_staff_platform() {
    let conf = format!(
        "{CONF}\n[staff]\nhome = \"discord\"\n\
         [[staff.agents]]\nname = \"ann\"\nrole = \"agent\"\nusers = [\"discord:11\", \"telegram:21\"]\n\
         [[staff.agents]]\nname = \"lea\"\nrole = \"lead\"\nusers = [\"discord:12\"]\n\
         [[staff.agents]]\nname = \"max\"\nrole = \"agent\"\nusers = [\"discord:13\"]\n"
    );
    let cfg = Config::from_layers(Some((Path::new("t.toml"), &conf)), &[]).unwrap();
    let store = Arc::new(MemStore::default());
    let sw = Sweeper::new(store.clone(), cfg.sla, cfg.staff);
    store.open(1, Tier::Basic, Priority::P1, t("2026-11-23T09:00:00Z"));
    let ann = supportbot::domain::ids::AgentName("ann".into());
    store.push(
        1,
        EventKind::Claimed { agent: ann },
        t("2026-11-23T09:00:00Z"),
    );
    let alerted = |at: &str| {
        let sw = &sw;
        let at = t(at);
        async move {
            let mut alerted = Vec::new();
            for n in sw.tick(at).await.unwrap() {
                if let Outbound::Send { message, .. } = n.outbound()
                    && message.text.contains("first response")
                {
                    alerted.push(message.notify.iter().map(|u| u.key()).collect::<Vec<_>>());
                }
                sw.delivered(std::slice::from_ref(&n), at).await.unwrap();
            }
            alerted
        }
    };
    assert!(alerted("2026-11-23T09:00:00Z").await.is_empty());
    // Warning and breach: the assignee, by their identity on the staff platform only.
    for at in ["10:00", "10:45", "11:00"] {
        let at = format!("2026-11-23T{at}:00Z");
        assert_eq!(alerted(&at).await, vec![vec!["discord:11"]], "{at}");
    }
    // Escalation: the assignee and every lead, not other agents.
    assert_eq!(
        alerted("2026-11-23T11:30:00Z").await,
        vec![vec!["discord:11", "discord:12"]]
    );
}

#[tokio::test]
async fn an_unconfirmed_notice_is_sent_again_after_the_lease_until_confirmed() {
    let (store, sw, clock) = setup();
    store.open(1, Tier::Basic, Priority::P1, clock.now());
    tick(&sw, &clock, "").await;
    clock.set(t("2026-11-23T10:00:00Z"));
    let first = sw.tick(clock.now()).await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    // Not confirmed (say the staff thread was unreachable).
    clock.set(t("2026-11-23T10:01:00Z"));
    assert!(
        sw.tick(clock.now()).await.unwrap().is_empty(),
        "within the lease"
    );
    clock.set(t("2026-11-23T10:03:00Z"));
    let again = sw.tick(clock.now()).await.unwrap();
    assert_eq!(again, first, "the same notice again");
    sw.delivered(&again, clock.now()).await.unwrap();
    clock.set(t("2026-11-23T10:30:00Z"));
    assert!(sw.tick(clock.now()).await.unwrap().is_empty(), "confirmed");
}

#[tokio::test]
async fn agent_reply_stops_notices() {
    let (store, sw, clock) = setup();
    store.open(1, Tier::Basic, Priority::P1, clock.now());
    tick(&sw, &clock, "").await;
    store.push(1, EventKind::AgentReplied, t("2026-11-23T09:30:00Z"));
    clock.set(t("2026-11-23T11:00:00Z"));
    assert!(tick(&sw, &clock, "first response").await.is_empty());
}

#[tokio::test]
async fn pending_pauses_resolution_notices_and_resume_reschedules() {
    let (store, sw, clock) = setup();
    store.open(1, Tier::Basic, Priority::P1, clock.now());
    store.push(1, EventKind::AgentReplied, clock.now());
    let pend = EventKind::StatusChanged {
        from: Status::Open,
        to: Status::Pending,
    };
    store.push(1, pend, t("2026-11-23T10:00:00Z")); // 1h of the 4h resolution used
    clock.set(t("2026-11-23T10:00:00Z"));
    let res = "resolution";
    assert!(tick(&sw, &clock, res).await.is_empty());
    clock.set(t("2026-11-24T08:00:00Z"));
    assert!(
        tick(&sw, &clock, res).await.is_empty(),
        "paused: no warning, no breach"
    );
    let open = EventKind::StatusChanged {
        from: Status::Pending,
        to: Status::Open,
    };
    store.push(1, open, t("2026-11-24T09:00:00Z")); // Tue 10:00 CET, 3h left → due 12:00Z
    clock.set(t("2026-11-24T09:00:00Z"));
    let w = tick(&sw, &clock, res).await;
    assert!(w.is_empty(), "{w:?}");
    clock.set(t("2026-11-24T10:00:00Z")); // 2h counted = 50 %
    let w = tick(&sw, &clock, res).await;
    assert!(
        w.len() == 1 && w[0].contains("(50%)") && w[0].contains("in 2 h"),
        "{w:?}"
    );
    clock.set(t("2026-11-24T12:00:00Z"));
    let b = tick(&sw, &clock, res).await;
    assert!(b.len() == 1 && b[0].contains("breached"), "{b:?}");
}

#[tokio::test]
async fn priority_change_mid_flight_moves_the_deadline() {
    let (store, sw, clock) = setup();
    store.open(1, Tier::Basic, Priority::P3, clock.now()); // first response 8h
    tick(&sw, &clock, "").await;
    let up = EventKind::PriorityChanged {
        from: Priority::P3,
        to: Priority::P1,
    };
    store.push(1, up, t("2026-11-23T10:00:00Z"));
    // 1h counted, new target 2h: the 50 % mark (1h) is already passed → warning now.
    clock.set(t("2026-11-23T10:00:00Z"));
    let w = tick(&sw, &clock, "first response").await;
    assert!(
        w.len() == 1 && w[0].contains("[P1]") && w[0].contains("(50%)"),
        "{w:?}"
    );
    clock.set(t("2026-11-23T11:00:00Z"));
    let b = tick(&sw, &clock, "first response").await;
    assert!(b.len() == 1 && b[0].contains("breached"), "{b:?}");
}

#[tokio::test]
async fn friday_evening_before_holiday_weekend_waits_until_tuesday() {
    let (store, sw, clock) = setup();
    clock.set(t("2026-11-27T15:00:00Z")); // Fri 16:00 CET; P2 first response 4h
    store.open(1, Tier::Basic, Priority::P2, clock.now());
    let fr = "first response";
    for at in [
        "2026-11-27T16:00:00Z",
        "2026-11-28T12:00:00Z",
        "2026-11-30T12:00:00Z",
    ] {
        clock.set(t(at));
        assert!(tick(&sw, &clock, fr).await.is_empty(), "{at}");
    }
    clock.set(t("2026-12-01T09:00:00Z")); // Tue 10:00 CET: 2h counted = 50 %
    let w = tick(&sw, &clock, fr).await;
    assert!(w.len() == 1 && w[0].contains("(50%)"), "{w:?}");
    clock.set(t("2026-12-01T11:00:00Z")); // Tue 12:00 CET
    let b = tick(&sw, &clock, fr).await;
    assert!(b.len() == 1 && b[0].contains("breached"), "{b:?}");
}

#[tokio::test]
async fn after_downtime_only_the_latest_notice_speaks() {
    let (store, sw, clock) = setup();
    store.open(1, Tier::Basic, Priority::P1, clock.now());
    clock.set(t("2026-11-23T11:40:00Z")); // warning ×2, breach and re-ping 1 all overdue
    let all = tick(&sw, &clock, "first response").await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].contains("escalation 1/3"), "{all:?}");
}
