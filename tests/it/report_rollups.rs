//! The monthly rollups give exactly the figures the facts give: over the scripted month of
//! `reports.rs` and sixty more tickets from September to January, in a time zone whose months
//! are not UTC's, for periods made of whole months, of edges, and of both, with and without
//! filters, and again after tickets change and ratings arrive; on SQLite and PostgreSQL.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use supportbot::config::Config;
use supportbot::domain::ids::{Platform, TicketId};
use supportbot::domain::ports::{Csat, TicketStore};
use supportbot::domain::ticket::{Actor, EventKind, Priority, Status, TicketKind, Tier};
use supportbot::reports::config::days;
use supportbot::reports::model::{Filter, Group, KpiFigures, Measure, Period};
use supportbot::reports::service;
use supportbot::storage::SqlStore;

use crate::db::{postgres_store, sqlite_store};
use crate::reports::{CONFIG, Spec, claim, closed, ev, month_of_tickets, reply, script, status};

fn config() -> Config {
    let text = format!("{CONFIG}\n[reports]\ntime_zone = \"Europe/Budapest\"\n");
    Config::from_layers(Some((Path::new("rollups.toml"), &text)), &[]).unwrap()
}

const USERS: [&str; 5] = ["r1", "r2", "r3", "r4", "r5"];
const AGENTS: [&str; 3] = ["ann", "bob", "cy"];

/// Sixty tickets every 2 days 7 hours from Sep 20: answered after 10 min to 13 h, closed a
/// day or more later (so many close in the next month), every fifth reopened and closed again
/// nine days on, every seventh left open, every third rated.
async fn more_tickets(store: &SqlStore) {
    let start = Utc.with_ymd_and_hms(2026, 9, 20, 8, 0, 0).unwrap();
    for i in 0..60_i64 {
        let opened = start + Duration::hours(55 * i);
        let who = AGENTS[(i % 3) as usize];
        let answered = opened + Duration::minutes(10 + 37 * (i % 21));
        let mut events = vec![
            claim(answered - Duration::minutes(5), who),
            status(
                answered - Duration::minutes(5),
                who,
                Status::New,
                Status::Open,
            ),
            reply(answered, who),
        ];
        let open = i % 7 == 0;
        if !open {
            let close = answered + Duration::hours(20 + 3 * (i % 9));
            events.push(closed(close, who));
            if i % 5 == 0 {
                events.push(ev(
                    close + Duration::hours(30),
                    Actor::Customer("someone".into()),
                    EventKind::Reopened,
                ));
                events.push(closed(close + Duration::days(9), who));
            }
        }
        let id = script(
            store,
            Spec {
                who: (
                    if i % 2 == 0 {
                        Platform::Telegram
                    } else {
                        Platform::Discord
                    },
                    USERS[(i % 5) as usize],
                ),
                tier: Tier::ALL[(i % 3) as usize],
                priority: Priority::ALL[(i % 4) as usize],
                kind: if i % 4 == 1 {
                    TicketKind::Bug
                } else {
                    TicketKind::Question
                },
                tags: &[],
                opened,
                events,
                status: if open { Status::Open } else { Status::Closed },
                assignee: (i % 2 == 0).then_some(who),
            },
        )
        .await;
        if i % 3 == 0 && !open {
            rate(store, id, 1 + (i % 5) as u8, opened + Duration::days(12)).await;
        }
    }
}

async fn rate(store: &SqlStore, id: TicketId, score: u8, at: DateTime<Utc>) {
    store
        .record_csat(&Csat {
            ticket: id,
            score,
            comment: None,
            at,
        })
        .await
        .unwrap();
}

/// The figures with every list in one order, so that two equal sets compare equal.
fn sorted(mut f: KpiFigures) -> KpiFigures {
    f.opened.sort_by_key(|r| format!("{r:?}"));
    f.flow.sort_by_key(|r| format!("{r:?}"));
    f.clocks.sort_by_key(|r| format!("{r:?}"));
    f.times.sort_by_key(|r| format!("{r:?}"));
    f.handled.sort();
    f.csat.sort_by_key(|r| format!("{r:?}"));
    f
}

async fn rollup_rows(store: &SqlStore) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM report_m_times")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Every period and filter gives the same figures both ways; returns how many periods had
/// tickets.
async fn agree(store: &SqlStore, cfg: &Config, now: DateTime<Utc>) -> usize {
    service::refresh(store, cfg, now).await.unwrap();
    let tz = cfg.reports.tz().unwrap();
    let filters = [
        Filter::default(),
        Filter {
            tier: Some(Tier::Basic),
            ..Filter::default()
        },
        Filter {
            platform: Some(Platform::Discord),
            ..Filter::default()
        },
        Filter {
            tier: Some(Tier::Pro),
            platform: Some(Platform::Telegram),
            customer: None,
        },
    ];
    let mut with_tickets = 0;
    for (from, to) in [
        ("2026-10-01", "2026-10-31"),
        ("2026-10-01", "2026-12-31"),
        ("2026-10-15", "2026-12-10"),
        ("2026-11-03", "2026-11-20"),
        ("2026-09-01", "2027-01-31"),
        ("2026-12-31", "2026-12-31"),
    ] {
        let period = days(tz, from, to).unwrap();
        for filter in &filters {
            let rolled = store.kpi_figures(period, filter, tz, now).await.unwrap();
            let facts = store
                .kpi_figures_from_facts(period, filter, now)
                .await
                .unwrap();
            if filter.tier.is_none() && filter.platform.is_none() && !rolled.opened.is_empty() {
                with_tickets += 1;
                percentiles_by_sorting(store, period, &rolled).await;
            }
            assert_eq!(sorted(rolled), sorted(facts), "{from}..{to}, {filter:?}");
        }
    }
    with_tickets
}

