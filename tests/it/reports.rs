//! The reports on a scripted month of tickets, November 2026, whose every figure is worked out
//! by hand below, on SQLite and on PostgreSQL. Calendars: `business` is Mon–Fri 09:00–17:00
//! UTC (basic tier); pro runs around the clock. The report runs at 2026-12-01 00:00 UTC.
//!
//! | # | who (platform:id) | tier/prio | kind | opened | what happened |
//! |---|---|---|---|---|---|
//! | 1 | telegram:t9 | basic P3 | question | Mon 2 10:00 | ann claims, replies 11:00 (FR 1h); customer 11:30, ann 12:30 (NR 1h); closed 14:00 (res 4h); CSAT 5 |
//! | 2 | discord:d1 | basic P3 | bug | Fri 6 16:00 | bob claims, replies Mon 9 10:30 (FR 2h30m business > 2h, breached Mon 10:00); fixed; closed Tue 10 12:00 (res 12h > 8h, breached Mon 9 16:00); CSAT 2 |
//! | 3 | telegram:t1 (Acme) | pro P1 | incident | Sat 14 02:00 | ann replies 02:45 (FR 45m > 30m, breached 02:30); solved 05:00 (res 3h, downtime 3h); closed 06:00 |
//! | 4 | discord:d7 (Acme by license) | pro P2 | question | Tue 17 10:00 | nothing: FR breached 11:00, resolution breached 18:00, both running |
//! | 5 | console:c1 | basic P4 | feature | Fri 20 09:00 | ann replies 09:30 (FR 30m); stays open (res 56h of 80h: pending) |
//! | 6 | console:c2 | basic P3 | question | Wed Oct 28 10:00 | ann; closed Nov 3, reopened Nov 4, closed Nov 5 (counts in volume only) |
//! | 7 | console:c2 | basic P3 | question tagged bug | Tue 24 09:00 | bob replies 09:30 (FR 30m); closed 10:00 (res 1h); CSAT 4 |

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use supportbot::config::Config;
use supportbot::domain::ids::{AgentName, ConversationRef, Platform, TicketId, UserRef};
use supportbot::domain::lifecycle::NewTicket;
use supportbot::domain::ports::{Csat, FaqEvent, FaqOutcome, TicketStore};
use supportbot::domain::sla_credits::Amount;
use supportbot::domain::ticket::{
    Actor, EventKind, Priority, Status, TicketEvent, TicketKind, Tier,
};
use supportbot::reports::kpi::KpiReport;
use supportbot::reports::model::Period;
use supportbot::reports::render::{self, Format};
use supportbot::reports::service::{self, KpiRequest};
use supportbot::storage::SqlStore;

use crate::db::{postgres_store, sqlite_store};

pub(crate) const CONFIG: &str = r#"
[[customers.accounts]]
name = "Acme"
tier = "pro"
users = ["telegram:t1"]
license_keys = ["ACME-KEY"]

[sla.tiers.basic]
p3 = { first_response = "2h", next_response = "4h", resolution = "8h" }

[sla.tiers.pro]
calendar = "24x7"
p1 = { first_response = "30m", next_response = "1h", resolution = "4h" }
p2 = { first_response = "1h", next_response = "1h", resolution = "8h" }

[sla.credits.basic]
per_breach = "1h"
cap = "3h"

[sla.credits.pro]
per_breach = "5%"
cap = "12%"
availability_miss = "10%"
"#;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

pub(crate) fn config() -> Config {
    Config::from_layers(Some((Path::new("reports.toml"), CONFIG)), &[]).unwrap()
}

