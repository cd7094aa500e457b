//! Reports as titled tables of text cells, the one shape the text, Markdown, CSV and HTML
//! renderers share; plus the formatting of rates and business-time durations.

use chrono::Duration;

use crate::domain::calendar::format_duration;

use super::kpi::{Rate, Times};

/// One titled table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Heading.
    pub title: String,
    /// Column names.
    pub head: Vec<String>,
    /// Rows, each as long as `head`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(title: &str, head: &[&str]) -> Table {
        Table {
            title: title.to_string(),
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn row<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, cells: I) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }
}

/// `95.0%`, or `–` when nothing was counted.
pub fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// `95.0% (19/20)`.
pub fn rate(r: &Rate) -> String {
    match r.rate {
        None => "–".to_string(),
        Some(v) => format!("{:.1}% ({}/{})", v * 100.0, r.hits, r.total),
    }
}

/// Business time such as `1h30m`; under a minute shown in seconds.
pub fn dur(ms: i64) -> String {
    if ms.abs() < 60_000 {
        return format!("{}s", ms / 1000);
    }
    format_duration(Duration::milliseconds(ms))
}

/// Median, p90 and max, or dashes.
pub fn times(t: &Option<Times>) -> [String; 3] {
    match t {
        Some(t) => [dur(t.median_ms), dur(t.p90_ms), dur(t.max_ms)],
        None => ["–".into(), "–".into(), "–".into()],
    }
}

/// `met` / `MISSED` / `–`.
pub fn goal(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "–",
    }
}

/// Plain text: each table with its title underlined and columns padded.
pub fn to_text(title: &str, tables: &[Table]) -> String {
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    for t in tables {
        out.push_str(&format!(
            "\n{}\n{}\n",
            t.title,
            "-".repeat(t.title.chars().count())
        ));
        let mut w: Vec<usize> = t.head.iter().map(|h| h.chars().count()).collect();
        for r in &t.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let s: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c}{}", " ".repeat(w[i] - c.chars().count())))
                .collect();
            s.join("  ").trim_end().to_string() + "\n"
        };
        out.push_str(&line(&t.head));
        for r in &t.rows {
            out.push_str(&line(r));
        }
        if t.rows.is_empty() {
            out.push_str("(none)\n");
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// GitHub-flavoured Markdown tables.
pub fn to_markdown(title: &str, tables: &[Table]) -> String {
    let mut out = format!("# {}\n", md_cell(title));
    for t in tables {
        out.push_str(&format!("\n## {}\n\n", md_cell(&t.title)));
        if t.rows.is_empty() {
            out.push_str("(none)\n");
            continue;
        }
        let cells = |r: &[String]| {
            format!(
                "| {} |\n",
                r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
            )
        };
        out.push_str(&cells(&t.head));
        out.push_str(&format!("|{}\n", "---|".repeat(t.head.len())));
        for r in &t.rows {
            out.push_str(&cells(r));
        }
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One CSV of every cell: `section,row,column,value`, the row named by its first cell.
pub fn to_csv(tables: &[Table]) -> String {
    let mut out = String::from("section,row,column,value\n");
    for t in tables {
        for r in &t.rows {
            let key = r.first().cloned().unwrap_or_default();
            for (h, c) in t.head.iter().zip(r).skip(1) {
                out.push_str(&format!(
                    "{},{},{},{}\n",
                    csv_cell(&t.title),
                    csv_cell(&key),
                    csv_cell(h),
                    csv_cell(c)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderers_escape_what_their_format_needs() {
        let mut t = Table::new("Top, questions", &["question", "count"]);
        t.row(["a \"b\" | c", "2"]);
        let csv = to_csv(std::slice::from_ref(&t));
        assert_eq!(
            csv,
            "section,row,column,value\n\"Top, questions\",\"a \"\"b\"\" | c\",count,2\n"
        );
        assert!(to_markdown("R", &[t.clone()]).contains("| a \"b\" \\| c | 2 |"));
        let text = to_text("R", &[t]);
        assert!(
            text.contains("question   count\na \"b\" | c  2\n"),
            "{text}"
        );
        assert_eq!(dur(90 * 60_000), "1h30m");
        assert_eq!(dur(30_000), "30s");
    }
}
