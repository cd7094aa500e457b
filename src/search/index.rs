//! The tantivy index: schema, building (in RAM or in the data directory, keyed by content hash)
//! and the immutable snapshot that queries run against.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use tantivy::columnar::Column;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument};

use super::analyze::{CjkMode, analyze, norm_lang};
use super::article::Article;
use super::semantic::{ArticleVectors, Semantic};
use super::terms::{TermSet, Terms};

/// The text fields every article is indexed under; boosts live in `query`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub title: Field,
    pub questions: Field,
    pub body: Field,
    pub tags: Field,
    pub lang: Field,
    pub ord: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Tokens are produced by `analyze` and handed over pre-tokenized, so the registered
    // tokenizer is never used; positions are not needed because queries are bags of terms.
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        title: b.add_text_field("title", text.clone()),
        questions: b.add_text_field("questions", text.clone()),
        body: b.add_text_field("body", text.clone()),
        tags: b.add_text_field("tags", text),
        lang: b.add_text_field("lang", STRING),
        ord: b.add_u64_field("ord", FAST),
    };
    (b.build(), fields)
}

/// Per-article data kept in RAM next to the index: what hits show and what confidence reads.
#[derive(Debug)]
pub(crate) struct ArticleInfo {
    pub article: Article,
    pub lang: String,
    /// Plain-text body, markdown noise removed, for excerpts.
    pub plain: String,
    /// Terms of the title, then of each question: the article's "heads".
    pub heads: Vec<TermSet>,
    /// Terms of the body.
    pub body: TermSet,
    /// Terms of the tags.
    pub tags: TermSet,
}

/// One immutable generation of the knowledge base.
pub(crate) struct Snapshot {
    pub searcher: Searcher,
    // Keeps the reader (and its segment files) alive as long as the searcher is used.
    _reader: IndexReader,
    pub fields: Fields,
    pub infos: Vec<ArticleInfo>,
    /// `ord` fast-field column per segment ordinal.
    pub ords: Vec<Column<u64>>,
    /// Every distinct term once, with the number of articles containing it in any field.
    pub terms: Terms,
    pub langs: BTreeSet<String>,
    pub hash: String,
    pub cjk: CjkMode,
    /// Embeddings per article (`None` where no model embeds the language) and how many texts
    /// had to be embedded for them (the rest came from the cache); unset until computed,
    /// and until then the snapshot ranks lexically.
    vectors: OnceLock<(Vec<Option<ArticleVectors>>, usize)>,
    /// The models that embed queries, when semantic matching is on.
    pub semantic: Option<Arc<Semantic>>,
}

/// When [`build`] embeds the articles.
pub(crate) enum Embed<'a> {
    /// Before returning, reporting (done, total) texts as it goes.
    Now(&'a (dyn Fn(usize, usize) + Sync)),
    /// Not at all: the caller runs [`Snapshot::embed`] (in the background).
    Later,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("articles", &self.infos.len())
            .field("hash", &self.hash)
            .finish()
    }
}

fn pre(tokens: &[String], text: &str) -> PreTokenizedString {
    PreTokenizedString {
        text: text.to_string(),
        tokens: tokens
            .iter()
            .enumerate()
            .map(|(i, t)| Token {
                offset_from: 0,
                offset_to: 0,
                position: i,
                text: t.clone(),
                position_length: 1,
            })
            .collect(),
    }
}

