//! Bounds on everything a person controls the size of (`[limits]`), and the per-person flood
//! limit: a pure token bucket per sender, driven by the desk's injected clock, so one person's
//! flood is refused before it touches the store and never slows anyone else.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `[limits]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Longest message, command or caption a person may send, in characters.
    #[serde(default = "default_message_chars")]
    pub message_chars: usize,
    /// Longest `/faq` question, in characters.
    #[serde(default = "default_faq_chars")]
    pub faq_chars: usize,
    /// Longest internal note, in characters.
    #[serde(default = "default_note_chars")]
    pub note_chars: usize,
    /// Files one ticket may collect.
    #[serde(default = "default_attachments")]
    pub attachments_per_ticket: usize,
    /// Messages, commands and button presses one person may send per minute.
    #[serde(default = "default_per_minute")]
    pub per_user_per_minute: u32,
}

fn default_message_chars() -> usize {
    // Above every platform's own cap (Telegram 4096, a Discord slash-command option 6000), so
    // only the console and forged payloads reach it.
    16_000
}
fn default_faq_chars() -> usize {
    300
}
fn default_note_chars() -> usize {
    4000
}
fn default_attachments() -> usize {
    50
}
fn default_per_minute() -> u32 {
    30
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            message_chars: default_message_chars(),
            faq_chars: default_faq_chars(),
            note_chars: default_note_chars(),
            attachments_per_ticket: default_attachments(),
            per_user_per_minute: default_per_minute(),
        }
    }
}

impl LimitsConfig {
    /// Checks that every bound is usable; errors name the key.
    pub fn validate(&self) -> Result<(), String> {
        for (key, v) in [
            ("message_chars", self.message_chars),
            ("faq_chars", self.faq_chars),
            ("note_chars", self.note_chars),
            ("attachments_per_ticket", self.attachments_per_ticket),
            ("per_user_per_minute", self.per_user_per_minute as usize),
        ] {
            if v == 0 {
                return Err(format!("limits.{key}: must be at least 1"));
            }
        }
        Ok(())
    }
}

/// What the flood limit says about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Within the limit: handle it.
    Allowed,
    /// Over the limit, and the first refusal of this burst: tell the person once.
    RefusedTell,
    /// Over the limit again: drop it quietly (answering every flooded message would itself
    /// be a flood).
    RefusedQuiet,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
    told: bool,
}

/// Senders whose bucket stays full are forgotten once this many are remembered.
const FORGET_AFTER: usize = 10_000;

/// A token bucket per sender: `per_minute` events at once, refilled evenly over a minute.
#[derive(Debug)]
pub struct FloodLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl FloodLimit {
    /// A limiter allowing `per_minute` events per sender and minute.
    pub fn new(per_minute: u32) -> FloodLimit {
        FloodLimit {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event of `sender` at `now`.
    pub fn admit(&self, sender: &str, now: DateTime<Utc>) -> Admission {
        let cap = f64::from(self.per_minute);
        let refill = |b: &Bucket| {
            let secs = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
            (b.tokens + secs * cap / 60.0).min(cap)
        };
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= FORGET_AFTER {
            map.retain(|_, b| refill(b) < cap);
        }
        let b = map.entry(sender.to_string()).or_insert(Bucket {
            tokens: cap,
            at: now,
            told: false,
        });
        b.tokens = refill(b);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            b.told = false;
            Admission::Allowed
        } else if b.told {
            Admission::RefusedQuiet
        } else {
            b.told = true;
            Admission::RefusedTell
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn a_burst_is_cut_at_the_limit_and_refills_over_the_minute() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let f = FloodLimit::new(3);
        for _ in 0..3 {
            assert_eq!(f.admit("a", t0), Admission::Allowed);
        }
        assert_eq!(f.admit("a", t0), Admission::RefusedTell);
        assert_eq!(f.admit("a", t0), Admission::RefusedQuiet);
        // Someone else is not affected.
        assert_eq!(f.admit("b", t0), Admission::Allowed);
        // One event's worth refills in 20 s.
        assert_eq!(
            f.admit("a", t0 + Duration::seconds(19)),
            Admission::RefusedQuiet
        );
        // 40 s after the burst two events' worth have refilled.
        for _ in 0..2 {
            assert_eq!(f.admit("a", t0 + Duration::seconds(40)), Admission::Allowed);
        }
        assert_eq!(
            f.admit("a", t0 + Duration::seconds(40)),
            Admission::RefusedTell
        );
        let later = t0 + Duration::minutes(5);
        for _ in 0..3 {
            assert_eq!(f.admit("a", later), Admission::Allowed);
        }
    }

    #[test]
    fn zero_bounds_are_rejected() {
        assert!(LimitsConfig::default().validate().is_ok());
        let l = LimitsConfig {
            faq_chars: 0,
            ..LimitsConfig::default()
        };
        assert!(l.validate().unwrap_err().contains("limits.faq_chars"));
    }
}
