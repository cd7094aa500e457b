//! Opening a knowledge base: from its directory (index on disk, or in RAM) or from articles,
//! waiting for the article vectors or, for the bot, computing them in the background.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::index::{self, Embed, Place, Snapshot};
use super::semantic::Semantic;
use super::{Article, CjkMode, Encoder, Kb, KbOptions, KbProblem, SearchConfig, Source, load_dir};

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
}

fn semantic_in_ram(opts: &KbOptions) -> Option<Arc<Semantic>> {
    (!opts.encoders.is_empty()).then(|| Arc::new(Semantic::new(opts.encoders.clone(), None)))
}

pub(crate) fn load(
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
