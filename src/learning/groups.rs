//! Grouping the questions the kb could not answer by what they ask: by the sentence model's
//! embeddings where a model serves the language, else by the search analyser's tokens, so
//! "cannot export to PDF" and "PDF export is broken" count as one missing article.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::learning::OutcomeRecord;
use crate::domain::mask::normalise;
use crate::search::analyze::analyze;
use crate::search::semantic::cosine;
use crate::search::{CjkMode, Encoder, Kb};

// Both thresholds were measured on pairs of stackfaq_en questions (every third in-scope
// query, 250 in all: 73 pairs that ask for the same article, 13 622 that do not).

/// Token-set Jaccard similarity at or above which two questions are one group: it joins
/// 43 % of the same-article pairs and 0.17 % of the others (0.5 would join only 8 %).
pub const LEXICAL_THRESHOLD: f32 = 0.3;

/// Cosine similarity of sentence embeddings (all-MiniLM-L6-v2) at or above which two
/// questions are one group: it joins 84 % of the same-article pairs and 0.13 % of the
/// others (0.7 would join 48 %).
pub const SEMANTIC_THRESHOLD: f32 = 0.6;

/// How many other wordings a group shows besides its representative.
const EXAMPLES: usize = 3;

/// Questions that ask the same thing, with how often they were asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredGroup {
    /// The wording asked most often (the newest among equals).
    pub representative: String,
    /// How many questions the group holds.
    pub count: usize,
    /// Up to three other wordings, newest first.
    pub examples: Vec<String>,
    /// When one was last asked.
    pub last_seen: DateTime<Utc>,
    /// The askers' language.
    pub lang: String,
}

/// How questions of one language are compared.
#[derive(Clone)]
pub enum Measure {
    /// Jaccard similarity of the analyser's token sets.
    Lexical(CjkMode),
    /// Cosine similarity of this model's embeddings.
    Semantic(Arc<Encoder>),
}

impl std::fmt::Debug for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Measure::Lexical(m) => f.debug_tuple("Lexical").field(m).finish(),
            Measure::Semantic(_) => f.write_str("Semantic"),
        }
    }
}

enum Features {
    Tokens(HashSet<String>),
    Vector(Vec<f32>),
}

fn similarity(a: &Features, b: &Features) -> f32 {
    match (a, b) {
        (Features::Tokens(a), Features::Tokens(b)) => {
            let union = a.union(b).count();
            if union == 0 {
                return 0.0;
            }
            a.intersection(b).count() as f32 / union as f32
        }
        (Features::Vector(a), Features::Vector(b)) => cosine(a, b),
        _ => 0.0,
    }
}

/// Groups `items` with the kb's own means: the sentence model serving each language when
/// one is loaded, else the analyser's tokens. Largest groups first.
pub fn group_unanswered(items: &[OutcomeRecord], kb: &Kb) -> Vec<UnansweredGroup> {
    group(items, |lang| {
        kb.encoder_for(lang)
            .map_or(Measure::Lexical(kb.cjk()), Measure::Semantic)
    })
}

/// Groups `items` by language, comparing each language's questions with `measure(lang)`:
/// a question joins the first group whose first question is similar enough, else starts
/// one. Largest groups first, then the most recently asked.
pub fn group(items: &[OutcomeRecord], measure: impl Fn(&str) -> Measure) -> Vec<UnansweredGroup> {
    let mut by_lang: HashMap<&str, Vec<&OutcomeRecord>> = HashMap::new();
    for it in items {
        by_lang.entry(it.lang.as_str()).or_default().push(it);
    }
    let mut out = Vec::new();
    for (lang, mut records) in by_lang {
        records.sort_by_key(|r| std::cmp::Reverse(r.at));
        let how = measure(lang);
        let (features, threshold) = match &how {
            Measure::Lexical(cjk) => (
                records
                    .iter()
                    .map(|r| Features::Tokens(analyze(&r.query, lang, *cjk).into_iter().collect()))
                    .collect::<Vec<_>>(),
                LEXICAL_THRESHOLD,
            ),
            Measure::Semantic(enc) => (
                records
                    .iter()
                    .map(|r| Features::Vector(enc.embed(&r.query)))
                    .collect(),
                SEMANTIC_THRESHOLD,
            ),
        };
        // Each group is the indices of its records; its first record is its seed.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in 0..records.len() {
            let home = groups
                .iter()
                .position(|g| similarity(&features[g[0]], &features[i]) >= threshold);
            match home {
                Some(g) => groups[g].push(i),
                None => groups.push(vec![i]),
            }
        }
        for g in groups {
            out.push(summarise(
                lang,
                &g.iter().map(|&i| records[i]).collect::<Vec<_>>(),
            ));
        }
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_seen.cmp(&a.last_seen)));
    out
}

