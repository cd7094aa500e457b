//! The one integration-test binary: harness, fake platforms and conversation tests.

mod cli;
mod db;
mod desk;
mod harness;
mod storage;
