//! Admin HTTP endpoint: /healthz and /metrics.
