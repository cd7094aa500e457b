//! Clock semantics: first/next response, resolution pauses, reopen, re-targeting, promises.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use supportbot::config::Config;
use supportbot::domain::i18n::Lang;
use supportbot::domain::ids::{ConversationRef, Platform, TicketId, UserRef};
use supportbot::domain::lifecycle::NewTicket;
use supportbot::domain::sla::SlaConfig;
use supportbot::domain::sla_clock::{ClockKind, ClockState, ClockStatus};
use supportbot::domain::ticket::{
    Actor, EventKind, Priority, Status, Ticket, TicketEvent, TicketKind, Tier,
};

/// Budapest business hours 09:00–17:00 Mon–Fri, Mon 30 Nov and Christmas off; defaults otherwise.
const CAL: &str = r#"
[sla.calendars.business]
timezone = "Europe/Budapest"
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
holidays = ["2026-11-30", "2026-12-24..2026-12-26"]
"#;

fn sla(extra: &str) -> SlaConfig {
    let text = format!("{CAL}{extra}");
    Config::from_layers(Some((Path::new("t.toml"), &text)), &[])
        .unwrap()
        .sla
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ticket(tier: Tier, priority: Priority, at: &str) -> Ticket {
    NewTicket {
        requester: UserRef::new(Platform::Console, "c1", "Cleo"),
        conversation: ConversationRef::chat(Platform::Console, "c1"),
        subject: "printer on fire".into(),
        kind: TicketKind::Question,
        priority,
        tier,
        tags: vec![],
        at: t(at),
    }
    .into_ticket(TicketId(7))
}

fn ev(kind: EventKind, at: &str) -> TicketEvent {
    TicketEvent {
        kind,
        actor: Actor::System,
        at: t(at),
    }
}

fn created(tk: &Ticket) -> TicketEvent {
    TicketEvent {
        kind: EventKind::Created {
            priority: tk.priority,
            tier: tk.tier,
        },
        actor: Actor::System,
        at: tk.created_at,
    }
}

fn status(from: Status, to: Status, at: &str) -> TicketEvent {
    ev(EventKind::StatusChanged { from, to }, at)
}

fn clock(cs: &[ClockState], kind: ClockKind) -> &ClockState {
    cs.iter()
        .rev()
        .find(|c| c.kind == kind)
        .expect("clock present")
}

// Mon 23 Nov 2026, 10:00 Budapest = 09:00Z.
const MON10: &str = "2026-11-23T09:00:00Z";

#[test]
fn first_response_stops_at_public_reply_not_note() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P3, MON10);
    let mut evs = vec![
        created(&tk),
        ev(EventKind::NoteAdded, "2026-11-23T10:00:00Z"),
    ];
    let cs = s.clocks(&tk, &evs, t("2026-11-23T11:00:00Z"));
    let fr = clock(&cs, ClockKind::FirstResponse);
    assert_eq!(fr.status, ClockStatus::Running);
    // 8 business hours from Mon 10:00: Mon 10–17 (7h) + Tue 09–10 → Tue 10:00 CET = 09:00Z.
    assert_eq!(fr.due, Some(t("2026-11-24T09:00:00Z")));
    evs.push(ev(EventKind::AgentReplied, "2026-11-23T12:00:00Z"));
    let cs = s.clocks(&tk, &evs, t("2026-11-25T00:00:00Z"));
    let fr = clock(&cs, ClockKind::FirstResponse);
    assert_eq!(fr.status, ClockStatus::Met);
    assert_eq!(fr.elapsed, Duration::hours(3));
    assert_eq!(fr.stopped_at, Some(t("2026-11-23T12:00:00Z")));
}

#[test]
fn first_response_breaches_when_late() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P1, MON10);
    let evs = vec![created(&tk)];
    let cs = s.clocks(&tk, &evs, t("2026-11-23T11:00:00Z"));
    assert_eq!(
        clock(&cs, ClockKind::FirstResponse).status,
        ClockStatus::Breached
    );
    let late = [
        evs[0].clone(),
        ev(EventKind::AgentReplied, "2026-11-23T11:30:00Z"),
    ];
    let cs = s.clocks(&tk, &late, t("2026-11-23T12:00:00Z"));
    let fr = clock(&cs, ClockKind::FirstResponse);
    assert_eq!(
        fr.status,
        ClockStatus::Breached,
        "stopped late stays breached"
    );
    assert_eq!(fr.due, Some(t("2026-11-23T11:00:00Z")));
}

