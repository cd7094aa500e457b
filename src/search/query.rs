//! Questions to hits: programmatic tantivy queries from analyzed terms, then a calibrated
//! confidence from BM25 margin, query-term coverage and title/question overlap.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;
use tantivy::Term;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::analyze::{analyze, cjk_share, norm_lang};
use super::confidence::{ConfidenceParts, calibrate, calibrate_semantic};
use super::index::Snapshot;

/// Longest query text looked at; the rest of a pasted wall of text adds noise, not signal.
const MAX_QUERY_BYTES: usize = 2000;
/// At most this many distinct terms (the rarest) go into the tantivy query.
const MAX_TERMS: usize = 48;
/// Candidates fetched from tantivy before confidence is computed.
const CANDIDATES: usize = 20;
/// Field boosts: the title and the alternative questions say what an article is about.
const BOOST_TITLE: f32 = 2.0;
const BOOST_QUESTIONS: f32 = 2.0;
const BOOST_BODY: f32 = 1.0;
const BOOST_TAGS: f32 = 0.5;

/// One ranked article with its confidence and, for `--explain`, what matched where.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    /// Index into the snapshot's articles.
    #[serde(skip)]
    pub ord: usize,
    /// Article id.
    pub id: String,
    /// Confidence and its parts.
    pub parts: ConfidenceParts,
    /// Query terms matched, per field (`title`, `questions`, `body`, `tags`).
    pub matched: Vec<(String, Vec<String>)>,
}

/// The analyzed query: which languages, which terms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueryPlan {
    /// Only articles of this language are searched, if set.
    pub filter_lang: Option<String>,
    /// Distinct terms per analysis language.
    pub terms: Vec<(String, Vec<String>)>,
}

fn clip(q: &str) -> &str {
    if q.len() <= MAX_QUERY_BYTES {
        return q;
    }
    let mut end = MAX_QUERY_BYTES;
    while !q.is_char_boundary(end) {
        end -= 1;
    }
    &q[..end]
}

impl Snapshot {
    pub(crate) fn idf(&self, term: &str) -> f32 {
        self.idf_of(self.terms.id(term))
    }

