//! Confidence: per-candidate match features (coverage, title/question overlap, what is left
//! unmatched on either side), the final ranking, and a logistic squash into [0, 1].

use serde::Serialize;

use super::index::Snapshot;
use super::query::{QueryPlan, Scored};
use super::semantic::Calibration;
use super::terms::{TermId, TermSet, strong};

/// Logistic weights, fitted once on pooled English and Chinese FAQ data (docs/search.md).
const W_BIAS: f32 = -2.87;
const W_COVERAGE: f32 = 2.66;
const W_HEAD_COVERAGE: f32 = -1.13;
const W_HEAD_DICE: f32 = 0.62;
const W_HEAD_PRECISION: f32 = 2.47;
const W_STRONG_DICE: f32 = 0.26;
const W_MARGIN: f32 = 2.46;
const W_DICE_GAP: f32 = 1.72;
const W_MISS_QUERY: f32 = -0.36;
const W_MISS_HEAD: f32 = -0.50;

/// The parts a confidence is built from, shown by `kb search --explain`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConfidenceParts {
    /// Raw tantivy BM25 score (sum over boosted fields).
    pub bm25: f32,
    /// Ranking score: BM25 × (1 + head dice).
    pub rank_score: f32,
    /// (own − best other candidate's ranking score) / own, clamped to [0, 1].
    pub margin: f32,
    /// idf-weighted share of the query's terms found anywhere in the article.
    pub coverage: f32,
    /// idf-weighted share of the query's terms found in the best title/question.
    pub head_coverage: f32,
    /// idf-weighted Dice overlap between the query and the best title/question.
    pub head_dice: f32,
    /// Share of the best title/question's idf weight that the query matches.
    pub head_precision: f32,
    /// Head Dice counting only "strong" terms (words, CJK bigrams), not single CJK characters.
    pub strong_dice: f32,
    /// Own head dice minus the best other candidate's, clamped to [−1, 1].
    pub dice_gap: f32,
    /// Rarest query term missing from the article, as a share of the maximal idf.
    pub miss_query: f32,
    /// Rarest term of the best title/question missing from the query, as a share of the maximal idf.
    pub miss_head: f32,
    /// Cosine similarity of the question to the article's best title, question or body, when
    /// a sentence model matched it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic: Option<f32>,
    /// Own similarity minus the best other candidate's, when a sentence model matched it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_gap: Option<f32>,
    /// Distinct query terms used.
    pub terms: usize,
    /// The logistic combination, in [0, 1].
    pub confidence: f32,
}

impl Snapshot {
    /// Computes every feature of one candidate except the cross-candidate ones.
    pub(crate) fn features(&self, plan: &QueryPlan, ord: usize, bm25: f32) -> Scored {
        let info = &self.infos[ord];
        let terms: &[String] = plan
            .terms
            .iter()
            .find(|(l, _)| *l == info.lang)
            .or(plan.terms.first())
            .map(|(_, t)| t.as_slice())
            .unwrap_or(&[]);
        // Each query term once as the snapshot knows it: `None` is in no article.
        let ids: Vec<Option<TermId>> = terms.iter().map(|t| self.terms.id(t)).collect();
        let strong_q: Vec<bool> = terms.iter().map(|t| strong(t)).collect();
        let max_idf = self.idf_of(None).max(1e-6);
        let idf = |id: &Option<TermId>| self.idf_of(*id);
        let wq: f32 = ids.iter().map(idf).sum();
        let wq_strong: f32 = ids
            .iter()
            .zip(&strong_q)
            .filter(|(_, s)| **s)
            .map(|(id, _)| idf(id))
            .sum();
        let mut parts = ConfidenceParts {
            bm25,
            terms: terms.len(),
            ..Default::default()
        };
        let in_doc = |id: &Option<TermId>| {
            id.is_some_and(|i| {
                info.body.contains(i)
                    || info.tags.contains(i)
                    || info.heads.iter().any(|h| h.contains(i))
            })
        };
        let in_head = |h: &TermSet, id: &Option<TermId>| id.is_some_and(|i| h.contains(i));
        if wq > 0.0 {
            let hit: f32 = ids.iter().filter(|id| in_doc(id)).map(idf).sum();
            parts.coverage = hit / wq;
            parts.miss_query = ids
                .iter()
                .zip(&strong_q)
                .filter(|(id, s)| **s && !in_doc(id))
                .map(|(id, _)| idf(id))
                .fold(0.0, f32::max)
                / max_idf;
            let head_idf = |i: TermId| self.idf_of(Some(i));
            let mut best_head: Option<&TermSet> = None;
            for h in &info.heads {
                let inter: f32 = ids.iter().filter(|id| in_head(h, id)).map(idf).sum();
                let wh: f32 = h.iter().map(head_idf).sum();
                parts.head_coverage = parts.head_coverage.max(inter / wq);
                let dice = if wq + wh > 0.0 {
                    2.0 * inter / (wq + wh)
                } else {
                    0.0
                };
                if dice > parts.head_dice || best_head.is_none() {
                    parts.head_dice = dice;
                    parts.head_precision = if wh > 0.0 { inter / wh } else { 0.0 };
                    best_head = Some(h);
                }
                let si: f32 = ids
                    .iter()
                    .zip(&strong_q)
                    .filter(|(id, s)| **s && in_head(h, id))
                    .map(|(id, _)| idf(id))
                    .sum();
                let sh: f32 = h
                    .iter()
                    .filter(|i| self.terms.is_strong(*i))
                    .map(head_idf)
                    .sum();
                if wq_strong + sh > 0.0 {
                    parts.strong_dice = parts.strong_dice.max(2.0 * si / (wq_strong + sh));
                }
            }
            if let Some(h) = best_head {
                parts.miss_head = h
                    .iter()
                    .filter(|i| self.terms.is_strong(*i) && !ids.contains(&Some(*i)))
                    .map(head_idf)
                    .fold(0.0, f32::max)
                    / max_idf;
            }
        }
        parts.rank_score = bm25 * (1.0 + parts.head_dice);
        Scored {
            ord,
            id: info.article.id.clone(),
            matched: matched(info, terms, &ids),
            parts,
        }
    }
}