#[test]
fn next_response_runs_from_oldest_unanswered_message() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P2, MON10);
    let evs = vec![
        created(&tk),
        ev(EventKind::CustomerReplied, "2026-11-23T09:10:00Z"), // before any reply: first response
        ev(EventKind::AgentReplied, "2026-11-23T10:00:00Z"),
        ev(EventKind::CustomerReplied, "2026-11-23T11:00:00Z"),
        ev(EventKind::CustomerReplied, "2026-11-23T12:00:00Z"),
    ];
    let cs = s.clocks(&tk, &evs, t("2026-11-23T13:00:00Z"));
    let nr: Vec<_> = cs
        .iter()
        .filter(|c| c.kind == ClockKind::NextResponse)
        .collect();
    assert_eq!(nr.len(), 1);
    assert_eq!(nr[0].start, t("2026-11-23T11:00:00Z"));
    // 4 business hours from Mon 12:00 CET → Mon 16:00 CET = 15:00Z.
    assert_eq!(nr[0].due, Some(t("2026-11-23T15:00:00Z")));
    let mut evs = evs;
    evs.push(ev(EventKind::AgentReplied, "2026-11-23T14:00:00Z"));
    evs.push(ev(EventKind::CustomerReplied, "2026-11-23T15:00:00Z"));
    let cs = s.clocks(&tk, &evs, t("2026-11-23T15:30:00Z"));
    let nr: Vec<_> = cs
        .iter()
        .filter(|c| c.kind == ClockKind::NextResponse)
        .collect();
    assert_eq!(nr.len(), 2);
    assert_eq!(nr[0].status, ClockStatus::Met);
    assert_eq!(nr[1].status, ClockStatus::Running);
    assert!(
        s.explain(Lang::En, &tk, &evs, t("2026-11-23T15:30:00Z"))
            .contains("2 next-response cycles")
    );
}

#[test]
fn resolution_pauses_while_pending_and_resumes() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P1, MON10);
    let evs = vec![
        created(&tk),
        status(Status::New, Status::Pending, "2026-11-23T10:00:00Z"),
        status(Status::Pending, Status::Open, "2026-11-24T09:00:00Z"), // Tue 10:00 CET
    ];
    let during = s.clocks(&tk, &evs[..2], t("2026-11-23T20:00:00Z"));
    let r = clock(&during, ClockKind::Resolution);
    assert_eq!(r.status, ClockStatus::Paused);
    assert_eq!(r.due, None);
    assert_eq!(r.remaining(), Duration::hours(3));
    let after = s.clocks(&tk, &evs, t("2026-11-24T10:00:00Z"));
    let r = clock(&after, ClockKind::Resolution);
    assert_eq!(r.status, ClockStatus::Running);
    assert_eq!(r.pauses.len(), 1);
    assert_eq!(r.pauses[0].reason, Status::Pending);
    // 1h counted Monday, 3h left from Tue 10:00 CET → Tue 13:00 CET.
    assert_eq!(r.due, Some(t("2026-11-24T12:00:00Z")));
    assert_eq!(r.elapsed, Duration::hours(2));
}

#[test]
fn on_hold_pauses_only_when_configured() {
    let evs_for = |tk: &Ticket| {
        vec![
            created(tk),
            status(Status::New, Status::OnHold, "2026-11-23T10:00:00Z"),
        ]
    };
    let tk = ticket(Tier::Basic, Priority::P2, MON10);
    let now = t("2026-11-23T12:00:00Z");
    let plain = sla("");
    let r = plain.clocks(&tk, &evs_for(&tk), now);
    assert_eq!(
        clock(&r, ClockKind::Resolution).status,
        ClockStatus::Running
    );
    let held = sla("[sla]\npause_on_hold = true\n");
    let r = held.clocks(&tk, &evs_for(&tk), now);
    assert_eq!(clock(&r, ClockKind::Resolution).status, ClockStatus::Paused);
}

