//! Knowledge-base search: tantivy index over `kb/**/*.md` with language-aware analysis and confidence.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::domain::faq::trim_excerpt;
use crate::domain::ports::{KbHit, KnowledgeBase};

pub mod analyze;
pub mod article;
pub mod confidence;
pub mod eval;
mod index;
pub mod query;
pub mod semantic;
pub mod watch;

pub use analyze::CjkMode;
pub use article::{Article, KbProblem, Loaded, load_dir, parse_article};
pub use confidence::ConfidenceParts;
pub use query::{QueryPlan, Scored};
pub use semantic::{Encoder, SemanticConfig};
pub use watch::{WatchHandle, watch};

use index::{Embed, Place, Snapshot};
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
enum Source {
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
    /// Opens the kb directory of `cfg`, reusing the on-disk index when the content hash is
    /// unchanged. Bad files are returned as problems and skipped.
    pub fn open(cfg: &SearchConfig) -> anyhow::Result<(Kb, Vec<KbProblem>)> {
        let (kb, problems, _) = Kb::open_reporting(cfg)?;
        Ok((kb, problems))
    }

    /// Like [`Kb::open`], and also says whether the index had to be rebuilt.
    pub fn open_reporting(cfg: &SearchConfig) -> anyhow::Result<(Kb, Vec<KbProblem>, bool)> {
        Kb::open_with(cfg, cfg.load_encoders()?)
    }

    /// [`Kb::open_reporting`] with already loaded sentence models (or none).
    pub fn open_with(
        cfg: &SearchConfig,
        encoders: Vec<Arc<Encoder>>,
    ) -> anyhow::Result<(Kb, Vec<KbProblem>, bool)> {
        Kb::open_with_progress(cfg, encoders, &|_, _| {})
    }

    /// [`Kb::open_with`], telling `progress` (done, total) as article texts are embedded.
    pub fn open_with_progress(
        cfg: &SearchConfig,
        encoders: Vec<Arc<Encoder>>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> anyhow::Result<(Kb, Vec<KbProblem>, bool)> {
        Kb::open_dir(cfg, encoders, Embed::Now(progress))
    }

    /// [`Kb::open_with`] that does not wait for the article embeddings: the kb answers
    /// lexically at once, a thread embeds the articles (reusing the vector cache) and the
    /// kb then matches by meaning. The bot starts this way.
    pub fn open_in_background(
        cfg: &SearchConfig,
        encoders: Vec<Arc<Encoder>>,
    ) -> anyhow::Result<(Kb, Vec<KbProblem>)> {
        let (kb, problems, _) = Kb::open_dir(cfg, encoders, Embed::Later)?;
        let snap = kb.current();
        if snap.semantic.is_some() {
            std::thread::Builder::new()
                .name("kb-embed".into())
                .spawn(move || {
                    let t = std::time::Instant::now();
                    match snap.embed(&|_, _| {}) {
                        Ok(n) => tracing::info!(
                            embedded = n,
                            secs = t.elapsed().as_secs_f32(),
                            "kb article vectors ready: matching by meaning"
                        ),
                        Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot embed the kb articles; matching stays lexical"),
                    }
                })
                .context("cannot start the kb embedding thread")?;
        }
        Ok((kb, problems))
    }

    fn open_dir(
        cfg: &SearchConfig,
        encoders: Vec<Arc<Encoder>>,
        embed: Embed<'_>,
    ) -> anyhow::Result<(Kb, Vec<KbProblem>, bool)> {
        let data = PathBuf::from(&cfg.data_dir);
        let source = Source::Dir {
            kb: PathBuf::from(&cfg.kb_dir),
            data: Some(data.clone()),
        };
        let semantic =
            (!encoders.is_empty()).then(|| Arc::new(Semantic::new(encoders, Some(&data))));
        let (snap, problems, built) = load(&source, cfg.cjk, semantic.as_ref(), embed)?;
        Ok((Kb::wrap(snap, source, cfg.cjk, semantic), problems, built))
    }

    /// An in-memory knowledge base over the given articles (for tests and tools).
    pub fn in_ram(articles: Vec<Article>) -> anyhow::Result<Kb> {
        Kb::in_ram_with(articles, CjkMode::default())
    }

    /// [`Kb::in_ram`] with an explicit CJK segmentation.
    pub fn in_ram_with(articles: Vec<Article>, cjk: CjkMode) -> anyhow::Result<Kb> {
        Kb::in_ram_opts(
            articles,
            &KbOptions {
                cjk,
                encoders: Vec::new(),
            },
        )
    }

    /// [`Kb::in_ram`] with explicit [`KbOptions`].
    pub fn in_ram_opts(articles: Vec<Article>, opts: &KbOptions) -> anyhow::Result<Kb> {
        let semantic = semantic_in_ram(opts);
        let (snap, _) = index::build(
            articles,
            "ram".into(),
            opts.cjk,
            Place::Ram,
            semantic.as_ref(),
            Embed::Now(&|_, _| {}),
        )?;
        Ok(Kb::wrap(snap, Source::Ram, opts.cjk, semantic))
    }

    /// Reads a kb directory into an in-memory index (nothing written to disk); reloadable.
    pub fn from_dir_in_ram(dir: &Path) -> anyhow::Result<(Kb, Vec<KbProblem>)> {
        Kb::from_dir_in_ram_with(dir, CjkMode::default())
    }

    /// [`Kb::from_dir_in_ram`] with an explicit CJK segmentation.
    pub fn from_dir_in_ram_with(dir: &Path, cjk: CjkMode) -> anyhow::Result<(Kb, Vec<KbProblem>)> {
        Kb::from_dir_in_ram_opts(
            dir,
            &KbOptions {
                cjk,
                encoders: Vec::new(),
            },
        )
    }

    /// [`Kb::from_dir_in_ram`] with explicit [`KbOptions`].
    pub fn from_dir_in_ram_opts(
        dir: &Path,
        opts: &KbOptions,
    ) -> anyhow::Result<(Kb, Vec<KbProblem>)> {
        let source = Source::Dir {
            kb: dir.to_path_buf(),
            data: None,
        };
        let semantic = semantic_in_ram(opts);
        let (snap, problems, _) =
            load(&source, opts.cjk, semantic.as_ref(), Embed::Now(&|_, _| {}))?;
        Ok((Kb::wrap(snap, source, opts.cjk, semantic), problems))
    }

    fn wrap(snap: Snapshot, source: Source, cjk: CjkMode, semantic: Option<Arc<Semantic>>) -> Kb {
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

    fn current(&self) -> Arc<Snapshot> {
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

fn semantic_in_ram(opts: &KbOptions) -> Option<Arc<Semantic>> {
    (!opts.encoders.is_empty()).then(|| Arc::new(Semantic::new(opts.encoders.clone(), None)))
}

fn load(
    source: &Source,
    cjk: CjkMode,
    semantic: Option<&Arc<Semantic>>,
    embed: Embed<'_>,
) -> anyhow::Result<(Snapshot, Vec<KbProblem>, bool)> {
    match source {
        Source::Ram => anyhow::bail!("an in-memory knowledge base has no directory to reload"),
        Source::Dir { kb, data } => {
            let loaded = load_dir(kb)?;
            let place = match data {
                Some(d) => Place::Dir(d),
                None => Place::Ram,
            };
            let (snap, built) =
                index::build(loaded.articles, loaded.hash, cjk, place, semantic, embed)?;
            Ok((snap, loaded.problems, built))
        }
    }
}

impl KnowledgeBase for Kb {
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
