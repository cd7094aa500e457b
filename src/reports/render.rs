//! Renders the KPI and SLA reports in the formats the CLI offers: text, Markdown, CSV, JSON and
//! a self-contained HTML page with server-side SVG charts (`html.rs`).

use std::str::FromStr;

use super::html;
use super::kpi::KpiReport;
use super::sla::SlaReport;
use super::table::{Table, dur, goal, pct, rate, times};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text.
    Text,
    /// Markdown tables.
    Markdown,
    /// `section,row,column,value`.
    Csv,
    /// The report's full structure.
    Json,
    /// One HTML page with inline SVG charts.
    Html,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "md" | "markdown" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            _ => Err(format!(
                "`{s}` is not a report format (use text, md, csv, json or html)"
            )),
        }
    }
}

fn title_kpi(r: &KpiReport) -> String {
    let mut t = format!(
        "KPI report {} – {} ({})",
        r.period.from.format("%Y-%m-%d %H:%M UTC"),
        r.period.to.format("%Y-%m-%d %H:%M UTC"),
        r.time_zone
    );
    if !r.filters.is_empty() {
        t.push_str(&format!(" [{}]", r.filters.join(", ")));
    }
    t
}

/// The KPI report as tables.
pub fn kpi_tables(r: &KpiReport) -> Vec<Table> {
    let o = &r.overall;
    let mut s = Table::new("Summary", &["figure", "value", "goal", "status"]);
    s.row([
        "tickets opened / closed / reopened".to_string(),
        format!("{} / {} / {}", o.opened, o.closed, o.reopened),
        String::new(),
        String::new(),
    ]);
    s.row([
        "response rate (first response within target)".to_string(),
        rate(&o.response_rate),
        format!("≥ {}", pct(Some(r.goals.response_rate))),
        goal(o.response_goal_met).to_string(),
    ]);
    let [m, p, x] = times(&o.first_response);
    s.row([
        "first response median / p90 / max (business time)".to_string(),
        format!("{m} / {p} / {x}"),
        String::new(),
        String::new(),
    ]);
    let [m, p, x] = times(&o.resolution);
    s.row([
        "resolution median / p90 / max (business time)".to_string(),
        format!("{m} / {p} / {x}"),
        String::new(),
        String::new(),
    ]);
    s.row([
        "bug-fix rate".to_string(),
        rate(&r.feedback.bug_fix),
        format!("≥ {}", pct(Some(r.goals.bug_fix_rate))),
        goal(r.feedback.bug_fix_goal_met).to_string(),
    ]);
    s.row([
        "CSAT average (responses / surveyed)".to_string(),
        format!(
            "{} ({})",
            r.csat
                .average
                .map_or("–".to_string(), |a| format!("{a:.2}")),
            rate(&r.csat.response_rate)
        ),
        String::new(),
        String::new(),
    ]);

    let mut clocks = Table::new("SLA clocks", &["clock", "hit rate", "breaches", "pending"]);
    for c in &o.clocks {
        clocks.row([
            c.clock.replace('_', " "),
            rate(&c.hit),
            c.breached.to_string(),
            c.pending.to_string(),
        ]);
    }

    let mut cells = Table::new(
        "By priority × tier",
        &[
            "priority/tier",
            "opened",
            "closed",
            "reopened",
            "response rate",
            "first resp. median",
            "p90",
            "max",
            "resolution median",
            "p90",
            "max",
            "next resp. hit",
            "resolution hit",
            "breaches",
        ],
    );
    for c in &r.cells {
        let [fm, fp, fx] = times(&c.first_response);
        let [rm, rp, rx] = times(&c.resolution);
        let breaches: i64 = c.clocks.iter().map(|k| k.breached).sum();
        cells.row([
            format!(
                "{} {}",
                c.priority.clone().unwrap_or_default(),
                c.tier.clone().unwrap_or_default()
            ),
            c.opened.to_string(),
            c.closed.to_string(),
            c.reopened.to_string(),
            rate(&c.response_rate),
            fm,
            fp,
            fx,
            rm,
            rp,
            rx,
            rate(&c.clocks[1].hit),
            rate(&c.clocks[2].hit),
            breaches.to_string(),
        ]);
    }

    let mut volume = Table::new("Volume by platform and kind", &["group", "opened"]);
    for (p, n) in &r.by_platform {
        volume.row([format!("platform {p}"), n.to_string()]);
    }
    for (k, n) in &r.by_kind {
        volume.row([format!("kind {k}"), n.to_string()]);
    }

    let mut features = Table::new("Feature requests by status", &["status", "requests"]);
    for (st, n) in &r.feedback.features_by_status {
        features.row([st.clone(), n.to_string()]);
    }

    let mut csat = Table::new("CSAT distribution", &["score", "ratings"]);
    for (i, n) in r.csat.distribution.iter().enumerate() {
        csat.row([(i + 1).to_string(), n.to_string()]);
    }

    let mut quarterly = Table::new(
        "Quarterly survey (sent in the period)",
        &["figure", "value"],
    );
    let qs = &r.quarterly;
    quarterly.row(["responses / sent".to_string(), rate(&qs.response_rate)]);
    quarterly.row([
        "average".to_string(),
        qs.average.map_or("–".to_string(), |a| format!("{a:.2}")),
    ]);
    for (i, n) in qs.distribution.iter().enumerate() {
        quarterly.row([format!("score {}", i + 1), n.to_string()]);
    }

    let mut faq = Table::new("FAQ", &["outcome", "questions"]);
    faq.row(["asked".to_string(), r.faq.asked.to_string()]);
    faq.row(["answered".to_string(), r.faq.answered.to_string()]);
    faq.row([
        "deflected (\"Yes, that helped\")".to_string(),
        r.faq.deflected.to_string(),
    ]);
    faq.row([
        "handed to a person".to_string(),
        r.faq.handed_to_person.to_string(),
    ]);
    let mut top = Table::new(
        "Top questions with no article",
        &["question", "times asked"],
    );
    for (q, n) in &r.faq.top_unanswered {
        top.row([q.clone(), n.to_string()]);
    }

    let mut agents = Table::new(
        "Agents",
        &[
            "agent",
            "tickets handled",
            "median first response",
            "CSAT",
            "ratings",
        ],
    );
    for a in &r.agents {
        agents.row([
            a.agent.clone(),
            a.handled.to_string(),
            a.median_first_response_ms.map_or("–".to_string(), dur),
            a.csat_average
                .map_or("–".to_string(), |v| format!("{v:.2}")),
            a.csat_responses.to_string(),
        ]);
    }
    vec![
        s, clocks, cells, volume, features, csat, quarterly, faq, top, agents,
    ]
}

