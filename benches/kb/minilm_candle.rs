//! all-MiniLM-L6-v2 on candle, for the comparison issue 14 asks of the hand-written ndarray
//! path: the same weights (candle's own safetensors loader), the same WordPiece ids and the
//! same forward pass (post-norm BERT, exact GELU, mean pooling), in candle's f32 operations.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{D, Device, Tensor};

/// MiniLM's weights as candle tensors.
pub struct CandleMiniLm {
    t: HashMap<String, Tensor>,
    layers: usize,
    heads: usize,
}

fn layer_norm(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let mean = x.mean_keepdim(D::Minus1)?;
    let xc = x.broadcast_sub(&mean)?;
    let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
    xc.broadcast_div(&(var + 1e-12)?.sqrt()?)?
        .broadcast_mul(w)?
        .broadcast_add(b)
}

impl CandleMiniLm {
    /// Loads `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> candle_core::Result<CandleMiniLm> {
        let bytes = std::fs::read(dir.join("model.safetensors"))?;
        let t = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)?;
        Ok(CandleMiniLm {
            t,
            layers: 6,
            heads: 12,
        })
    }

    fn get(&self, name: &str) -> &Tensor {
        self.t
            .get(name)
            .or_else(|| self.t.get(&format!("bert.{name}")))
            .unwrap_or_else(|| panic!("no tensor {name}"))
    }

    fn linear(&self, x: &Tensor, name: &str) -> candle_core::Result<Tensor> {
        let w = self.get(&format!("{name}.weight"));
        x.matmul(&w.t()?)?
            .broadcast_add(self.get(&format!("{name}.bias")))
    }

    fn norm(&self, x: &Tensor, name: &str) -> candle_core::Result<Tensor> {
        layer_norm(
            x,
            self.get(&format!("{name}.weight")),
            self.get(&format!("{name}.bias")),
        )
    }

    /// The mean-pooled, unit-length embedding of one framed id sequence.
    pub fn embed(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let cpu = Device::Cpu;
        let n = ids.len();
        let idx = Tensor::new(ids, &cpu)?;
        let pos: Vec<u32> = (0..n as u32).collect();
        let words = self
            .get("embeddings.word_embeddings.weight")
            .index_select(&idx, 0)?;
        let positions = self
            .get("embeddings.position_embeddings.weight")
            .index_select(&Tensor::new(pos.as_slice(), &cpu)?, 0)?;
        let types = self.get("embeddings.token_type_embeddings.weight").get(0)?;
        let x = (words + positions)?.broadcast_add(&types)?;
        let mut x = self.norm(&x, "embeddings.LayerNorm")?;
        let h = x.dim(1)?;
        let hd = h / self.heads;
        let scale = 1.0 / (hd as f64).sqrt();
        for l in 0..self.layers {
            let p = format!("encoder.layer.{l}.");
            let split = |t: Tensor| {
                t.reshape((n, self.heads, hd))?
                    .transpose(0, 1)?
                    .contiguous()
            };
            let q = split(self.linear(&x, &format!("{p}attention.self.query"))?)?;
            let k = split(self.linear(&x, &format!("{p}attention.self.key"))?)?;
            let v = split(self.linear(&x, &format!("{p}attention.self.value"))?)?;
            let att = (q.matmul(&k.t()?.contiguous()?)? * scale)?;
            let e = att.broadcast_sub(&att.max_keepdim(D::Minus1)?)?.exp()?;
            let att = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
            let ctx = att
                .matmul(&v)?
                .transpose(0, 1)?
                .contiguous()?
                .reshape((n, h))?;
            let a = self.linear(&ctx, &format!("{p}attention.output.dense"))?;
            x = self.norm(&(x + a)?, &format!("{p}attention.output.LayerNorm"))?;
            let up = self
                .linear(&x, &format!("{p}intermediate.dense"))?
                .gelu_erf()?;
            let o = self.linear(&up, &format!("{p}output.dense"))?;
            x = self.norm(&(x + o)?, &format!("{p}output.LayerNorm"))?;
        }
        let mut v = x.mean(0)?.to_vec1::<f32>()?;
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        Ok(v)
    }
}
