//! Sentence embeddings for semantic matching, run in-process with no network and no Python:
//! a sentence-transformers BERT model (such as all-MiniLM-L6-v2) from safetensors, and the
//! 4-bit multilingual-e5-small, each for the article languages the configuration gives it.

mod bert;
pub mod config;
mod e5;
pub mod e5s1;
mod encoder;
pub mod fetch;
mod ops;
pub mod pinned;
mod rows;
mod tensors;
pub mod unigram;
mod vectors;
mod wordpiece;

pub use bert::BertConfig;
pub use config::{ModelConfig, SemanticConfig};
pub use encoder::{Calibration, E5_CALIBRATION, Encoder, MINILM_CALIBRATION};
pub use vectors::{ArticleVectors, Semantic, Vector};
pub use wordpiece::WordPiece;

/// Cosine similarity of two unit vectors; 0 when either is empty.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    // Eight independent partial sums let the compiler use SIMD lanes; a single running sum
    // must be added in order and stays scalar. Every article is scanned per question.
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::cosine;

    #[test]
    fn cosine_handles_tails_and_mismatches() {
        let a: Vec<f32> = (0..11).map(|i| i as f32).collect();
        let want: f32 = a.iter().map(|x| x * x).sum();
        assert_eq!(cosine(&a, &a), want);
        assert_eq!(cosine(&a, &a[..10]), 0.0);
        assert_eq!(cosine(&[], &[]), 0.0);
    }
}
