//! Article embeddings: computed once per distinct text, kept across reloads and, with a data
//! directory, in `kb-vectors/<model fingerprint>.bin` so a restart embeds nothing unchanged.

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

/// The encoder plus a cache of every text it embedded for the current articles.
#[derive(Debug)]
pub struct Semantic {
    /// The loaded model.
    pub encoder: Arc<Encoder>,
    cache: Mutex<HashMap<Key, Vector>>,
    file: Option<PathBuf>,
}

impl Semantic {
    /// Wraps an encoder; with `data_dir`, embeddings are persisted under it and read back.
    pub fn new(encoder: Arc<Encoder>, data_dir: Option<&Path>) -> Semantic {
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
        Semantic {
            encoder,
            cache: Mutex::new(cache),
            file,
        }
    }

    /// Embeddings for articles given as (language, heads, body); `None` for languages the
    /// model does not understand. Returns how many texts had to be embedded.
    pub fn embed_articles<'a>(
        &self,
        articles: impl Iterator<Item = (&'a str, Vec<&'a str>, &'a str)>,
    ) -> anyhow::Result<(Vec<Option<ArticleVectors>>, usize)> {
        let articles: Vec<_> = articles.collect();
        let old = std::mem::take(&mut *self.cache.lock().unwrap_or_else(|e| e.into_inner()));
        let mut fresh: HashMap<Key, Vector> = HashMap::new();
        let mut todo: Vec<(Key, &str)> = Vec::new();
        let mut queued: HashSet<Key> = HashSet::new();
        let texts = articles
            .iter()
            .filter(|(lang, _, _)| self.encoder.understands(lang))
            .flat_map(|(_, heads, body)| heads.iter().chain(Some(body)));
        for &t in texts.filter(|t| !t.trim().is_empty()) {
            let k = key(t);
            match old.get(&k) {
                Some(v) => {
                    fresh.insert(k, v.clone());
                }
                None => {
                    if queued.insert(k) {
                        todo.push((k, t));
                    }
                }
            }
        }
        let texts: Vec<&str> = todo.iter().map(|(_, t)| *t).collect();
        for ((k, _), v) in todo.iter().zip(embed_all(&self.encoder, &texts)) {
            fresh.insert(*k, v);
        }
        let get = |t: &str| fresh.get(&key(t)).cloned();
        let out = articles
            .iter()
            .map(|(lang, heads, body)| {
                self.encoder.understands(lang).then(|| ArticleVectors {
                    heads: heads.iter().filter_map(|h| get(h)).collect(),
                    body: get(body),
                })
            })
            .collect();
        if (!todo.is_empty() || fresh.len() != old.len())
            && let Some(f) = &self.file
            && let Err(e) = write_file(f, &fresh)
        {
            // The vectors are in memory; a cache that cannot be written only costs the next
            // start some embedding, so search stays up.
            tracing::warn!(file = %f.display(), error = %format!("{e:#}"), "cannot write the kb vector cache");
        }
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok((out, todo.len()))
    }
}

/// Embeds on every core: a first start over a large kb is dominated by this.
fn embed_all(enc: &Encoder, texts: &[&str]) -> Vec<Vector> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(texts.len());
    if threads <= 1 {
        return texts.iter().map(|t| Vector::from(enc.embed(t))).collect();
    }
    let chunk = texts.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|t| Vector::from(enc.embed(t)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an embedding thread panicked"))
            .collect()
    })
}

fn write_file(path: &Path, map: &HashMap<Key, Vector>) -> anyhow::Result<()> {
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
    // Other models' caches are stale once this one is written.
    for e in std::fs::read_dir(dir)?.flatten() {
        if e.path() != path && e.path().extension().is_some_and(|x| x == "bin") {
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
        write_file(&p, &m).unwrap();
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
        };
        assert!((av.similarity(&[0.0, 1.0]) - 0.8).abs() < 1e-6);
        assert!((av.similarity(&[1.0, 0.0]) - 1.0).abs() < 1e-6);
        assert_eq!(ArticleVectors::default().similarity(&[1.0, 0.0]), 0.0);
    }
}
