//! The one integration-test binary: harness, fake platforms and conversation tests.
mod kb;
