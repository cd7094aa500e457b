//! Business calendars: weekly open intervals in an IANA time zone minus holidays, and the
//! business-time arithmetic (`add_business`, `business_between`) the SLA clocks are built on.
//!
//! Local wall-clock intervals are turned into UTC instants before any arithmetic, so a DST
//! change never loses or double-counts an hour. A local time that does not exist (the gap when
//! clocks spring forward) maps to the instant of the jump; an ambiguous local time (clocks fall
//! back) maps to its earliest instant when it opens an interval and to the last time the clock
//! passes it when it closes one, so an interval covers exactly the instants whose wall-clock
//! reading lies inside it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::wall_clock::{MAX_OFFSET_SECS, Offsets, instant};

/// The name of the always-open calendar that exists without configuration.
pub const ALWAYS_OPEN: &str = "24x7";

/// How far ahead the arithmetic looks for open time before giving up (guards against calendars
/// whose holidays cover all remaining open time).
const MAX_CLOSED_DAYS: i64 = 3660;

/// `[sla.calendars.NAME]`: a time zone, business intervals per weekday and holidays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone, e.g. `Europe/Budapest`.
    pub timezone: String,
    /// Monday's intervals, `"09:00-12:00"`; an end at or before the start means the next day.
    #[serde(default)]
    pub mon: Vec<String>,
    /// Tuesday's intervals.
    #[serde(default)]
    pub tue: Vec<String>,
    /// Wednesday's intervals.
    #[serde(default)]
    pub wed: Vec<String>,
    /// Thursday's intervals.
    #[serde(default)]
    pub thu: Vec<String>,
    /// Friday's intervals.
    #[serde(default)]
    pub fri: Vec<String>,
    /// Saturday's intervals.
    #[serde(default)]
    pub sat: Vec<String>,
    /// Sunday's intervals.
    #[serde(default)]
    pub sun: Vec<String>,
    /// Closed days: `"2026-12-25"` or inclusive ranges `"2026-12-24..2026-12-26"`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// Business-time arithmetic failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No open time within the search horizon.
    #[error(
        "calendar `{0}` has no open time within {MAX_CLOSED_DAYS} days (its holidays cover all of it; shorten them)"
    )]
    NoOpenTime(String),
    /// The answer would lie after the last instant RFC 3339 can write.
    #[error(
        "on calendar `{0}` the due time would fall after 9999-12-31T23:59:59Z, the last instant RFC 3339 can write; use a shorter target or a calendar with more open time"
    )]
    TooFar(String),
}

/// The last instant the arithmetic answers with: 9999-12-31T23:59:59Z, the end of RFC 3339.
pub fn latest_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A validated calendar, ready for arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Its name in the config.
    pub name: String,
    /// Its time zone.
    pub tz: Tz,
    /// Per weekday (Monday = 0): (start, end) in minutes after local midnight; end ≤ 2880.
    week: [Vec<(u32, u32)>; 7],
    /// Holiday ranges, inclusive, keyed by first day.
    holidays: BTreeMap<NaiveDate, NaiveDate>,
    always_open: bool,
}

/// One counted span of business time, `[start, end)`.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Parses `"09:00-17:00"`; an end at or before the start belongs to the next day.
pub fn parse_interval(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not an interval (use HH:MM-HH:MM, e.g. 09:00-17:00)");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b) = (
        parse_hhmm(a).ok_or_else(bad)?,
        parse_hhmm(b).ok_or_else(bad)?,
    );
    if a >= 1440 {
        return Err(format!("`{s}`: an interval must start before 24:00"));
    }
    Ok(if b <= a { (a, b + 1440) } else { (a, b) })
}

fn parse_holiday(s: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let date = |d: &str| {
        NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| format!("`{s}` is not a date (use YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)"))
    };
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (date(a)?, date(b)?);
            if b < a {
                return Err(format!("`{s}`: the range ends before it starts"));
            }
            Ok((a, b))
        }
        None => date(s).map(|d| (d, d)),
    }
}

impl Calendar {
    /// The built-in calendar that is always open.
    pub fn always_open() -> Calendar {
        Calendar {
            name: ALWAYS_OPEN.to_string(),
            tz: chrono_tz::UTC,
            week: Default::default(),
            holidays: BTreeMap::new(),
            always_open: true,
        }
    }

