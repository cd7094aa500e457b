//! Article embeddings: each article embedded by the model for its language, every distinct
//! text once, kept across reloads and, with a data directory, in
//! `kb-vectors/<model fingerprint>.bin` (one file per model) so a restart embeds nothing
//! unchanged.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::Encoder;

const MAGIC: &[u8; 4] = b"SBV1";

/// One embedding, shared between snapshots.
pub type Vector = Arc<[f32]>;

/// The embeddings of one article: its title and each question ("heads"), and its body.
#[derive(Debug, Clone, Default)]
pub struct ArticleVectors {
    /// Title first, then each alternative question.
    pub heads: Vec<Vector>,
    /// The body (its first tokens, as many as the model reads).
    pub body: Option<Vector>,
    /// Which of [`Semantic`]'s models made them (its place in the configuration).
    pub model: usize,
}

impl ArticleVectors {
    /// The article's best cosine similarity to a unit query vector.
    pub fn similarity(&self, q: &[f32]) -> f32 {
        self.heads
            .iter()
            .chain(self.body.iter())
            .map(|v| super::cosine(q, v))
            .fold(0.0, f32::max)
    }
}

type Key = [u8; 16];

fn key(text: &str) -> Key {
    let d = Sha256::digest(text.as_bytes());
    d[..16].try_into().expect("16 bytes")
}

/// One model plus a cache of every text it embedded for the current articles.
#[derive(Debug)]
struct Slot {
    encoder: Arc<Encoder>,
    cache: Mutex<HashMap<Key, Vector>>,
    file: Option<PathBuf>,
}

/// The sentence models and their article-vector caches.
#[derive(Debug)]
pub struct Semantic {
    slots: Vec<Slot>,
    // One embedding job at a time: a reload during the background embedding at start would
    // otherwise find the caches taken and embed everything twice.
    busy: Mutex<()>,
}

/// Texts handed to a forward pass at once: enough tokens per matrix product to keep the
/// cores busy, few enough that padding-free attention stays cheap.
const BATCH: usize = 16;

impl Semantic {
    /// Wraps encoders (in configuration order); with `data_dir`, embeddings are persisted
    /// under it and read back.
    pub fn new(encoders: Vec<Arc<Encoder>>, data_dir: Option<&Path>) -> Semantic {
        let slots = encoders
            .into_iter()
            .map(|encoder| {
                let file = data_dir.map(|d| {
                    d.join("kb-vectors")
                        .join(format!("{}.bin", encoder.fingerprint()))
                });
                let cache = match &file {
                    Some(f) if f.exists() => read_file(f).unwrap_or_else(|e| {
                        tracing::warn!(file = %f.display(), error = %e, "kb vector cache unreadable; embedding again");
                        HashMap::new()
                    }),
                    _ => HashMap::new(),
                };
                Slot {
                    encoder,
                    cache: Mutex::new(cache),
                    file,
                }
            })
            .collect();
        Semantic {
            slots,
            busy: Mutex::new(()),
        }
    }

    /// The models, in configuration order.
    pub fn encoders(&self) -> impl Iterator<Item = &Arc<Encoder>> {
        self.slots.iter().map(|s| &s.encoder)
    }

    /// The model at `i` (as in [`ArticleVectors::model`]).
    pub fn encoder(&self, i: usize) -> Option<&Arc<Encoder>> {
        self.slots.get(i).map(|s| &s.encoder)
    }

    /// The model that embeds articles in `lang`: the first naming it, else the fallback.
    pub fn model_for(&self, lang: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.encoder.understands(lang))
            .or_else(|| self.slots.iter().position(|s| s.encoder.is_fallback()))
    }

    /// Embeddings for articles given as (language, heads, body); `None` for languages no
    /// model embeds. Returns how many texts had to be embedded. `progress` is told the
    /// number of texts to embed, then called after each batch with how many are done.
    pub fn embed_articles<'a>(
        &self,
        articles: impl Iterator<Item = (&'a str, Vec<&'a str>, &'a str)>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> anyhow::Result<(Vec<Option<ArticleVectors>>, usize)> {
        let _one_at_a_time = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let articles: Vec<_> = articles.collect();
        let models: Vec<Option<usize>> =
            articles.iter().map(|(l, _, _)| self.model_for(l)).collect();
        let mut fresh: Vec<HashMap<Key, Vector>> = Vec::new();
        let mut todo: Vec<Vec<(Key, &str)>> = Vec::new();
        let mut olds = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let old = std::mem::take(&mut *slot.cache.lock().unwrap_or_else(|e| e.into_inner()));
            let mut keep: HashMap<Key, Vector> = HashMap::new();
            let mut queue: Vec<(Key, &str)> = Vec::new();
            let mut queued: HashSet<Key> = HashSet::new();
            let texts = articles
                .iter()
                .zip(&models)
                .filter(|(_, m)| **m == Some(i))
                .flat_map(|((_, heads, body), _)| heads.iter().chain(Some(body)));
            for &t in texts.filter(|t| !t.trim().is_empty()) {
                let k = key(t);
                match old.get(&k) {
                    Some(v) => {
                        keep.insert(k, v.clone());
                    }
                    None => {
                        if queued.insert(k) {
                            queue.push((k, t));
                        }
                    }
                }
            }
            olds.push(old.len());
            fresh.push(keep);
            todo.push(queue);
        }
        let total: usize = todo.iter().map(Vec::len).sum();
        progress(0, total);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let tick = |n: usize| {
            let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress(d, total);
        };
        for (i, slot) in self.slots.iter().enumerate() {
            let texts: Vec<&str> = todo[i].iter().map(|(_, t)| *t).collect();
            for ((k, _), v) in todo[i].iter().zip(embed_all(&slot.encoder, &texts, &tick)) {
                fresh[i].insert(*k, v);
            }
        }
        let out = articles
            .iter()
            .zip(&models)
            .map(|((_, heads, body), m)| {
                let m = (*m)?;
                let get = |t: &str| fresh[m].get(&key(t)).cloned();
                Some(ArticleVectors {
                    heads: heads.iter().filter_map(|h| get(h)).collect(),
                    body: get(body),
                    model: m,
                })
            })
            .collect();
        let keep: Vec<PathBuf> = self.slots.iter().filter_map(|s| s.file.clone()).collect();
        for (i, slot) in self.slots.iter().enumerate() {
            if (!todo[i].is_empty() || fresh[i].len() != olds[i])
                && let Some(f) = &slot.file
                && let Err(e) = write_file(f, &fresh[i], &keep)
            {
                // The vectors are in memory; a cache that cannot be written only costs the
                // next start some embedding, so search stays up.
                tracing::warn!(file = %f.display(), error = %format!("{e:#}"), "cannot write the kb vector cache");
            }
        }
        for (slot, map) in self.slots.iter().zip(fresh) {
            *slot.cache.lock().unwrap_or_else(|e| e.into_inner()) = map;
        }
        Ok((out, total))
    }
}

