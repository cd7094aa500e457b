//! Throughput benchmark (pending storage).

fn main() {}