fn nov(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

pub(crate) fn agent(n: &str) -> Actor {
    Actor::Agent(AgentName(n.into()))
}

pub(crate) fn ev(at: DateTime<Utc>, actor: Actor, kind: EventKind) -> TicketEvent {
    TicketEvent { kind, actor, at }
}

pub(crate) fn status(at: DateTime<Utc>, who: &str, from: Status, to: Status) -> TicketEvent {
    ev(at, agent(who), EventKind::StatusChanged { from, to })
}

pub(crate) fn closed(at: DateTime<Utc>, who: &str) -> TicketEvent {
    ev(
        at,
        agent(who),
        EventKind::Closed {
            reason: "done".into(),
        },
    )
}

pub(crate) fn reply(at: DateTime<Utc>, who: &str) -> TicketEvent {
    ev(at, agent(who), EventKind::AgentReplied)
}

pub(crate) fn claim(at: DateTime<Utc>, who: &str) -> TicketEvent {
    ev(
        at,
        agent(who),
        EventKind::Claimed {
            agent: AgentName(who.into()),
        },
    )
}

pub(crate) struct Spec {
    pub(crate) who: (Platform, &'static str),
    pub(crate) tier: Tier,
    pub(crate) priority: Priority,
    pub(crate) kind: TicketKind,
    pub(crate) tags: &'static [&'static str],
    pub(crate) opened: DateTime<Utc>,
    pub(crate) events: Vec<TicketEvent>,
    pub(crate) status: Status,
    pub(crate) assignee: Option<&'static str>,
}

pub(crate) async fn script(store: &SqlStore, s: Spec) -> TicketId {
    let requester = UserRef::new(s.who.0, s.who.1, format!("User {}", s.who.1));
    let new = NewTicket {
        requester: requester.clone(),
        conversation: ConversationRef::chat(s.who.0, s.who.1),
        subject: "scripted".into(),
        kind: s.kind,
        priority: s.priority,
        tier: s.tier,
        tags: s.tags.iter().map(|t| t.to_string()).collect(),
        at: s.opened,
    };
    let created = ev(
        s.opened,
        Actor::Customer(requester.name.clone()),
        EventKind::Created {
            priority: s.priority,
            tier: s.tier,
        },
    );
    let mut t = store.create_ticket(new, &[], &[created]).await.unwrap();
    t.status = s.status;
    t.assignee = s.assignee.map(|a| AgentName(a.into()));
    t.updated_at = s.events.last().map_or(s.opened, |e| e.at);
    store.save_ticket(&t, &[], &s.events).await.unwrap();
    t.id
}

async fn rate(store: &SqlStore, id: TicketId, score: u8) {
    store
        .record_csat(&Csat {
            ticket: id,
            score,
            comment: None,
            at: nov(28, 12, 0),
        })
        .await
        .unwrap();
}

async fn faq(store: &SqlStore, at: DateTime<Utc>, query: &str, outcome: FaqOutcome) {
    store
        .record_faq_event(&FaqEvent {
            id: 0,
            at,
            user: UserRef::new(Platform::Telegram, "t9", "User t9"),
            conversation: ConversationRef::chat(Platform::Telegram, "t9"),
            query: query.into(),
            article_id: None,
            article_title: None,
            confidence: 0.1,
            outcome,
            ticket: None,
        })
        .await
        .unwrap();
}

pub(crate) async fn month_of_tickets(store: &SqlStore) {
    use Status::*;
    let oct = |d, h| Utc.with_ymd_and_hms(2026, 10, d, h, 0, 0).unwrap();
    let t1 = script(
        store,
        Spec {
            who: (Platform::Telegram, "t9"),
            tier: Tier::Basic,
            priority: Priority::P3,
            kind: TicketKind::Question,
            tags: &[],
            opened: nov(2, 10, 0),
            events: vec![
                claim(nov(2, 10, 50), "ann"),
                status(nov(2, 10, 50), "ann", New, Open),
                reply(nov(2, 11, 0), "ann"),
                ev(
                    nov(2, 11, 30),
                    Actor::Customer("User t9".into()),
                    EventKind::CustomerReplied,
                ),
                reply(nov(2, 12, 30), "ann"),
                closed(nov(2, 14, 0), "ann"),
            ],
            status: Closed,
            assignee: Some("ann"),
        },
    )
    .await;
    let t2 = script(
        store,
        Spec {
            who: (Platform::Discord, "d1"),
            tier: Tier::Basic,
            priority: Priority::P3,
            kind: TicketKind::Bug,
            tags: &[],
            opened: nov(6, 16, 0),
            events: vec![
                claim(nov(9, 10, 20), "bob"),
                status(nov(9, 10, 20), "bob", New, Open),
                reply(nov(9, 10, 30), "bob"),
                ev(nov(10, 9, 0), agent("bob"), EventKind::Fixed),
                closed(nov(10, 12, 0), "bob"),
            ],
            status: Closed,
            assignee: Some("bob"),
        },
    )
    .await;
    script(
        store,
        Spec {
            who: (Platform::Telegram, "t1"),
            tier: Tier::Pro,
            priority: Priority::P1,
            kind: TicketKind::Incident,
            tags: &[],
            opened: nov(14, 2, 0),
            events: vec![
                claim(nov(14, 2, 40), "ann"),
                status(nov(14, 2, 40), "ann", New, Open),
                reply(nov(14, 2, 45), "ann"),
                status(nov(14, 5, 0), "ann", Open, Solved),
                closed(nov(14, 6, 0), "ann"),
            ],
            status: Closed,
            assignee: Some("ann"),
        },
    )
    .await;
    script(
        store,
        Spec {
            who: (Platform::Discord, "d7"),
            tier: Tier::Pro,
            priority: Priority::P2,
            kind: TicketKind::Question,
            tags: &[],
            opened: nov(17, 10, 0),
            events: vec![],
            status: New,
            assignee: None,
        },
    )
    .await;
    script(
        store,
        Spec {
            who: (Platform::Console, "c1"),
            tier: Tier::Basic,
            priority: Priority::P4,
            kind: TicketKind::Feature,
            tags: &[],
            opened: nov(20, 9, 0),
            events: vec![
                reply(nov(20, 9, 30), "ann"),
                status(nov(20, 9, 30), "ann", New, Open),
            ],
            status: Open,
            assignee: None,
        },
    )
    .await;
    script(
        store,
        Spec {
            who: (Platform::Console, "c2"),
            tier: Tier::Basic,
            priority: Priority::P3,
            kind: TicketKind::Question,
            tags: &[],
            opened: oct(28, 10),
            events: vec![
                claim(oct(28, 10), "ann"),
                reply(oct(28, 11), "ann"),
                closed(nov(3, 10, 0), "ann"),
                ev(nov(4, 10, 0), agent("ann"), EventKind::Reopened),
                closed(nov(5, 10, 0), "ann"),
            ],
            status: Closed,
            assignee: Some("ann"),
        },
    )
    .await;
    let t7 = script(
        store,
        Spec {
            who: (Platform::Console, "c2"),
            tier: Tier::Basic,
            priority: Priority::P3,
            kind: TicketKind::Question,
            tags: &["bug"],
            opened: nov(24, 9, 0),
            events: vec![
                claim(nov(24, 9, 20), "bob"),
                status(nov(24, 9, 20), "bob", New, Open),
                reply(nov(24, 9, 30), "bob"),
                closed(nov(24, 10, 0), "bob"),
            ],
            status: Closed,
            assignee: Some("bob"),
        },
    )
    .await;
    rate(store, t1, 5).await;
    rate(store, t2, 2).await;
    rate(store, t7, 4).await;
    store
        .register_license(
            &UserRef::new(Platform::Discord, "d7", "d7"),
            "ACME-KEY",
            nov(1, 0, 0),
        )
        .await
        .unwrap();
    faq(store, nov(3, 9, 0), "reset password", FaqOutcome::Helpful).await;
    faq(store, nov(4, 9, 0), "reset password", FaqOutcome::Helpful).await;
    faq(
        store,
        nov(5, 9, 0),
        "talk to someone",
        FaqOutcome::NeedHuman,
    )
    .await;
    faq(store, nov(6, 9, 0), "How to export", FaqOutcome::NoAnswer).await;
    faq(store, nov(7, 9, 0), "how to export ", FaqOutcome::NoAnswer).await;
    faq(store, nov(8, 9, 0), "billing address", FaqOutcome::NoAnswer).await;
    faq(store, nov(9, 9, 0), "invoices", FaqOutcome::Suggested).await;
    faq(store, nov(10, 9, 0), "login", FaqOutcome::Answered).await;
    faq(
        store,
        Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap(),
        "october",
        FaqOutcome::NoAnswer,
    )
    .await;
}

fn november() -> Period {
    supportbot::reports::config::days(chrono_tz::UTC, "2026-11-01", "2026-11-30").unwrap()
}

async fn kpi(store: &SqlStore, req: KpiRequest) -> KpiReport {
    service::kpi(store, &config(), &req, now()).await.unwrap()
}

fn req() -> KpiRequest {
    KpiRequest {
        period: november(),
        ..KpiRequest::default()
    }
}

async fn every_figure_of_the_month(store: Arc<SqlStore>) {
    month_of_tickets(&store).await;
    let r = kpi(&store, req()).await;
    let o = &r.overall;
    // Volume: six opened in November (#6 opened in October); closes #1 #2 #3 #7 and #6 twice.
    assert_eq!((o.opened, o.closed, o.reopened), (6, 6, 1));
    let counts = |m: &std::collections::BTreeMap<String, i64>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(counts(&r.by_platform), "console=2 discord=2 telegram=2");
    assert_eq!(counts(&r.by_kind), "bug=1 feature=1 incident=1 question=3");
    // Response rate: met #1 #5 #7; breached #2 #3 #4 (running, past due) → 3 of 6.
    assert_eq!((o.response_rate.hits, o.response_rate.total), (3, 6));
    assert_eq!(o.response_goal_met, Some(false));
    let clock = |n: &str| o.clocks.iter().find(|c| c.clock == n).unwrap();
    assert_eq!(
        (
            clock("first_response").breached,
            clock("first_response").pending
        ),
        (3, 0)
    );
    // Next response: one cycle (#1), met in 1h.
    assert_eq!(
        (
            clock("next_response").hit.hits,
            clock("next_response").hit.total
        ),
        (1, 1)
    );
    // Resolution: met #1 (4h) #3 (3h) #7 (1h); breached #2 (12h) #4 (running); #5 pending.
    let res = clock("resolution");
    assert_eq!((res.hit.hits, res.breached, res.pending), (3, 2, 1));
    // First response, stopped clocks: 30m (#5), 30m (#7), 45m (#3), 1h (#1), 2h30m (#2).
    let fr = o.first_response.unwrap();
    assert_eq!(
        (fr.n, fr.median_ms, fr.p90_ms, fr.max_ms),
        (5, 45 * MIN, 150 * MIN, 150 * MIN)
    );
    // Resolution, stopped clocks: 1h, 3h, 4h, 12h → median is the 2nd.
    let rs = o.resolution.unwrap();
    assert_eq!(
        (rs.n, rs.median_ms, rs.p90_ms, rs.max_ms),
        (4, 3 * HOUR, 12 * HOUR, 12 * HOUR)
    );
    // Per priority × tier.
    let cell = |p: &str, t: &str| {
        r.cells
            .iter()
            .find(|c| c.priority.as_deref() == Some(p) && c.tier.as_deref() == Some(t))
            .unwrap_or_else(|| panic!("no cell {p} {t}"))
    };
    let p3 = cell("P3", "basic");
    assert_eq!((p3.opened, p3.closed, p3.reopened), (3, 5, 1));
    assert_eq!((p3.response_rate.hits, p3.response_rate.total), (2, 3));
    let p3fr = p3.first_response.unwrap();
    assert_eq!(
        (p3fr.median_ms, p3fr.p90_ms, p3fr.max_ms),
        (HOUR, 150 * MIN, 150 * MIN)
    );
    let p1 = cell("P1", "pro");
    assert_eq!(
        (
            p1.opened,
            p1.closed,
            p1.response_rate.hits,
            p1.response_rate.total
        ),
        (1, 1, 0, 1)
    );
    assert_eq!(p1.resolution.unwrap().median_ms, 3 * HOUR);
    let p2 = cell("P2", "pro");
    assert_eq!(
        (p2.opened, p2.response_rate.total, p2.first_response),
        (1, 1, None)
    );
    let p4 = cell("P4", "basic");
    assert_eq!(
        (
            p4.opened,
            p4.response_rate.hits,
            p4.first_response.unwrap().max_ms
        ),
        (1, 1, 30 * MIN)
    );
    assert_eq!(r.cells.len(), 4, "only cells with tickets");
    // Bugs: #2 (fixed) and #7 (tagged, not fixed) → 50 %, below 90 %. Features: #5 open.
    assert_eq!((r.feedback.bug_fix.hits, r.feedback.bug_fix.total), (1, 2));
    assert_eq!(r.feedback.bug_fix_goal_met, Some(false));
    assert_eq!(counts(&r.feedback.features_by_status), "open=1");
    // CSAT: closed in November #1 #2 #3 #6 #7; rated 5, 2, 4.
    assert_eq!(
        (r.csat.response_rate.hits, r.csat.response_rate.total),
        (3, 5)
    );
    assert_eq!(r.csat.distribution, [0, 1, 0, 1, 1]);
    assert!((r.csat.average.unwrap() - 11.0 / 3.0).abs() < 1e-9);
    // FAQ: eight questions in November (one in October is not counted).
    let f = &r.faq;
    assert_eq!(
        (f.asked, f.answered, f.deflected, f.handed_to_person),
        (8, 5, 2, 4)
    );
    assert_eq!(
        f.top_unanswered,
        vec![
            ("how to export".to_string(), 2),
            ("billing address".to_string(), 1)
        ]
    );
    // Agents: ann #1 #3 #5 (first replies 1h, 45m, 30m; rated 5), bob #2 #7 (2h30m, 30m; 2, 4).
    let a: Vec<_> = r
        .agents
        .iter()
        .map(|a| {
            (
                a.agent.as_str(),
                a.handled,
                a.median_first_response_ms,
                a.csat_responses,
                a.csat_average,
            )
        })
        .collect();
    assert_eq!(
        a,
        vec![
            ("ann", 3, Some(45 * MIN), 1, Some(5.0)),
            ("bob", 2, Some(30 * MIN), 2, Some(3.0))
        ]
    );

    // Filters: pro is #3 and #4; Acme is #3 (its user) and #4 (its license key); console #5 #7.
    let pro = kpi(
        &store,
        KpiRequest {
            tier: Some(Tier::Pro),
            ..req()
        },
    )
    .await;
    assert_eq!(
        (pro.overall.opened, pro.overall.response_rate.total),
        (2, 2)
    );
    let acme = kpi(
        &store,
        KpiRequest {
            customer: Some("Acme".into()),
            ..req()
        },
    )
    .await;
    assert_eq!(
        (acme.overall.opened, acme.overall.response_rate.hits),
        (2, 0)
    );
    assert_eq!(acme.filters, vec!["customer Acme".to_string()]);
    let console = kpi(
        &store,
        KpiRequest {
            platform: Some(Platform::Console),
            ..req()
        },
    )
    .await;
    assert_eq!((console.overall.opened, console.overall.closed), (2, 3));
    let e = service::kpi(
        &store,
        &config(),
        &KpiRequest {
            customer: Some("Nobody".into()),
            ..req()
        },
        now(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("no customer account named `Nobody`") && e.contains("Acme"),
        "{e}"
    );

    // Every format renders the same figures.
    let text = render::kpi(&r, Format::Text).unwrap();
    assert!(
        text.contains("50.0% (3/6)") && text.contains("MISSED"),
        "{text}"
    );
    let md = render::kpi(&r, Format::Markdown).unwrap();
    assert!(
        md.contains("| P3 basic | 3 | 5 | 1 | 66.7% (2/3) | 1h | 2h30m | 2h30m |"),
        "{md}"
    );
    let csv = render::kpi(&r, Format::Csv).unwrap();
    assert!(
        csv.contains("Agents,bob,median first response,30m\n"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render::kpi(&r, Format::Json).unwrap()).unwrap();
    assert_eq!(json["overall"]["first_response"]["median_ms"], 45 * MIN);
    let html = render::kpi(&r, Format::Html).unwrap();
    assert!(html.contains("<svg") && html.contains("Response rate by priority × tier"));
    assert!(!html.contains("<script") && !html.contains("src="));

    sla_month(&store).await;
}

async fn sla_month(store: &SqlStore) {
    let r = service::sla(store, &config(), "2026-11", None, now())
        .await
        .unwrap();
    // Breaches whose target passed in November, oldest first (#6's passed in October).
    let b: Vec<_> = r
        .breaches
        .iter()
        .map(|b| {
            (
                b.ticket_id,
                b.clock,
                b.target_ms,
                b.actual_ms,
                b.over_ms,
                b.still_running,
            )
        })
        .collect();
    let running = 326 * HOUR; // Tue 17 10:00 → Dec 1 00:00, around the clock
    assert_eq!(
        b,
        vec![
            (2, "first_response", 2 * HOUR, 150 * MIN, 30 * MIN, false),
            (2, "resolution", 8 * HOUR, 12 * HOUR, 4 * HOUR, false),
            (3, "first_response", 30 * MIN, 45 * MIN, 15 * MIN, false),
            (4, "first_response", HOUR, running, running - HOUR, true),
            (4, "resolution", 8 * HOUR, running, running - 8 * HOUR, true),
        ]
    );
    assert_eq!(r.breaches[0].breach_at, nov(9, 10, 0));
    assert_eq!(r.breaches[1].breach_at, nov(9, 16, 0));
    assert_eq!(r.breaches[2].customer, "Acme");
    assert_eq!(
        r.breaches[3].customer, "Acme",
        "by the license key d7 registered"
    );
    // Acme (pro): 2 first-response breaches × 5 % + availability 99.583 % < 99.9 % (3h of
    // 720h down) → 10 % = 20 %, capped at 12 %. discord:d1 (basic): 1 × 1h, availability kept.
    assert_eq!(r.customers.len(), 2);
    let acme = &r.customers[0];
    assert_eq!(
        (
            acme.customer.as_str(),
            acme.tier.as_str(),
            acme.breaches,
            acme.first_response_breaches
        ),
        ("Acme", "pro", 3, 2)
    );
    assert_eq!(acme.availability.downtime_ms, 3 * HOUR);
    assert!((acme.availability.percent - (100.0 - 300.0 / 720.0)).abs() < 1e-9);
    assert!(!acme.availability.kept);
    assert_eq!(acme.availability.incidents, vec![3]);
    assert_eq!(acme.breach_credit, Some(Amount::Percent(10.0)));
    assert_eq!(acme.availability_credit, Some(Amount::Percent(10.0)));
    assert_eq!(
        (acme.credit, acme.capped),
        (Some(Amount::Percent(12.0)), true)
    );
    let d1 = &r.customers[1];
    assert_eq!(
        (
            d1.customer.as_str(),
            d1.tier.as_str(),
            d1.breaches,
            d1.first_response_breaches
        ),
        ("discord:d1", "basic", 2, 1)
    );
    assert!(d1.availability.kept && d1.availability.downtime_ms == 0);
    assert_eq!((d1.credit, d1.capped), (Some(Amount::Minutes(60)), false));
    assert_eq!(r.total_service_minutes, 60);
    assert_eq!(r.percent_credits, vec![("Acme".to_string(), 12.0)]);
    let text = render::sla(&r, Format::Text).unwrap();
    assert!(
        text.contains("12% (capped)") && text.contains("1h service"),
        "{text}"
    );

    // One customer: the same lines for Acme only; a clean month still lists the customer.
    let only = service::sla(store, &config(), "2026-11", Some("Acme"), now())
        .await
        .unwrap();
    assert_eq!(only.breaches.len(), 3);
    assert_eq!(only.customers.len(), 1);
    let dec = service::sla(store, &config(), "2026-10", Some("Acme"), now())
        .await
        .unwrap();
    assert!(dec.breaches.is_empty());
    assert!(
        dec.customers[0].availability.kept && dec.customers[0].credit == Some(Amount::Percent(0.0))
    );
    let e = service::sla(store, &config(), "11/2026", None, now())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("YYYY-MM"), "{e}");
}

#[tokio::test]
async fn the_scripted_month_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    every_figure_of_the_month(store).await;
}

#[tokio::test]
async fn the_scripted_month_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    every_figure_of_the_month(store).await;
}

