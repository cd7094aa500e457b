//! Wiring: load config, open the store, build the index, run channels, shut down cleanly.

use std::process::ExitCode;

use crate::cli::Cli;

/// Runs the CLI and maps errors to a message on stderr and exit code 1.
pub fn main(cli: Cli) -> ExitCode {
    let _ = cli;
    ExitCode::SUCCESS
}
