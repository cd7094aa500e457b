//! The candle operations both sentence models share: BERT's layer norm, one sequence's
//! multi-head self-attention, and the BERT encoder over a batch of sequences.

use candle_core::{D, Device, Tensor};

use super::rows::FileRows;

/// A layer norm's scale and shift.
pub struct Norm {
    /// Scale, one per hidden unit.
    pub w: Tensor,
    /// Shift, one per hidden unit.
    pub b: Tensor,
}

/// LayerNorm over the last dimension, as BERT does it (biased variance).
pub fn layer_norm(x: &Tensor, n: &Norm, eps: f64) -> candle_core::Result<Tensor> {
    let mean = x.mean_keepdim(D::Minus1)?;
    let xc = x.broadcast_sub(&mean)?;
    let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
    xc.broadcast_div(&(var + eps)?.sqrt()?)?
        .broadcast_mul(&n.w)?
        .broadcast_add(&n.b)
}

fn softmax_last(x: &Tensor) -> candle_core::Result<Tensor> {
    let e = x.broadcast_sub(&x.max_keepdim(D::Minus1)?)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

/// Self-attention of one sequence: `q`, `k` and `v` are `[tokens, hidden]`, split into
/// `heads`; returns the heads' outputs joined again, `[tokens, hidden]`.
pub fn self_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    heads: usize,
) -> candle_core::Result<Tensor> {
    let (n, hidden) = q.dims2()?;
    let hd = hidden / heads;
    let split = |t: &Tensor| t.reshape((n, heads, hd))?.transpose(0, 1)?.contiguous();
    let (qh, kh, vh) = (split(q)?, split(k)?, split(v)?);
    let att = (qh.matmul(&kh.t()?.contiguous()?)? * (1.0 / (hd as f64).sqrt()))?;
    softmax_last(&att)?
        .matmul(&vh)?
        .transpose(0, 1)?
        .contiguous()?
        .reshape((n, hidden))
}

/// A dense layer: its weights, however stored, times the input plus a bias.
pub trait Dense {
    /// `x` is `[rows, in]`; returns `[rows, out]`.
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor>;
}

/// The two GELU formulas checkpoints name: exact (`gelu`) and the tanh approximation.
#[derive(Debug, Clone, Copy)]
pub enum Act {
    /// Exact, with the error function.
    Erf,
    /// The tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    Tanh,
}

/// One post-norm transformer layer (BERT's).
pub struct Layer<L> {
    /// Query projection.
    pub q: L,
    /// Key projection.
    pub k: L,
    /// Value projection.
    pub v: L,
    /// Attention output projection.
    pub out: L,
    /// Norm after attention.
    pub attn_norm: Norm,
    /// Feed-forward expansion.
    pub up: L,
    /// Feed-forward contraction.
    pub down: L,
    /// Norm after the feed-forward part.
    pub ffn_norm: Norm,
}

/// A BERT-style encoder: token, position and token-type embeddings and their norm, then
/// post-norm layers. Both sentence models are one, with their dense layers stored differently.
pub struct Transformer<L> {
    /// The token-embedding table, read from the model file row by row.
    pub words: FileRows,
    /// `[max positions, hidden]`; positions count from 0.
    pub positions: Tensor,
    /// The token-type row single sentences use, `[hidden]`.
    pub token_type: Tensor,
    /// The norm over the summed embeddings.
    pub norm: Norm,
    /// The transformer layers.
    pub layers: Vec<Layer<L>>,
    /// Attention heads per layer.
    pub heads: usize,
    /// Layer-norm epsilon.
    pub eps: f64,
    /// The feed-forward activation.
    pub act: Act,
}

impl<L: Dense> Transformer<L> {
    /// Pooled, not yet normalised embeddings of several framed id sequences (none empty),
    /// run as one batch: the dense products see every sequence's tokens at once (each weight
    /// is read once per batch), attention stays within each sequence. Each vector is the mean
    /// of the sequence's final hidden states, or with `first` its first token's (BERT's CLS
    /// pooling). Ids must be below the table's rows and sequences no longer than the position
    /// table; `Err` when the model file cannot be read.
    pub fn pooled(&self, seqs: &[&[u32]], first: bool) -> candle_core::Result<Vec<Vec<f32>>> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let cpu = Device::Cpu;
        let ids: Vec<u32> = seqs.iter().flat_map(|s| s.iter().copied()).collect();
        let pos: Vec<u32> = seqs.iter().flat_map(|s| 0..s.len() as u32).collect();
        let words = Tensor::from_vec(
            self.words.gather(&ids)?,
            (ids.len(), self.words.cols()),
            &cpu,
        )?;
        let positions = self
            .positions
            .index_select(&Tensor::new(pos.as_slice(), &cpu)?, 0)?;
        let mut x = layer_norm(
            &(words + positions)?.broadcast_add(&self.token_type)?,
            &self.norm,
            self.eps,
        )?;
        for l in &self.layers {
            let (q, k, v) = (l.q.apply(&x)?, l.k.apply(&x)?, l.v.apply(&x)?);
            let mut ctx = Vec::with_capacity(seqs.len());
            let mut start = 0;
            for s in seqs {
                let part = |t: &Tensor| t.narrow(0, start, s.len());
                ctx.push(self_attention(
                    &part(&q)?,
                    &part(&k)?,
                    &part(&v)?,
                    self.heads,
                )?);
                start += s.len();
            }
            let a = l.out.apply(&Tensor::cat(&ctx, 0)?)?;
            x = layer_norm(&(x + a)?, &l.attn_norm, self.eps)?;
            let up = l.up.apply(&x)?;
            let up = match self.act {
                Act::Erf => up.gelu_erf()?,
                Act::Tanh => up.gelu()?,
            };
            x = layer_norm(&(x + l.down.apply(&up)?)?, &l.ffn_norm, self.eps)?;
        }
        let mut out = Vec::with_capacity(seqs.len());
        let mut start = 0;
        for s in seqs {
            let h = x.narrow(0, start, s.len())?;
            out.push(if first { h.get(0)? } else { h.mean(0)? }.to_vec1()?);
            start += s.len();
        }
        Ok(out)
    }
}