    /// The idf of an interned term; `None` (no article has it) has the largest.
    pub(crate) fn idf_of(&self, id: Option<super::terms::TermId>) -> f32 {
        let n = self.infos.len() as f32;
        let df = id.map_or(0, |i| self.terms.df(i)) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Decides the language filter and analyzes the query once per candidate language.
    pub(crate) fn plan(&self, query: &str, lang: Option<&str>) -> QueryPlan {
        let query = clip(query);
        let hint = lang.map(norm_lang).filter(|l| !l.is_empty());
        let filter_lang = match hint {
            Some(h) if self.langs.contains(&h) => Some(h),
            _ if cjk_share(query) >= 0.3 => ["zh", "ja", "ko"]
                .into_iter()
                .find(|l| self.langs.contains(*l))
                .map(str::to_string),
            _ => None,
        };
        let langs: Vec<String> = match &filter_lang {
            Some(l) => vec![l.clone()],
            None if self.langs.is_empty() => vec!["en".into()],
            None => {
                // A question without CJK script is not analysed as Chinese/Japanese/Korean,
                // unless the kb has nothing else.
                let latin: Vec<String> = self
                    .langs
                    .iter()
                    .filter(|l| !matches!(l.as_str(), "zh" | "ja" | "ko"))
                    .cloned()
                    .collect();
                if latin.is_empty() {
                    self.langs.iter().cloned().collect()
                } else {
                    latin
                }
            }
        };
        let terms = langs
            .into_iter()
            .map(|l| {
                let mut seen = HashSet::new();
                let mut t: Vec<String> = analyze(query, &l, self.cjk)
                    .into_iter()
                    .filter(|t| seen.insert(t.clone()))
                    .collect();
                if t.len() > MAX_TERMS {
                    t.sort_by(|a, b| self.idf(b).total_cmp(&self.idf(a)));
                    t.truncate(MAX_TERMS);
                }
                (l, t)
            })
            .collect();
        QueryPlan { filter_lang, terms }
    }

    fn tantivy_query(&self, plan: &QueryPlan) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let all: BTreeSet<&String> = plan.terms.iter().flat_map(|(_, t)| t.iter()).collect();
        if all.is_empty() {
            return None;
        }
        let fields: [(Field, f32); 4] = [
            (f.title, BOOST_TITLE),
            (f.questions, BOOST_QUESTIONS),
            (f.body, BOOST_BODY),
            (f.tags, BOOST_TAGS),
        ];
        let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in all {
            for (field, boost) in fields {
                let tq = TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                );
                shoulds.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost)),
                ));
            }
        }
        let terms: Box<dyn Query> = Box::new(BooleanQuery::new(shoulds));
        Some(match &plan.filter_lang {
            Some(l) => {
                let lq = TermQuery::new(Term::from_field_text(f.lang, l), IndexRecordOption::Basic);
                Box::new(BooleanQuery::new(vec![
                    (
                        Occur::Must,
                        Box::new(ConstScoreQuery::new(Box::new(lq), 0.0)),
                    ),
                    (Occur::Must, terms),
                ]))
            }
            None => terms,
        })
    }

    /// Ranks articles for a query; never fails (errors yield an empty list and a log line).
    /// With a sentence model, articles in the languages it understands are ranked by meaning
    /// and the rest lexically; the two lists merge by confidence.
    pub(crate) fn rank(&self, query: &str, lang: Option<&str>, limit: usize) -> Vec<Scored> {
        let plan = self.plan(query, lang);
        let raw = self.lexical(&plan, limit.max(CANDIDATES));
        let Some(mut by_meaning) = self.by_meaning(query, &plan, &raw, limit.max(CANDIDATES))
        else {
            let mut out: Vec<Scored> = raw
                .iter()
                .map(|&(s, ord)| self.features(&plan, ord, s))
                .collect();
            calibrate(&mut out);
            out.truncate(limit);
            return out;
        };
        let understood = |ord: usize| self.vectors().get(ord).is_some_and(Option::is_some);
        // Calibrated among all lexical candidates, so a lone hit in another language does not
        // get a full margin just because the stronger hits were matched by meaning.
        let mut out: Vec<Scored> = raw
            .iter()
            .map(|&(s, ord)| self.features(&plan, ord, s))
            .collect();
        calibrate(&mut out);
        out.retain(|s| !understood(s.ord));
        by_meaning.append(&mut out);
        by_meaning.sort_by(|a, b| b.parts.confidence.total_cmp(&a.parts.confidence));
        by_meaning.truncate(limit);
        by_meaning
    }

    /// BM25 candidates as (score, article).
    fn lexical(&self, plan: &QueryPlan, k: usize) -> Vec<(f32, usize)> {
        let Some(q) = self.tantivy_query(plan) else {
            return Vec::new();
        };
        let top = match self
            .searcher
            .search(&q, &TopDocs::with_limit(k).order_by_score())
        {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "kb search failed");
                return Vec::new();
            }
        };
        top.into_iter()
            .filter(|(s, _)| *s > 0.0)
            .filter_map(|(s, a)| Some((s, self.ord_of(a)?)))
            .collect()
    }

    /// The `k` articles most similar in meaning per sentence model, when the articles in the
    /// question's scope were embedded; `None` means "rank lexically". Each model ranks and
    /// calibrates its own articles (similarities of different models do not compare); the
    /// caller merges the lists by confidence.
    fn by_meaning(
        &self,
        query: &str,
        plan: &QueryPlan,
        raw: &[(f32, usize)],
        k: usize,
    ) -> Option<Vec<Scored>> {
        let sem = self.semantic.as_ref()?;
        let in_scope = |ord: usize| {
            plan.filter_lang
                .as_ref()
                .is_none_or(|l| *l == self.infos[ord].lang)
        };
        let mut models: Vec<usize> = self
            .vectors()
            .iter()
            .enumerate()
            .filter(|(ord, _)| in_scope(*ord))
            .filter_map(|(_, v)| Some(v.as_ref()?.model))
            .collect();
        models.sort_unstable();
        models.dedup();
        let mut all: Option<Vec<Scored>> = None;
        for m in models {
            let Some(enc) = sem.encoder(m) else { continue };
            let q = enc.embed(clip(query));
            if q.is_empty() {
                continue;
            }
            let of_model = |ord: usize| {
                self.vectors()
                    .get(ord)
                    .and_then(Option::as_ref)
                    .filter(|v| v.model == m)
            };
            let mut sims: Vec<(f32, usize)> = (0..self.vectors().len())
                .filter(|&ord| in_scope(ord))
                .filter_map(|ord| Some((of_model(ord)?.similarity(&q), ord)))
                .collect();
            sims.sort_by(|a, b| b.0.total_cmp(&a.0));
            sims.truncate(k);
            // Strong keyword matches (an error code, a product name) stay candidates even when
            // they are not among the most similar by meaning.
            for &(_, ord) in raw {
                if !sims.iter().any(|(_, o)| *o == ord)
                    && let Some(v) = of_model(ord)
                {
                    sims.push((v.similarity(&q), ord));
                }
            }
            let mut out: Vec<Scored> = sims
                .iter()
                .map(|&(sim, ord)| {
                    let bm25 = raw.iter().find(|(_, o)| *o == ord).map_or(0.0, |r| r.0);
                    let mut s = self.features(plan, ord, bm25);
                    s.parts.semantic = Some(sim);
                    s
                })
                .collect();
            let w = enc.calibration();
            calibrate_semantic(&mut out, w);
            // An article found only by meaning (no shared term) below the model's floor is
            // unrelated: `/faq` should say it found nothing rather than list random articles.
            out.retain(|s| {
                s.parts.bm25 > 0.0
                    || (s.parts.confidence >= w.min_confidence
                        && s.parts.semantic.unwrap_or(0.0) >= w.min_similarity)
            });
            all.get_or_insert_with(Vec::new).append(&mut out);
        }
        all
    }
}
