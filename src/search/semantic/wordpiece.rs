//! BERT's text-to-token-ids step (basic tokenization plus WordPiece), as the `vocab.txt` of a
//! sentence-transformers model expects it.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Words longer than this (in characters) become `[UNK]`, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// A WordPiece vocabulary with BERT's normalisation rules.
#[derive(Debug, Clone)]
pub struct WordPiece {
    ids: HashMap<String, u32>,
    lowercase: bool,
    /// Id of `[CLS]`, put first.
    pub cls: u32,
    /// Id of `[SEP]`, put last.
    pub sep: u32,
    unk: u32,
}

impl WordPiece {
    /// Reads `vocab.txt` (one token per line, the line number is the id).
    pub fn from_vocab(text: &str, lowercase: bool) -> anyhow::Result<WordPiece> {
        let ids: HashMap<String, u32> = text
            .lines()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        let need = |t: &str| {
            ids.get(t)
                .copied()
                .ok_or_else(|| anyhow::anyhow!("vocab.txt has no {t} token"))
        };
        Ok(WordPiece {
            cls: need("[CLS]")?,
            sep: need("[SEP]")?,
            unk: need("[UNK]")?,
            ids,
            lowercase,
        })
    }

    /// Number of tokens in the vocabulary.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True for an empty vocabulary (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Token ids of `text` framed by `[CLS]` … `[SEP]`, at most `max_len` in all.
    pub fn encode(&self, text: &str, max_len: usize) -> Vec<u32> {
        let body = max_len.saturating_sub(2);
        let mut out = vec![self.cls];
        'words: for word in self.words(text) {
            for id in self.pieces(&word) {
                if out.len() > body {
                    break 'words;
                }
                out.push(id);
            }
        }
        out.push(self.sep);
        out
    }

    /// Normalises and splits into words: whitespace, punctuation and every CJK ideograph
    /// separate words; lower-casing also strips accents (BERT "uncased").
    fn words(&self, text: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut cur = String::new();
        let flush = |cur: &mut String, words: &mut Vec<String>| {
            if !cur.is_empty() {
                words.push(std::mem::take(cur));
            }
        };
        let lowered: String;
        let text = if self.lowercase {
            lowered = text
                .nfd()
                .filter(|c| c.general_category() != GeneralCategory::NonspacingMark)
                .flat_map(char::to_lowercase)
                .collect();
            lowered.as_str()
        } else {
            text
        };
        for c in text.chars() {
            if c == '\0' || c == '\u{fffd}' || is_control(c) {
                continue;
            }
            if c.is_whitespace() {
                flush(&mut cur, &mut words);
            } else if is_punctuation(c) || is_cjk_ideograph(c) {
                flush(&mut cur, &mut words);
                words.push(c.to_string());
            } else {
                cur.push(c);
            }
        }
        flush(&mut cur, &mut words);
        words
    }

    /// Greedy longest-match-first WordPiece; a word with an unmatchable rest is `[UNK]`.
    fn pieces(&self, word: &str) -> Vec<u32> {
        if word.chars().count() > MAX_WORD_CHARS {
            return vec![self.unk];
        }
        let mut out = Vec::new();
        let mut start = 0;
        let mut piece = String::new();
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while end > start {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.push_str(&word[start..end]);
                if let Some(&id) = self.ids.get(&piece) {
                    found = Some(id);
                    break;
                }
                end = word[..end]
                    .char_indices()
                    .next_back()
                    .map(|(i, _)| i)
                    .unwrap_or(start);
            }
            match found {
                Some(id) => out.push(id),
                None => return vec![self.unk],
            }
            start = end;
        }
        out
    }
}

/// Characters BERT drops before splitting: every "other" category (control, format, private
/// use, unassigned, surrogate) except the tab and line breaks, which separate words.
fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.general_category_group() == GeneralCategoryGroup::Other
}

/// BERT counts every ASCII symbol as punctuation, plus Unicode's punctuation classes.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.general_category_group() == GeneralCategoryGroup::Punctuation
}

/// The CJK Unified Ideograph blocks BERT splits into single characters.
fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> WordPiece {
        let v = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n,\nworld\nun\n##aff\n##able\n!\n中\n国\ncafe\n";
        WordPiece::from_vocab(v, true).unwrap()
    }

    #[test]
    fn splits_punctuation_cjk_and_word_pieces() {
        let wp = vocab();
        assert_eq!(
            wp.encode("Hello, WORLD! unaffable 中国", 64),
            vec![2, 4, 5, 6, 10, 7, 8, 9, 11, 12, 3]
        );
    }

    #[test]
    fn strips_accents_and_marks_unknown_words() {
        let wp = vocab();
        assert_eq!(wp.encode("Café xyz", 64), vec![2, 13, 1, 3]);
    }

    #[test]
    fn control_characters_vanish_and_tabs_separate() {
        let wp = vocab();
        assert_eq!(wp.encode("hel\u{b}lo\tworld\u{200b}", 64), vec![2, 4, 6, 3]);
    }

    #[test]
    fn clips_to_the_maximal_length_keeping_the_frame() {
        let wp = vocab();
        let ids = wp.encode("hello hello hello hello", 4);
        assert_eq!(ids, vec![2, 4, 4, 3]);
    }

    #[test]
    fn a_vocabulary_without_special_tokens_is_refused() {
        let e = WordPiece::from_vocab("a\nb\n", true).unwrap_err();
        assert!(e.to_string().contains("[CLS]"), "{e}");
    }
}
