//! Language-aware text analysis: CJK runs are segmented (bigrams or jieba), other runs are
//! lower-cased, stop-word filtered and stemmed per language. Articles and queries go through
//! the same functions, so the index never needs tantivy's query syntax.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream, Tokenizer,
};

/// How runs of Chinese/Japanese/Korean characters are cut into terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CjkMode {
    /// Overlapping character bigrams (a lone character stays a unigram).
    Bigram,
    /// Single characters plus overlapping bigrams.
    #[default]
    UniBigram,
    /// jieba-rs word segmentation in search mode.
    Jieba,
}

impl CjkMode {
    /// Parses `bigram`, `uni_bigram` or `jieba`.
    pub fn parse(s: &str) -> Option<CjkMode> {
        match s {
            "bigram" => Some(CjkMode::Bigram),
            "uni_bigram" | "unibigram" => Some(CjkMode::UniBigram),
            "jieba" => Some(CjkMode::Jieba),
            _ => None,
        }
    }
}

/// English function words on top of Lucene's list: question scaffolding carries no topic.
const EXTRA_EN_STOP: &[&str] = &[
    "i", "me", "my", "we", "our", "you", "your", "he", "she", "his", "her", "its", "them", "do",
    "does", "did", "doing", "done", "can", "could", "would", "should", "shall", "may", "might",
    "must", "have", "has", "had", "been", "being", "am", "were", "what", "which", "who", "whom",
    "how", "why", "when", "where", "there", "here", "so", "than", "too", "very", "just", "also",
    "about", "any", "some", "from", "up", "out", "off", "over", "again", "get", "got", "want",
    "wanted", "need", "way", "please", "thanks", "thank", "hi", "hello", "anyone", "someone",
    "know", "possible", "able", "all", "each", "other", "only", "own", "same", "now", "whether",
    "im", "ive", "dont", "doesnt", "cant", "isnt", "there's", "it's", "i'm",
];

/// True for characters of CJK scripts, which carry no spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FFFF) // extensions B–F
}

/// The share of letters in `text` that are CJK, used to guess a query's language.
pub fn cjk_share(text: &str) -> f32 {
    let (mut cjk, mut letters) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        letters += 1;
        cjk += usize::from(is_cjk(c));
    }
    if letters == 0 {
        0.0
    } else {
        cjk as f32 / letters as f32
    }
}

/// Normalizes a language code: lower case, region dropped (`zh-CN` → `zh`).
pub fn norm_lang(lang: &str) -> String {
    let l = lang.trim().to_ascii_lowercase();
    l.split(['-', '_']).next().unwrap_or("").to_string()
}

fn stem_language(lang: &str) -> Option<Language> {
    Some(match lang {
        "en" => Language::English,
        "hu" => Language::Hungarian,
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "it" => Language::Italian,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => return None,
    })
}

fn build_latin(lang: &str) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser);
    match stem_language(lang) {
        Some(Language::English) => {
            let mut words: Vec<String> = [
                "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
                "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
                "there", "these", "they", "this", "to", "was", "will", "with",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            words.extend(EXTRA_EN_STOP.iter().map(|s| s.to_string()));
            base.filter(StopWordFilter::remove(words))
                .filter(Stemmer::new(Language::English))
                .build()
        }
        Some(l) => match StopWordFilter::new(l) {
            Some(stop) => base.filter(stop).filter(Stemmer::new(l)).build(),
            None => base.filter(Stemmer::new(l)).build(),
        },
        // Unknown languages: words as written, lower-cased; no guessing at morphology.
        None => base.build(),
    }
}

thread_local! {
    static LATIN: RefCell<HashMap<String, TextAnalyzer>> = RefCell::new(HashMap::new());
    static JIEBA: RefCell<Option<tantivy_jieba::JiebaTokenizer>> = const { RefCell::new(None) };
}

fn latin_tokens(run: &str, lang: &str, out: &mut Vec<String>) {
    LATIN.with(|cell| {
        let mut map = cell.borrow_mut();
        let an = map
            .entry(lang.to_string())
            .or_insert_with(|| build_latin(lang));
        let mut ts = an.token_stream(run);
        while ts.advance() {
            out.push(ts.token().text.clone());
        }
    });
}

