//! The quarterly satisfaction survey: `[reports.quarterly_survey]` and which quarter is due.
//! From `day` of a quarter's first month (local time in `reports.time_zone`) every customer
//! with a ticket closed in the quarter before is asked once for a 1–5 rating of that quarter.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::model::Period;

/// `[reports.quarterly_survey]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarterlySurveyConfig {
    /// Send the quarterly survey (off by default).
    #[serde(default)]
    pub enabled: bool,
    /// Day of the quarter's first month from which the last quarter's survey goes out (1–28).
    #[serde(default = "default_day")]
    pub day: u32,
    /// Surveys sent per minute at most, so thousands of customers do not crowd out the
    /// platforms' global limits.
    #[serde(default = "default_per_minute")]
    pub per_minute: u32,
}

fn default_day() -> u32 {
    1
}

fn default_per_minute() -> u32 {
    20
}

impl Default for QuarterlySurveyConfig {
    fn default() -> Self {
        QuarterlySurveyConfig {
            enabled: false,
            day: default_day(),
            per_minute: default_per_minute(),
        }
    }
}

impl QuarterlySurveyConfig {
    /// Checks the day and the rate; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=28).contains(&self.day) {
            return Err(format!(
                "reports.quarterly_survey.day: {} is not a day every month has (use 1 to 28)",
                self.day
            ));
        }
        if !(1..=1000).contains(&self.per_minute) {
            return Err(format!(
                "reports.quarterly_survey.per_minute: {} is not between 1 and 1000",
                self.per_minute
            ));
        }
        Ok(())
    }
}

/// A calendar quarter: `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The year.
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

impl Quarter {
    /// The quarter `day` falls in.
    pub fn of(day: NaiveDate) -> Quarter {
        Quarter {
            year: day.year(),
            q: day.month0() / 3 + 1,
        }
    }

    /// The quarter before.
    pub fn previous(self) -> Quarter {
        match self.q {
            1 => Quarter {
                year: self.year - 1,
                q: 4,
            },
            q => Quarter {
                year: self.year,
                q: q - 1,
            },
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// `2026-Q4`, as stored with each survey.
    pub fn label(self) -> String {
        format!("{}-Q{}", self.year, self.q)
    }

    /// A compact number for button data: `20264`.
    pub fn code(self) -> u32 {
        u32::try_from(self.year).unwrap_or(0) * 10 + self.q
    }

    /// The quarter of a [`Quarter::code`], if it is one.
    pub fn from_code(code: u32) -> Option<Quarter> {
        let (year, q) = (code / 10, code % 10);
        ((1..=4).contains(&q) && year > 0).then(|| Quarter {
            year: i32::try_from(year).unwrap_or(0),
            q,
        })
    }

    /// The span of local time it covers in `tz`.
    pub fn period(self, tz: Tz) -> Period {
        let next = self.first_day() + chrono::Months::new(3);
        Period {
            from: midnight(tz, self.first_day()),
            to: midnight(tz, next),
        }
    }
}

fn midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let start = day.and_time(NaiveTime::MIN);
    (0..=180)
        .find_map(|m| {
            tz.from_local_datetime(&(start + Duration::minutes(m)))
                .earliest()
        })
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// The quarter whose survey may go out at `now`: the one before the current quarter, from
/// `day` of the current quarter's first month on; `None` before that day.
pub fn due(cfg: &QuarterlySurveyConfig, tz: Tz, now: DateTime<Utc>) -> Option<Quarter> {
    let today = now.with_timezone(&tz).date_naive();
    let current = Quarter::of(today);
    let start = current.first_day() + Duration::days(i64::from(cfg.day) - 1);
    (now >= midnight(tz, start)).then(|| current.previous())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_quarter_is_due_from_the_configured_day() {
        let tz: Tz = "Europe/Budapest".parse().unwrap();
        let cfg = QuarterlySurveyConfig {
            enabled: true,
            day: 3,
            ..QuarterlySurveyConfig::default()
        };
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(due(&cfg, tz, at("2027-01-02T22:59:00Z")), None);
        let q = due(&cfg, tz, at("2027-01-02T23:00:00Z")).unwrap();
        assert_eq!(q.label(), "2026-Q4");
        assert_eq!(Quarter::from_code(q.code()), Some(q));
        let p = q.period(tz);
        assert_eq!(p.from, at("2026-09-30T22:00:00Z"));
        assert_eq!(p.to, at("2026-12-31T23:00:00Z"));
        assert_eq!(
            due(&cfg, tz, at("2026-05-20T12:00:00Z")).unwrap().label(),
            "2026-Q1"
        );
        assert_eq!(Quarter::from_code(20265), None);
        assert!(
            QuarterlySurveyConfig {
                day: 31,
                ..cfg.clone()
            }
            .validate()
            .unwrap_err()
            .contains("reports.quarterly_survey.day")
        );
    }
}
