//! What the support contract promises beyond response times: service credits per breached
//! first response with a monthly cap (`[sla.credits.TIER]`), and availability per tier with a
//! credit for a miss (`[sla.availability]`). Plain serde types, validated here.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::calendar::{format_duration, parse_duration};
use super::ticket::Tier;

/// A credit: a share of the monthly fee, or service hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    /// Percent of the monthly fee.
    Percent(f64),
    /// Service minutes (configured as hours and minutes, e.g. `2h`).
    Minutes(i64),
}

impl Amount {
    /// Parses `5%` or a duration such as `2h`; the error names `key`.
    pub fn parse(key: &str, s: &str) -> Result<Amount, String> {
        let t = s.trim();
        if let Some(p) = t.strip_suffix('%') {
            let v: f64 = p.trim().parse().map_err(|_| {
                format!("{key}: `{s}` is not a percentage (use e.g. 5%) or service hours (e.g. 2h)")
            })?;
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("{key}: `{s}` must be between 0% and 100%"));
            }
            return Ok(Amount::Percent(v));
        }
        parse_duration(t)
            .map(|d| Amount::Minutes(d.num_minutes()))
            .map_err(|e| format!("{key}: {e}; or give a percentage of the monthly fee such as 5%"))
    }

    /// Zero in the same unit.
    pub fn zero_like(self) -> Amount {
        match self {
            Amount::Percent(_) => Amount::Percent(0.0),
            Amount::Minutes(_) => Amount::Minutes(0),
        }
    }

    /// `self × n`.
    pub fn times(self, n: i64) -> Amount {
        match self {
            Amount::Percent(p) => Amount::Percent(p * n as f64),
            Amount::Minutes(m) => Amount::Minutes(m * n),
        }
    }

    /// Sum of two amounts of the same unit (validation guarantees it); otherwise `self`.
    pub fn plus(self, o: Amount) -> Amount {
        match (self, o) {
            (Amount::Percent(a), Amount::Percent(b)) => Amount::Percent(a + b),
            (Amount::Minutes(a), Amount::Minutes(b)) => Amount::Minutes(a + b),
            _ => self,
        }
    }

    /// The smaller of two amounts of the same unit, and whether `cap` was the smaller.
    pub fn capped(self, cap: Amount) -> (Amount, bool) {
        match (self, cap) {
            (Amount::Percent(a), Amount::Percent(c)) if a > c => (cap, true),
            (Amount::Minutes(a), Amount::Minutes(c)) if a > c => (cap, true),
            _ => (self, false),
        }
    }

    fn same_unit(self, o: Amount) -> bool {
        matches!(
            (self, o),
            (Amount::Percent(_), Amount::Percent(_)) | (Amount::Minutes(_), Amount::Minutes(_))
        )
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Percent(p) => write!(f, "{}%", (p * 100.0).round() / 100.0),
            Amount::Minutes(m) => {
                f.write_str(&format_duration(chrono::Duration::minutes(*m)))?;
                f.write_str(" service")
            }
        }
    }
}

/// `[sla.credits.TIER]`: what a customer of the tier is owed for missed promises.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditConfig {
    /// Per breached first response: `5%` of the monthly fee, or service hours such as `2h`.
    pub per_breach: String,
    /// At most this much per customer and month, all credits together (same unit).
    pub cap: String,
    /// For a month below the availability promise (same unit); unset: none.
    #[serde(default)]
    pub availability_miss: Option<String>,
}

/// A tier's validated credit policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreditPolicy {
    /// Per breached first response.
    pub per_breach: Amount,
    /// Per customer and month.
    pub cap: Amount,
    /// For a month below the availability promise.
    pub availability_miss: Option<Amount>,
}

/// `[sla.availability]`: promised availability per tier, in percent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityConfig {
    /// Basic tier (99.5).
    #[serde(default = "basic_availability")]
    pub basic: f64,
    /// Pro tier (99.9).
    #[serde(default = "high_availability")]
    pub pro: f64,
    /// Enterprise tier (99.9).
    #[serde(default = "high_availability")]
    pub enterprise: f64,
}

