//! Small talk: greetings, thanks, "ok" and a lone emoji, in English, Chinese and Hungarian,
//! which deserve a polite answer and not a ticket; and text with nothing visible in it.

/// What a short social message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "hello", "你好", "szia".
    Greeting,
    /// "thanks", "谢谢", "köszönöm".
    Thanks,
    /// "ok", "好的", "rendben", or an emoji or punctuation with no words.
    Ack,
}

const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "yo",
    "good morning",
    "good afternoon",
    "good evening",
    "morning",
    "hi there",
    "hello there",
    "hey there",
    "greetings",
    "你好",
    "您好",
    "嗨",
    "哈喽",
    "早上好",
    "下午好",
    "晚上好",
    "早",
    "大家好",
    "在吗",
    "在么",
    "你好呀",
    "szia",
    "sziasztok",
    "helló",
    "hello",
    "hali",
    "halihó",
    "szervusz",
    "szervusztok",
    "jó napot",
    "jó napot kívánok",
    "jó reggelt",
    "jó estét",
    "üdv",
    "üdvözlöm",
    "csá",
    "csumi",
    "kezicsókolom",
];

const THANKS: &[&str] = &[
    "thanks",
    "thank you",
    "thx",
    "ty",
    "thanks a lot",
    "thank you so much",
    "many thanks",
    "cheers",
    "thanks!",
    "great thanks",
    "ok thanks",
    "ok thank you",
    "谢谢",
    "谢谢你",
    "谢谢您",
    "多谢",
    "感谢",
    "非常感谢",
    "谢啦",
    "好的谢谢",
    "好的，谢谢",
    "köszönöm",
    "köszi",
    "kösz",
    "köszönöm szépen",
    "köszönjük",
    "nagyon köszönöm",
    "köszi szépen",
    "köszönöm a segítséget",
    "rendben köszönöm",
    "oké köszi",
];

const ACKS: &[&str] = &[
    "ok",
    "okay",
    "okey",
    "k",
    "kk",
    "fine",
    "alright",
    "all right",
    "got it",
    "sure",
    "cool",
    "great",
    "nice",
    "yes",
    "no",
    "yep",
    "nope",
    "good",
    "perfect",
    "好",
    "好的",
    "好吧",
    "行",
    "嗯",
    "嗯嗯",
    "可以",
    "明白",
    "知道了",
    "收到",
    "没问题",
    "oké",
    "oke",
    "rendben",
    "jó",
    "értem",
    "világos",
    "igen",
    "nem",
    "persze",
    "szuper",
    "remek",
    "tökéletes",
    "megvan",
];

/// The Hungarian phrases of the lists above: a Latin-script greeting tells its language only
/// through its words.
const HUNGARIAN: &[&str] = &[
    "szia",
    "sziasztok",
    "helló",
    "hali",
    "halihó",
    "szervusz",
    "szervusztok",
    "jó napot",
    "jó napot kívánok",
    "jó reggelt",
    "jó estét",
    "üdv",
    "üdvözlöm",
    "csá",
    "csumi",
    "kezicsókolom",
    "köszönöm",
    "köszi",
    "kösz",
    "köszönöm szépen",
    "köszönjük",
    "nagyon köszönöm",
    "köszi szépen",
    "köszönöm a segítséget",
    "rendben köszönöm",
    "oké köszi",
    "oké",
    "rendben",
    "értem",
    "világos",
    "igen",
    "persze",
    "szuper",
    "remek",
    "tökéletes",
    "megvan",
];

/// The language a piece of small talk is in, when its words say so (Hungarian; Chinese is
/// told by its script already).
pub fn phrase_lang(text: &str) -> Option<super::i18n::Lang> {
    let norm = normalise(text);
    HUNGARIAN
        .iter()
        .any(|p| normalise(p) == norm)
        .then_some(super::i18n::Lang::Hu)
}

/// True when `text` has a letter, digit or ideograph in it: something a person can read.
/// A lone emoji, punctuation, or zero-width characters have none.
pub fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// True when nothing in `text` would show on screen: whitespace, zero-width characters,
/// joiners, variation selectors, bidi marks.
pub fn is_invisible(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_format(c))
}

