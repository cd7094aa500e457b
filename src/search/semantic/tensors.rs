//! Reads MiniLM's safetensors file (parsed and checked by the `safetensors` crate) into `f32`
//! matrices, and says where a table lies in the file for reading it row by row.

use anyhow::{Context, bail};
use candle_core::{Device, Tensor};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, Metadata, TensorInfo};

use super::rows::Codec;

/// All tensors of one safetensors file, by name.
#[derive(Debug)]
pub struct Tensors {
    bytes: Vec<u8>,
    start: usize,
    meta: Metadata,
}

impl Tensors {
    /// Parses the header of a safetensors file held in memory; the data is decoded on access.
    pub fn parse(bytes: Vec<u8>) -> anyhow::Result<Tensors> {
        let (len, meta) = SafeTensors::read_metadata(&bytes)
            .map_err(|e| anyhow::anyhow!("not a safetensors file: {e}"))?;
        Ok(Tensors {
            start: 8 + len,
            bytes,
            meta,
        })
    }

    /// The tensor stored under the first of `names` that exists (checkpoints differ in
    /// prefixes such as `bert.` and in `gamma`/`weight` spellings).
    fn find<'a>(&'a self, names: &'a [String]) -> anyhow::Result<(&'a str, &'a TensorInfo)> {
        names
            .iter()
            .find_map(|n| self.meta.info(n).map(|e| (n.as_str(), e)))
            .with_context(|| format!("model has no tensor {}", names[0]))
    }

    fn codec(name: &str, e: &TensorInfo) -> anyhow::Result<Codec> {
        Ok(match e.dtype {
            Dtype::F32 => Codec::F32,
            Dtype::F16 => Codec::F16,
            Dtype::BF16 => Codec::Bf16,
            other => bail!("tensor {name} has type {other:?}; only F32, F16 and BF16 are read"),
        })
    }

    fn values(&self, name: &str, e: &TensorInfo) -> anyhow::Result<Vec<f32>> {
        let codec = Tensors::codec(name, e)?;
        // The crate checked that the offsets fit the file and match the shape and type.
        let data = &self.bytes[self.start + e.data_offsets.0..self.start + e.data_offsets.1];
        let mut out = Vec::new();
        codec.decode(data, &mut out);
        Ok(out)
    }

    /// Where the 2-D tensor under any of `names` is in the file: its first byte, rows,
    /// columns and how its values are stored, for reading it row by row.
    pub fn table(&self, names: &[String]) -> anyhow::Result<(u64, usize, usize, Codec)> {
        let (name, e) = self.find(names)?;
        let [r, c] = e.shape[..] else {
            bail!(
                "tensor {name} has shape {:?}, expected 2 dimensions",
                e.shape
            );
        };
        let codec = Tensors::codec(name, e)?;
        Ok(((self.start + e.data_offsets.0) as u64, r, c, codec))
    }

    /// A 2-D tensor, looked up under any of `names`.
    pub fn matrix(&self, names: &[String]) -> anyhow::Result<Tensor> {
        let (name, e) = self.find(names)?;
        let [r, c] = e.shape[..] else {
            bail!(
                "tensor {name} has shape {:?}, expected 2 dimensions",
                e.shape
            );
        };
        Ok(Tensor::from_vec(
            self.values(name, e)?,
            (r, c),
            &Device::Cpu,
        )?)
    }

    /// A 1-D tensor, looked up under any of `names`.
    pub fn vector(&self, names: &[String]) -> anyhow::Result<Tensor> {
        let (name, e) = self.find(names)?;
        if e.shape.len() != 1 {
            bail!(
                "tensor {name} has shape {:?}, expected 1 dimension",
                e.shape
            );
        }
        let values = self.values(name, e)?;
        let n = values.len();
        Ok(Tensor::from_vec(values, n, &Device::Cpu)?)
    }
}

/// IEEE half precision to single precision, including subnormals, infinities and NaN.
pub(super) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: value = f × 2^-24.
            let v = f as f32 * f32::powi(2.0, -24);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 112) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data: &[u8]) -> Vec<u8> {
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn reads_f32_and_f16_tensors_under_alternative_names() {
        let mut data = Vec::new();
        for v in [1.0f32, -2.0, 0.5, 4.0] {
            data.extend_from_slice(&v.to_le_bytes());
        }
        // 1.0, -2.0 and 65504 (largest half) in F16.
        data.extend_from_slice(&[0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b]);
        let h = r#"{"__metadata__":{"format":"pt"},"m":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"v":{"dtype":"F16","shape":[3],"data_offsets":[16,22]}}"#;
        let t = Tensors::parse(file(h, &data)).unwrap();
        let m = t.matrix(&["bert.m".into(), "m".into()]).unwrap();
        assert_eq!(m.to_vec2::<f32>().unwrap()[1][0], 0.5);
        let v = t.vector(&["v".into()]).unwrap();
        assert_eq!(v.to_vec1::<f32>().unwrap(), vec![1.0, -2.0, 65504.0]);
        assert!(t.vector(&["m".into()]).is_err());
        let e = t.matrix(&["missing".into()]).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }

    #[test]
    fn truncated_files_and_unknown_types_are_refused() {
        assert!(Tensors::parse(vec![1, 2, 3]).is_err());
        let h = r#"{"m":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#;
        assert!(Tensors::parse(file(h, &[0; 8])).is_err());
        let h = r#"{"m":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#;
        let t = Tensors::parse(file(h, &[0; 8])).unwrap();
        let e = t.vector(&["m".into()]).unwrap_err();
        assert!(e.to_string().contains("I64"), "{e}");
    }

    #[test]
    fn hostile_offsets_and_shapes_are_errors_not_panics() {
        let h = format!(
            r#"{{"m":{{"dtype":"F32","shape":[4],"data_offsets":[0,{}]}}}}"#,
            usize::MAX
        );
        assert!(Tensors::parse(file(&h, &[0; 16])).is_err());
        let h = format!(
            r#"{{"m":{{"dtype":"F32","shape":[{},{}],"data_offsets":[0,16]}}}}"#,
            usize::MAX,
            4
        );
        // A shape whose size overflows is refused when the header is read.
        assert!(Tensors::parse(file(&h, &[0; 16])).is_err());
        // So is a shape that does not match its bytes.
        let h = r#"{"m":{"dtype":"F32","shape":[2,4],"data_offsets":[0,16]}}"#;
        assert!(Tensors::parse(file(h, &[0; 16])).is_err());
        let mut huge = u64::MAX.to_le_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        assert!(Tensors::parse(huge).is_err());
    }

    #[test]
    fn half_precision_edge_cases() {
        assert_eq!(f16_to_f32(0x0001), f32::powi(2.0, -24));
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0x8000), -0.0);
    }
}
