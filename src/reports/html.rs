//! A self-contained HTML page for a report: its tables and inline SVG bar charts drawn on the
//! server (no script, no CDN, no external file), so the page can be mailed or archived as is.
//! The charts are plain SVG rectangles and text; a charting crate would add a dependency tree
//! (and a font stack for its text layout) for a few bars.

use std::fmt::Write;

use super::kpi::KpiReport;
use super::sla::SlaReport;
use super::table::Table;

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One horizontal bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Heading.
    pub title: String,
    /// Label and value of each bar.
    pub bars: Vec<(String, f64)>,
    /// Scale end (the largest value when `None`).
    pub max: Option<f64>,
    /// A goal line at this value.
    pub goal: Option<f64>,
    /// How a value is written next to its bar.
    pub percent: bool,
}

/// The chart as an `<svg>` element.
pub fn svg(c: &Chart) -> String {
    let (label_w, bar_w, row_h) = (160.0, 360.0, 22.0);
    let h = 30.0 + row_h * c.bars.len().max(1) as f64 + 10.0;
    let w = label_w + bar_w + 90.0;
    let max = c
        .max
        .unwrap_or_else(|| c.bars.iter().map(|b| b.1).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><text x="4" y="18" font-size="14" font-weight="bold">{t}</text>"#,
        t = esc(&c.title)
    );
    for (i, (label, v)) in c.bars.iter().enumerate() {
        let y = 30.0 + row_h * i as f64;
        let len = (v / max).clamp(0.0, 1.0) * bar_w;
        let shown = if c.percent {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v}")
        };
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" font-size="12" text-anchor="end">{l}</text><rect x="{label_w}" y="{y}" width="{len:.1}" height="{bh}" fill="#4a78c2"/><text x="{vx:.1}" y="{ty}" font-size="12">{shown}</text>"##,
            lx = label_w - 6.0,
            ty = y + 14.0,
            l = esc(label),
            bh = row_h - 6.0,
            vx = label_w + len + 4.0,
        );
    }
    if let Some(g) = c.goal {
        let x = label_w + (g / max).clamp(0.0, 1.0) * bar_w;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="24" x2="{x:.1}" y2="{y2}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="{x:.1}" y="{y2}" font-size="10" fill="#c0392b">goal</text>"##,
            y2 = h - 2.0
        );
    }
    s.push_str("</svg>");
    s
}

/// The KPI report's charts: opened per cell, response rate per cell against the goal, CSAT.
pub fn kpi_charts(r: &KpiReport) -> Vec<Chart> {
    let label = |c: &super::kpi::Section| {
        format!(
            "{} {}",
            c.priority.clone().unwrap_or_default(),
            c.tier.clone().unwrap_or_default()
        )
    };
    vec![
        Chart {
            title: "Tickets opened by priority × tier".into(),
            bars: r
                .cells
                .iter()
                .map(|c| (label(c), c.opened as f64))
                .collect(),
            max: None,
            goal: None,
            percent: false,
        },
        Chart {
            title: "Response rate by priority × tier".into(),
            bars: r
                .cells
                .iter()
                .filter_map(|c| c.response_rate.rate.map(|v| (label(c), v)))
                .collect(),
            max: Some(1.0),
            goal: Some(r.goals.response_rate),
            percent: true,
        },
        Chart {
            title: "CSAT ratings".into(),
            bars: r
                .csat
                .distribution
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("{} ★", i + 1), *n as f64))
                .collect(),
            max: None,
            goal: None,
            percent: false,
        },
    ]
}

/// The SLA report's charts: availability per customer against the strictest promise shown.
pub fn sla_charts(r: &SlaReport) -> Vec<Chart> {
    vec![Chart {
        title: "Breaches per customer".into(),
        bars: r
            .customers
            .iter()
            .map(|c| (c.customer.clone(), c.breaches as f64))
            .collect(),
        max: None,
        goal: None,
        percent: false,
    }]
}

/// The whole page.
pub fn page(title: &str, tables: &[Table], charts: &[Chart]) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:0.5em 0 1.5em}}\
         td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}th{{background:#f0f0f0}}svg{{display:block;margin:1em 0}}</style>\
         </head><body><h1>{t}</h1>\n",
        t = esc(title)
    );
    for c in charts {
        s.push_str(&svg(c));
        s.push('\n');
    }
    for t in tables {
        let _ = write!(s, "<h2>{}</h2>\n<table><tr>", esc(&t.title));
        for h in &t.head {
            let _ = write!(s, "<th>{}</th>", esc(h));
        }
        s.push_str("</tr>\n");
        for r in &t.rows {
            s.push_str("<tr>");
            for c in r {
                let _ = write!(s, "<td>{}</td>", esc(c));
            }
            s.push_str("</tr>\n");
        }
        if t.rows.is_empty() {
            let _ = writeln!(s, "<tr><td colspan=\"{}\">(none)</td></tr>", t.head.len());
        }
        s.push_str("</table>\n");
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_inline_svg_with_escaped_labels_and_a_goal_line() {
        let c = Chart {
            title: "Rate <x>".into(),
            bars: vec![("P1 pro".into(), 0.5), ("a&b".into(), 1.0)],
            max: Some(1.0),
            goal: Some(0.95),
            percent: true,
        };
        let s = svg(&c);
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(s.contains("Rate &lt;x&gt;") && s.contains("a&amp;b"));
        assert!(
            s.contains("width=\"180.0\"") && s.contains("width=\"360.0\""),
            "{s}"
        );
        assert!(s.contains("50.0%") && s.contains(">goal<"));
        let p = page("T", &[], &[c]);
        assert!(!p.contains("<script"));
        assert!(!p.contains("src="), "nothing is loaded from elsewhere");
    }
}