#[test]
fn reopen_resumes_resolution_without_reset() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P2, MON10);
    let evs = vec![
        created(&tk),
        ev(EventKind::AgentReplied, "2026-11-23T10:00:00Z"),
        status(Status::Open, Status::Solved, "2026-11-23T11:00:00Z"),
        ev(EventKind::Reopened, "2026-11-24T09:00:00Z"),
    ];
    let solved = s.clocks(&tk, &evs[..3], t("2026-11-23T12:00:00Z"));
    assert_eq!(
        clock(&solved, ClockKind::Resolution).status,
        ClockStatus::Met
    );
    let cs = s.clocks(&tk, &evs, t("2026-11-24T10:00:00Z"));
    let r = clock(&cs, ClockKind::Resolution);
    assert_eq!(r.status, ClockStatus::Running);
    assert_eq!(r.start, t(MON10));
    assert_eq!(r.elapsed, Duration::hours(3)); // 2h Monday + 1h Tuesday
    // 16h target: 14h left from Tue 10:00 CET → Tue 17:00 (7h) + Wed 09–16 → Wed 16:00 CET.
    assert_eq!(r.due, Some(t("2026-11-25T15:00:00Z")));
}

#[test]
fn priority_change_retargets_keeping_elapsed() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P3, MON10);
    let evs = vec![
        created(&tk),
        ev(
            EventKind::PriorityChanged {
                from: Priority::P3,
                to: Priority::P1,
            },
            "2026-11-23T10:00:00Z",
        ),
    ];
    let cs = s.clocks(&tk, &evs, t("2026-11-23T10:30:00Z"));
    let fr = clock(&cs, ClockKind::FirstResponse);
    assert_eq!(fr.target, Duration::hours(2));
    // 1h already counted; 1h left after the change.
    assert_eq!(fr.due, Some(t("2026-11-23T11:00:00Z")));
    assert_eq!(fr.segments.len(), 2);
}

#[test]
fn enterprise_p1_counts_around_the_clock_after_tier_change() {
    let s = sla("");
    // Friday 16:00 CET: business calendar would push the 2h target to Monday.
    let tk = ticket(Tier::Pro, Priority::P1, "2026-11-20T15:00:00Z");
    let evs = vec![created(&tk)];
    let cs = s.clocks(&tk, &evs, t("2026-11-20T15:30:00Z"));
    assert_eq!(
        clock(&cs, ClockKind::FirstResponse).due,
        Some(t("2026-11-23T09:00:00Z"))
    );
    let mut evs = evs;
    evs.push(ev(
        EventKind::TierChanged {
            from: Tier::Pro,
            to: Tier::Enterprise,
        },
        "2026-11-20T15:30:00Z",
    ));
    let cs = s.clocks(&tk, &evs, t("2026-11-20T15:45:00Z"));
    let fr = clock(&cs, ClockKind::FirstResponse);
    assert_eq!(fr.calendar, "24x7");
    // 30 min counted on business time, 90 min left around the clock.
    assert_eq!(fr.due, Some(t("2026-11-20T17:00:00Z")));
}

#[test]
fn friday_evening_before_holiday_weekend() {
    let s = sla("");
    // Fri 27 Nov 2026 16:00 CET; Monday 30 Nov is a holiday, so the weekend runs to Tuesday.
    let tk = ticket(Tier::Basic, Priority::P2, "2026-11-27T15:00:00Z");
    let cs = s.clocks(&tk, &[created(&tk)], t("2026-11-27T15:00:00Z"));
    // 1h on Friday, 3h on Tuesday → Tue 1 Dec 12:00 CET.
    assert_eq!(
        clock(&cs, ClockKind::FirstResponse).due,
        Some(t("2026-12-01T11:00:00Z"))
    );
    let promise = s.first_response_promise(Lang::En, Tier::Basic, Priority::P2, tk.created_at);
    assert_eq!(
        promise,
        "expect a first reply within 4 hours of business time, by Tue 1 Dec 12:00 (Europe/Budapest)"
    );
}

#[test]
fn promise_in_24x7_terms_for_enterprise_p1() {
    let s = sla("");
    let p = s.first_response_promise(
        Lang::En,
        Tier::Enterprise,
        Priority::P1,
        t("2026-11-21T22:00:00Z"),
    );
    assert_eq!(
        p,
        "expect a first reply within 2 hours, by Sun 22 Nov 00:00 (UTC)"
    );
}

