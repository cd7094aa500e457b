//! `supportbot report …`: the KPI report over a period and the monthly SLA compliance report
//! with service credits, in text, Markdown, CSV, JSON or HTML, to stdout or a file.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;

use crate::cli::out;
use crate::config::Config;
use crate::reports::render::{self, Format};
use crate::reports::service::{self, KpiRequest};

/// `report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// KPIs over a period: volumes, response rate, business-time percentiles, SLA hit rates,
    /// bug-fix rate, CSAT, FAQ outcomes, per agent.
    Kpi {
        /// First day counted (YYYY-MM-DD, in `reports.time_zone`).
        #[arg(long)]
        from: String,
        /// Last day counted, inclusive.
        #[arg(long)]
        to: String,
        /// Only this tier (basic, pro, enterprise).
        #[arg(long)]
        tier: Option<String>,
        /// Only this customer account (its name in `[customers]`).
        #[arg(long)]
        customer: Option<String>,
        /// Only customers on this platform (telegram, discord, console).
        #[arg(long)]
        platform: Option<String>,
        /// text, md, csv, json or html.
        #[arg(long, default_value = "text")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// One month's SLA breaches, service credits owed per customer, and availability.
    Sla {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Only this customer account.
        #[arg(long)]
        customer: Option<String>,
        /// text, md, csv, json or html.
        #[arg(long, default_value = "text")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn emit(text: &str, out: Option<PathBuf>) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            eprintln!("report written to {}", path.display());
            Ok(())
        }
        None => out!("{text}"),
    }
}

/// Runs a `report` subcommand.
pub async fn run(cmd: ReportCommand, cfg: &Config) -> Result<()> {
    let now = chrono::Utc::now();
    let tz = cfg.reports.tz().map_err(anyhow::Error::msg)?;
    match cmd {
        ReportCommand::Kpi {
            from,
            to,
            tier,
            customer,
            platform,
            format,
            out,
        } => {
            let format: Format = format
                .parse()
                .map_err(anyhow::Error::msg)
                .context("--format")?;
            let req = KpiRequest {
                period: crate::reports::config::days(tz, &from, &to).map_err(anyhow::Error::msg)?,
                tier: tier
                    .map(|t| t.parse())
                    .transpose()
                    .map_err(|e: String| anyhow!("--tier: {e}"))?,
                customer,
                platform: platform
                    .map(|p| p.parse())
                    .transpose()
                    .map_err(|e: String| anyhow!("--platform: {e}"))?,
            };
            let store = crate::app::open_sql_store(cfg).await?;
            let report = service::kpi(&store, cfg, &req, now).await?;
            emit(
                &render::kpi(&report, format).map_err(anyhow::Error::msg)?,
                out,
            )
        }
        ReportCommand::Sla {
            month,
            customer,
            format,
            out,
        } => {
            let format: Format = format
                .parse()
                .map_err(anyhow::Error::msg)
                .context("--format")?;
            crate::reports::config::month(tz, &month).map_err(anyhow::Error::msg)?;
            let store = crate::app::open_sql_store(cfg).await?;
            let report = service::sla(&store, cfg, &month, customer.as_deref(), now).await?;
            emit(
                &render::sla(&report, format).map_err(anyhow::Error::msg)?,
                out,
            )
        }
    }
}
