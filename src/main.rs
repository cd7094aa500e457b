//! The `supportbot` binary: parse the command line and hand over to `app`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = supportbot::cli::Cli::parse();
    supportbot::app::main(cli)
}
