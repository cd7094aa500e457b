//! A compact SentencePiece Unigram model for `tokenizers`' pipeline: the same Viterbi search
//! as `tokenizers::models::unigram::Unigram`, over one sorted piece table instead of a trie of
//! hash maps, so XLM-R's 250 002 pieces take a few MB instead of about 280.
//!
//! `tokenizers` still does everything around the model (added tokens, the precompiled NFKC
//! normaliser, metaspace, the `<s>` … `</s>` template): [`CompactTokenizer`] is its
//! `TokenizerImpl` with this model in the model slot, read from the same `tokenizer.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use tokenizers::models::unigram::UnigramTrainer;
use tokenizers::{
    DecoderWrapper, Model, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper, Token,
    TokenizerImpl,
};

/// `tokenizers`' pipeline with the compact Unigram model.
pub type CompactTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// Reads a `tokenizer.json` whose model is a Unigram into a [`CompactTokenizer`].
pub fn load_tokenizer(bytes: &[u8]) -> anyhow::Result<CompactTokenizer> {
    Ok(serde_json::from_slice(bytes)?)
}

/// The penalty `tokenizers` and SentencePiece give an unknown character, below the lowest
/// piece score.
const UNK_PENALTY: f64 = 10.0;

/// A Unigram model: pieces, their log-probability scores and the unknown piece's id.
pub struct CompactUnigram {
    /// Every piece's bytes, one after another; piece `i` is `text[ends[i-1]..ends[i]]`.
    text: String,
    ends: Vec<u32>,
    scores: Vec<f64>,
    /// Piece ids sorted by their bytes: prefix search and lookup by binary search.
    sorted: Vec<u32>,
    unk_id: u32,
    min_score: f64,
}

impl std::fmt::Debug for CompactUnigram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactUnigram")
            .field("pieces", &self.scores.len())
            .field("unk_id", &self.unk_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct UnigramJson {
    #[serde(rename = "type")]
    kind: String,
    unk_id: Option<usize>,
    vocab: Vec<(String, f64)>,
    #[serde(default)]
    byte_fallback: bool,
}

impl<'de> Deserialize<'de> for CompactUnigram {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let json = UnigramJson::deserialize(d)?;
        if json.kind != "Unigram" {
            return Err(D::Error::custom(format!(
                "the tokenizer's model is {}, not Unigram",
                json.kind
            )));
        }
        // XLM-R's tokenizer has no byte fallback; supporting it would only add untested code.
        if json.byte_fallback {
            return Err(D::Error::custom("Unigram byte fallback is not supported"));
        }
        let unk_id = json
            .unk_id
            .ok_or_else(|| D::Error::custom("the Unigram model names no unknown piece"))?;
        CompactUnigram::new(json.vocab, unk_id).map_err(D::Error::custom)
    }
}

impl CompactUnigram {
    /// Builds the model from pieces with their scores, in id order.
    pub fn new(vocab: Vec<(String, f64)>, unk_id: usize) -> Result<CompactUnigram, String> {
        if unk_id >= vocab.len() {
            return Err(format!(
                "unknown piece id {unk_id} is outside the {} pieces",
                vocab.len()
            ));
        }
        let size: usize = vocab.iter().map(|(p, _)| p.len()).sum();
        if size > u32::MAX as usize {
            return Err("the Unigram vocabulary is too large".to_string());
        }
        let mut text = String::with_capacity(size);
        let mut ends = Vec::with_capacity(vocab.len());
        let mut scores = Vec::with_capacity(vocab.len());
        let mut min_score = f64::INFINITY;
        for (piece, score) in &vocab {
            text.push_str(piece);
            ends.push(text.len() as u32);
            scores.push(*score);
            min_score = min_score.min(*score);
        }
        let mut model = CompactUnigram {
            text,
            ends,
            scores,
            sorted: (0..vocab.len() as u32).collect(),
            unk_id: unk_id as u32,
            min_score,
        };
        drop(vocab);
        let mut sorted = std::mem::take(&mut model.sorted);
        // `tokenizers` maps a repeated piece to its last id; sorting equal pieces by
        // descending id puts that one first, where the prefix search looks.
        sorted.sort_unstable_by(|&a, &b| {
            model
                .piece(a)
                .as_bytes()
                .cmp(model.piece(b).as_bytes())
                .then(b.cmp(&a))
        });
        model.sorted = sorted;
        Ok(model)
    }

