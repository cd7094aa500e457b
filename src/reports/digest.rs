//! Digests: `[reports.digest]` and when each digest is due. A daily digest covers the local day
//! before the day it is posted, a weekly one the seven local days before it; both are posted
//! at `at` local time (`reports.time_zone`). Only the most recent period that is due is ever
//! posted, so a bot that was down for days posts one catch-up digest, not one per missed day.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::model::Period;

/// How often a digest is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    /// Each day, about the day before.
    Daily,
    /// Each week on `weekday`, about the seven days before.
    Weekly,
}

impl Every {
    /// `daily` or `weekly`, as stored with each posted digest.
    pub fn as_str(self) -> &'static str {
        match self {
            Every::Daily => "daily",
            Every::Weekly => "weekly",
        }
    }
}

/// `[reports.digest]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Post digests to the staff lobby of `staff.home` (off by default).
    #[serde(default)]
    pub enabled: bool,
    /// `daily` or `weekly`.
    #[serde(default = "default_every")]
    pub period: Every,
    /// Local time of day to post, `HH:MM` (`09:00`).
    #[serde(default = "default_at")]
    pub at: String,
    /// Day of the week of a weekly digest (`mon`).
    #[serde(default = "default_weekday")]
    pub weekday: String,
    /// How many of the oldest open tickets to list (5).
    #[serde(default = "default_oldest")]
    pub oldest: usize,
    /// Attach a bar chart of the tickets opened per priority, where the platform takes images.
    #[serde(default = "default_chart")]
    pub chart: bool,
}

fn default_every() -> Every {
    Every::Daily
}

fn default_at() -> String {
    "09:00".into()
}

fn default_weekday() -> String {
    "mon".into()
}

fn default_oldest() -> usize {
    5
}

fn default_chart() -> bool {
    true
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            enabled: false,
            period: default_every(),
            at: default_at(),
            weekday: default_weekday(),
            oldest: default_oldest(),
            chart: default_chart(),
        }
    }
}

impl DigestConfig {
    /// The time of day; the error names the key.
    pub fn time(&self) -> Result<NaiveTime, String> {
        NaiveTime::parse_from_str(self.at.trim(), "%H:%M").map_err(|_| {
            format!(
                "reports.digest.at: `{}` is not a time of day (use HH:MM, e.g. 09:00)",
                self.at
            )
        })
    }

    /// The weekday of a weekly digest; the error names the key.
    pub fn day(&self) -> Result<Weekday, String> {
        self.weekday.trim().parse().map_err(|_| {
            format!(
                "reports.digest.weekday: `{}` is not a day of the week (use mon, tue, … sun)",
                self.weekday
            )
        })
    }

    /// Checks the time, the weekday and the list length.
    pub fn validate(&self) -> Result<(), String> {
        self.time()?;
        self.day()?;
        if self.oldest > 50 {
            return Err(format!(
                "reports.digest.oldest: {} is more tickets than a chat message should list (at most 50)",
                self.oldest
            ));
        }
        Ok(())
    }
}

/// A digest that is due: what it covers and when it was meant to be posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Daily or weekly.
    pub every: Every,
    /// The span of time it reports on.
    pub period: Period,
    /// Its first local day.
    pub first_day: NaiveDate,
    /// Its last local day (inclusive).
    pub last_day: NaiveDate,
    /// When it was meant to be posted.
    pub at: DateTime<Utc>,
}