fn basic_availability() -> f64 {
    99.5
}

fn high_availability() -> f64 {
    99.9
}

impl Default for AvailabilityConfig {
    fn default() -> Self {
        AvailabilityConfig {
            basic: basic_availability(),
            pro: high_availability(),
            enterprise: high_availability(),
        }
    }
}

impl AvailabilityConfig {
    /// The promise for `tier`, in percent.
    pub fn promise(&self, tier: Tier) -> f64 {
        match tier {
            Tier::Basic => self.basic,
            Tier::Pro => self.pro,
            Tier::Enterprise => self.enterprise,
        }
    }

    /// Checks each promise is a percentage.
    pub fn validate(&self) -> Result<(), String> {
        for t in Tier::ALL {
            let v = self.promise(t);
            if !(0.0..=100.0).contains(&v) {
                return Err(format!(
                    "sla.availability.{t}: {v} is not a percentage between 0 and 100"
                ));
            }
        }
        Ok(())
    }
}

/// Validates `[sla.credits]` into a policy per tier; the error names the key.
pub fn credit_policies(
    credits: &BTreeMap<String, CreditConfig>,
) -> Result<BTreeMap<Tier, CreditPolicy>, String> {
    let mut out = BTreeMap::new();
    for (name, c) in credits {
        let tier: Tier = name
            .parse()
            .map_err(|e| format!("sla.credits.{name}: {e}"))?;
        let key = |k: &str| format!("sla.credits.{name}.{k}");
        let per_breach = Amount::parse(&key("per_breach"), &c.per_breach)?;
        let cap = Amount::parse(&key("cap"), &c.cap)?;
        let availability_miss = c
            .availability_miss
            .as_deref()
            .map(|s| Amount::parse(&key("availability_miss"), s))
            .transpose()?;
        for (k, a) in [("cap", Some(cap)), ("availability_miss", availability_miss)] {
            if a.is_some_and(|a| !a.same_unit(per_breach)) {
                return Err(format!(
                    "{}: must be in the same unit as per_breach (`{}`): both percentages or both service hours",
                    key(k),
                    c.per_breach
                ));
            }
        }
        out.insert(
            tier,
            CreditPolicy {
                per_breach,
                cap,
                availability_miss,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_and_mixed_units_are_refused() {
        assert_eq!(Amount::parse("k", "5%").unwrap(), Amount::Percent(5.0));
        assert_eq!(Amount::parse("k", "1h30m").unwrap(), Amount::Minutes(90));
        let e = Amount::parse("sla.credits.pro.cap", "lots").unwrap_err();
        assert!(e.contains("sla.credits.pro.cap") && e.contains("5%"), "{e}");
        assert!(Amount::parse("k", "150%").is_err());
        let mut m = BTreeMap::new();
        m.insert(
            "pro".to_string(),
            CreditConfig {
                per_breach: "5%".into(),
                cap: "2h".into(),
                availability_miss: None,
            },
        );
        let e = credit_policies(&m).unwrap_err();
        assert!(
            e.contains("sla.credits.pro.cap") && e.contains("same unit"),
            "{e}"
        );
        m.insert(
            "gold".to_string(),
            CreditConfig {
                per_breach: "5%".into(),
                cap: "5%".into(),
                availability_miss: None,
            },
        );
        assert!(
            credit_policies(&m)
                .unwrap_err()
                .contains("sla.credits.gold")
        );
    }

    #[test]
    fn caps_apply_in_the_same_unit() {
        assert_eq!(
            Amount::Percent(5.0).times(7).capped(Amount::Percent(25.0)),
            (Amount::Percent(25.0), true)
        );
        assert_eq!(
            Amount::Minutes(60).times(2).capped(Amount::Minutes(600)),
            (Amount::Minutes(120), false)
        );
        assert_eq!(Amount::Percent(12.5).to_string(), "12.5%");
        assert_eq!(Amount::Minutes(90).to_string(), "1h30m service");
    }
}