    fn piece(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Calls `found(len, id)` for every piece that is a prefix of `s`, shortest first.
    fn prefixes(&self, s: &[u8], mut found: impl FnMut(usize, u32)) {
        let (mut lo, mut hi) = (0, self.sorted.len());
        for (k, &b) in s.iter().enumerate() {
            // All pieces in lo..hi start with s[..k], so those longer than k are sorted by
            // their byte k, after the one (if any) that is exactly s[..k].
            let range = &self.sorted[lo..hi];
            let byte_at = |id: &u32| self.piece(*id).as_bytes().get(k).copied();
            let first = range.partition_point(|id| byte_at(id).is_none_or(|c| c < b));
            let last = range.partition_point(|id| byte_at(id).is_none_or(|c| c <= b));
            (lo, hi) = (lo + first, lo + last);
            if lo == hi {
                return;
            }
            let id = self.sorted[lo];
            if self.piece(id).len() == k + 1 {
                found(k + 1, id);
            }
        }
    }

    /// The best segmentation of `sentence` (one pre-tokenized word), as `tokenizers`'
    /// `Unigram::encode_optimized` finds it: the same scores, ties and fused unknowns.
    fn encode(&self, sentence: &str) -> Vec<(usize, usize, u32)> {
        #[derive(Clone, Copy)]
        struct Best {
            id: u32,
            score: f64,
            start: Option<usize>,
        }
        let size = sentence.len();
        let unk_score = self.min_score - UNK_PENALTY;
        let mut best = vec![
            Best {
                id: 0,
                score: 0.0,
                start: None
            };
            size + 1
        ];
        let bytes = sentence.as_bytes();
        let mut start = 0;
        while start < size {
            let here = best[start].score;
            let char_len = sentence[start..].chars().next().map_or(1, char::len_utf8);
            let mut single = false;
            self.prefixes(&bytes[start..], |len, id| {
                let node = &mut best[start + len];
                let candidate = self.scores[id as usize] + here;
                if node.start.is_none() || candidate > node.score {
                    *node = Best {
                        id,
                        score: candidate,
                        start: Some(start),
                    };
                }
                single |= len == char_len;
            });
            if !single {
                let node = &mut best[start + char_len];
                let candidate = unk_score + here;
                if node.start.is_none() || candidate > node.score {
                    *node = Best {
                        id: self.unk_id,
                        score: candidate,
                        start: Some(start),
                    };
                }
            }
            start += char_len;
        }
        let mut out = Vec::new();
        let mut end = size;
        while end > 0 {
            let node = best[end];
            let start = node.start.expect("every character boundary is reached");
            // Consecutive unknown characters become one unknown token.
            match out.last_mut() {
                Some((s, _, id)) if node.id == self.unk_id && *id == self.unk_id => *s = start,
                _ => out.push((start, end, node.id)),
            }
            end = start;
        }
        out.reverse();
        out
    }

    fn find(&self, token: &str) -> Option<u32> {
        let i = self
            .sorted
            .partition_point(|&id| self.piece(id).as_bytes() < token.as_bytes());
        let id = *self.sorted.get(i)?;
        (self.piece(id) == token).then_some(id)
    }
}

impl Model for CompactUnigram {
    type Trainer = UnigramTrainer;

    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        Ok(self
            .encode(sequence)
            .into_iter()
            .map(|(s, e, id)| {
                let value = &sequence[s..e];
                // As in `tokenizers`, a run of unknown characters is looked up as a whole.
                let id = if id == self.unk_id {
                    self.find(value).unwrap_or(id)
                } else {
                    id
                };
                Token::new(id, value.to_string(), (s, e))
            })
            .collect())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.find(token)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        ((id as usize) < self.scores.len()).then(|| self.piece(id).to_string())
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        (0..self.scores.len() as u32)
            .map(|id| (self.piece(id).to_string(), id))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.scores.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("the compact Unigram model is read from tokenizer.json and never saved".into())
    }

