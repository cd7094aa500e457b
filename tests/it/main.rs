//! The one integration-test binary: harness, fake platforms and conversation tests.

mod db;
mod desk;
mod harness;
mod storage;