/// Embeds `texts` with `enc`, in batches whose matrix products candle spreads over the
/// cores (each weight is read once per batch instead of once per text).
fn embed_all(enc: &Encoder, texts: &[&str], tick: &(dyn Fn(usize) + Sync)) -> Vec<Vector> {
    texts
        .chunks(BATCH)
        .flat_map(|c| {
            let v = enc.embed_passages(c);
            tick(c.len());
            v
        })
        .map(Vector::from)
        .collect()
}

fn write_file(path: &Path, map: &HashMap<Key, Vector>, keep: &[PathBuf]) -> anyhow::Result<()> {
    let dir = path.parent().context("vector cache path has no folder")?;
    std::fs::create_dir_all(dir)?;
    let dim = map.values().map(|v| v.len()).max().unwrap_or(0);
    let mut buf = Vec::with_capacity(8 + map.len() * (16 + 4 * dim));
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&(dim as u32).to_le_bytes());
    for (k, v) in map.iter().filter(|(_, v)| v.len() == dim) {
        buf.extend_from_slice(k);
        for x in v.iter() {
            buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    // A uniquely named temporary file renamed over the cache: instances sharing the data
    // folder never write into each other's file, and readers see the old or the new cache.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&buf)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Caches of models no longer configured are stale once this one is written.
    for e in std::fs::read_dir(dir)?.flatten() {
        if e.path() != path
            && !keep.contains(&e.path())
            && e.path().extension().is_some_and(|x| x == "bin")
        {
            std::fs::remove_file(e.path()).ok();
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> anyhow::Result<HashMap<Key, Vector>> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut buf)?;
    if buf.len() < 8 || &buf[..4] != MAGIC {
        bail!("not a supportbot vector file");
    }
    let dim = u32::from_le_bytes(buf[4..8].try_into().expect("4 bytes")) as usize;
    let rec = 16 + 4 * dim;
    let body = &buf[8..];
    if dim == 0 || body.len() % rec != 0 {
        bail!("truncated vector file");
    }
    Ok(body
        .chunks_exact(rec)
        .map(|r| {
            let k: Key = r[..16].try_into().expect("16 bytes");
            let v: Vector = r[16..]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            (k, v)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_files_round_trip_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kb-vectors").join("m.bin");
        let mut m = HashMap::new();
        m.insert(key("a"), Vector::from(vec![1.0f32, 0.0]));
        m.insert(key("b"), Vector::from(vec![0.0f32, -1.5]));
        let other = dir.path().join("kb-vectors").join("other.bin");
        let stale = dir.path().join("kb-vectors").join("stale.bin");
        let both = [other.clone(), stale.clone()];
        write_file(&other, &m, &both).unwrap();
        write_file(&stale, &m, &both).unwrap();
        write_file(&p, &m, &[p.clone(), other.clone()]).unwrap();
        assert!(
            other.exists() && !stale.exists(),
            "another model's cache stays, a stale one goes"
        );
        let back = read_file(&p).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(&*back[&key("b")], &[0.0, -1.5]);
        std::fs::write(&p, b"SBV1\x02\x00\x00\x00abc").unwrap();
        assert!(read_file(&p).is_err());
        std::fs::write(&p, b"nope").unwrap();
        assert!(read_file(&p).is_err());
    }

    #[test]
    fn similarity_is_the_best_of_heads_and_body() {
        let av = ArticleVectors {
            heads: vec![Vector::from(vec![1.0f32, 0.0])],
            body: Some(Vector::from(vec![0.6f32, 0.8])),
            model: 0,
        };
        assert!((av.similarity(&[0.0, 1.0]) - 0.8).abs() < 1e-6);
        assert!((av.similarity(&[1.0, 0.0]) - 1.0).abs() < 1e-6);
        assert_eq!(ArticleVectors::default().similarity(&[1.0, 0.0]), 0.0);
    }
}