    fn get_trainer(&self) -> UnigramTrainer {
        UnigramTrainer::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(pieces: &[(&str, f64)]) -> CompactUnigram {
        let vocab = pieces.iter().map(|(p, s)| (p.to_string(), *s)).collect();
        CompactUnigram::new(vocab, 0).unwrap()
    }

    fn pieces(m: &CompactUnigram, text: &str) -> Vec<String> {
        m.encode(text)
            .into_iter()
            .map(|(s, e, _)| text[s..e].to_string())
            .collect()
    }

    /// The example from `tokenizers`' own `Unigram::encode` documentation.
    #[test]
    fn segments_like_the_reference_example() {
        let m = model(&[
            ("<unk>", 0.0),
            ("a", 0.0),
            ("b", 0.0),
            ("c", 0.0),
            ("d", 0.0),
            ("cd", 1.0),
            ("ab", 2.0),
            ("abc", 5.0),
            ("abcd", 10.0),
        ]);
        assert_eq!(pieces(&m, "abcdacdxx"), ["abcd", "a", "cd", "xx"]);
        let ids: Vec<u32> = m.encode("abcdacdxx").iter().map(|t| t.2).collect();
        assert_eq!(ids, [8, 1, 5, 0]);
    }

    #[test]
    fn agrees_with_tokenizers_unigram_on_ties_unknowns_and_multibyte_text() {
        let vocab: Vec<(String, f64)> = [
            ("<unk>", 0.0),
            ("▁", -1.0),
            ("▁hé", -2.0),
            ("llo", -2.0),
            ("▁hél", -2.5),
            ("lo", -1.5),
            ("l", -3.0),
            ("o", -3.0),
            ("h", -3.0),
            ("é", -3.0),
            ("中", -4.0),
            ("中文", -4.0),
            ("文", -2.0),
        ]
        .iter()
        .map(|(p, s)| (p.to_string(), *s))
        .collect();
        let ours = CompactUnigram::new(vocab.clone(), 0).unwrap();
        let reference = tokenizers::models::unigram::Unigram::from(vocab, Some(0), false).unwrap();
        for text in [
            "▁héllo",
            "▁hél",
            "中文中",
            "xx中yy文",
            "ééh",
            "▁",
            "lolol",
            "ß",
        ] {
            let pairs = |tokens: Vec<Token>| -> Vec<(u32, String)> {
                tokens.into_iter().map(|t| (t.id, t.value)).collect()
            };
            let (a, b) = (
                ours.tokenize(text).unwrap(),
                reference.tokenize(text).unwrap(),
            );
            assert_eq!(pairs(a), pairs(b), "{text}");
        }
        assert_eq!(ours.token_to_id("▁hél"), Some(4));
        assert_eq!(ours.token_to_id("▁h"), None);
        assert_eq!(ours.id_to_token(10).as_deref(), Some("中"));
        assert_eq!(ours.id_to_token(13), None);
    }

    #[test]
    fn refuses_other_models_and_a_missing_unknown() {
        let bpe = r#"{"type":"BPE","unk_id":0,"vocab":[["a",0.0]]}"#;
        let e = serde_json::from_str::<CompactUnigram>(bpe).unwrap_err();
        assert!(e.to_string().contains("not Unigram"), "{e}");
        let no_unk = r#"{"type":"Unigram","unk_id":null,"vocab":[["a",0.0]]}"#;
        let e = serde_json::from_str::<CompactUnigram>(no_unk).unwrap_err();
        assert!(e.to_string().contains("no unknown piece"), "{e}");
        let outside = r#"{"type":"Unigram","unk_id":5,"vocab":[["a",0.0]]}"#;
        assert!(serde_json::from_str::<CompactUnigram>(outside).is_err());
    }
}
