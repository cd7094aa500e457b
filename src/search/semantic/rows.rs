//! A model's token-embedding table read row by row from the model file when a text needs
//! them: the table is the largest tensor of both models (47 MB of f32 for MiniLM, 54 MB of
//! 4-bit blocks for e5) and a text touches a few dozen of its rows.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};

use super::e5s1::Q4_0_BLOCK_BYTES;
use super::tensors::f16_to_f32;

/// How the table's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Little-endian f32.
    F32,
    /// Little-endian IEEE half precision.
    F16,
    /// Little-endian bfloat16.
    Bf16,
    /// GGML Q4_0: per 32 values an f16 scale and 16 bytes of nibbles.
    Q4_0,
}

impl Codec {
    /// Bytes of a row of `cols` values.
    fn row_bytes(self, cols: usize) -> usize {
        match self {
            Codec::F32 => cols * 4,
            Codec::F16 | Codec::Bf16 => cols * 2,
            Codec::Q4_0 => cols / 32 * Q4_0_BLOCK_BYTES,
        }
    }

    /// Appends the values of one row's bytes to `out`.
    pub fn decode(self, bytes: &[u8], out: &mut Vec<f32>) {
        let u16s = |c: &[u8]| u16::from_le_bytes([c[0], c[1]]);
        match self {
            Codec::F32 => out.extend(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            ),
            Codec::F16 => out.extend(bytes.chunks_exact(2).map(|c| f16_to_f32(u16s(c)))),
            Codec::Bf16 => out.extend(
                bytes
                    .chunks_exact(2)
                    .map(|c| f32::from_bits(u32::from(u16s(c)) << 16)),
            ),
            Codec::Q4_0 => {
                for block in bytes.chunks_exact(Q4_0_BLOCK_BYTES) {
                    let d = f16_to_f32(u16s(block));
                    let qs = &block[2..];
                    // Byte j holds value j in its low nibble and value j + 16 in its high one.
                    let low = qs.iter().map(|q| f32::from(i16::from(q & 0x0f) - 8));
                    let high = qs.iter().map(|q| f32::from(i16::from(q >> 4) - 8));
                    out.extend(low.chain(high).map(|q| q * d));
                }
            }
        }
    }
}

/// The rows of one table in an open model file.
#[derive(Debug)]
pub struct FileRows {
    file: File,
    path: PathBuf,
    start: u64,
    rows: usize,
    cols: usize,
    codec: Codec,
}

impl FileRows {
    /// Opens the table of `rows` × `cols` values stored from byte `start` of `path`. The file
    /// stays open, so replacing it on disk (a new download renamed over it) does not change
    /// what this model reads.
    pub fn open(
        path: &Path,
        start: u64,
        rows: usize,
        cols: usize,
        codec: Codec,
    ) -> anyhow::Result<FileRows> {
        ensure!(
            codec != Codec::Q4_0 || cols.is_multiple_of(32),
            "a Q4_0 table's rows must be whole blocks of 32"
        );
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let len = file.metadata()?.len();
        let end = (rows as u64)
            .checked_mul(codec.row_bytes(cols) as u64)
            .and_then(|b| b.checked_add(start));
        ensure!(
            end.is_some_and(|e| e <= len),
            "{} is shorter than its embedding table",
            path.display()
        );
        Ok(FileRows {
            file,
            path: path.to_path_buf(),
            start,
            rows,
            cols,
            codec,
        })
    }

    /// Rows in the table (the vocabulary it embeds).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Values per row.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The rows of `ids`, one after another, as f32.
    pub fn gather(&self, ids: &[u32]) -> io::Result<Vec<f32>> {
        let row_bytes = self.codec.row_bytes(self.cols);
        let mut buf = vec![0; row_bytes];
        let mut out = Vec::with_capacity(ids.len() * self.cols);
        for &id in ids {
            if id as usize >= self.rows {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("token id {id} is outside the {} embedded", self.rows),
                ));
            }
            let at = self.start + id as u64 * row_bytes as u64;
            read_at(&self.file, &mut buf, at)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
            self.codec.decode(&buf, &mut out);
        }
        Ok(out)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use candle_core::quantized::{GgmlDType, QStorage, QTensor};
    use std::borrow::Cow;

    fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        f
    }

    #[test]
    fn reads_float_rows_at_an_offset() {
        let mut bytes = b"head".to_vec();
        for v in [1.0f32, 2.0, 3.0, -4.0, 0.5, 6.0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        // 1.0 and -2.0 as f16, then 1.0 and -2.0 as bf16.
        bytes.extend_from_slice(&[0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0x00, 0xc0]);
        let f = temp(&bytes);
        let rows = FileRows::open(f.path(), 4, 3, 2, Codec::F32).unwrap();
        assert_eq!(rows.gather(&[2, 0]).unwrap(), [0.5, 6.0, 1.0, 2.0]);
        assert!(rows.gather(&[3]).is_err());
        let half = FileRows::open(f.path(), 28, 1, 2, Codec::F16).unwrap();
        assert_eq!(half.gather(&[0]).unwrap(), [1.0, -2.0]);
        let bf = FileRows::open(f.path(), 32, 1, 2, Codec::Bf16).unwrap();
        assert_eq!(bf.gather(&[0]).unwrap(), [1.0, -2.0]);
        let e = FileRows::open(f.path(), 4, 5, 2, Codec::F32).unwrap_err();
        assert!(e.to_string().contains("shorter"), "{e}");
    }

    /// The rows decode exactly as candle dequantizes the same Q4_0 blocks.
    #[test]
    fn q4_0_rows_equal_candles_dequantization() {
        let (rows, cols) = (5, 64);
        let mut bytes = Vec::new();
        let mut x: u32 = 12345;
        for _ in 0..rows * cols / 32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            // An f16 scale between 2^-8 and 2^-5, of either sign.
            let scale = 0x1c00 | (x >> 16) as u16 & 0x0fff | ((x & 1) as u16) << 15;
            bytes.extend_from_slice(&scale.to_le_bytes());
            for _ in 0..16 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                bytes.push((x >> 24) as u8);
            }
        }
        let storage =
            QStorage::from_data(Cow::Borrowed(&bytes), &Device::Cpu, GgmlDType::Q4_0).unwrap();
        let q = QTensor::new(storage, (rows, cols)).unwrap();
        let want: Vec<Vec<f32>> = q.dequantize(&Device::Cpu).unwrap().to_vec2().unwrap();
        let f = temp(&bytes);
        let table = FileRows::open(f.path(), 0, rows, cols, Codec::Q4_0).unwrap();
        for id in [4u32, 0, 2] {
            assert_eq!(table.gather(&[id]).unwrap(), want[id as usize], "row {id}");
        }
        assert!(FileRows::open(f.path(), 0, rows, 48, Codec::Q4_0).is_err());
    }
}
