//! Telegram's send limits, kept per chat and overall: a sliding window of recent sends per
//! limit, so a burst goes out at once up to the limit and only the excess waits. Each lane
//! waits for its own chat only, so a busy staff group never delays a customer's private chat.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::RateLimits;

/// Recent send instants for one limit.
#[derive(Debug, Default)]
struct Window {
    sent: VecDeque<Instant>,
}

impl Window {
    /// Forgets sends that can no longer count at or after `now`.
    fn prune(&mut self, now: Instant, span: Duration) {
        while self.sent.front().is_some_and(|t| *t + span <= now) {
            self.sent.pop_front();
        }
    }

    /// The earliest instant at or after `at` for one more send, given at most `max` sends per
    /// `span`: the `max`-th latest reservation must have left the window by then.
    fn next_free(&self, at: Instant, max: u32, span: Duration) -> Instant {
        if max == 0 || (self.sent.len() as u32) < max {
            return at;
        }
        let idx = self.sent.len() - max as usize;
        at.max(self.sent[idx] + span)
    }
}

/// Per-chat and overall windows.
#[derive(Debug, Default)]
struct State {
    overall: Window,
    per_sec: HashMap<i64, Window>,
    per_min: HashMap<i64, Window>,
}

/// The limiter of one bot.
#[derive(Debug)]
pub struct SendLimits {
    limits: RateLimits,
    state: Mutex<State>,
}

impl SendLimits {
    /// A limiter for `limits` (`0` switches a limit off).
    pub fn new(limits: RateLimits) -> SendLimits {
        SendLimits {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    /// Reserves the next slot for a send into `chat` and waits for it. Groups and channels
    /// (negative ids) take the per-group minute limit instead of the private-chat one.
    pub async fn acquire(&self, chat: i64) {
        let at = self.reserve(chat, Instant::now());
        tokio::time::sleep_until(at).await;
    }

    /// Reserves the earliest instant at or after `now` that every window allows.
    fn reserve(&self, chat: i64, now: Instant) -> Instant {
        let l = &self.limits;
        let per_min = if chat < 0 {
            l.group_per_min
        } else {
            l.chat_per_min
        };
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let State {
            overall,
            per_sec,
            per_min: minute,
        } = &mut *s;
        let sec_w = per_sec.entry(chat).or_default();
        let min_w = minute.entry(chat).or_default();
        overall.prune(now, Duration::from_secs(1));
        sec_w.prune(now, Duration::from_secs(1));
        min_w.prune(now, Duration::from_secs(60));
        let at = overall
            .next_free(now, l.overall_per_sec, Duration::from_secs(1))
            .max(sec_w.next_free(now, l.chat_per_sec, Duration::from_secs(1)))
            .max(min_w.next_free(now, per_min, Duration::from_secs(60)));
        for w in [overall, sec_w, min_w] {
            let pos = w.sent.partition_point(|t| *t <= at);
            w.sent.insert(pos, at);
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(overall: u32, per_sec: u32, per_min: u32, group: u32) -> SendLimits {
        SendLimits::new(RateLimits {
            overall_per_sec: overall,
            chat_per_sec: per_sec,
            chat_per_min: per_min,
            group_per_min: group,
        })
    }

    #[tokio::test]
    async fn a_group_allows_its_minute_budget_then_waits_while_other_chats_go_on() {
        let l = limits(30, 0, 0, 20);
        let t0 = Instant::now();
        for _ in 0..20 {
            assert_eq!(l.reserve(-100, t0), t0, "the budget goes out at once");
        }
        assert_eq!(l.reserve(-100, t0), t0 + Duration::from_secs(60));
        // Another chat is not held up by the group.
        assert_eq!(
            l.reserve(42, t0 + Duration::from_millis(1100)),
            t0 + Duration::from_millis(1100)
        );
    }

    #[tokio::test]
    async fn private_chats_get_one_a_second_and_the_overall_limit_spans_chats() {
        let l = limits(3, 1, 20, 20);
        let t0 = Instant::now();
        assert_eq!(l.reserve(1, t0), t0);
        assert_eq!(l.reserve(1, t0), t0 + Duration::from_secs(1));
        assert_eq!(l.reserve(2, t0), t0);
        assert_eq!(
            l.reserve(3, t0),
            t0 + Duration::from_secs(1),
            "overall 3/s is used up"
        );
    }
}
