//! `supportbot sla …`: compute deadlines on a configured calendar and explain a ticket's clocks.

use crate::cli::outln;
use std::io::{BufRead, Write};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use clap::Subcommand;

use crate::domain::calendar::{Calendar, parse_duration};

/// `sla …`
#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Explain a ticket's clocks.
    Explain {
        /// Ticket number.
        id: String,
    },
    /// Print the instant at which `--target` of business time has passed since `--start`.
    Deadline {
        /// Calendar name from `[sla.calendars]`, or `24x7`.
        #[arg(long, default_value = "24x7")]
        calendar: String,
        /// Business time, e.g. 90m, 4h, 2d, 1h30m.
        #[arg(long)]
        target: String,
        /// Start instant in RFC 3339, or `-` to read one per line from stdin.
        #[arg(long)]
        start: String,
    },
}

/// Runs an `sla` subcommand.
pub async fn run(cmd: SlaCommand, cfg: &crate::config::Config) -> Result<()> {
    match cmd {
        SlaCommand::Deadline {
            calendar,
            target,
            start,
        } => {
            let cal = &cfg.sla.calendar(&calendar).map_err(anyhow::Error::msg)?;
            let target = parse_duration(&target)
                .map_err(anyhow::Error::msg)
                .context("--target")?;
            if start == "-" {
                let stdin = std::io::stdin();
                let bad = deadlines(
                    cal,
                    target,
                    stdin.lock(),
                    &mut super::Stdout,
                    &mut std::io::stderr(),
                )
                .map_err(crate::cli::quiet_if_closed)?;
                if bad > 0 {
                    bail!("{bad} input line(s) could not be read");
                }
            } else {
                let t = parse_instant(&start).context("--start")?;
                outln!("{}", rfc3339(cal.add_business(t, target)?))?;
            }
            Ok(())
        }
        SlaCommand::Explain { id } => {
            use crate::domain::ports::TicketStore;
            let id: crate::domain::ids::TicketId = id.parse().map_err(anyhow::Error::msg)?;
            let store =
                crate::storage::connect(&cfg.storage.url, cfg.storage.max_connections).await?;
            let Some(ticket) = store.ticket(id).await? else {
                bail!("no ticket {id}");
            };
            let events = store.events(id).await?;
            outln!(
                "{}",
                cfg.sla
                    .explain(cfg.staff.lang, &ticket, &events, Utc::now())
            )?;
            Ok(())
        }
    }
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .with_context(|| format!("`{}` is not an RFC 3339 instant", s.trim()))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Reads one start instant per line and writes one due instant per line. A bad line gets an
/// empty output line (so outputs stay aligned with inputs) and a message naming the line on
/// `err`; blank lines stay blank. Returns the number of bad lines.
pub fn deadlines(
    cal: &Calendar,
    target: Duration,
    input: impl BufRead,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<usize> {
    let mut bad = 0;
    for (n, line) in input.lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            writeln!(out)?;
            continue;
        }
        match parse_instant(&line)
            .and_then(|t| cal.add_business(t, target).map_err(anyhow::Error::from))
        {
            Ok(due) => writeln!(out, "{}", rfc3339(due))?,
            Err(e) => {
                bad += 1;
                writeln!(out)?;
                writeln!(err, "line {}: {e:#}", n + 1)?;
            }
        }
    }
    out.flush()?;
    Ok(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_lines_map_one_to_one_and_bad_lines_are_named() {
        let cal = Calendar::always_open();
        let input = "2026-11-20T15:00:00Z\nnot a time\n\n2026-11-20T16:00:00+01:00\n";
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let bad = deadlines(
            &cal,
            Duration::hours(4),
            input.as_bytes(),
            &mut out,
            &mut err,
        )
        .unwrap();
        assert_eq!(bad, 1);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, "2026-11-20T19:00:00Z\n\n\n2026-11-20T19:00:00Z\n");
        let err = String::from_utf8(err).unwrap();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