fn title_sla(r: &SlaReport) -> String {
    format!("SLA compliance report {}", r.month)
}

/// The SLA report as tables.
pub fn sla_tables(r: &SlaReport) -> Vec<Table> {
    let mut b = Table::new(
        "Breaches",
        &[
            "ticket",
            "customer",
            "clock",
            "priority",
            "tier",
            "target",
            "actual",
            "over by",
            "breached at",
        ],
    );
    for l in &r.breaches {
        b.row([
            format!("#{}", l.ticket_id),
            l.customer.clone(),
            l.clock.replace('_', " "),
            l.priority.clone(),
            l.tier.clone(),
            dur(l.target_ms),
            format!(
                "{}{}",
                dur(l.actual_ms),
                if l.still_running { " (running)" } else { "" }
            ),
            dur(l.over_ms),
            l.breach_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ]);
    }
    let mut c = Table::new(
        "Credits per customer",
        &[
            "customer",
            "tier",
            "breaches",
            "first-response breaches",
            "availability",
            "promise",
            "breach credit",
            "availability credit",
            "credit owed",
        ],
    );
    let amount = |a: &Option<crate::domain::sla_credits::Amount>| {
        a.map_or("–".to_string(), |a| a.to_string())
    };
    for l in &r.customers {
        c.row([
            l.customer.clone(),
            l.tier.clone(),
            l.breaches.to_string(),
            l.first_response_breaches.to_string(),
            format!("{:.3}%", l.availability.percent),
            format!(
                "{}%{}",
                l.availability.promise,
                if l.availability.kept { "" } else { " MISSED" }
            ),
            amount(&l.breach_credit),
            amount(&l.availability_credit),
            format!(
                "{}{}",
                amount(&l.credit),
                if l.capped { " (capped)" } else { "" }
            ),
        ]);
    }
    let mut t = Table::new("Totals", &["figure", "value"]);
    t.row(["breaches".to_string(), r.breaches.len().to_string()]);
    t.row([
        "service time owed".to_string(),
        dur(r.total_service_minutes * 60_000),
    ]);
    for (who, p) in &r.percent_credits {
        t.row([format!("fee credit {who}"), format!("{p}%")]);
    }
    vec![b, c, t]
}

/// The KPI report in `format`.
pub fn kpi(r: &KpiReport, format: Format) -> Result<String, String> {
    let title = title_kpi(r);
    Ok(match format {
        Format::Text => super::table::to_text(&title, &kpi_tables(r)),
        Format::Markdown => super::table::to_markdown(&title, &kpi_tables(r)),
        Format::Csv => super::table::to_csv(&kpi_tables(r)),
        Format::Json => serde_json::to_string_pretty(r).map_err(|e| e.to_string())? + "\n",
        Format::Html => html::page(&title, &kpi_tables(r), &html::kpi_charts(r)),
    })
}

/// The SLA report in `format`.
pub fn sla(r: &SlaReport, format: Format) -> Result<String, String> {
    let title = title_sla(r);
    Ok(match format {
        Format::Text => super::table::to_text(&title, &sla_tables(r)),
        Format::Markdown => super::table::to_markdown(&title, &sla_tables(r)),
        Format::Csv => super::table::to_csv(&sla_tables(r)),
        Format::Json => serde_json::to_string_pretty(r).map_err(|e| e.to_string())? + "\n",
        Format::Html => html::page(&title, &sla_tables(r), &html::sla_charts(r)),
    })
}