/// Strips the markdown that would look odd in a chat excerpt.
pub(crate) fn plain_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for line in md.lines() {
        let l = line.trim();
        if l.starts_with("```") || l.chars().all(|c| "-*_=#> ".contains(c)) && !l.is_empty() {
            continue;
        }
        if l.starts_with('|') && l.chars().all(|c| "|-: ".contains(c)) {
            continue;
        }
        let cells;
        let l = if l.starts_with('|') {
            cells = l
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(", ");
            cells.as_str()
        } else {
            l
        };
        let l = l.trim_start_matches(['#', '>', ' ']);
        let l = l
            .strip_prefix("- ")
            .or_else(|| l.strip_prefix("* "))
            .unwrap_or(l);
        out.push_str(&l.replace("**", "").replace('`', ""));
        out.push(' ');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Analyzed {
    info: ArticleInfo,
    title: Vec<String>,
    questions: Vec<String>,
    body: Vec<String>,
    tags: Vec<String>,
}

fn analyze_article(a: &Article, cjk: CjkMode, terms: &mut Terms) -> Analyzed {
    let lang = norm_lang(&a.lang);
    let title = analyze(&a.title, &lang, cjk);
    let mut questions = Vec::new();
    let mut heads = vec![TermSet::of(terms, &title)];
    for q in &a.questions {
        let t = analyze(q, &lang, cjk);
        heads.push(TermSet::of(terms, &t));
        questions.extend(t);
    }
    let plain = plain_text(&a.body);
    let body = analyze(&plain, &lang, cjk);
    let tags = analyze(&a.tags.join(" "), &lang, cjk);
    Analyzed {
        info: ArticleInfo {
            article: a.clone(),
            lang,
            plain,
            body: TermSet::of(terms, &body),
            tags: TermSet::of(terms, &tags),
            heads,
        },
        title,
        questions,
        body,
        tags,
    }
}

/// Where an index lives.
pub(crate) enum Place<'a> {
    /// In memory.
    Ram,
    /// Under this data directory, in `kb-index/<hash>/`.
    Dir(&'a Path),
}

const DONE_MARKER: &str = "supportbot-index-complete";

/// The index folder for a content hash and CJK segmentation: switching `[search] cjk` must not
/// reuse an index whose Chinese terms were cut another way.
pub(crate) fn index_dir(data_dir: &Path, hash: &str, cjk: CjkMode) -> PathBuf {
    let mode = match cjk {
        CjkMode::Bigram => "bigram",
        CjkMode::UniBigram => "uni_bigram",
        CjkMode::Jieba => "jieba",
    };
    data_dir
        .join("kb-index")
        .join(format!("{}-{mode}", &hash[..hash.len().min(16)]))
}

/// Builds (or, on disk, reuses) the index for `articles` and returns a snapshot of it.
/// The returned flag says whether an index was (re)built.
pub(crate) fn build(
    articles: Vec<Article>,
    hash: String,
    cjk: CjkMode,
    place: Place<'_>,
    semantic: Option<&Arc<Semantic>>,
    embed: Embed<'_>,
) -> anyhow::Result<(Snapshot, bool)> {
    let (schema, fields) = schema();
    let mut terms = Terms::default();
    let analyzed: Vec<Analyzed> = articles
        .iter()
        .map(|a| analyze_article(a, cjk, &mut terms))
        .collect();
    let (index, built) = match place {
        Place::Ram => (Index::create_in_ram(schema), true),
        Place::Dir(data) => {
            let dir = index_dir(data, &hash, cjk);
            if dir.join(DONE_MARKER).exists() {
                match Index::open_in_dir(&dir) {
                    Ok(ix) => (ix, false),
                    Err(e) => {
                        tracing::warn!(dir = %dir.display(), error = %e, "kb index unreadable; rebuilding");
                        std::fs::remove_dir_all(&dir).ok();
                        (create_dir_index(&dir, schema)?, true)
                    }
                }
            } else {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir).ok();
                }
                (create_dir_index(&dir, schema)?, true)
            }
        }
    };
    if built {
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 50_000_000)
            .context("cannot create the kb index writer")?;
        for (ord, a) in analyzed.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_pre_tokenized_text(fields.title, pre(&a.title, &a.info.article.title));
            doc.add_pre_tokenized_text(fields.questions, pre(&a.questions, ""));
            doc.add_pre_tokenized_text(fields.body, pre(&a.body, ""));
            doc.add_pre_tokenized_text(fields.tags, pre(&a.tags, ""));
            doc.add_text(fields.lang, &a.info.lang);
            doc.add_u64(fields.ord, ord as u64);
            writer.add_document(doc)?;
        }
        writer.commit().context("cannot commit the kb index")?;
        writer.wait_merging_threads().ok();
        if let Place::Dir(data) = place {
            let dir = index_dir(data, &hash, cjk);
            std::fs::write(dir.join(DONE_MARKER), &hash)
                .with_context(|| format!("cannot write {}", dir.display()))?;
            remove_stale(data, &dir);
        }
    }
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .context("cannot open the kb index reader")?;
    let searcher = reader.searcher();
    let mut ords = Vec::new();
    for seg in searcher.segment_readers() {
        ords.push(seg.fast_fields().u64("ord")?);
    }
    let mut langs = BTreeSet::new();
    let mut infos = Vec::with_capacity(analyzed.len());
    for a in analyzed {
        let i = &a.info;
        terms.count(&TermSet::union(
            [&i.body, &i.tags].into_iter().chain(i.heads.iter()),
        ));
        langs.insert(a.info.lang.clone());
        infos.push(a.info);
    }
    let snap = Snapshot {
        searcher,
        _reader: reader,
        fields,
        infos,
        ords,
        terms,
        langs,
        hash,
        cjk,
        vectors: OnceLock::new(),
        semantic: semantic.cloned(),
    };
    if let Embed::Now(progress) = embed {
        snap.embed(progress)?;
    }
    Ok((snap, built))
}