    /// Validates a configured calendar; errors name the offending key below `key`.
    pub fn from_config(name: &str, c: &CalendarConfig, key: &str) -> Result<Calendar, String> {
        let tz: Tz = c
            .timezone
            .parse()
            .map_err(|_| {
                let shown: String = c.timezone.chars().take(60).collect();
                format!(
                    "{key}.timezone: `{shown}` is not an IANA time zone name (use one such as \"Europe/Budapest\", \"America/New_York\" or \"UTC\")"
                )
            })?;
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        let days = [&c.mon, &c.tue, &c.wed, &c.thu, &c.fri, &c.sat, &c.sun];
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for (i, list) in days.iter().enumerate() {
            for s in list.iter() {
                let iv = parse_interval(s).map_err(|e| format!("{key}.{}: {e}", names[i]))?;
                week[i].push(iv);
            }
            week[i].sort_unstable();
        }
        if week.iter().all(Vec::is_empty) {
            return Err(format!(
                "{key}: calendar `{name}` has no business intervals (set mon … sun, e.g. mon = [\"09:00-17:00\"])"
            ));
        }
        let mut holidays = BTreeMap::new();
        for h in &c.holidays {
            let (a, b) = parse_holiday(h).map_err(|e| format!("{key}.holidays: {e}"))?;
            let end = holidays.entry(a).or_insert(b);
            *end = (*end).max(b);
        }
        Ok(Calendar {
            name: name.to_string(),
            tz,
            week,
            holidays,
            always_open: false,
        })
    }

    /// True for the around-the-clock calendar.
    pub fn is_always_open(&self) -> bool {
        self.always_open
    }

    /// The last day of the holiday covering `d`, if any.
    fn holiday_end(&self, d: NaiveDate) -> Option<NaiveDate> {
        // Ranges may overlap, so look at every range starting on or before `d`; holidays lists
        // are short, and the common case stops at the first range.
        self.holidays
            .range(..=d)
            .rev()
            .map(|(_, e)| *e)
            .find(|e| *e >= d)
    }

    /// Open stretches of real time from `from` onwards, in order, disjoint (adjacent ones are
    /// not merged), until `f` returns false. Each stretch starts no earlier than `from`.
    fn for_pieces(
        &self,
        from: DateTime<Utc>,
        mut f: impl FnMut(Window) -> bool,
    ) -> Result<(), CalendarError> {
        let from_s = from.timestamp();
        let last_s = latest_instant().timestamp();
        let mut offsets = Offsets::new(self.tz);
        // An interval of local day d ends before d + 2 days read as UTC, plus at most a day of
        // offset: days starting three UTC days before `from` cannot reach it.
        let mut day = from
            .date_naive()
            .checked_sub_days(Days::new(3))
            .unwrap_or(from.date_naive());
        let mut last_open = day;
        let mut pending: BinaryHeap<Reverse<(i64, i64)>> = BinaryHeap::new();
        let mut emitted_to = from_s;
        let mut buf = Vec::new();
        loop {
            let next = match self.holiday_end(day) {
                Some(end) => end.succ_opt(),
                None => {
                    let midnight = day.and_time(NaiveTime::MIN).and_utc().timestamp();
                    buf.clear();
                    for &(s, e) in &self.week[day.weekday().num_days_from_monday() as usize] {
                        let (a, b) = (midnight + 60 * i64::from(s), midnight + 60 * i64::from(e));
                        offsets.preimage(a, b, &mut buf);
                    }
                    if !buf.is_empty() {
                        last_open = day;
                    }
                    pending.extend(buf.iter().filter(|p| p.1 > from_s).map(|p| Reverse(*p)));
                    day.succ_opt()
                }
            };
            let Some(next) = next else {
                return Err(CalendarError::TooFar(self.name.clone()));
            };
            day = next;
            // Stretches of later days start at or after their local midnight minus a day.
            let frontier = day.and_time(NaiveTime::MIN).and_utc().timestamp() - MAX_OFFSET_SECS;
            while let Some(&Reverse((a, b))) = pending.peek() {
                if a >= frontier {
                    break;
                }
                pending.pop();
                let a = a.max(emitted_to);
                if b > a {
                    if !f((instant(a), instant(b))) {
                        return Ok(());
                    }
                    emitted_to = b;
                }
            }
            if (day - last_open).num_days() > MAX_CLOSED_DAYS {
                return Err(CalendarError::NoOpenTime(self.name.clone()));
            }
            if frontier > last_s {
                return Err(CalendarError::TooFar(self.name.clone()));
            }
        }
    }