#[tokio::test]
async fn facts_follow_changes_and_a_new_policy() {
    let (store, _dir) = sqlite_store().await;
    month_of_tickets(&store).await;
    let cfg = config();
    assert_eq!(service::refresh(&store, &cfg, now()).await.unwrap(), 7);
    assert_eq!(
        service::refresh(&store, &cfg, now()).await.unwrap(),
        0,
        "nothing changed"
    );
    // #4 gets its first answer, late: only it is computed again, and its clock has stopped.
    let answered = now() + chrono::Duration::minutes(1);
    let mut t = store.ticket(TicketId(4)).await.unwrap().unwrap();
    t.updated_at = answered;
    t.status = Status::Open;
    store
        .save_ticket(&t, &[], &[reply(answered, "bob")])
        .await
        .unwrap();
    let later = now() + chrono::Duration::minutes(10);
    assert_eq!(service::refresh(&store, &cfg, later).await.unwrap(), 1);
    let r = service::kpi(&store, &cfg, &req(), later).await.unwrap();
    assert_eq!(
        (r.overall.response_rate.hits, r.overall.response_rate.total),
        (3, 6)
    );
    let fr = r.overall.first_response.unwrap();
    assert_eq!((fr.n, fr.max_ms), (6, 326 * HOUR + MIN));
    assert_eq!(
        r.agents.iter().find(|a| a.agent == "bob").unwrap().handled,
        3
    );
    // A different SLA policy recomputes every ticket.
    let stricter = Config::from_layers(
        Some((
            Path::new("s.toml"),
            &format!("{CONFIG}\n[sla.tiers.enterprise]\ncalendar = \"24x7\"\n"),
        )),
        &[],
    )
    .unwrap();
    assert_eq!(service::refresh(&store, &stricter, later).await.unwrap(), 7);
}