/// Chinese interrogatives and modal phrasings with the same meaning, folded to one spelling
/// so "如何治疗" meets "怎么治疗" and "能不能" meets "可以". Longest first.
const ZH_FOLD: &[(&str, &str)] = &[
    ("可不可以", "能"),
    ("多长时间", "多久"),
    ("多少时间", "多久"),
    ("怎么样", "怎么"),
    ("能不能", "能"),
    ("是不是", "是"),
    ("有没有", "有"),
    ("会不会", "会"),
    ("要不要", "要"),
    ("怎样", "怎么"),
    ("如何", "怎么"),
    ("哪些", "什么"),
    ("哪种", "什么"),
    ("能否", "能"),
    ("可否", "能"),
    ("可以", "能"),
    ("啥", "什么"),
    ("咋", "怎么"),
];

fn fold_zh(run: &str) -> std::borrow::Cow<'_, str> {
    if !ZH_FOLD.iter().any(|(from, _)| run.contains(from)) {
        return std::borrow::Cow::Borrowed(run);
    }
    let mut out = String::with_capacity(run.len());
    let mut rest = run;
    'outer: while !rest.is_empty() {
        for (from, to) in ZH_FOLD {
            if let Some(r) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

fn cjk_tokens(run: &str, mode: CjkMode, out: &mut Vec<String>) {
    let run = fold_zh(run);
    let run = run.as_ref();
    let chars: Vec<char> = run.chars().collect();
    match mode {
        CjkMode::Bigram | CjkMode::UniBigram => {
            if chars.len() == 1 || mode == CjkMode::UniBigram {
                out.extend(chars.iter().map(|c| c.to_string()));
            }
            out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
        }
        CjkMode::Jieba => JIEBA.with(|cell| {
            let mut slot = cell.borrow_mut();
            let tok = slot.get_or_insert_with(tantivy_jieba::JiebaTokenizer::new);
            let mut ts = tok.token_stream(run);
            while ts.advance() {
                let t = ts.token().text.trim();
                if t.chars().any(char::is_alphanumeric) {
                    out.push(t.to_string());
                }
            }
        }),
    }
}

/// Analyzes `text` written in `lang` into index terms, in order, duplicates kept.
pub fn analyze(text: &str, lang: &str, mode: CjkMode) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut in_cjk: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let cjk = is_cjk(c);
        match in_cjk {
            Some(prev) if prev != cjk => {
                flush(&text[start..i], prev, lang, mode, &mut out);
                start = i;
            }
            _ => {}
        }
        in_cjk = Some(cjk);
    }
    if let Some(prev) = in_cjk {
        flush(&text[start..], prev, lang, mode, &mut out);
    }
    out
}

fn flush(run: &str, cjk: bool, lang: &str, mode: CjkMode, out: &mut Vec<String>) {
    if cjk {
        cjk_tokens(run, mode, out);
    } else {
        // Latin runs inside Chinese text (product names, versions) get the default analysis.
        let l = if matches!(lang, "zh" | "ja" | "ko") {
            ""
        } else {
            lang
        };
        latin_tokens(run, l, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_stemmed_and_stopped() {
        let t = analyze("How do I open the Tickets?", "en", CjkMode::Bigram);
        assert_eq!(t, ["open", "ticket"]);
    }

    #[test]
    fn hungarian_is_stemmed() {
        let t = analyze("jegyeket", "hu", CjkMode::Bigram);
        assert_eq!(t.len(), 1);
        assert_ne!(t[0], "jegyeket");
    }

    #[test]
    fn cjk_runs_become_bigrams_and_latin_survives() {
        let t = analyze("提交工单 P1", "zh", CjkMode::Bigram);
        assert_eq!(t, ["提交", "交工", "工单", "p1"]);
        let f = analyze("如何能不能", "zh", CjkMode::Bigram);
        assert_eq!(f, ["怎么", "么能"]);
        let u = analyze("工单", "zh", CjkMode::UniBigram);
        assert_eq!(u, ["工", "单", "工单"]);
        let j = analyze("如何提交工单", "zh", CjkMode::Jieba);
        assert!(j.contains(&"工单".to_string()), "{j:?}");
    }

    #[test]
    fn odd_input_yields_no_panic() {
        assert!(analyze("", "en", CjkMode::Bigram).is_empty());
        assert!(analyze("😀 *:\"", "xx", CjkMode::Jieba).is_empty());
        assert_eq!(norm_lang("zh-CN"), "zh");
        assert!(cjk_share("你好 world") > 0.2);
    }
}
