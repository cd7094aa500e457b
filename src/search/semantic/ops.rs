//! The candle operations both sentence models share: BERT's layer norm and one sequence's
//! multi-head self-attention.

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
