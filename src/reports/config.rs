//! `[reports]`: the time zone report dates are read in, and the KPI goals.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::model::Period;

/// `[reports]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// IANA time zone of `--from`, `--to` and `--month` dates (`UTC`).
    #[serde(default = "default_tz")]
    pub time_zone: String,
    /// Goal for the response rate, percent (95).
    #[serde(default = "default_response_goal")]
    pub response_rate_goal: f64,
    /// Goal for the bug-fix rate, percent (90).
    #[serde(default = "default_bug_fix_goal")]
    pub bug_fix_rate_goal: f64,
    /// `[reports.digest]`: the summary posted to the staff lobby each day or week.
    #[serde(default)]
    pub digest: super::digest::DigestConfig,
    /// `[reports.quarterly_survey]`: once a quarter, a rating of the quarter before.
    #[serde(default)]
    pub quarterly_survey: super::survey::QuarterlySurveyConfig,
}

fn default_tz() -> String {
    "UTC".into()
}

fn default_response_goal() -> f64 {
    95.0
}

fn default_bug_fix_goal() -> f64 {
    90.0
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            time_zone: default_tz(),
            response_rate_goal: default_response_goal(),
            bug_fix_rate_goal: default_bug_fix_goal(),
            digest: super::digest::DigestConfig::default(),
            quarterly_survey: super::survey::QuarterlySurveyConfig::default(),
        }
    }
}

impl ReportsConfig {
    /// The configured time zone; the error names the key.
    pub fn tz(&self) -> Result<Tz, String> {
        self.time_zone.parse().map_err(|_| {
            format!(
                "reports.time_zone: `{}` is not an IANA time zone (e.g. UTC, Europe/Budapest, Asia/Shanghai)",
                self.time_zone
            )
        })
    }

    /// Checks the time zone, that the goals are percentages, and the digest settings.
    pub fn validate(&self) -> Result<(), String> {
        self.tz()?;
        self.digest.validate()?;
        self.quarterly_survey.validate()?;
        for (k, v) in [
            ("response_rate_goal", self.response_rate_goal),
            ("bug_fix_rate_goal", self.bug_fix_rate_goal),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return Err(format!(
                    "reports.{k}: {v} is not a percentage between 0 and 100"
                ));
            }
        }
        Ok(())
    }
}

/// Local midnight at the start of `day` in `tz` (the first instant of the day, should a
/// time-zone change skip midnight).
/// The first instant of `day` in `tz` (local midnight, or the first minute after a DST gap).
pub fn start_of(tz: Tz, day: NaiveDate) -> Result<DateTime<Utc>, String> {
    let midnight = day.and_hms_opt(0, 0, 0).ok_or("bad date")?;
    (0..=180)
        .find_map(|m| {
            tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{day} has no start in {tz}"))
}

fn date(what: &str, s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what}: `{s}` is not a date (use YYYY-MM-DD, e.g. 2026-11-01)"))
}

/// `--from` and `--to` (both inclusive days in `tz`) as a period.
pub fn days(tz: Tz, from: &str, to: &str) -> Result<Period, String> {
    let (f, t) = (date("--from", from)?, date("--to", to)?);
    if t < f {
        return Err(format!("--to {t} is before --from {f}"));
    }
    let next = t.succ_opt().ok_or("--to is too far in the future")?;
    Ok(Period {
        from: start_of(tz, f)?,
        to: start_of(tz, next)?,
    })
}

/// `--month 2026-11` as a period in `tz`.
pub fn month(tz: Tz, s: &str) -> Result<Period, String> {
    let bad = || format!("--month: `{s}` is not a month (use YYYY-MM, e.g. 2026-11)");
    let first =
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").map_err(|_| bad())?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(bad)?;
    Ok(Period {
        from: start_of(tz, first)?,
        to: start_of(tz, next)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_local_days_and_bad_input_says_what_to_type() {
        let tz: Tz = "Europe/Budapest".parse().unwrap();
        let p = days(tz, "2026-11-01", "2026-11-30").unwrap();
        assert_eq!(p.from.to_rfc3339(), "2026-10-31T23:00:00+00:00");
        assert_eq!(p.to.to_rfc3339(), "2026-11-30T23:00:00+00:00");
        let m = month(tz, "2026-03").unwrap();
        assert_eq!(m.from.to_rfc3339(), "2026-02-28T23:00:00+00:00");
        assert_eq!(
            m.to.to_rfc3339(),
            "2026-03-31T22:00:00+00:00",
            "DST starts in March"
        );
        assert!(
            days(tz, "2026-11-31", "2026-12-01")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(
            days(tz, "2026-11-02", "2026-11-01")
                .unwrap_err()
                .contains("before")
        );
        assert!(month(tz, "Nov").unwrap_err().contains("YYYY-MM"));
        let bad = ReportsConfig {
            time_zone: "Mars/Olympus".into(),
            ..ReportsConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("reports.time_zone"));
    }
}
