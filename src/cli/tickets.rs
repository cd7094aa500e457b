//! `supportbot tickets list|show`: read-only views of the ticket store.

use super::outln;
use anyhow::{Result, bail};
use serde_json::json;

use super::TicketsCommand;
use crate::domain::ids::TicketId;
use crate::domain::ports::{TicketFilter, TicketStore};
use crate::domain::ticket::Status;

/// Runs a `tickets` subcommand, printing to stdout.
pub async fn run(cmd: TicketsCommand, store: &dyn TicketStore) -> Result<()> {
    match cmd {
        TicketsCommand::List { status, json } => {
            let statuses = match status {
                Some(s) => vec![s.parse::<Status>().map_err(anyhow::Error::msg)?],
                None => Vec::new(),
            };
            let tickets = store
                .list_tickets(&TicketFilter {
                    statuses,
                    ..TicketFilter::default()
                })
                .await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&tickets)?)?;
            } else if tickets.is_empty() {
                outln!("no tickets")?;
            } else {
                for t in tickets {
                    outln!(
                        "{:>6}  {:<8} {}  {:<10} {:<12} {}",
                        t.id.to_string(),
                        t.status.as_str(),
                        t.priority,
                        t.tier.as_str(),
                        t.assignee.as_ref().map_or("-", |a| a.0.as_str()),
                        t.subject
                    )?;
                }
            }
        }
        TicketsCommand::Show { id, json } => {
            let id: TicketId = id.parse().map_err(anyhow::Error::msg)?;
            let Some(t) = store.ticket(id).await? else {
                bail!("there is no ticket {id}");
            };
            let transcript = store.transcript(id).await?;
            let events = store.events(id).await?;
            let csat = store.csat(id).await?;
            if json {
                let doc = json!({ "ticket": t, "transcript": transcript, "events": events, "csat": csat });
                outln!("{}", serde_json::to_string_pretty(&doc)?)?;
                return Ok(());
            }
            outln!("Ticket {} [{}] {}", t.id, t.priority, t.subject)?;
            outln!(
                "status {}  tier {}  kind {}  assignee {}",
                t.status,
                t.tier,
                t.kind.as_str(),
                t.assignee.as_ref().map_or("-", |a| a.0.as_str())
            )?;
            outln!(
                "requester {} ({} {})  opened {}",
                t.requester.name,
                t.requester.platform,
                t.requester.id,
                t.created_at.to_rfc3339()
            )?;
            if !t.tags.is_empty() {
                outln!("tags {}", t.tags.join(", "))?;
            }
            if let Some(c) = csat {
                outln!(
                    "csat {}/5{}",
                    c.score,
                    c.comment.map(|c| format!(" \"{c}\"")).unwrap_or_default()
                )?;
            }
            outln!("\nTranscript:")?;
            for e in transcript {
                let mark = if e.internal { " [internal note]" } else { "" };
                outln!(
                    "  {} {} ({}){mark}: {}",
                    e.at.to_rfc3339(),
                    e.author,
                    e.role.as_str(),
                    e.body
                )?;
            }
            outln!("\nEvents:")?;
            for e in events {
                outln!(
                    "  {} {} {}",
                    e.at.to_rfc3339(),
                    e.kind.name(),
                    serde_json::to_string(&e.kind)?
                )?;
            }
        }
    }
    Ok(())
}