/// The first instant at or after local `time` on `day` in `tz` (a time a clock change skips
/// is taken as the first minute that exists after it).
fn local(tz: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let start = day.and_time(time);
    (0..=180).find_map(|m| {
        tz.from_local_datetime(&(start + Duration::minutes(m)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// The most recent digest due at or before `now`, whether or not it was posted.
pub fn latest_due(cfg: &DigestConfig, tz: Tz, now: DateTime<Utc>) -> Result<Option<Due>, String> {
    let time = cfg.time()?;
    let weekday = cfg.day()?;
    let today = now.with_timezone(&tz).date_naive();
    // Today and the week before it always hold a due posting day of either kind.
    for back in 0..=8 {
        let Some(post) = today.checked_sub_signed(Duration::days(back)) else {
            return Ok(None);
        };
        if cfg.period == Every::Weekly && post.weekday() != weekday {
            continue;
        }
        let Some(at) = local(tz, post, time).filter(|at| *at <= now) else {
            continue;
        };
        let days = match cfg.period {
            Every::Daily => 1,
            Every::Weekly => 7,
        };
        let first = post - Duration::days(days);
        let midnight = NaiveTime::MIN;
        let (Some(from), Some(to)) = (local(tz, first, midnight), local(tz, post, midnight)) else {
            return Ok(None);
        };
        return Ok(Some(Due {
            every: cfg.period,
            period: Period { from, to },
            first_day: first,
            last_day: post - Duration::days(1),
            at,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cfg(period: Every, at: &str, weekday: &str) -> DigestConfig {
        DigestConfig {
            enabled: true,
            period,
            at: at.into(),
            weekday: weekday.into(),
            ..DigestConfig::default()
        }
    }

    #[test]
    fn a_daily_digest_covers_the_local_day_before() {
        let tz: Tz = "Europe/Budapest".parse().unwrap();
        let c = cfg(Every::Daily, "09:00", "mon");
        // 08:30 local on Tue 24 Nov: today's is not due yet, Monday's (about Sunday) is.
        let d = latest_due(&c, tz, utc("2026-11-24T07:30:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(d.at, utc("2026-11-23T08:00:00Z"));
        assert_eq!(d.first_day.to_string(), "2026-11-22");
        assert_eq!(d.last_day, d.first_day);
        assert_eq!(d.period.from, utc("2026-11-21T23:00:00Z"));
        assert_eq!(d.period.to, utc("2026-11-22T23:00:00Z"));
        // At 09:00 local exactly today's is due, about Monday.
        let d = latest_due(&c, tz, utc("2026-11-24T08:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(d.first_day.to_string(), "2026-11-23");
    }

    #[test]
    fn a_weekly_digest_covers_the_seven_days_before_its_weekday() {
        let tz: Tz = "UTC".parse().unwrap();
        let c = cfg(Every::Weekly, "09:00", "mon");
        // Thursday 26 Nov: the latest was Monday 23 Nov, about 16–22 Nov.
        let d = latest_due(&c, tz, utc("2026-11-26T12:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(d.at, utc("2026-11-23T09:00:00Z"));
        assert_eq!(
            (d.first_day.to_string(), d.last_day.to_string()),
            ("2026-11-16".into(), "2026-11-22".into())
        );
        assert_eq!(d.period.to - d.period.from, Duration::days(7));
        // Monday 30 Nov before nine: still last week's.
        let d = latest_due(&c, tz, utc("2026-11-30T08:59:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(d.at, utc("2026-11-23T09:00:00Z"));
    }

    #[test]
    fn a_time_the_clock_skips_is_the_next_that_exists_and_bad_settings_name_their_key() {
        let tz: Tz = "Europe/Budapest".parse().unwrap();
        // 29 Mar 2026: clocks go from 02:00 to 03:00.
        let c = cfg(Every::Daily, "02:30", "mon");
        let d = latest_due(&c, tz, utc("2026-03-29T12:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(d.at, utc("2026-03-29T01:00:00Z"), "03:00 CEST");
        assert_eq!(
            d.period.to - d.period.from,
            Duration::days(1),
            "28 Mar has 24 h"
        );
        assert!(
            cfg(Every::Daily, "9am", "mon")
                .validate()
                .unwrap_err()
                .contains("reports.digest.at")
        );
        assert!(
            cfg(Every::Weekly, "09:00", "someday")
                .validate()
                .unwrap_err()
                .contains("reports.digest.weekday")
        );
    }
}