#[test]
fn queue_sorts_by_nearest_deadline() {
    let s = sla("");
    let a = ticket(Tier::Basic, Priority::P4, MON10);
    let mut b = ticket(Tier::Basic, Priority::P1, MON10);
    b.id = TicketId(8);
    let rows = s.queue_rows(
        Lang::En,
        &[
            (a.clone(), vec![created(&a)]),
            (b.clone(), vec![created(&b)]),
        ],
        t("2026-11-23T10:00:00Z"),
    );
    assert!(rows[0].starts_with("#8"), "{rows:?}");
    assert!(rows[0].contains("first response due in 1 h"), "{rows:?}");
    let late = s.queue_rows(
        Lang::En,
        &[(b.clone(), vec![created(&b)])],
        t("2026-11-23T12:00:00Z"),
    );
    assert!(late[0].contains("BREACHED 1 h ago"), "{late:?}");
}

#[test]
fn explain_lists_target_pauses_windows_and_status() {
    let s = sla("");
    let tk = ticket(Tier::Basic, Priority::P1, MON10);
    let evs = vec![
        created(&tk),
        status(Status::New, Status::Pending, "2026-11-23T10:00:00Z"),
        status(Status::Pending, Status::Open, "2026-11-23T11:00:00Z"),
    ];
    let text = s.explain(Lang::En, &tk, &evs, t("2026-11-23T11:30:00Z"));
    for needle in [
        "first response: breached",
        "was due",
        "resolution: running",
        "paused (pending)",
        "counted windows",
        "target 4 h",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn config_errors_name_the_key() {
    let bad = |extra: &str| {
        let text = format!("{CAL}{extra}");
        let cfg = Config::from_layers(Some((Path::new("t.toml"), &text)), &[])
            .expect("an [sla] mistake does not stop loading");
        let e = format!("{:#}", cfg.require_sla().unwrap_err());
        assert_eq!(Some(e.clone()), cfg.sla_problem());
        e
    };
    let e = bad("[sla.tiers.pro]\np2 = { first_response = \"4 hours\" }\n");
    assert!(e.contains("sla.tiers.pro.p2.first_response"), "{e}");
    let e = bad("[sla.tiers.pro]\ncalendar = \"nope\"\n");
    assert!(e.contains("sla.tiers.pro.calendar"), "{e}");
    let e = bad("[sla.calendars.night]\ntimezone = \"UTC\"\n");
    assert!(
        e.contains("sla.calendars.night") && e.contains("no business intervals"),
        "{e}"
    );
    let e = bad("[sla.tiers.gold]\n");
    assert!(e.contains("sla.tiers.gold"), "{e}");
    // Every bad calendar is named, with the fix.
    let e = bad(
        "[sla.calendars.mars]\ntimezone = \"Mars/Olympus\"\nmon = [\"09:00-17:00\"]\n[sla.calendars.late]\ntimezone = \"UTC\"\nmon = [\"9-17\"]\n",
    );
    for needle in [
        "calendar `mars` is invalid",
        "sla.calendars.mars.timezone",
        "\"Europe/Budapest\"",
        "calendar `late` is invalid",
        "sla.calendars.late.mon",
        "use HH:MM-HH:MM",
    ] {
        assert!(e.contains(needle), "{needle:?} missing in {e}");
    }
    // Huge targets and targets a calendar cannot reach before year 9999.
    let e = bad("[sla.tiers.pro]\np2 = { first_response = \"2147483647d\" }\n");
    assert!(
        e.contains("sla.tiers.pro.p2.first_response") && e.contains("at most 366d"),
        "{e}"
    );
    let e = bad(
        "[sla.calendars.tiny]\ntimezone = \"UTC\"\nsun = [\"00:00-00:01\"]\n[sla.tiers.pro]\ncalendar = \"tiny\"\np2 = { resolution = \"366d\" }\n",
    );
    assert!(
        e.contains("sla.tiers.pro.p2.resolution") && e.contains("9999-12-31"),
        "{e}"
    );
}
