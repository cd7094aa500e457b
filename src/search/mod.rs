//! Knowledge-base search: tantivy index over `kb/**/*.md` with language-aware analysis and confidence.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use crate::domain::faq::trim_excerpt;
use crate::domain::ports::{KbHit, KnowledgeBase};

pub mod analyze;
pub mod article;
pub mod confidence;
pub mod eval;
mod index;
mod open;
pub mod query;
pub mod semantic;
mod terms;
pub mod watch;

pub use analyze::CjkMode;
pub use article::{Article, KbProblem, Loaded, load_dir, parse_article};
pub use confidence::ConfidenceParts;
pub use query::{QueryPlan, Scored};
pub use semantic::{Encoder, SemanticConfig};
pub use watch::{WatchHandle, watch};

use index::{Embed, Snapshot};
use open::load;
use semantic::Semantic;

/// Bumped whenever analysis or schema changes, so on-disk indexes are rebuilt.
pub const ANALYSIS_VERSION: &str = "supportbot-kb-analysis-2";

/// Longest excerpt shown with a hit, in characters.
const EXCERPT_CHARS: usize = 280;

/// `[search]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Folder of markdown articles.
    pub kb_dir: String,
    /// Folder for the on-disk index and other derived data.
    pub data_dir: String,
    /// How Chinese/Japanese/Korean text is segmented: `bigram`, `uni_bigram` or `jieba`.
    #[serde(default)]
    pub cjk: CjkMode,
    /// Reload changed articles while the bot runs.
    #[serde(default = "yes")]
    pub watch: bool,
    /// Optional sentence model for matching by meaning (`[search.semantic]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<SemanticConfig>,
}

/// How a knowledge base is analysed: CJK segmentation and, optionally, a sentence model.
#[derive(Debug, Clone, Default)]
pub struct KbOptions {
    /// Segmentation of Chinese, Japanese and Korean text.
    pub cjk: CjkMode,
    /// Sentence models that re-rank and check hits, each in its languages (configuration
    /// order); empty for lexical matching only.
    pub encoders: Vec<Arc<Encoder>>,
}

impl SearchConfig {
    /// Loads the configured sentence models. A missing `model_dir` is an error only when the
    /// models are `required`; otherwise it is logged and that model's languages stay lexical.
    pub fn load_encoders(&self) -> anyhow::Result<Vec<Arc<Encoder>>> {
        let Some(sem) = self.semantic.as_ref() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for m in sem.resolved()? {
            if !sem.required && !Path::new(&m.model_dir).exists() {
                tracing::warn!(
                    model_dir = %m.model_dir,
                    "no sentence model there, so FAQ matching in its languages is lexical only; to match by meaning run `supportbot models fetch` or set [search.semantic] fetch = true"
                );
                continue;
            }
            out.push(Arc::new(Encoder::load_model(&m)?));
        }
        Ok(out)
    }

    /// CJK mode and sentence model, as [`KbOptions`].
    pub fn options(&self) -> anyhow::Result<KbOptions> {
        Ok(KbOptions {
            cjk: self.cjk,
            encoders: self.load_encoders()?,
        })
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone)]
pub(crate) enum Source {
    Ram,
    Dir { kb: PathBuf, data: Option<PathBuf> },
}

/// The knowledge base: an atomically swappable index snapshot behind a `&self` API.
#[derive(Debug)]
pub struct Kb {
    snap: RwLock<Arc<Snapshot>>,
    source: Source,
    cjk: CjkMode,
    semantic: Option<Arc<Semantic>>,
}

/// What `kb search --explain` prints: the query plan and every hit's parts.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Language filter and analyzed terms.
    pub plan: QueryPlan,
    /// Hits as the desk sees them.
    pub hits: Vec<KbHit>,
    /// The same hits with confidence parts and matched fields.
    pub details: Vec<Scored>,
}

impl Kb {
    pub(crate) fn wrap(
        snap: Snapshot,
        source: Source,
        cjk: CjkMode,
        semantic: Option<Arc<Semantic>>,
    ) -> Kb {
        Kb {
            snap: RwLock::new(Arc::new(snap)),
            source,
            cjk,
            semantic,
        }
    }

