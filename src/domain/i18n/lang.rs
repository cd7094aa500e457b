//! `Lang`: the three languages the bot speaks, parsed from commands, platform locales and config.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A language the bot has a catalog for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese (`zh-CN`).
    Zh,
    /// Hungarian.
    Hu,
}

impl Lang {
    /// All languages, English first.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Zh, Lang::Hu];

    /// The BCP 47 tag of the catalog: `en`, `zh-CN`, `hu`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
            Lang::Hu => "hu",
        }
    }

    /// The short code used by `/lang`, the store and the knowledge base: `en`, `zh`, `hu`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
            Lang::Hu => "hu",
        }
    }

    /// Reads a language code or a platform locale (`zh`, `zh-CN`, `zh_TW`, `hu-HU`, `en-GB`);
    /// `None` for a language without a catalog.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            "hu" => Some(Lang::Hu),
            _ => None,
        }
    }

    /// The language a message's script gives away: Han characters mean Chinese, the letters
    /// ő and ű (found in no other major language) mean Hungarian. Latin text says nothing,
    /// since English words are common in every language.
    pub fn from_script(text: &str) -> Option<Lang> {
        let mut han = 0usize;
        let mut letters = 0usize;
        let mut hungarian = false;
        for c in text.chars() {
            if is_han(c) {
                han += 1;
            }
            if c.is_alphabetic() {
                letters += 1;
            }
            if matches!(c, 'ő' | 'ű' | 'Ő' | 'Ű') {
                hungarian = true;
            }
        }
        if han > 0 && han * 3 >= letters {
            Some(Lang::Zh)
        } else if hungarian {
            Some(Lang::Hu)
        } else {
            None
        }
    }
}

/// CJK unified ideographs and their common extensions.
fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        let s = String::deserialize(d)?;
        Lang::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown language {s:?}; use en, zh or hu"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_locales_map_to_catalogs() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("zh_TW"), Some(Lang::Zh));
        assert_eq!(Lang::parse("hu"), Some(Lang::Hu));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn script_gives_away_chinese_and_hungarian_only() {
        assert_eq!(
            Lang::from_script("我的软件什么时候有安全更新？"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_script("VPN 连接失败"), Some(Lang::Zh));
        assert_eq!(
            Lang::from_script("Mikor jön a következő frissítés?"),
            Some(Lang::Hu)
        );
        assert_eq!(Lang::from_script("hello there"), None);
        assert_eq!(Lang::from_script("👍"), None);
    }
}
