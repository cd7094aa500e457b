//! Throughput benchmark: inbound messages per second through desk + store.

fn main() {}
