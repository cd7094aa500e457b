//! The `supportbot` binary: parse the command line and hand over to `app`.

use clap::Parser;

/// jemalloc returns the memory a kb build or an embedding batch frees to the system (see the
/// note in Cargo.toml); glibc's malloc keeps most of it resident.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    let cli = supportbot::cli::Cli::parse();
    supportbot::app::main(cli)
}
