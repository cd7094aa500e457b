//! `supportbot kb …`: lint, index, search and evaluate the knowledge base.

use clap::Subcommand;

/// `kb …`
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Lint the articles and report problems.
    Check,
}
