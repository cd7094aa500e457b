//! Property tests: business-time arithmetic against a brute-force reference that steps minute by
//! minute over random calendars (split shifts, midnight-crossing intervals, holidays) in DST zones.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use supportbot::domain::calendar::{Calendar, CalendarConfig};

/// Days around which the random starts are placed: DST changes in each zone, plus a quiet week.
const ZONES: &[(&str, &[&str])] = &[
    (
        "Europe/Budapest",
        &["2026-03-29", "2026-10-25", "2026-07-01"],
    ),
    (
        "America/New_York",
        &["2026-03-08", "2026-11-01", "2026-12-24"],
    ),
    // China observed DST 1986–1991; 2026 has none.
    ("Asia/Shanghai", &["1988-04-10", "1988-09-11", "2026-05-01"]),
];

const HORIZON_DAYS: i64 = 24;

#[derive(Debug, Clone)]
struct Case {
    zone: usize,
    week: Vec<Vec<(u32, u32)>>, // minutes; end may be ≤ start (crosses midnight)
    holidays: Vec<(i64, i64)>,  // day offsets from the base date, inclusive ranges
    base: usize,
    start_min: i64, // minutes from base date 00:00 UTC − 5 days
    target_min: i64,
    span_min: i64,
}

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn base_date(c: &Case) -> NaiveDate {
    NaiveDate::parse_from_str(ZONES[c.zone].1[c.base], "%Y-%m-%d").unwrap()
}

fn config(c: &Case) -> CalendarConfig {
    let base = base_date(c);
    let days: Vec<Vec<String>> = c
        .week
        .iter()
        .map(|d| {
            d.iter()
                .map(|(s, e)| format!("{}-{}", hhmm(*s), hhmm(*e)))
                .collect()
        })
        .collect();
    CalendarConfig {
        timezone: ZONES[c.zone].0.into(),
        mon: days[0].clone(),
        tue: days[1].clone(),
        wed: days[2].clone(),
        thu: days[3].clone(),
        fri: days[4].clone(),
        sat: days[5].clone(),
        sun: days[6].clone(),
        holidays: c
            .holidays
            .iter()
            .map(|(a, b)| {
                let (a, b) = (base + Duration::days(*a), base + Duration::days(*b));
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}..{b}")
                }
            })
            .collect(),
    }
}

fn case() -> impl Strategy<Value = Case> {
    // Half-hour grid keeps intervals legible; the end is any grid point (≤ start = next day).
    // Starts and ends are drawn often from the hours where clocks jump (01:00–03:00 local).
    let point =
        prop_oneof![2 => (0u32..48).prop_map(|h| h * 30), 1 => (2u32..7).prop_map(|h| h * 30)];
    let interval = (point.clone(), point)
        .prop_filter("non-empty", |(s, e)| s != e)
        .prop_map(|(s, e)| (s, e));
    let day = prop::collection::vec(interval, 0..3);
    (
        0..ZONES.len(),
        prop::collection::vec(day, 7),
        prop::collection::vec((-3i64..20, 0i64..4), 0..3),
        0usize..3,
        0i64..(10 * 1440),
        1i64..(30 * 60),
        0i64..(6 * 1440),
    )
        .prop_filter("needs some open time", |(_, w, ..)| {
            w.iter().any(|d| !d.is_empty())
        })
        .prop_map(
            |(zone, week, hol, base, start_min, target_min, span_min)| Case {
                zone,
                week,
                holidays: hol.into_iter().map(|(a, len)| (a, a + len)).collect(),
                base,
                start_min,
                target_min,
                span_min,
            },
        )
}

/// Reference conversion of a wall-clock time, by scanning minutes: the first minute whose local
/// time is ≥ `w` (opening) and the minute after the last one whose local time is < `w` (closing).
fn ref_instants(tz: Tz, w: NaiveDateTime) -> (i64, i64) {
    let guess = w.and_utc().timestamp() / 60
        - i64::from(tz.offset_from_utc_datetime(&w).fix().local_minus_utc() / 60);
    let local = |m: i64| {
        Utc.timestamp_opt(m * 60, 0)
            .unwrap()
            .with_timezone(&tz)
            .naive_local()
    };
    let range = (guess - 180)..(guess + 180);
    let open = range.clone().find(|m| local(*m) >= w).unwrap();
    let close = range.filter(|m| local(*m) < w).max().unwrap() + 1;
    (open, close)
}

use chrono::Offset;

/// Minute-by-minute openness from `from_min` for `len` minutes.
fn ref_open_minutes(c: &Case, from_min: i64, len: i64) -> Vec<bool> {
    let tz: Tz = ZONES[c.zone].0.parse().unwrap();
    let base = base_date(c);
    let hol: Vec<(NaiveDate, NaiveDate)> = c
        .holidays
        .iter()
        .map(|(a, b)| (base + Duration::days(*a), base + Duration::days(*b)))
        .collect();
    let mut open = vec![false; len as usize];
    let first = Utc.timestamp_opt(from_min * 60, 0).unwrap().date_naive() - Duration::days(2);
    // Local dates can be a day ahead of UTC ones, and intervals start up to a day early.
    let days = len / 1440 + 6;
    for i in 0..days {
        let d = first + Duration::days(i);
        if hol.iter().any(|(a, b)| *a <= d && d <= *b) {
            continue;
        }
        let midnight = d.and_hms_opt(0, 0, 0).unwrap();
        for &(s, e) in &c.week[d.weekday().num_days_from_monday() as usize] {
            let e = if e <= s { e + 1440 } else { e };
            let (a, _) = ref_instants(tz, midnight + Duration::minutes(s.into()));
            let (_, b) = ref_instants(tz, midnight + Duration::minutes(e.into()));
            for m in a.max(from_min)..b.min(from_min + len) {
                open[(m - from_min) as usize] = true;
            }
        }
    }
    open
}

fn origin(c: &Case) -> i64 {
    base_date(c)
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
        / 60
        - 5 * 1440
}

fn at(min: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(min * 60, 0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn add_business_matches_minute_stepping(c in case()) {
        let cal = Calendar::from_config("p", &config(&c), "sla.calendars.p").unwrap();
        let start = origin(&c) + c.start_min;
        let open = ref_open_minutes(&c, start, HORIZON_DAYS * 1440);
        let mut count = 0;
        let mut expected = None;
        for (i, o) in open.iter().enumerate() {
            if *o {
                count += 1;
                if count == c.target_min {
                    expected = Some(start + i as i64 + 1);
                    break;
                }
            }
        }
        let got = cal.add_business(at(start), Duration::minutes(c.target_min));
        match expected {
            Some(e) => prop_assert_eq!(got.unwrap(), at(e)),
            // Not reached within the horizon: the engine must agree it lies beyond it.
            None => prop_assert!(got.map_or(true, |g| g > at(start + HORIZON_DAYS * 1440))),
        }
    }

    #[test]
    fn business_between_matches_minute_counting(c in case()) {
        let cal = Calendar::from_config("p", &config(&c), "sla.calendars.p").unwrap();
        let a = origin(&c) + c.start_min;
        let open = ref_open_minutes(&c, a, c.span_min);
        let expected = open.iter().filter(|o| **o).count() as i64;
        prop_assert_eq!(
            cal.business_between(at(a), at(a + c.span_min)),
            Duration::minutes(expected)
        );
    }
}
