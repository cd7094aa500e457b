//! A BERT encoder forward pass (embeddings, self-attention layers, mean or CLS pooling) on
//! candle, over weights read from a safetensors checkpoint; inference only, several
//! sentences per batch.

use anyhow::{Context, bail};
use candle_core::Tensor;
use serde::Deserialize;

use std::path::Path;

use super::ops::{Act, Dense, Layer, Norm, Transformer};
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
    w: Tensor,
    b: Tensor,
}

impl Linear {
    fn load(t: &Tensors, name: &str) -> anyhow::Result<Linear> {
        Ok(Linear {
            w: t.matrix(&names(&format!("{name}.weight")))?,
            b: t.vector(&names(&format!("{name}.bias")))?,
        })
    }
}

impl Dense for Linear {
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.w.t()?)?.broadcast_add(&self.b)
    }
}

fn load_norm(t: &Tensors, name: &str) -> anyhow::Result<Norm> {
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

/// A loaded BERT model.
pub struct Bert {
    cfg: BertConfig,
    /// The encoder; its word table is read from the weights file row by row.
    net: Transformer<Linear>,
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
        if types.dims2()?.0 == 0 {
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
                attn_norm: load_norm(t, &format!("{p}attention.output.LayerNorm"))?,
                up: l("intermediate.dense")?,
                down: l("output.dense")?,
                ffn_norm: load_norm(t, &format!("{p}output.LayerNorm"))?,
            });
        }
        let bert = Bert {
            net: Transformer {
                words,
                positions,
                token_type: types.get(0)?,
                norm: load_norm(t, "embeddings.LayerNorm")?,
                layers,
                heads: cfg.num_attention_heads,
                eps: f64::from(cfg.layer_norm_eps),
                act,
            },
            cfg,
        };
        bert.check_shapes()
            .context("weights do not match config.json")?;
        Ok(bert)
    }

    fn check_shapes(&self) -> anyhow::Result<()> {
        let (h, i) = (self.cfg.hidden_size, self.cfg.intermediate_size);
        let net = &self.net;
        let want = |what: &str, got: &[usize], exp: &[usize]| {
            if got == exp {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{what} has shape {got:?}, expected {exp:?}"
                ))
            }
        };
        want("word embeddings", &[net.words.cols()], &[h])?;
        want("token type embeddings", net.token_type.dims(), &[h])?;
        let norms = std::iter::once(("embedding", &net.norm)).chain(
            net.layers
                .iter()
                .flat_map(|l| [("attention", &l.attn_norm), ("output", &l.ffn_norm)]),
        );
        for (what, n) in norms {
            want(
                &format!("{what} layer norm"),
                &[n.w.elem_count(), n.b.elem_count()],
                &[h, h],
            )?;
        }
        want(
            "position embeddings",
            net.positions.dims(),
            &[self.cfg.max_position_embeddings, h],
        )?;
        for (n, l) in net.layers.iter().enumerate() {
            for (what, lin, exp) in [
                ("query", &l.q, [h, h]),
                ("key", &l.k, [h, h]),
                ("value", &l.v, [h, h]),
                ("attention output", &l.out, [h, h]),
                ("intermediate", &l.up, [i, h]),
                ("output", &l.down, [h, i]),
            ] {
                want(&format!("layer {n} {what}"), lin.w.dims(), &exp)?;
                want(&format!("layer {n} {what} bias"), lin.b.dims(), &exp[..1])?;
            }
        }
        Ok(())
    }

    /// Vocabulary size the embeddings cover.
    pub fn vocab_size(&self) -> usize {
        self.net.words.rows()
    }

    /// Longest input in tokens.
    pub fn max_len(&self) -> usize {
        self.cfg.max_position_embeddings
    }

    /// Pooled, not yet normalised embeddings of several framed id sequences (none empty),
    /// run as one batch: the mean of each one's final hidden states (sentence-transformers'
    /// mean pooling), or with `cls` its first (`[CLS]`) token's. Ids must be below
    /// [`Bert::vocab_size`], each sequence at most [`Bert::max_len`] long; `Err` when the
    /// weights file cannot be read.
    pub fn pooled(&self, seqs: &[&[u32]], cls: bool) -> candle_core::Result<Vec<Vec<f32>>> {
        self.net.pooled(seqs, cls)
    }
}