/// One group's summary; `members` are newest first.
fn summarise(lang: &str, members: &[&OutcomeRecord]) -> UnansweredGroup {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for (order, m) in members.iter().enumerate() {
        let e = counts.entry(normalise(&m.query)).or_insert((0, order));
        e.0 += 1;
    }
    let best_key = counts
        .iter()
        .max_by(|(_, (ca, oa)), (_, (cb, ob))| ca.cmp(cb).then(ob.cmp(oa)))
        .map(|(k, _)| k.clone())
        .unwrap_or_default();
    let best = members
        .iter()
        .find(|m| normalise(&m.query) == best_key)
        .map(|m| m.query.clone())
        .unwrap_or_default();
    let mut seen: HashSet<String> = HashSet::from([normalise(&best)]);
    let examples = members
        .iter()
        .filter(|m| seen.insert(normalise(&m.query)))
        .take(EXAMPLES)
        .map(|m| m.query.clone())
        .collect();
    UnansweredGroup {
        representative: best,
        count: members.len(),
        examples,
        last_seen: members.first().map_or(DateTime::<Utc>::MIN_UTC, |m| m.at),
        lang: lang.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::learning::LearnOutcome;

    fn q(text: &str, minutes: i64) -> OutcomeRecord {
        OutcomeRecord::new(
            DateTime::<Utc>::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap(),
            text,
            "en",
            None,
            LearnOutcome::NoMatch,
            None,
        )
    }

    #[test]
    fn lexically_similar_questions_share_a_group_with_counts() {
        let items = vec![
            q("How do I export my invoices to PDF?", 1),
            q("export invoices to pdf", 2),
            q("Export invoices to PDF", 3),
            q("How can I export invoices as PDF", 4),
            q("Can I change my username?", 5),
            q("dark mode", 6),
        ];
        let groups = group(&items, |_| Measure::Lexical(CjkMode::Bigram));
        assert_eq!(groups.len(), 3, "{groups:#?}");
        let pdf = &groups[0];
        assert_eq!(pdf.count, 4);
        // Asked twice in these words (case aside): the newest of those two represents them.
        assert_eq!(pdf.representative, "Export invoices to PDF");
        assert_eq!(
            pdf.examples,
            [
                "How can I export invoices as PDF",
                "How do I export my invoices to PDF?"
            ]
        );
        assert_eq!(pdf.last_seen, items[3].at);
        // Equal counts: the most recent first.
        assert_eq!(groups[1].representative, "dark mode");
        assert_eq!(groups[2].representative, "Can I change my username?");
    }

    #[test]
    fn languages_are_never_mixed_and_nothing_is_lost() {
        let mut zh = q("如何导出发票", 1);
        zh.lang = "zh".into();
        let mut zh2 = q("如何导出发票呢", 2);
        zh2.lang = "zh".into();
        let items = vec![zh, zh2, q("export invoices", 3)];
        let groups = group(&items, |_| Measure::Lexical(CjkMode::Bigram));
        assert_eq!(groups.iter().map(|g| g.count).sum::<usize>(), 3);
        assert!(groups.iter().all(|g| g.lang == "zh" || g.count == 1));
        assert!(
            groups.iter().any(|g| g.lang == "zh" && g.count == 2),
            "{groups:#?}"
        );
        assert!(group(&[], |_| Measure::Lexical(CjkMode::Bigram)).is_empty());
    }
}
