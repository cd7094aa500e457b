//! A loaded sentence encoder, text in and unit-length vector out, over one of two engines: a
//! sentence-transformers BERT model from safetensors (all-MiniLM-L6-v2) or the 4-bit
//! multilingual-e5-small.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::bert::{Bert, BertConfig};
use super::config::{ANY_LANG, ModelConfig, SemanticConfig, norm_langs};
use super::e5::{self, E5};
use super::tensors::Tensors;
use super::wordpiece::WordPiece;

/// How similarity and its lead over the next candidate become a confidence, per model: the
/// similarities of different models are distributed differently.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Constant term of the logistic model.
    pub bias: f32,
    /// Weight of the similarity.
    pub sim: f32,
    /// Weight of the gap to the best other candidate.
    pub gap: f32,
    /// Share of the best head's word overlap (`head_dice`) added to the similarity before
    /// ranking: a model whose cosines crowd together is helped by the words to break ties.
    pub dice: f32,
    /// An article sharing no word with the question is kept only from this confidence …
    pub min_confidence: f32,
    /// … and this similarity on.
    pub min_similarity: f32,
}

/// Fitted on stackfaq_en with all-MiniLM-L6-v2 (docs/search.md).
pub const MINILM_CALIBRATION: Calibration = Calibration {
    bias: -4.7,
    sim: 7.7,
    gap: 4.8,
    dice: 0.0,
    // Similarity under about 0.22.
    min_confidence: 0.05,
    min_similarity: 0.0,
};

/// For multilingual-e5-small, whose cosines crowd between 0.8 and 0.95: fitted on
/// tianchi_med_zh, two-fold cross-validated (docs/search.md).
pub const E5_CALIBRATION: Calibration = Calibration {
    bias: -61.9,
    sim: 60.9,
    gap: 32.6,
    dice: 0.05,
    // Its confidences are steep and fitted on Chinese; a right Hungarian article can sit
    // below 0.05 and should still be suggested. Unrelated texts stay under 0.8.
    min_confidence: 0.0,
    min_similarity: 0.8,
};

/// The prefix e5 was trained with for questions (and, measured, best for articles too).
const E5_QUERY: &str = "query: ";

#[derive(Debug)]
enum Engine {
    Bert {
        bert: Box<Bert>,
        vocab: WordPiece,
        pooling: Pooling,
    },
    E5 {
        model: Box<E5>,
        passage_prefix: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pooling {
    Mean,
    Cls,
}

/// A loaded sentence encoder: text in, unit-length vector out.
#[derive(Debug)]
pub struct Encoder {
    engine: Engine,
    max_len: usize,
    fingerprint: String,
    langs: Vec<String>,
    dir: PathBuf,
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
/// The same for e5.
const E5_ENCODER_VERSION: &str = "supportbot-e5-1";

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
    /// Loads the one model of a single-model `cfg` (the form tests and tools use), with a
    /// clear error naming the file that is missing or malformed.
    pub fn load(cfg: &SemanticConfig) -> anyhow::Result<Encoder> {
        match cfg.resolved()?.as_slice() {
            [one] => Encoder::load_model(one),
            [] => bail!("[search.semantic] names no model"),
            _ => bail!("[search.semantic] names several models; load them with load_model"),
        }
    }

    /// Loads the model `m` names.
    pub fn load_model(m: &ModelConfig) -> anyhow::Result<Encoder> {
        let dir = PathBuf::from(&m.model_dir);
        let enc = if dir.join(e5::WEIGHTS_FILE).exists() {
            Encoder::load_e5(&dir, m)
        } else {
            Encoder::load_bert(&dir, norm_langs(&m.langs))
        };
        enc.with_context(|| format!("cannot load the sentence model in {}", dir.display()))
    }

    fn load_e5(dir: &Path, m: &ModelConfig) -> anyhow::Result<Encoder> {
        let (model, bytes, tokenizer) = E5::load(dir)?;
        let passage_prefix = m
            .passage_prefix
            .clone()
            .unwrap_or_else(|| E5_QUERY.to_string());
        let mut h = Sha256::new();
        h.update(E5_ENCODER_VERSION.as_bytes());
        h.update(&bytes);
        drop(bytes);
        h.update(&tokenizer);
        h.update(passage_prefix.as_bytes());
        Ok(Encoder {
            // Articles are embedded from their first 256 tokens, as with MiniLM: the body's
            // opening says what it is about, and attention cost grows with the square.
            max_len: model.max_len().min(256),
            engine: Engine::E5 {
                model: Box::new(model),
                passage_prefix,
            },
            fingerprint: format!("{:x}", h.finalize())[..16].to_string(),
            langs: norm_langs(&m.langs),
            dir: dir.to_path_buf(),
        })
    }

    fn load_bert(dir: &Path, langs: Vec<String>) -> anyhow::Result<Encoder> {
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
        let bert = Bert::load(config, &tensors, &weights_path)?;
        drop(tensors);
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
            engine: Engine::Bert {
                bert: Box::new(bert),
                vocab,
                pooling,
            },
            max_len,
            fingerprint,
            langs,
            dir: dir.to_path_buf(),
        })
    }

