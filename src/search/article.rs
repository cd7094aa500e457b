//! Articles on disk: YAML front matter parsing, directory loading, problems and the content hash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One knowledge-base article, parsed from `kb/**/*.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable, unique id.
    pub id: String,
    /// Title shown to the customer.
    pub title: String,
    /// Language code, lower case (`en`, `zh`, `hu`, …).
    pub lang: String,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Alternative phrasings of the question this article answers.
    #[serde(default)]
    pub questions: Vec<String>,
    /// When the article was last revised, as written.
    #[serde(default)]
    pub updated: Option<String>,
    /// Markdown body after the front matter.
    #[serde(default)]
    pub body: String,
}

/// A file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KbProblem {
    /// The offending file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Display for KbProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.reason)
    }
}

/// The front matter as written; unknown keys (e.g. `source`) are allowed and ignored.
#[derive(Debug, Deserialize)]
struct FrontMatter {
    id: Option<serde_yaml::Value>,
    title: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    questions: Option<Vec<String>>,
    #[serde(default)]
    updated: Option<serde_yaml::Value>,
}

/// Parses one article file's text. The error is a human-readable reason.
pub fn parse_article(text: &str) -> Result<Article, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n");
    let rest = text
        .strip_prefix("---\n")
        .ok_or("missing front matter: the file must start with a `---` line")?;
    let (yaml, body) = match rest.find("\n---") {
        Some(i) => {
            let after = &rest[i + 4..];
            let body = match after.find('\n') {
                Some(j) if after[..j].trim().is_empty() => &after[j + 1..],
                None if after.trim().is_empty() => "",
                _ => return Err("front matter must end with a line of `---`".into()),
            };
            (&rest[..i], body)
        }
        None => return Err("front matter is not closed by a `---` line".into()),
    };
    let fm: FrontMatter =
        serde_yaml::from_str(yaml).map_err(|e| format!("invalid front matter YAML: {e}"))?;
    let id = match fm.id {
        Some(serde_yaml::Value::String(s)) => s,
        Some(serde_yaml::Value::Number(n)) => n.to_string(),
        Some(_) => return Err("`id` must be a string".into()),
        None => return Err("missing `id`".into()),
    };
    let id = id.trim().to_string();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(format!(
            "`id` must be non-empty and contain no spaces, got {id:?}"
        ));
    }
    let title = fm.title.map(|t| t.trim().to_string()).unwrap_or_default();
    if title.is_empty() {
        return Err("missing or empty `title`".into());
    }
    let lang = fm
        .lang
        .map(|l| l.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if lang.is_empty()
        || !lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("missing or invalid `lang` (use a code such as en, zh, hu)".into());
    }
    let updated = match fm.updated {
        None | Some(serde_yaml::Value::Null) => None,
        Some(serde_yaml::Value::String(s)) => Some(s),
        Some(serde_yaml::Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err("`updated` must be a date such as 2026-01-31".into()),
    };
    Ok(Article {
        id,
        title,
        lang,
        tags: fm.tags.unwrap_or_default(),
        questions: fm
            .questions
            .unwrap_or_default()
            .into_iter()
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty())
            .collect(),
        updated,
        body: body.trim().to_string(),
    })
}

/// Everything read from a kb directory.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Usable articles, sorted by file path.
    pub articles: Vec<Article>,
    /// Files skipped, with reasons (including duplicate ids).
    pub problems: Vec<KbProblem>,
    /// Hex SHA-256 over every article file's path and bytes.
    pub hash: String,
}

/// Markdown files under `dir`, recursively, sorted; `README.md` files are documentation, not articles.
pub fn article_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(path);
            } else if name.ends_with(".md") && !name.eq_ignore_ascii_case("readme.md") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads and parses every article under `dir`. Fails only if the directory cannot be listed.
pub fn load_dir(dir: &Path) -> anyhow::Result<Loaded> {
    let files = article_files(dir)
        .map_err(|e| anyhow::anyhow!("cannot read kb directory {}: {e}", dir.display()))?;
    let mut hasher = Sha256::new();
    hasher.update(super::ANALYSIS_VERSION.as_bytes());
    let mut loaded = Loaded::default();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                loaded.problems.push(KbProblem {
                    file,
                    reason: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        let rel = file.strip_prefix(dir).unwrap_or(&file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0u8]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                loaded.problems.push(KbProblem {
                    file,
                    reason: "not valid UTF-8".into(),
                });
                continue;
            }
        };
        match parse_article(&text) {
            Ok(a) => {
                if let Some(first) = seen.get(&a.id) {
                    loaded.problems.push(KbProblem {
                        file: file.clone(),
                        reason: format!(
                            "duplicate id `{}`: also used by {}; this file is skipped",
                            a.id,
                            first.display()
                        ),
                    });
                    continue;
                }
                seen.insert(a.id.clone(), file);
                loaded.articles.push(a);
            }
            Err(reason) => loaded.problems.push(KbProblem { file, reason }),
        }
    }
    loaded.hash = hex(&hasher.finalize());
    Ok(loaded)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_and_body() {
        let a = parse_article(
            "---\nid: a-1\ntitle: Hello\nlang: EN\ntags: [x, y]\nquestions:\n  - hi?\nupdated: 2026-01-02\nsource: s\n---\n\nBody *text*.\n",
        )
        .unwrap();
        assert_eq!(a.id, "a-1");
        assert_eq!(a.lang, "en");
        assert_eq!(a.tags, ["x", "y"]);
        assert_eq!(a.questions, ["hi?"]);
        assert_eq!(a.updated.as_deref(), Some("2026-01-02"));
        assert_eq!(a.body, "Body *text*.");
    }

    #[test]
    fn rejects_bad_files_with_reasons() {
        assert!(
            parse_article("no front matter")
                .unwrap_err()
                .contains("front matter")
        );
        assert!(
            parse_article("---\nid: a\n")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            parse_article("---\ntitle: t\nlang: en\n---\n")
                .unwrap_err()
                .contains("id")
        );
        assert!(
            parse_article("---\nid: a\nlang: en\n---\n")
                .unwrap_err()
                .contains("title")
        );
        assert!(
            parse_article("---\nid: a\ntitle: t\n---\n")
                .unwrap_err()
                .contains("lang")
        );
        assert!(
            parse_article("---\nid: [\n---\n")
                .unwrap_err()
                .contains("YAML")
        );
    }

    #[test]
    fn title_only_article_is_fine() {
        let a = parse_article("---\nid: 7\ntitle: \"x\"\nlang: zh\n---\n").unwrap();
        assert_eq!(a.id, "7");
        assert_eq!(a.body, "");
    }
}
