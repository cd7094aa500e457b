//! A BERT encoder forward pass (embeddings, self-attention layers, mean or CLS pooling) over
//! weights read from a safetensors checkpoint; inference only, one sentence at a time.

use anyhow::{Context, bail};
use ndarray::{Array1, Array2, Axis, Slice};
use serde::Deserialize;

use std::path::Path;

use super::rows::FileRows;
use super::tensors::Tensors;

/// The parts of a Hugging Face `config.json` that shape a BERT model.
#[derive(Debug, Clone, Deserialize)]
pub struct BertConfig {
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Longest input, in tokens.
    pub max_position_embeddings: usize,
    /// Layer-norm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f32,
    /// Activation of the feed-forward layer; only GELU variants are supported.
    #[serde(default = "default_act")]
    pub hidden_act: String,
    /// Architecture family; must be `bert`.
    #[serde(default = "default_type")]
    pub model_type: String,
}

fn default_eps() -> f32 {
    1e-12
}
fn default_act() -> String {
    "gelu".into()
}
fn default_type() -> String {
    "bert".into()
}

struct Linear {
    /// `[out, in]`, as stored.
    w: Array2<f32>,
    b: Array1<f32>,
}

impl Linear {
    fn load(t: &Tensors, name: &str) -> anyhow::Result<Linear> {
        Ok(Linear {
            w: t.matrix(&names(&format!("{name}.weight")))?,
            b: t.vector(&names(&format!("{name}.bias")))?,
        })
    }

    fn apply(&self, x: &Array2<f32>) -> Array2<f32> {
        x.dot(&self.w.t()) + &self.b
    }
}

struct Norm {
    w: Array1<f32>,
    b: Array1<f32>,
}

impl Norm {
    fn load(t: &Tensors, name: &str) -> anyhow::Result<Norm> {
        let get = |a: &str, b: &str| {
            let mut n = names(&format!("{name}.{a}"));
            n.extend(names(&format!("{name}.{b}")));
            t.vector(&n)
        };
        Ok(Norm {
            w: get("weight", "gamma")?,
            b: get("bias", "beta")?,
        })
    }

    fn apply(&self, x: &mut Array2<f32>, eps: f32) {
        for mut row in x.rows_mut() {
            let n = row.len() as f32;
            let mean = row.sum() / n;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let inv = 1.0 / (var + eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.w).zip(&self.b) {
                *v = (*v - mean) * inv * w + b;
            }
        }
    }
}

/// The two GELU formulas checkpoints name: exact (`gelu`) and the tanh approximation.
#[derive(Debug, Clone, Copy)]
enum Act {
    Erf,
    Tanh,
}

struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    norm1: Norm,
    up: Linear,
    down: Linear,
    norm2: Norm,
}

/// A loaded BERT model.
pub struct Bert {
    cfg: BertConfig,
    act: Act,
    /// The token-embedding table, read from the weights file row by row.
    words: FileRows,
    positions: Array2<f32>,
    token_type: Array1<f32>,
    norm: Norm,
    layers: Vec<Layer>,
}

impl std::fmt::Debug for Bert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bert").field("cfg", &self.cfg).finish()
    }
}

/// A tensor name with and without the `bert.` prefix some checkpoints carry.
fn names(n: &str) -> Vec<String> {
    vec![n.to_string(), format!("bert.{n}")]
}

impl Bert {
    /// Builds the model from its config and the weights `t` read from `weights`, checking
    /// every shape.
    pub fn load(cfg: BertConfig, t: &Tensors, weights: &Path) -> anyhow::Result<Bert> {
        if cfg.model_type != "bert" {
            bail!(
                "model_type {:?} is not supported (only bert)",
                cfg.model_type
            );
        }
        let act = match cfg.hidden_act.as_str() {
            "gelu" => Act::Erf,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Act::Tanh,
            other => bail!("hidden_act {other:?} is not supported (only GELU variants)"),
        };
        let h = cfg.hidden_size;
        if cfg.num_attention_heads == 0 || !h.is_multiple_of(cfg.num_attention_heads) {
            bail!("hidden_size {h} is not a multiple of num_attention_heads");
        }
        let (start, rows, cols, codec) = t.table(&names("embeddings.word_embeddings.weight"))?;
        let words = FileRows::open(weights, start, rows, cols, codec)?;
        let positions = t.matrix(&names("embeddings.position_embeddings.weight"))?;
        let types = t.matrix(&names("embeddings.token_type_embeddings.weight"))?;
        if types.nrows() == 0 {
            bail!("token type embeddings are empty");
        }
        let mut layers = Vec::new();
        for i in 0..cfg.num_hidden_layers {
            let p = format!("encoder.layer.{i}.");
            let l = |n: &str| Linear::load(t, &format!("{p}{n}"));
            layers.push(Layer {
                q: l("attention.self.query")?,
                k: l("attention.self.key")?,
                v: l("attention.self.value")?,
                out: l("attention.output.dense")?,
                norm1: Norm::load(t, &format!("{p}attention.output.LayerNorm"))?,
                up: l("intermediate.dense")?,
                down: l("output.dense")?,
                norm2: Norm::load(t, &format!("{p}output.LayerNorm"))?,
            });
        }
        let bert = Bert {
            token_type: types.row(0).to_owned(),
            norm: Norm::load(t, "embeddings.LayerNorm")?,
            act,
            words,
            positions,
            layers,
            cfg,
        };
        bert.check_shapes()
            .context("weights do not match config.json")?;
        Ok(bert)
    }

