//! The one integration-test binary: harness, fake platforms and conversation tests.

mod sla_clock;
mod sla_props;
mod sla_sweep;