fn matched(
    info: &super::index::ArticleInfo,
    terms: &[String],
    ids: &[Option<TermId>],
) -> Vec<(String, Vec<String>)> {
    let title = info.heads.first();
    let questions = TermSet::union(info.heads.iter().skip(1));
    let pick = |f: &dyn Fn(TermId) -> bool| -> Vec<String> {
        terms
            .iter()
            .zip(ids)
            .filter(|(_, id)| id.is_some_and(f))
            .map(|(t, _)| t.clone())
            .collect()
    };
    let mut out = Vec::new();
    for (name, m) in [
        ("title", pick(&|i| title.is_some_and(|h| h.contains(i)))),
        ("questions", pick(&|i| questions.contains(i))),
        ("body", pick(&|i| info.body.contains(i))),
        ("tags", pick(&|i| info.tags.contains(i))),
    ] {
        if !m.is_empty() {
            out.push((name.to_string(), m));
        }
    }
    out
}

/// Orders candidates by ranking score, fills in the cross-candidate features and the
/// confidence of each.
pub(crate) fn calibrate(cands: &mut [Scored]) {
    cands.sort_by(|a, b| b.parts.rank_score.total_cmp(&a.parts.rank_score));
    let n = cands.len();
    let (mut best_rs, mut second_rs, mut best_dice, mut second_dice) =
        (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for c in cands.iter() {
        let (rs, d) = (c.parts.rank_score, c.parts.head_dice);
        if rs > best_rs {
            second_rs = best_rs;
            best_rs = rs;
        } else if rs > second_rs {
            second_rs = rs;
        }
        if d > best_dice {
            second_dice = best_dice;
            best_dice = d;
        } else if d > second_dice {
            second_dice = d;
        }
    }
    for (i, c) in cands.iter_mut().enumerate() {
        let p = &mut c.parts;
        let other_rs = if i == 0 { second_rs } else { best_rs };
        p.margin = if p.rank_score > 0.0 && n > 0 {
            ((p.rank_score - other_rs) / p.rank_score).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let other_dice = if p.head_dice >= best_dice {
            second_dice
        } else {
            best_dice
        };
        p.dice_gap = (p.head_dice - other_dice).clamp(-1.0, 1.0);
        let z = W_BIAS
            + W_COVERAGE * p.coverage
            + W_HEAD_COVERAGE * p.head_coverage
            + W_HEAD_DICE * p.head_dice
            + W_HEAD_PRECISION * p.head_precision
            + W_MARGIN * p.margin
            + W_DICE_GAP * p.dice_gap
            + W_MISS_QUERY * p.miss_query
            + W_MISS_HEAD * p.miss_head
            + W_STRONG_DICE * p.strong_dice;
        p.confidence = squash(z);
    }
}

/// Orders candidates matched by meaning by similarity (plus the model's share of head word
/// overlap) and sets their gap and confidence with the weights of the model that matched them.
pub(crate) fn calibrate_semantic(cands: &mut [Scored], w: Calibration) {
    let sim = |c: &Scored| c.parts.semantic.unwrap_or(0.0) + w.dice * c.parts.head_dice;
    cands.sort_by(|a, b| sim(b).total_cmp(&sim(a)));
    let best = cands.first().map(sim).unwrap_or(0.0);
    let second = cands.get(1).map(sim).unwrap_or(0.0);
    for (i, c) in cands.iter_mut().enumerate() {
        let s = sim(c);
        let gap = s - if i == 0 { second } else { best };
        c.parts.semantic_gap = Some(gap);
        c.parts.confidence = squash(w.bias + w.sim * s + w.gap * gap);
    }
}

fn squash(z: f32) -> f32 {
    let p = 1.0 / (1.0 + (-z).exp());
    if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