/// `/metrics` over the same month, read as of the report's instant: the open tickets, the
/// outbox, the breached clocks, the first-response histogram and the FAQ outcomes, each
/// worked out from the table above; then scraped over HTTP as Prometheus would.
async fn the_month_as_metrics(store: Arc<SqlStore>) {
    use supportbot::domain::event::{Message, Outbound, Target};
    use supportbot::domain::ports::OutboxStore;
    month_of_tickets(&store).await;
    let waiting = Outbound::Send {
        to: Target::Conversation(ConversationRef::chat(Platform::Console, "c1")),
        message: Message::text("queued"),
    };
    store
        .enqueue(&[waiting], now() + chrono::Duration::seconds(30))
        .await
        .unwrap();
    let metrics = Arc::new(supportbot::admin::Metrics::default());
    supportbot::admin::read_gauges(&metrics, &store, &config(), now()).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, supportbot::admin::routes(metrics))
            .await
            .unwrap();
    });
    let resp = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = resp.text().await.unwrap();
    server.abort();
    for line in [
        "supportbot_store_up 1",
        // Unfinished: #4 (new, P2, nobody answered) and #5 (open, P4).
        "supportbot_tickets_open{status=\"new\",priority=\"P2\"} 1",
        "supportbot_tickets_open{status=\"open\",priority=\"P4\"} 1",
        "supportbot_outbox_waiting 1",
        "supportbot_outbox_given_up 0",
        // First response breached by #2, #3 and #4 (#4 still running, past due).
        "supportbot_sla_breached_clocks{clock=\"first_response\"} 3",
        // Resolution breached by #2 (12h of 8h), #4 (running) and #6 (October 28 to
        // November 3 is 32 business hours of 8).
        "supportbot_sla_breached_clocks{clock=\"resolution\"} 3",
        // Stopped first responses: #5 and #7 30m; #1, #6 1h; #3 45m; #2 2h30m.
        "supportbot_first_response_seconds_bucket{le=\"900.0\"} 0",
        "supportbot_first_response_seconds_bucket{le=\"1800.0\"} 2",
        "supportbot_first_response_seconds_bucket{le=\"3600.0\"} 5",
        "supportbot_first_response_seconds_bucket{le=\"7200.0\"} 5",
        "supportbot_first_response_seconds_bucket{le=\"14400.0\"} 6",
        "supportbot_first_response_seconds_bucket{le=\"+Inf\"} 6",
        "supportbot_first_response_seconds_count 6",
        "supportbot_first_response_seconds_sum 22500.0",
        // The FAQ lookups, October's included (a counter of everything stored).
        "supportbot_faq_questions{outcome=\"helpful\"} 2",
        "supportbot_faq_questions{outcome=\"need_human\"} 1",
        "supportbot_faq_questions{outcome=\"no_answer\"} 4",
        "supportbot_faq_questions{outcome=\"suggested\"} 1",
        "supportbot_faq_questions{outcome=\"answered\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
    assert!(
        !text.contains("clock=\"next_response\""),
        "#1's next response met its 4h target:\n{text}"
    );
}

#[tokio::test]
async fn the_month_as_metrics_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    the_month_as_metrics(store).await;
}

#[tokio::test]
async fn the_month_as_metrics_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    the_month_as_metrics(store).await;
}
