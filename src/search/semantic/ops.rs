//! The candle operations both sentence models share: BERT's layer norm, one sequence's
//! multi-head self-attention and the post-norm layer stack over a batch of sequences.

use candle_core::{D, Tensor};

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

/// Runs `layers` over several sequences at once: `x` holds every sequence's token rows one
/// after another, `lens` their lengths. The dense products see all rows together (each weight
/// is read once per batch); attention stays within each sequence.
pub fn encode<L: Dense>(
    mut x: Tensor,
    lens: &[usize],
    layers: &[Layer<L>],
    heads: usize,
    eps: f64,
    act: Act,
) -> candle_core::Result<Tensor> {
    for l in layers {
        let (q, k, v) = (l.q.apply(&x)?, l.k.apply(&x)?, l.v.apply(&x)?);
        let mut ctx = Vec::with_capacity(lens.len());
        let mut start = 0;
        for &n in lens {
            let part = |t: &Tensor| t.narrow(0, start, n);
            ctx.push(self_attention(&part(&q)?, &part(&k)?, &part(&v)?, heads)?);
            start += n;
        }
        let a = l.out.apply(&Tensor::cat(&ctx, 0)?)?;
        x = layer_norm(&(x + a)?, &l.attn_norm, eps)?;
        let up = l.up.apply(&x)?;
        let up = match act {
            Act::Erf => up.gelu_erf()?,
            Act::Tanh => up.gelu()?,
        };
        x = layer_norm(&(x + l.down.apply(&up)?)?, &l.ffn_norm, eps)?;
    }
    Ok(x)
}