    fn check_shapes(&self) -> anyhow::Result<()> {
        let (h, i) = (self.cfg.hidden_size, self.cfg.intermediate_size);
        let want = |what: &str, got: &[usize], exp: &[usize]| {
            if got == exp {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{what} has shape {got:?}, expected {exp:?}"
                ))
            }
        };
        want("word embeddings", &[self.words.cols()], &[h])?;
        want("token type embeddings", &[self.token_type.len()], &[h])?;
        let norms = std::iter::once(("embedding", &self.norm)).chain(
            self.layers
                .iter()
                .flat_map(|l| [("attention", &l.norm1), ("output", &l.norm2)]),
        );
        for (what, n) in norms {
            want(
                &format!("{what} layer norm"),
                &[n.w.len(), n.b.len()],
                &[h, h],
            )?;
        }
        want(
            "position embeddings",
            self.positions.shape(),
            &[self.cfg.max_position_embeddings, h],
        )?;
        for (n, l) in self.layers.iter().enumerate() {
            for (what, lin, exp) in [
                ("query", &l.q, [h, h]),
                ("key", &l.k, [h, h]),
                ("value", &l.v, [h, h]),
                ("attention output", &l.out, [h, h]),
                ("intermediate", &l.up, [i, h]),
                ("output", &l.down, [h, i]),
            ] {
                want(&format!("layer {n} {what}"), lin.w.shape(), &exp)?;
                want(&format!("layer {n} {what} bias"), lin.b.shape(), &exp[..1])?;
            }
        }
        Ok(())
    }

    /// Vocabulary size the embeddings cover.
    pub fn vocab_size(&self) -> usize {
        self.words.rows()
    }

    /// Longest input in tokens.
    pub fn max_len(&self) -> usize {
        self.cfg.max_position_embeddings
    }

    /// Final hidden states, one row per token. Ids must be below [`Bert::vocab_size`] and
    /// at most [`Bert::max_len`] long; `Err` when the weights file cannot be read.
    pub fn hidden(&self, ids: &[u32]) -> std::io::Result<Array2<f32>> {
        let (n, h) = (ids.len(), self.cfg.hidden_size);
        let words = self.words.gather(ids)?;
        let mut x = Array2::from_shape_vec((n, h), words)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        for i in 0..n {
            let mut row = x.row_mut(i);
            row += &self.positions.row(i);
            row += &self.token_type;
        }
        let eps = self.cfg.layer_norm_eps;
        self.norm.apply(&mut x, eps);
        let heads = self.cfg.num_attention_heads;
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        for l in &self.layers {
            let (q, k, v) = (l.q.apply(&x), l.k.apply(&x), l.v.apply(&x));
            let mut ctx = Array2::<f32>::zeros((n, h));
            for hd in 0..heads {
                // ndarray's `s!` macro expands to unsafe code, which this crate forbids.
                let cols = Slice::from(hd * d..(hd + 1) * d);
                let mut att = q
                    .slice_axis(Axis(1), cols)
                    .dot(&k.slice_axis(Axis(1), cols).t())
                    * scale;
                for mut row in att.rows_mut() {
                    let m = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                    row.mapv_inplace(|v| (v - m).exp());
                    let sum = row.sum();
                    row /= sum;
                }
                ctx.slice_axis_mut(Axis(1), cols)
                    .assign(&att.dot(&v.slice_axis(Axis(1), cols)));
            }
            x = x + l.out.apply(&ctx);
            l.norm1.apply(&mut x, eps);
            let mut up = l.up.apply(&x);
            match self.act {
                Act::Erf => up.mapv_inplace(gelu),
                Act::Tanh => up.mapv_inplace(gelu_tanh),
            }
            x = x + l.down.apply(&up);
            l.norm2.apply(&mut x, eps);
        }
        Ok(x)
    }

    /// Mean of the final hidden states (sentence-transformers' mean pooling).
    pub fn mean_pooled(&self, ids: &[u32]) -> std::io::Result<Vec<f32>> {
        Ok(self
            .hidden(ids)?
            .mean_axis(Axis(0))
            .map(|m| m.to_vec())
            .unwrap_or_default())
    }

    /// The final hidden state of the first (`[CLS]`) token.
    pub fn cls_pooled(&self, ids: &[u32]) -> std::io::Result<Vec<f32>> {
        Ok(self.hidden(ids)?.row(0).to_vec())
    }
}

/// GELU with the exact error function, as BERT defines it.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x / std::f32::consts::SQRT_2))
}

/// GELU's tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
fn gelu_tanh(x: f32) -> f32 {
    const C: f32 = 0.797_884_6; // sqrt(2 / pi)
    0.5 * x * (1.0 + (C * (x + 0.044_715 * x * x * x)).tanh())
}

/// Error function, |error| < 1.2e-7 (Numerical Recipes' erfc Chebyshev fit).
fn erf(x: f32) -> f32 {
    let z = f64::from(x.abs());
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let r = (1.0 - erfc) as f32;
    if x >= 0.0 { r } else { -r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-2.0, -0.995_322_3),
            (3.5, 0.999_999_3),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x}) = {}", erf(x));
        }
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((gelu_tanh(1.0) - 0.841_192).abs() < 1e-5);
    }
}