    /// How many texts the sentence model embedded for the current index (the others came
    /// from the vector cache).
    pub fn texts_embedded(&self) -> usize {
        self.current().embedded().unwrap_or(0)
    }

    /// Whether a sentence model takes part in matching.
    pub fn is_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    /// Whether the current index matches by meaning already: a model is configured and the
    /// articles' vectors are computed ([`Kb::open_in_background`] answers lexically until
    /// then).
    pub fn matches_by_meaning(&self) -> bool {
        self.semantic.is_some() && self.current().embedded().is_some()
    }

    pub(crate) fn current(&self) -> Arc<Snapshot> {
        self.snap.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Re-reads the kb directory and swaps in the new index if the content changed.
    /// Searches running meanwhile finish on the old snapshot. Returns the files' problems.
    pub fn reload(&self) -> anyhow::Result<Vec<KbProblem>> {
        if let Source::Dir { kb, .. } = &self.source {
            let loaded = load_dir(kb)?;
            if loaded.hash == self.current().hash {
                return Ok(loaded.problems);
            }
        }
        // Embedded before the swap: the old snapshot keeps answering by meaning meanwhile.
        let (snap, problems, _) = load(
            &self.source,
            self.cjk,
            self.semantic.as_ref(),
            Embed::Now(&|_, _| {}),
        )?;
        *self.snap.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snap);
        Ok(problems)
    }

    /// The kb directory this was loaded from, if any.
    pub fn kb_dir(&self) -> Option<&Path> {
        match &self.source {
            Source::Dir { kb, .. } => Some(kb),
            Source::Ram => None,
        }
    }

    /// How CJK text is segmented for this index.
    pub fn cjk(&self) -> CjkMode {
        self.cjk
    }

    /// The sentence model used for questions in `lang`, if one is configured for it.
    pub fn encoder_for(&self, lang: &str) -> Option<Arc<Encoder>> {
        let semantic = self.semantic.as_ref()?;
        semantic
            .model_for(lang)
            .and_then(|i| semantic.encoder(i))
            .cloned()
    }

    /// Number of indexed articles.
    pub fn len(&self) -> usize {
        self.current().infos.len()
    }

    /// True when no article is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Content hash of the indexed articles (`ram` for [`Kb::in_ram`]).
    pub fn content_hash(&self) -> String {
        self.current().hash.clone()
    }

    /// The indexed article with this id.
    pub fn article(&self, id: &str) -> Option<Article> {
        let s = self.current();
        s.infos
            .iter()
            .find(|i| i.article.id == id)
            .map(|i| i.article.clone())
    }

    /// Searches and returns the hits together with their confidence parts.
    pub fn explain(&self, query: &str, lang: Option<&str>, limit: usize) -> Explanation {
        let snap = self.current();
        let details = snap.rank(query, lang, limit);
        let hits = details.iter().map(|d| hit(&snap, d)).collect();
        Explanation {
            plan: snap.plan(query, lang),
            hits,
            details,
        }
    }
}

fn hit(snap: &Snapshot, s: &Scored) -> KbHit {
    let info = &snap.infos[s.ord];
    KbHit {
        id: info.article.id.clone(),
        title: info.article.title.clone(),
        excerpt: trim_excerpt(&info.plain, EXCERPT_CHARS),
        confidence: s.parts.confidence.clamp(0.0, 1.0),
        lang: info.lang.clone(),
    }
}

impl KnowledgeBase for Kb {
    fn phrasings(&self, id: &str) -> Option<crate::domain::learning::Phrasings> {
        self.article(id)
            .map(|a| crate::domain::learning::Phrasings {
                id: a.id,
                lang: a.lang,
                title: a.title,
                questions: a.questions,
            })
    }

    fn search(&self, query: &str, lang: Option<&str>, limit: usize) -> Vec<KbHit> {
        if limit == 0 {
            return Vec::new();
        }
        let run = || {
            let snap = self.current();
            snap.rank(query, lang, limit)
                .iter()
                .map(|s| hit(&snap, s))
                .collect()
        };
        if self.semantic.is_some() {
            off_the_runtime(run)
        } else {
            run()
        }
    }
}

/// Embedding a question takes milliseconds of CPU. On a multi-threaded tokio runtime the
/// worker's other tasks move to another thread meanwhile, so other conversations keep going.
fn off_the_runtime<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}
