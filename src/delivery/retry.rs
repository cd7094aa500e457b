//! When to try a failed delivery again: a platform's "retry after" exactly, other failures
//! with a backoff that starts at about a second.

use std::time::Duration;

/// Failed attempts (429s aside) after which an action is given up and kept on record.
pub const MAX_ATTEMPTS: i64 = 16;

/// The platform asked us to slow down: try again after `after`. `global` when it throttles
/// every request of the bot, not just this place.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("rate limited: retry after {after:?}{}", if *global { " (global)" } else { "" })]
pub struct RateLimited {
    /// How long to wait.
    pub after: Duration,
    /// Whether the whole platform is throttled.
    pub global: bool,
}

impl RateLimited {
    /// The rate limit somewhere in `error`'s chain, if any.
    pub fn find(error: &anyhow::Error) -> Option<RateLimited> {
        error
            .chain()
            .find_map(|c| c.downcast_ref::<RateLimited>())
            .copied()
    }
}

/// Wait before attempt `n + 1` after `n` failed ones: 1 s, doubling, at most 10 minutes.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 11) - 1;
    Duration::from_secs((1u64 << exp).min(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_a_second_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(11), Duration::from_secs(600));
        assert_eq!(backoff(40), Duration::from_secs(600));
        let total: u64 = (1..MAX_ATTEMPTS).map(|n| backoff(n).as_secs()).sum();
        assert!(total > 3600, "an hour-long outage loses nothing: {total} s");
    }

    #[test]
    fn a_rate_limit_is_found_under_context() {
        let e = anyhow::Error::new(RateLimited {
            after: Duration::from_millis(1500),
            global: true,
        })
        .context("sendMessage");
        assert_eq!(
            RateLimited::find(&e),
            Some(RateLimited {
                after: Duration::from_millis(1500),
                global: true
            })
        );
        assert_eq!(RateLimited::find(&anyhow::anyhow!("boom")), None);
    }
}