impl Snapshot {
    /// Embeds the articles with the sentence models (texts already cached are not embedded
    /// again) and switches this snapshot to matching by meaning; returns how many texts
    /// were embedded. Without models it only marks the snapshot done.
    pub(crate) fn embed(&self, progress: &(dyn Fn(usize, usize) + Sync)) -> anyhow::Result<usize> {
        let Some(sem) = &self.semantic else {
            let _ = self.vectors.set((Vec::new(), 0));
            return Ok(0);
        };
        let (v, n) = sem.embed_articles(
            self.infos.iter().map(|a| {
                let heads = std::iter::once(a.article.title.as_str())
                    .chain(a.article.questions.iter().map(String::as_str))
                    .collect();
                (a.lang.as_str(), heads, a.plain.as_str())
            }),
            progress,
        )?;
        tracing::debug!(embedded = n, "kb texts embedded");
        let _ = self.vectors.set((v, n));
        Ok(n)
    }

    /// The articles' embeddings; empty until [`Snapshot::embed`] is done.
    pub(crate) fn vectors(&self) -> &[Option<ArticleVectors>] {
        self.vectors.get().map_or(&[], |(v, _)| v.as_slice())
    }

    /// Whether the embeddings are there (or none are needed).
    pub(crate) fn embedded(&self) -> Option<usize> {
        self.vectors.get().map(|(_, n)| *n)
    }
}

fn create_dir_index(dir: &Path, schema: Schema) -> anyhow::Result<Index> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Index::create_in_dir(dir, schema)
        .with_context(|| format!("cannot create the kb index in {}", dir.display()))
}

/// Deletes index folders of older content; open readers keep their mmaps on Unix.
fn remove_stale(data: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(data.join("kb-index")) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p != keep && p.is_dir() {
            std::fs::remove_dir_all(&p).ok();
        }
    }
}

impl Snapshot {
    /// The article behind a tantivy hit.
    pub fn ord_of(&self, addr: tantivy::DocAddress) -> Option<usize> {
        self.ords
            .get(addr.segment_ord as usize)?
            .first(addr.doc_id)
            .map(|o| o as usize)
            .filter(|o| *o < self.infos.len())
    }
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn plain_text_drops_markdown_noise() {
        let md = "# Title\n\n- **bold** item\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n```\ncode\n```\n---\n`x`";
        assert_eq!(plain_text(md), "Title bold item a, b 1, 2 code x");
    }
}