    /// The instant at which `d` of business time has passed since `start`. Fails when the
    /// calendar has no open time for years, or when the instant would lie after
    /// [`latest_instant`].
    pub fn add_business(
        &self,
        start: DateTime<Utc>,
        d: Duration,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let d = d.max(Duration::zero());
        let due = if self.always_open || d.is_zero() {
            start.checked_add_signed(d)
        } else {
            let mut left = d;
            let mut due = None;
            self.for_pieces(start, |(a, b)| {
                let len = b - a;
                if len >= left {
                    due = Some(a + left);
                    false
                } else {
                    left -= len;
                    true
                }
            })?;
            due
        };
        due.filter(|t| *t <= latest_instant())
            .ok_or_else(|| CalendarError::TooFar(self.name.clone()))
    }

    /// Business time between `a` and `b` (zero when `b` is not after `a`).
    pub fn business_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        self.windows_between(a, b)
            .into_iter()
            .fold(Duration::zero(), |acc, (x, y)| acc + (y - x))
    }

    /// The open windows inside `[a, b)`, merged and in order.
    pub fn windows_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Vec<Window> {
        if b <= a {
            return Vec::new();
        }
        if self.always_open {
            return vec![(a, b)];
        }
        let mut out: Vec<Window> = Vec::new();
        // A calendar with no open time before `b` yields an error only after `b`: nothing to add.
        let _ = self.for_pieces(a, |(x, y)| {
            if x >= b {
                return false;
            }
            match out.last_mut() {
                Some(last) if last.1 == x => last.1 = y.min(b),
                _ => out.push((x, y.min(b))),
            }
            y < b
        });
        out
    }

    /// True when `t` falls in an open window.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.business_between(t, t + Duration::seconds(1)) > Duration::zero()
    }
}

/// The longest duration a target, warning or repeat may be: a year (366 days) of business time.
pub const MAX_DURATION_DAYS: i64 = 366;

/// Parses `90m`, `4h`, `2d`, `1h30m` (`d` is 24 hours, not a business day), at most
/// [`MAX_DURATION_DAYS`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let shown: String = s.trim().chars().take(40).collect();
    let bad = || format!("`{shown}` is not a duration (use e.g. 90m, 4h, 2d or 1h30m)");
    let too_long = || {
        format!("`{shown}` is too long: a duration may be at most {MAX_DURATION_DAYS}d (a year)")
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let max_minutes = MAX_DURATION_DAYS * 1440;
    let mut total: i64 = 0;
    let mut num: Option<i64> = None;
    let mut last_rank = 0;
    for c in t.chars() {
        if let Some(digit) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            // Saturate: any number past the maximum is reported as too long, not as garbage.
            let n = num
                .unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(i64::from(digit));
            num = Some(n.min(max_minutes + 1));
            continue;
        }
        let (rank, unit) = match c {
            'd' => (1, 1440),
            'h' => (2, 60),
            'm' => (3, 1),
            _ => return Err(bad()),
        };
        let Some(n) = num.take() else {
            return Err(bad());
        };
        if rank <= last_rank {
            return Err(bad());
        }
        total = total.saturating_add(n.saturating_mul(unit));
        last_rank = rank;
    }
    if num.is_some() {
        return Err(bad());
    }
    if total <= 0 {
        return Err(format!("`{shown}`: a duration must be longer than zero"));
    }
    if total > max_minutes {
        return Err(too_long());
    }
    Ok(Duration::minutes(total))
}