    /// The token ids the model reads for `text` as a question, its framing tokens (and,
    /// for e5, its prefix) included.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        match &self.engine {
            Engine::Bert { vocab, .. } => vocab.encode(text, self.max_len),
            Engine::E5 { model, .. } => model.token_ids(&format!("{E5_QUERY}{text}"), self.max_len),
        }
    }

    /// The token ids the model reads for `text` as part of an article.
    pub fn passage_ids(&self, text: &str) -> Vec<u32> {
        match &self.engine {
            Engine::Bert { vocab, .. } => vocab.encode(text, self.max_len),
            Engine::E5 {
                model,
                passage_prefix,
            } => model.token_ids(&format!("{passage_prefix}{text}"), self.max_len),
        }
    }

    /// The embedding of the question `text`, scaled to unit length; empty when the text has
    /// no tokens.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.embed_ids(vec![self.token_ids(text)])
            .pop()
            .unwrap_or_default()
    }

    /// The embeddings of article texts (title, a question or a body), in order; empty
    /// vectors for texts without tokens.
    pub fn embed_passages(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        self.embed_ids(texts.iter().map(|t| self.passage_ids(t)).collect())
    }

    fn embed_ids(&self, seqs: Vec<Vec<u32>>) -> Vec<Vec<f32>> {
        // Only the framing tokens (and a prefix's) means the text had none of its own.
        let empty = |s: &Vec<u32>| s.len() <= 2 + self.prefix_tokens();
        let real: Vec<&[u32]> = seqs
            .iter()
            .filter(|s| !empty(s))
            .map(Vec::as_slice)
            .collect();
        let pooled = match &self.engine {
            Engine::Bert { bert, pooling, .. } => bert.pooled(&real, *pooling == Pooling::Cls),
            Engine::E5 { model, .. } => model.pooled(&real),
        };
        let mut pooled = pooled
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the forward pass failed; texts not embedded");
                Vec::new()
            })
            .into_iter();
        let mut out: Vec<Vec<f32>> = seqs
            .iter()
            .map(|s| {
                if empty(s) {
                    Vec::new()
                } else {
                    pooled.next().unwrap_or_default()
                }
            })
            .collect();
        for v in &mut out {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 && norm.is_finite() {
                v.iter_mut().for_each(|x| *x /= norm);
            }
        }
        out
    }

    /// Tokens a prefix adds before the text (`▁query`, `:`).
    fn prefix_tokens(&self) -> usize {
        match &self.engine {
            Engine::Bert { .. } => 0,
            Engine::E5 { .. } => 2,
        }
    }

    /// How this model's similarities become confidences.
    pub fn calibration(&self) -> Calibration {
        match &self.engine {
            Engine::Bert { .. } => MINILM_CALIBRATION,
            Engine::E5 { .. } => E5_CALIBRATION,
        }
    }

    /// Whether this model embeds articles in `lang` by name (not as the fallback).
    pub fn understands(&self, lang: &str) -> bool {
        self.langs.iter().any(|l| l == lang)
    }

    /// Whether this model embeds the languages no model names.
    pub fn is_fallback(&self) -> bool {
        self.langs.iter().any(|l| l == ANY_LANG)
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Identifies the weights and vocabulary (first 16 hex digits of their hash).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