/// Format and other invisible characters (Unicode Cf, variation selectors, Hangul fillers).
pub fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0xE0000..=0xE0FFF)
}

/// The small talk `text` is, if it is nothing more: the whole message must be one of the
/// phrases (case, punctuation, emoji and repeated letters aside), so "hi, my export fails"
/// is a question, not a greeting.
pub fn classify(text: &str) -> Option<SmallTalk> {
    if is_invisible(text) {
        return None;
    }
    if !has_words(text) {
        return Some(SmallTalk::Ack);
    }
    let norm = normalise(text);
    if norm.chars().count() > 40 {
        return None;
    }
    let is = |list: &[&str]| list.iter().any(|p| normalise(p) == norm);
    if is(THANKS) {
        Some(SmallTalk::Thanks)
    } else if is(GREETINGS) {
        Some(SmallTalk::Greeting)
    } else if is(ACKS) {
        Some(SmallTalk::Ack)
    } else {
        // "hi bot", "thanks team": a phrase and one addressing word.
        let (head, tail) = norm.rsplit_once(' ')?;
        let addressed = [
            "bot", "team", "guys", "all", "there", "everyone", "srácok", "mindenki",
        ];
        if !addressed.contains(&tail) {
            return None;
        }
        if THANKS.iter().any(|p| normalise(p) == head) {
            Some(SmallTalk::Thanks)
        } else if GREETINGS.iter().any(|p| normalise(p) == head) {
            Some(SmallTalk::Greeting)
        } else {
            None
        }
    }
}

/// Lowercase words separated by single spaces; punctuation, emoji and invisible characters
/// dropped; repeated letters squeezed to one, on both sides of a comparison, so "hiii" and
/// "okkk" match "hi" and "ok".
fn normalise(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if !c.is_alphanumeric() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !out.ends_with(c) {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_thanks_and_acks_in_three_languages() {
        for g in [
            "hello",
            "Hi!",
            "hiii",
            "hey there",
            "你好",
            "您好！",
            "Szia!",
            "Jó napot kívánok",
            "hi bot",
        ] {
            assert_eq!(classify(g), Some(SmallTalk::Greeting), "{g}");
        }
        for t in [
            "thanks",
            "Thank you!!",
            "thx 🙏",
            "谢谢",
            "非常感谢！",
            "Köszönöm szépen!",
            "köszi",
        ] {
            assert_eq!(classify(t), Some(SmallTalk::Thanks), "{t}");
        }
        for a in [
            "ok", "OK.", "okay", "好的", "收到", "rendben", "oké", "👍", "🙂🙂", "?!",
        ] {
            assert_eq!(classify(a), Some(SmallTalk::Ack), "{a}");
        }
    }

    #[test]
    fn questions_are_not_small_talk() {
        for q in [
            "hi, my export fails with error 42",
            "hello I cannot log in",
            "ok so how do I reopen a ticket",
            "你好，我的软件无法启动",
            "Szia, nem működik a bejelentkezés",
            "thanks but it still crashes",
            "no internet",
        ] {
            assert_eq!(classify(q), None, "{q}");
        }
    }

    #[test]
    fn hungarian_small_talk_tells_its_language() {
        assert_eq!(
            phrase_lang("Köszönöm szépen!"),
            Some(super::super::i18n::Lang::Hu)
        );
        assert_eq!(phrase_lang("szia"), Some(super::super::i18n::Lang::Hu));
        assert_eq!(phrase_lang("thanks"), None);
        assert_eq!(phrase_lang("Nem működik a bejelentkezés"), None);
    }

    #[test]
    fn invisible_text_is_nothing() {
        for s in ["\u{200b}", "\u{200b}\u{200c} \u{2060}", "\u{feff}", " \n"] {
            assert!(is_invisible(s), "{s:?}");
            assert_eq!(classify(s), None);
        }
        assert!(!is_invisible("👍"));
        assert!(!has_words("👍\u{200b}"));
        assert!(has_words("a\u{200b}"));
    }
}
