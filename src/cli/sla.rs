//! `supportbot sla …`: compute and explain deadlines.

use clap::Subcommand;

/// `sla …`
#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Explain a ticket's clocks.
    Explain {
        /// Ticket number.
        id: String,
    },
}