/// Renders a duration the way `parse_duration` reads it: `1h30m`, `2d4h`, `45m`.
pub fn format_duration(d: Duration) -> String {
    let neg = d < Duration::zero();
    let mins = d.num_minutes().abs();
    let (days, hours, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    let mut s = String::from(if neg { "-" } else { "" });
    if days > 0 {
        s.push_str(&format!("{days}d"));
    }
    if hours > 0 {
        s.push_str(&format!("{hours}h"));
    }
    if m > 0 || s.is_empty() || s == "-" {
        s.push_str(&format!("{m}m"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(tz: &str, f: impl FnOnce(&mut CalendarConfig)) -> Calendar {
        let mut c = CalendarConfig {
            timezone: tz.into(),
            ..Default::default()
        };
        f(&mut c);
        Calendar::from_config("t", &c, "sla.calendars.t").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn weekdays(c: &mut CalendarConfig, iv: &[&str]) {
        let v: Vec<String> = iv.iter().map(|s| s.to_string()).collect();
        for d in [&mut c.mon, &mut c.tue, &mut c.wed, &mut c.thu, &mut c.fri] {
            *d = v.clone();
        }
    }

    #[test]
    fn durations_parse_and_reject() {
        assert_eq!(parse_duration("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("4h"), Ok(Duration::hours(4)));
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        for bad in [
            "", "h", "4", "30m1h", "1h1h", "4x", "-4h", "0m", "1.5h", "４h", "1d 2h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(parse_duration("366d"), Ok(Duration::days(366)));
        for huge in ["367d", "2147483647d", "99999999999999999999999m", "366d1m"] {
            let e = parse_duration(huge).unwrap_err();
            assert!(e.contains("at most 366d"), "{huge}: {e}");
        }
        assert_eq!(format_duration(Duration::minutes(90)), "1h30m");
        assert_eq!(format_duration(Duration::hours(52)), "2d4h");
    }

    #[test]
    fn friday_evening_rolls_over_weekend() {
        let c = cal("Europe/Budapest", |c| weekdays(c, &["09:00-17:00"]));
        // Fri 2026-11-20 16:00 CET = 15:00Z; 4h business → Mon 12:00 CET = 11:00Z.
        let due = c
            .add_business(utc("2026-11-20T15:00:00Z"), Duration::hours(4))
            .unwrap();
        assert_eq!(due, utc("2026-11-23T11:00:00Z"));
        assert_eq!(
            c.business_between(utc("2026-11-20T15:00:00Z"), due),
            Duration::hours(4)
        );
    }

    #[test]
    fn holidays_and_split_shifts() {
        let c = cal("Europe/Budapest", |c| {
            weekdays(c, &["09:00-12:00", "13:00-18:00"]);
            c.holidays = vec!["2026-12-24..2026-12-26".into(), "2026-12-28".into()];
        });
        // Wed 23 Dec 17:00 CET: 1h left that day, then 24–28 closed (27 Sunday) → Tue 29th.
        let due = c
            .add_business(utc("2026-12-23T16:00:00Z"), Duration::hours(3))
            .unwrap();
        assert_eq!(due, utc("2026-12-29T10:00:00Z")); // 09:00–11:00 CET on the 29th
    }

    #[test]
    fn night_shift_crosses_midnight_and_spring_forward() {
        // Budapest springs forward Sun 2026-03-29 02:00 → 03:00.
        let c = cal("Europe/Budapest", |c| c.sat = vec!["22:00-06:00".into()]);
        let start = utc("2026-03-28T21:00:00Z"); // Sat 22:00 CET
        let end = utc("2026-03-29T04:00:00Z"); // Sun 06:00 CEST
        assert_eq!(c.business_between(start, end), Duration::hours(7));
        assert_eq!(c.add_business(start, Duration::hours(7)).unwrap(), end);
    }

    #[test]
    fn fall_back_counts_the_repeated_hour_once() {
        // New York falls back Sun 2026-11-01 02:00 EDT → 01:00 EST.
        let c = cal("America/New_York", |c| c.sun = vec!["00:00-04:00".into()]);
        let w = c.windows_between(utc("2026-10-31T00:00:00Z"), utc("2026-11-03T00:00:00Z"));
        assert_eq!(
            w,
            vec![(utc("2026-11-01T04:00:00Z"), utc("2026-11-01T09:00:00Z"))]
        );
    }

    #[test]
    fn gap_start_maps_to_the_jump() {
        let c = cal("America/New_York", |c| c.sun = vec!["02:30-04:00".into()]);
        // 2026-03-08 02:30 does not exist; the window opens at 03:00 EDT = 07:00Z.
        let w = c.windows_between(utc("2026-03-07T00:00:00Z"), utc("2026-03-09T00:00:00Z"));
        assert_eq!(
            w,
            vec![(utc("2026-03-08T07:00:00Z"), utc("2026-03-08T08:00:00Z"))]
        );
    }

    #[test]
    fn validation_names_keys() {
        let mut c = CalendarConfig {
            timezone: "Mars/Olympus".into(),
            ..Default::default()
        };
        let e = Calendar::from_config("x", &c, "sla.calendars.x").unwrap_err();
        assert!(e.contains("sla.calendars.x.timezone"), "{e}");
        c.timezone = "UTC".into();
        let e = Calendar::from_config("x", &c, "sla.calendars.x").unwrap_err();
        assert!(e.contains("no business intervals"), "{e}");
        c.tue = vec!["9-17".into()];
        let e = Calendar::from_config("x", &c, "sla.calendars.x").unwrap_err();
        assert!(e.contains("sla.calendars.x.tue"), "{e}");
    }

    #[test]
    fn around_the_clock_calendars_answer() {
        let all: Vec<String> = vec!["00:00-24:00".into()];
        let c = cal("Europe/Budapest", |c| {
            for d in [
                &mut c.mon, &mut c.tue, &mut c.wed, &mut c.thu, &mut c.fri, &mut c.sat, &mut c.sun,
            ] {
                *d = all.clone();
            }
        });
        let start = utc("2026-11-20T15:00:00Z");
        let due = c.add_business(start, Duration::days(30)).unwrap();
        assert_eq!(due, start + Duration::days(30));
        assert_eq!(c.business_between(start, due), Duration::days(30));
        assert_eq!(c.windows_between(start, due), vec![(start, due)]);
        // Two shifts that hand over at 08:00 and 20:00 every day, across a DST change.
        let shifts = cal("America/New_York", |c| {
            for d in [
                &mut c.mon, &mut c.tue, &mut c.wed, &mut c.thu, &mut c.fri, &mut c.sat, &mut c.sun,
            ] {
                *d = vec!["08:00-20:00".into(), "20:00-08:00".into()];
            }
        });
        let start = utc("2026-10-25T00:00:00Z");
        let due = shifts.add_business(start, Duration::days(14)).unwrap();
        assert_eq!(due, start + Duration::days(14));
    }

    #[test]
    fn huge_targets_are_errors_not_panics() {
        let start = utc("2026-11-20T15:00:00Z");
        let far = Duration::days(i64::from(i32::MAX));
        let e = Calendar::always_open()
            .add_business(start, far)
            .unwrap_err();
        assert!(e.to_string().contains("9999-12-31"), "{e}");
        let c = cal("UTC", |c| c.sun = vec!["00:00-00:01".into()]);
        let e = c
            .add_business(utc("9000-01-01T00:00:00Z"), Duration::days(366))
            .unwrap_err();
        assert_eq!(e, CalendarError::TooFar("t".into()));
        let late = utc("9999-12-31T20:00:00Z");
        assert!(
            Calendar::always_open()
                .add_business(late, Duration::hours(5))
                .is_err()
        );
        assert_eq!(
            Calendar::always_open()
                .add_business(late, Duration::hours(3))
                .unwrap(),
            utc("9999-12-31T23:00:00Z")
        );
    }

    #[test]
    fn fall_back_counts_only_readings_inside_the_interval() {
        // The examples of issue 13: (zone, day, interval, start, target, due).
        let cases = [
            (
                "Europe/Budapest",
                "sat",
                "23:00-02:30",
                "2026-10-24T21:00:00Z",
                240,
                "2026-10-25T01:30:00Z",
            ),
            (
                "America/New_York",
                "sun",
                "01:30-05:00",
                "2026-11-01T05:30:00Z",
                60,
                "2026-11-01T07:00:00Z",
            ),
            (
                "Australia/Sydney",
                "sun",
                "02:45-03:15",
                "2027-04-03T15:45:00Z",
                81,
                "2027-04-17T16:51:00Z",
            ),
        ];
        for (tz, day, iv, start, mins, due) in cases {
            let c = cal(tz, |c| match day {
                "sat" => c.sat = vec![iv.into()],
                _ => c.sun = vec![iv.into()],
            });
            let got = c.add_business(utc(start), Duration::minutes(mins)).unwrap();
            assert_eq!(got, utc(due), "{tz} {day} {iv}");
            assert_eq!(c.business_between(utc(start), got), Duration::minutes(mins));
        }
    }

    #[test]
    fn endless_holiday_is_an_error_not_a_hang() {
        let c = cal("UTC", |c| {
            c.mon = vec!["09:00-17:00".into()];
            c.holidays = vec!["2026-01-01..2099-12-31".into()];
        });
        assert_eq!(
            c.add_business(utc("2026-06-01T00:00:00Z"), Duration::hours(1)),
            Err(CalendarError::NoOpenTime("t".into()))
        );
    }
}
