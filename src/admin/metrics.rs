//! The metrics `/metrics` exposes, kept in a `prometheus-client` registry: delivery counters
//! counted as they happen, and the desk's state (open tickets, outbox depth, breaches,
//! first-response times, FAQ outcomes) read from the store every few seconds.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus_client::encoding::{
    EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet, text::encode,
};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

use crate::domain::ids::Platform;
use crate::storage::{DeskGauges, FIRST_RESPONSE_BUCKETS};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabel {
    platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TicketLabels {
    status: String,
    priority: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClockLabel {
    clock: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabel {
    role: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    role: String,
    change: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

/// A histogram reading: (upper bound, count in that bucket alone) ending with +Inf; sum; count.
type Reading = (Vec<(f64, u64)>, f64, u64);

/// A histogram whose buckets the database counted (first responses are stored, not observed
/// in this process, so every instance reports the whole desk).
#[derive(Debug, Clone, Default)]
struct StoredHistogram {
    inner: Arc<Mutex<Reading>>,
}

impl TypedMetric for StoredHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for StoredHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let (buckets, sum, count) = self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone();
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Everything `/metrics` shows, shared by the lanes, the store watcher and the endpoint.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    started: Instant,
    uptime: Gauge,
    handled: Family<PlatformLabel, Counter>,
    delivered: Family<PlatformLabel, Counter>,
    failed: Family<PlatformLabel, Counter>,
    open: Family<TicketLabels, Gauge>,
    outbox_waiting: Gauge,
    outbox_given_up: Gauge,
    breaches: Family<ClockLabel, Gauge>,
    faq: Family<OutcomeLabel, Gauge>,
    first_response: StoredHistogram,
    store_up: Gauge,
    leader: Family<RoleLabel, Gauge>,
    leadership_changes: Family<ChangeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("supportbot");
        let m = Metrics {
            started: Instant::now(),
            uptime: Gauge::default(),
            handled: Family::default(),
            delivered: Family::default(),
            failed: Family::default(),
            open: Family::default(),
            outbox_waiting: Gauge::default(),
            outbox_given_up: Gauge::default(),
            breaches: Family::default(),
            faq: Family::default(),
            first_response: StoredHistogram::default(),
            store_up: Gauge::default(),
            leader: Family::default(),
            leadership_changes: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "uptime_seconds",
            "Seconds since this instance started",
            m.uptime.clone(),
        );
        registry.register(
            "inbound_handled",
            "Platform events this instance handed to the desk",
            m.handled.clone(),
        );
        registry.register(
            "outbound_delivered",
            "Actions this instance delivered to a platform",
            m.delivered.clone(),
        );
        registry.register(
            "outbound_failed",
            "Delivery attempts a platform failed or refused",
            m.failed.clone(),
        );
        registry.register(
            "tickets_open",
            "Unfinished tickets by status and priority",
            m.open.clone(),
        );
        registry.register(
            "outbox_waiting",
            "Decided actions waiting to be delivered (all instances)",
            m.outbox_waiting.clone(),
        );
        registry.register(
            "outbox_given_up",
            "Actions given up after their retries, kept on record",
            m.outbox_given_up.clone(),
        );
        registry.register(
            "sla_breached_clocks",
            "SLA clocks that passed their target, by clock",
            m.breaches.clone(),
        );
        registry.register(
            "faq_questions",
            "FAQ lookups by outcome (helpful: deflected; need_human: handed to a person)",
            m.faq.clone(),
        );
        registry.register(
            "first_response_seconds",
            "Business time to the first agent response, over stopped first-response clocks",
            m.first_response.clone(),
        );
        registry.register(
            "store_up",
            "1 when the last read of the store's gauges succeeded",
            m.store_up.clone(),
        );
        registry.register(
            "leader",
            "1 while this instance holds the role (elected among instances on one database)",
            m.leader.clone(),
        );
        registry.register(
            "leadership_changes",
            "Times this instance gained or lost a role",
            m.leadership_changes.clone(),
        );
        Metrics { registry, ..m }
    }
}

impl Metrics {
    /// Counts an event from `platform` handled by the desk.
    pub fn handled(&self, platform: Platform) {
        self.handled.get_or_create(&label(platform)).inc();
    }

    /// Counts an action delivered on `platform`.
    pub fn delivered(&self, platform: Platform) {
        self.delivered.get_or_create(&label(platform)).inc();
    }

    /// Counts a failed delivery attempt on `platform`.
    pub fn failed(&self, platform: Platform) {
        self.failed.get_or_create(&label(platform)).inc();
    }

    /// Replaces the store-derived gauges with a fresh reading.
    pub fn set_gauges(&self, g: &DeskGauges) {
        self.open.clear();
        for (status, priority, n) in &g.open {
            let labels = TicketLabels {
                status: status.clone(),
                priority: format!("P{priority}"),
            };
            self.open.get_or_create(&labels).set(*n);
        }
        self.outbox_waiting.set(g.outbox_waiting);
        self.outbox_given_up.set(g.outbox_given_up);
        self.breaches.clear();
        for (clock, n) in &g.breaches {
            let l = ClockLabel {
                clock: clock.clone(),
            };
            self.breaches.get_or_create(&l).set(*n);
        }
        self.faq.clear();
        for (outcome, n) in &g.faq {
            let l = OutcomeLabel {
                outcome: outcome.clone(),
            };
            self.faq.get_or_create(&l).set(*n);
        }
        let (cumulative, count, sum) = &g.first_response;
        let mut buckets = Vec::with_capacity(cumulative.len() + 1);
        let mut below = 0;
        for (le, c) in FIRST_RESPONSE_BUCKETS.iter().zip(cumulative) {
            buckets.push((*le, c.saturating_sub(below)));
            below = *c;
        }
        buckets.push((f64::INFINITY, count.saturating_sub(below)));
        *self
            .first_response
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = (buckets, *sum, *count);
        self.store_up.set(1);
    }

    /// Records whether this instance holds `role` now, counting a change as gained or lost.
    pub fn leadership(&self, role: &str, held: bool) {
        let gauge = self.leader.get_or_create(&RoleLabel {
            role: role.to_string(),
        });
        if gauge.get() == i64::from(held) {
            return;
        }
        gauge.set(i64::from(held));
        let change = if held { "gained" } else { "lost" };
        self.leadership_changes
            .get_or_create(&ChangeLabels {
                role: role.to_string(),
                change: change.to_string(),
            })
            .inc();
    }

    /// Records that the store could not be read: the gauges keep their last values.
    pub fn store_down(&self) {
        self.store_up.set(0);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.uptime.set(self.started.elapsed().as_secs() as i64);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

fn label(platform: Platform) -> PlatformLabel {
    PlatformLabel {
        platform: platform.as_str().to_string(),
    }
}

/// How often the store's gauges are read (and the report facts they use brought up to date).
pub const WATCH_EVERY: Duration = Duration::from_secs(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_the_histogram_render_as_prometheus_text() {
        let m = Metrics::default();
        m.delivered(Platform::Telegram);
        m.delivered(Platform::Telegram);
        m.failed(Platform::Discord);
        m.handled(Platform::Discord);
        m.set_gauges(&DeskGauges {
            open: vec![("new".into(), 1, 3), ("open".into(), 3, 2)],
            outbox_waiting: 7,
            outbox_given_up: 1,
            breaches: vec![("first_response".into(), 4)],
            first_response: (vec![1, 2, 2, 3, 3, 3, 3, 3, 3], 4, 100_000.0),
            faq: vec![("helpful".into(), 5)],
        });
        let text = m.render();
        for line in [
            "supportbot_outbound_delivered_total{platform=\"telegram\"} 2",
            "supportbot_outbound_failed_total{platform=\"discord\"} 1",
            "supportbot_inbound_handled_total{platform=\"discord\"} 1",
            "supportbot_tickets_open{status=\"new\",priority=\"P1\"} 3",
            "supportbot_tickets_open{status=\"open\",priority=\"P3\"} 2",
            "supportbot_outbox_waiting 7",
            "supportbot_sla_breached_clocks{clock=\"first_response\"} 4",
            "supportbot_faq_questions{outcome=\"helpful\"} 5",
            "supportbot_first_response_seconds_bucket{le=\"300.0\"} 1",
            "supportbot_first_response_seconds_bucket{le=\"900.0\"} 2",
            "supportbot_first_response_seconds_bucket{le=\"86400.0\"} 3",
            "supportbot_first_response_seconds_bucket{le=\"+Inf\"} 4",
            "supportbot_first_response_seconds_count 4",
            "supportbot_store_up 1",
            "# TYPE supportbot_first_response_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        // A later reading replaces label sets that disappeared.
        m.set_gauges(&DeskGauges::default());
        let text = m.render();
        assert!(!text.contains("status=\"new\""), "{text}");
        assert!(text.contains("supportbot_first_response_seconds_bucket{le=\"+Inf\"} 0"));
        m.store_down();
        assert!(m.render().lines().any(|l| l == "supportbot_store_up 0"));
    }

    #[test]
    fn leadership_shows_as_a_gauge_per_role_and_counts_changes() {
        let m = Metrics::default();
        m.leadership("telegram.poller", false);
        m.leadership("discord.gateway", true);
        m.leadership("discord.gateway", true);
        m.leadership("discord.gateway", false);
        m.leadership("discord.gateway", true);
        let text = m.render();
        for line in [
            "supportbot_leader{role=\"telegram.poller\"} 0",
            "supportbot_leader{role=\"discord.gateway\"} 1",
            "supportbot_leadership_changes_total{role=\"discord.gateway\",change=\"gained\"} 2",
            "supportbot_leadership_changes_total{role=\"discord.gateway\",change=\"lost\"} 1",
            "# TYPE supportbot_leader gauge",
            "# TYPE supportbot_leadership_changes counter",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        // A role never held was never gained: standing by from the start is no change.
        assert!(!text.contains("role=\"telegram.poller\",change"), "{text}");
    }
}
