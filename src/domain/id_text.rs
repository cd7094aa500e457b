//! Platform ids in config, written as strings or as bare numbers: Discord ids are numbers to
//! the people who copy them, and an environment variable such as
//! `SUPPORTBOT__DISCORD__STAFF_CHANNEL_ID=1234…` reaches the config as a TOML integer.

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// One id: a string, or a non-negative integer taken as its decimal digits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IdText(String);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IdText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an id, as a string (\"1234567890\") or a whole number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdText, E> {
                if v < 0 {
                    return Err(E::custom(format!(
                        "{v} is not an id: ids are never negative"
                    )));
                }
                Ok(IdText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `Option<String>` from a string or a number.
pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<IdText>::deserialize(d)?.map(|i| i.0))
}

/// `Vec<String>` from a list of strings and numbers.
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of ids, as strings or whole numbers")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(IdText(s)) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(V)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug)]
    struct C {
        #[serde(default, deserialize_with = "super::opt")]
        one: Option<String>,
        #[serde(default, deserialize_with = "super::list")]
        many: Vec<String>,
    }

    fn parse(s: &str) -> Result<C, String> {
        toml::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn ids_are_read_from_strings_and_numbers_alike() {
        let c = parse("one = 1181914620123456789\nmany = [\"12\", 34]").unwrap();
        assert_eq!(c.one.as_deref(), Some("1181914620123456789"));
        assert_eq!(c.many, vec!["12", "34"]);
        let c = parse("one = \"x1\"").unwrap();
        assert_eq!((c.one.as_deref(), c.many.len()), (Some("x1"), 0));
        let e = parse("one = -5").unwrap_err();
        assert!(e.contains("never negative"), "{e}");
        let e = parse("many = [true]").unwrap_err();
        assert!(e.contains("as a string"), "{e}");
    }
}