/// Every percentile row (overall and per cell) equals the nearest rank of the clocks sorted
/// here, read straight from the facts.
async fn percentiles_by_sorting(store: &SqlStore, period: Period, f: &KpiFigures) {
    let mut checked = 0;
    for row in &f.times {
        let clock = match row.measure {
            Measure::FirstResponse => "first_response",
            Measure::Resolution => "resolution",
        };
        let (cell, agent) = match &row.group {
            Group::All => (None, None),
            Group::Cell(p, t) => (Some((p.rank(), t.as_str())), None),
            Group::Agent(a) => (None, Some(a.clone())),
        };
        let rows = sqlx::query_as::<_, (i64, i64, String, Option<String>)>(
                "SELECT elapsed_ms, priority, tier, agent FROM report_clocks WHERE stopped_at IS NOT NULL \
                 AND clock = $1 AND created_at >= $2 AND created_at < $3",
            )
            .bind(clock)
            .bind(period.from.timestamp_millis())
            .bind(period.to.timestamp_millis())
            .fetch_all(store.pool())
            .await
            .unwrap();
        let mut v: Vec<i64> = rows
            .into_iter()
            .filter(|(_, p, t, a)| match (&cell, &agent) {
                (Some((cp, ct)), _) => p == cp && t == ct,
                (_, Some(ag)) => a.as_deref() == Some(ag.as_str()),
                _ => true,
            })
            .map(|(e, ..)| e)
            .collect();
        v.sort_unstable();
        let n = v.len() as i64;
        let at = |k: i64| v[(k - 1) as usize];
        assert_eq!(row.n, n, "{row:?}");
        assert_eq!(
            (row.median_ms, row.p90_ms, row.max_ms),
            (at((n * 50 + 99) / 100), at((n * 90 + 99) / 100), at(n)),
            "{row:?}"
        );
        checked += 1;
    }
    assert!(checked > 10, "only {checked} percentile rows");
}

async fn rollups_agree(store: Arc<SqlStore>) {
    month_of_tickets(&store).await;
    more_tickets(&store).await;
    let cfg = config();
    let now = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();
    assert_eq!(agree(&store, &cfg, now).await, 5);
    assert!(rollup_rows(&store).await > 20, "the months were rolled up");
    // A ticket of October reopens and closes in January, and changes priority; a rating
    // arrives for another: their months are rebuilt.
    let later = now + Duration::hours(1);
    let mut t = store.ticket(TicketId(10)).await.unwrap().unwrap();
    t.priority = Priority::P1;
    t.updated_at = later;
    let reopened = ev(
        later,
        Actor::Customer("someone".into()),
        EventKind::Reopened,
    );
    store
        .save_ticket(&t, &[], &[reopened, closed(later, "cy")])
        .await
        .unwrap();
    rate(&store, TicketId(12), 5, later).await;
    let before = store
        .kpi_figures(
            days(chrono_tz::Europe::Budapest, "2026-10-01", "2026-10-31").unwrap(),
            &Filter::default(),
            chrono_tz::Europe::Budapest,
            now,
        )
        .await
        .unwrap();
    assert_eq!(agree(&store, &cfg, later + Duration::hours(1)).await, 5);
    let after = store
        .kpi_figures(
            days(chrono_tz::Europe::Budapest, "2026-10-01", "2026-10-31").unwrap(),
            &Filter::default(),
            chrono_tz::Europe::Budapest,
            later + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_ne!(sorted(before), sorted(after), "October's figures moved");
}

#[tokio::test]
async fn the_rollups_agree_with_the_facts_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    rollups_agree(store).await;
}

#[tokio::test]
async fn the_rollups_agree_with_the_facts_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    rollups_agree(store).await;
}

/// Two instances on one PostgreSQL database computing the facts and rollups at the same time
/// (both from scratch) leave each month counted once.
#[tokio::test]
async fn two_instances_refreshing_at_once_count_each_month_once() {
    let Some((store, db)) = postgres_store().await else {
        return;
    };
    month_of_tickets(&store).await;
    more_tickets(&store).await;
    let other = supportbot::storage::connect(&db.url, 4).await.unwrap();
    let cfg = config();
    let now = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();
    let (a, b) = tokio::join!(
        service::refresh(&store, &cfg, now),
        service::refresh(&other, &cfg, now)
    );
    assert_eq!(a.unwrap(), 67);
    assert_eq!(b.unwrap(), 67);
    assert_eq!(agree(&store, &cfg, now).await, 5);
    assert_eq!(agree(&other, &cfg, now).await, 5);
    other.close().await;
}
