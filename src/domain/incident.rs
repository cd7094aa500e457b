//! `/incident <id> [since] <when>`: an agent confirms when an incident began, so that the
//! availability report counts the customer's downtime from then rather than from the moment
//! the ticket was opened (customers often report an outage some time after it started).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How far before the ticket's opening a confirmed start may lie. A start weeks before the
/// report is far more likely a mistyped date than a real outage nobody reported, and it would
/// turn into a month of downtime and the largest credit the contract allows.
pub const MAX_BEFORE_OPENING_DAYS: i64 = 31;

/// When an agent says an incident began, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// `HH:MM`: today in the desk's time zone.
    Today(NaiveTime),
    /// `YYYY-MM-DD HH:MM`: in the desk's time zone.
    Local(NaiveDateTime),
    /// RFC 3339 with an offset (`2026-11-14T00:30+01:00`, `…Z`): exactly that instant.
    Exact(DateTime<Utc>),
}

/// Why a start could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinceError {
    /// The start, which lies after `now`.
    Future(DateTime<Utc>),
    /// The start, which lies more than [`MAX_BEFORE_OPENING_DAYS`] before the ticket opened.
    TooEarly(DateTime<Utc>),
}

/// Reads the words after the ticket id: an optional `since`, then a time. `None` when they
/// are not one of the [`Since`] forms.
pub fn parse_since(words: &str) -> Option<Since> {
    let mut s = words.trim();
    if let Some((first, rest)) = s.split_once(char::is_whitespace)
        && first.eq_ignore_ascii_case("since")
    {
        s = rest.trim();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Since::Exact(t.with_timezone(&Utc)));
    }
    let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
    // `2026-11-14 00:30` or `2026-11-14T00:30`.
    let (day, clock) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (Some(d.trim()), t.trim()),
        None => (None, s),
    };
    let clock = time(clock)?;
    match day {
        None => Some(Since::Today(clock)),
        Some(d) => {
            let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
            Some(Since::Local(d.and_time(clock)))
        }
    }
}

impl Since {
    /// The instant meant, reading local forms in `tz` at `now`, checked against the ticket's
    /// opening. A local time a clock change skips is read as the first instant after the gap;
    /// one it repeats, as the earlier of the two.
    pub fn resolve(
        &self,
        tz: Tz,
        now: DateTime<Utc>,
        opened: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, SinceError> {
        let local = |at: NaiveDateTime| {
            (0..=180)
                .find_map(|m| {
                    tz.from_local_datetime(&(at + Duration::minutes(m)))
                        .earliest()
                })
                .map_or(at.and_utc(), |t| t.with_timezone(&Utc))
        };
        let at = match *self {
            Since::Exact(t) => t,
            Since::Local(t) => local(t),
            Since::Today(t) => local(now.with_timezone(&tz).date_naive().and_time(t)),
        };
        if at > now {
            Err(SinceError::Future(at))
        } else if at < opened - Duration::days(MAX_BEFORE_OPENING_DAYS) {
            Err(SinceError::TooEarly(at))
        } else {
            Ok(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_three_forms_are_read_with_or_without_since() {
        assert_eq!(parse_since("09:40"), Some(Since::Today(hm(9, 40))));
        assert_eq!(parse_since("since 09:40"), Some(Since::Today(hm(9, 40))));
        assert_eq!(parse_since("SINCE  09:40 "), Some(Since::Today(hm(9, 40))));
        let day = NaiveDate::from_ymd_opt(2026, 11, 14).unwrap();
        assert_eq!(
            parse_since("since 2026-11-14 00:30"),
            Some(Since::Local(day.and_time(hm(0, 30))))
        );
        assert_eq!(
            parse_since("2026-11-14T00:30"),
            Some(Since::Local(day.and_time(hm(0, 30))))
        );
        assert_eq!(
            parse_since("2026-11-14T00:30:00+01:00"),
            Some(Since::Exact(utc("2026-11-13T23:30:00Z")))
        );
        for bad in [
            "",
            "since",
            "yesterday",
            "25:00",
            "9.40",
            "2026-13-01 10:00",
            "2026-11-14",
            "10:00 x",
        ] {
            assert_eq!(parse_since(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn local_times_are_read_in_the_zone_and_checked() {
        let tz: Tz = "Europe/Budapest".parse().unwrap();
        let now = utc("2026-11-14T10:00:00Z"); // 11:00 in Budapest
        let opened = utc("2026-11-14T09:00:00Z");
        assert_eq!(
            Since::Today(hm(9, 40)).resolve(tz, now, opened),
            Ok(utc("2026-11-14T08:40:00Z"))
        );
        assert_eq!(
            Since::Today(hm(11, 30)).resolve(tz, now, opened),
            Err(SinceError::Future(utc("2026-11-14T10:30:00Z")))
        );
        let long_ago = NaiveDate::from_ymd_opt(2025, 11, 14)
            .unwrap()
            .and_time(hm(9, 0));
        assert_eq!(
            Since::Local(long_ago).resolve(tz, now, opened),
            Err(SinceError::TooEarly(utc("2025-11-14T08:00:00Z")))
        );
        // 02:30 on the last Sunday of March does not exist in Budapest: the gap's end is meant.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_time(hm(2, 30));
        let spring = utc("2026-03-29T12:00:00Z");
        assert_eq!(
            Since::Local(gap).resolve(tz, spring, spring),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
    }
}
