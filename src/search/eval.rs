//! Offline evaluation: run a JSONL query set against a kb, score ranking and abstention with
//! the desk's own decision rule, and write predictions for `score.py --predictions`.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{ConfidenceParts, Kb};

/// One evaluation query.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    /// The question.
    pub q: String,
    /// Language hint, if any.
    #[serde(default)]
    pub lang: Option<String>,
    /// The article that answers it; `None` means the bot should not answer.
    #[serde(default)]
    pub expected: Option<String>,
    /// Several acceptable articles, if given (any counts).
    #[serde(default)]
    pub relevant: Option<Vec<String>>,
}

impl EvalQuery {
    fn relevant(&self) -> Vec<&str> {
        match &self.relevant {
            Some(r) if !r.is_empty() => r.iter().map(String::as_str).collect(),
            _ => self.expected.iter().map(String::as_str).collect(),
        }
    }
}

/// One system output line, in the format `score.py --predictions` reads.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// The query text.
    pub q: String,
    /// Ranked article ids, best first (at most 10).
    pub ranked: Vec<String>,
    /// Confidence of the top hit (0 when there is none).
    pub score: f32,
    /// Whether the bot would abstain (open a ticket instead of answering).
    pub abstain: bool,
    /// Confidence parts of the top hit, for analysis.
    pub parts: Option<ConfidenceParts>,
    /// Every returned candidate with its parts, for offline calibration.
    pub candidates: Vec<(String, ConfidenceParts)>,
}

/// The metrics `kb eval` prints.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EvalReport {
    /// Queries run.
    pub queries: usize,
    /// Queries with an expected article.
    pub in_scope: usize,
    /// Queries the bot should not answer.
    pub out_of_scope: usize,
    /// Share of in-scope queries whose top hit is right.
    pub recall_at_1: f64,
    /// Share of in-scope queries with a right hit in the top 5.
    pub recall_at_5: f64,
    /// Mean reciprocal rank of the first right hit within the top 10.
    pub mrr_at_10: f64,
    /// Correct abstentions / all abstentions.
    pub abstain_precision: f64,
    /// Correct abstentions / all out-of-scope queries.
    pub abstain_recall: f64,
    /// Answered queries whose answer is right / all answered.
    pub answer_precision: f64,
    /// Answered / all queries.
    pub coverage: f64,
    /// (right answers + right abstentions) / all queries.
    pub end_to_end_accuracy: f64,
    /// The threshold used: answer iff top confidence ≥ this.
    pub answer_threshold: f32,
}

/// Reads a JSONL query file.
pub fn read_queries(path: &Path) -> anyhow::Result<Vec<EvalQuery>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not a query object", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

/// Runs every query and computes the report; `answer_threshold` is the desk's decision rule.
pub fn evaluate(
    kb: &Kb,
    queries: &[EvalQuery],
    answer_threshold: f32,
) -> (EvalReport, Vec<Prediction>) {
    let mut preds = Vec::with_capacity(queries.len());
    let mut r = EvalReport {
        queries: queries.len(),
        answer_threshold,
        ..Default::default()
    };
    let (mut abstained, mut right_abstain, mut answered, mut right_answer) = (0usize, 0, 0, 0);
    for q in queries {
        let ex = kb.explain(&q.q, q.lang.as_deref(), 20);
        let ranked: Vec<String> = ex.hits.iter().take(10).map(|h| h.id.clone()).collect();
        let score = ex.hits.first().map(|h| h.confidence).unwrap_or(0.0);
        let abstain = ex.hits.is_empty() || score < answer_threshold;
        let rel = q.relevant();
        let rank = ranked.iter().position(|id| rel.contains(&id.as_str()));
        if rel.is_empty() {
            r.out_of_scope += 1;
        } else {
            r.in_scope += 1;
            r.recall_at_1 += f64::from(rank == Some(0));
            r.recall_at_5 += f64::from(rank.is_some_and(|k| k < 5));
            r.mrr_at_10 += rank.map(|k| 1.0 / (k as f64 + 1.0)).unwrap_or(0.0);
        }
        if abstain {
            abstained += 1;
            right_abstain += usize::from(rel.is_empty());
        } else {
            answered += 1;
            right_answer += usize::from(rank == Some(0));
        }
        preds.push(Prediction {
            q: q.q.clone(),
            ranked,
            score,
            abstain,
            parts: ex.details.first().map(|d| d.parts.clone()),
            candidates: ex
                .details
                .iter()
                .map(|d| (d.id.clone(), d.parts.clone()))
                .collect(),
        });
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    if r.in_scope > 0 {
        let n = r.in_scope as f64;
        r.recall_at_1 /= n;
        r.recall_at_5 /= n;
        r.mrr_at_10 /= n;
    }
    r.abstain_precision = ratio(right_abstain, abstained);
    r.abstain_recall = ratio(right_abstain, r.out_of_scope);
    r.answer_precision = ratio(right_answer, answered);
    r.coverage = ratio(answered, r.queries);
    r.end_to_end_accuracy = ratio(right_answer + right_abstain, r.queries);
    (r, preds)
}

/// Writes predictions as JSON lines.
pub fn write_predictions(path: &Path, preds: &[Prediction]) -> anyhow::Result<()> {
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    for p in preds {
        serde_json::to_writer(&mut w, p)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}
