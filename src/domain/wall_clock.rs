//! Wall-clock intervals as UTC instants: exactly the instants at which a time zone's clock reads
//! inside a local interval. When clocks fall back, the repeated hour can split one local
//! interval into two stretches of real time; when they spring forward, the skipped times are
//! simply never read.

use std::collections::VecDeque;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// No UTC offset reaches a whole day (chrono's `FixedOffset` bound; real zones stay within
/// ±16 h), so an instant whose clock reads `w` lies within a day of `w` read as UTC.
pub const MAX_OFFSET_SECS: i64 = 86_400;

/// Offsets are sampled this often. A time zone never changes its offset twice within six days
/// (the closest pair in the tz database is 6.9 days apart), so every change lies alone between
/// two samples and a bisection finds its exact second.
const SAMPLE_SECS: i64 = 12 * 3600;

/// The UTC offset of one time zone over a stretch of time that moves forward, as runs of
/// constant offset: `(first UTC second, offset in seconds)`, ascending.
#[derive(Debug)]
pub struct Offsets {
    tz: Tz,
    runs: VecDeque<(i64, i64)>,
    /// Offsets are known from `runs[0].0` through this second.
    known_to: i64,
}

/// The instant `s` seconds after the epoch, clamped to what chrono can represent.
pub fn instant(s: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(s, 0).unwrap_or(if s < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

impl Offsets {
    /// An empty cache for `tz`.
    pub fn new(tz: Tz) -> Offsets {
        Offsets {
            tz,
            runs: VecDeque::new(),
            known_to: i64::MIN,
        }
    }

    fn offset_at(&self, s: i64) -> i64 {
        let u = instant(s).naive_utc();
        i64::from(self.tz.offset_from_utc_datetime(&u).fix().local_minus_utc())
    }

    /// Makes the runs cover `[lo, hi]`, dropping runs that end before `lo`.
    fn cover(&mut self, lo: i64, hi: i64) {
        let fresh = match self.runs.front() {
            None => true,
            Some(&(first, _)) => lo < first || lo > self.known_to,
        };
        if fresh {
            self.runs.clear();
            self.runs.push_back((lo, self.offset_at(lo)));
            self.known_to = lo;
        }
        while self.runs.len() > 1 && self.runs[1].0 <= lo {
            self.runs.pop_front();
        }
        while self.known_to < hi {
            let next = self.known_to + SAMPLE_SECS;
            let mut from = self.known_to;
            let mut last = self.runs.back().map_or(0, |r| r.1);
            // Each pass finds the first second after `from` whose offset differs from `last`.
            while self.offset_at(next) != last {
                let (mut a, mut b) = (from, next);
                while b - a > 1 {
                    let m = a + (b - a) / 2;
                    if self.offset_at(m) == last {
                        a = m
                    } else {
                        b = m
                    }
                }
                last = self.offset_at(b);
                self.runs.push_back((b, last));
                from = b;
            }
            self.known_to = next;
        }
    }

    /// Appends to `out`, in order, the UTC stretches `[x, y)` (seconds) during which the wall
    /// clock reads a time in `[a, b)`, where `a` and `b` are local times written as seconds
    /// since the local epoch.
    pub fn preimage(&mut self, a: i64, b: i64, out: &mut Vec<(i64, i64)>) {
        if b <= a {
            return;
        }
        self.cover(a - MAX_OFFSET_SECS, b + MAX_OFFSET_SECS);
        for i in 0..self.runs.len() {
            let (from, off) = self.runs[i];
            let to = self.runs.get(i + 1).map_or(i64::MAX, |r| r.0);
            // Within a run the clock reads t + off, so it is inside [a, b) for t in [a-off, b-off).
            let (x, y) = (from.max(a - off), to.min(b - off));
            if x < y {
                out.push((x, y));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            .timestamp()
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn a_repeated_hour_splits_an_interval() {
        // New York falls back on 2026-11-01 at 02:00 EDT (06:00Z) to 01:00 EST.
        let mut o = Offsets::new(chrono_tz::America::New_York);
        let mut out = Vec::new();
        o.preimage(
            local("2026-11-01 01:30"),
            local("2026-11-01 05:00"),
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                (utc("2026-11-01T05:30:00Z"), utc("2026-11-01T06:00:00Z")),
                (utc("2026-11-01T06:30:00Z"), utc("2026-11-01T10:00:00Z")),
            ]
        );
    }

    #[test]
    fn skipped_times_are_never_read() {
        // Budapest springs forward on 2026-03-29 at 02:00 CET (01:00Z) to 03:00 CEST.
        let mut o = Offsets::new(chrono_tz::Europe::Budapest);
        let mut out = Vec::new();
        o.preimage(
            local("2026-03-29 02:15"),
            local("2026-03-29 02:45"),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        o.preimage(
            local("2026-03-29 01:30"),
            local("2026-03-29 03:30"),
            &mut out,
        );
        // One stretch of real time, in two adjacent pieces either side of the jump.
        assert_eq!(
            out,
            vec![
                (utc("2026-03-29T00:30:00Z"), utc("2026-03-29T01:00:00Z")),
                (utc("2026-03-29T01:00:00Z"), utc("2026-03-29T01:30:00Z")),
            ]
        );
    }
}
