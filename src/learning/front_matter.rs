//! Adding a question to an article file's `questions:` front matter while keeping every other
//! byte of the file as it was: the key's list grows by one item in the style it is written in
//! (a block list, a one-line or multi-line flow list), or the key is added when absent. The
//! result is parsed again and must list exactly the old questions plus the new one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::search::article::{article_files, parse_article};

/// `text` (a whole article file) with `question` appended to its `questions:`.
pub fn add_question(text: &str, question: &str) -> Result<String, String> {
    let before = parse_article(text).map_err(|e| format!("the article does not parse: {e}"))?;
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // A JSON string is a YAML double-quoted scalar: any text is safe in it.
    let item = serde_json::to_string(question.trim()).map_err(|e| e.to_string())?;
    let (start, end) = front_matter_lines(text)?;
    let lines: Vec<(usize, &str)> = line_spans(text);
    let key = lines[start..end]
        .iter()
        .position(|(_, l)| l.starts_with("questions:"))
        .map(|i| i + start);
    let edited = match key {
        None => {
            let at = lines[end].0;
            format!("{}questions:{nl}  - {item}{nl}{}", &text[..at], &text[at..])
        }
        Some(k) => insert_into(text, &lines, k, end, &item, nl)?,
    };
    let after = parse_article(&edited).map_err(|e| format!("the edit would break it: {e}"))?;
    let mut want = before.questions.clone();
    want.push(question.trim().to_string());
    if after.questions != want || after.title != before.title || after.body != before.body {
        return Err("its `questions:` is written in a form this editor cannot extend".into());
    }
    Ok(edited)
}

/// (byte offset, line without its ending) of every line.
fn line_spans(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches('\n').trim_end_matches('\r');
        out.push((at, line));
        at += raw.len();
    }
    out
}

/// The line index of the first front-matter line and of the closing `---`.
fn front_matter_lines(text: &str) -> Result<(usize, usize), String> {
    let lines = line_spans(text);
    let first = lines
        .first()
        .map(|(_, l)| l.trim_start_matches('\u{feff}'))
        .ok_or("the file is empty")?;
    if first != "---" {
        return Err("the file does not start with `---`".into());
    }
    let end = lines
        .iter()
        .skip(1)
        .position(|(_, l)| l.trim_end() == "---")
        .ok_or("the front matter is not closed")?;
    Ok((1, end + 1))
}

/// Inserts `item` into the value of the `questions:` key on line `k` (front matter ends at
/// line `end`).
fn insert_into(
    text: &str,
    lines: &[(usize, &str)],
    k: usize,
    end: usize,
    item: &str,
    nl: &str,
) -> Result<String, String> {
    let (key_at, key_line) = lines[k];
    let value = key_line["questions:".len()..].trim();
    let value_at = key_at + key_line.find(value).unwrap_or(key_line.len());
    if value.starts_with('[') {
        // One-line flow list: `questions: [a, b]` or `questions: []`, maybe with a comment.
        if let Some(i) = value.rfind(']') {
            let rest = value[i + 1..].trim_start();
            if rest.is_empty() || rest.starts_with('#') {
                let close = value_at + i;
                let sep = if value[1..i].trim().is_empty() {
                    ""
                } else {
                    ", "
                };
                return Ok(format!("{}{sep}{item}{}", &text[..close], &text[close..]));
            }
        }
        // A flow list over several lines: the item goes before the closing `]`, or on a line
        // of its own above it when the `]` stands alone, after a comma on the item before.
        for (n, &(at, line)) in lines.iter().enumerate().take(end).skip(k + 1) {
            let Some(i) = line.rfind(']') else {
                continue;
            };
            if !line[..i].trim().is_empty() {
                let close = at + i;
                return Ok(format!("{}, {item}{}", &text[..close], &text[close..]));
            }
            let (prev_at, prev) = lines[k..n]
                .iter()
                .rev()
                .find(|(_, l)| !l.trim().is_empty())
                .copied()
                .unwrap_or(lines[k]);
            let prev = prev.trim_end();
            let opener = prev_at == key_at;
            let indent = if opener {
                "  "
            } else {
                &prev[..prev.len() - prev.trim_start().len()]
            };
            let comma_at = prev_at + prev.len();
            let comma = if opener || prev.ends_with(',') {
                ""
            } else {
                ","
            };
            return Ok(format!(
                "{}{comma}{}{indent}{item}{nl}{}",
                &text[..comma_at],
                &text[comma_at..at],
                &text[at..]
            ));
        }
        return Err("its `questions:` flow list is not closed".into());
    }
    if !value.is_empty() && !value.starts_with('#') && value != "~" && value != "null" {
        return Err("its `questions:` is not a list".into());
    }
    // A block list: the item goes after the last line that belongs to it, indented like the
    // first item (or two spaces when there is none yet).
    let mut last = k;
    let mut indent = None;
    for (i, &(_, line)) in lines.iter().enumerate().take(end).skip(k + 1) {
        let trimmed = line.trim_start();
        let starts_new_key = !line.is_empty() && !line.starts_with([' ', '\t', '-']);
        if starts_new_key {
            break;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            indent.get_or_insert(&line[..line.len() - trimmed.len()]);
        }
        if !trimmed.is_empty() {
            last = i;
        }
    }
    let indent = indent.unwrap_or("  ");
    let after = lines.get(last + 1).map_or(text.len(), |(at, _)| *at);
    let (mut head, tail) = (text[..after].to_string(), &text[after..]);
    if value == "~" || value == "null" {
        // `questions: ~` holds no list yet: the value goes, the key stays.
        let cut = value_at - key_at;
        let line_end = key_at + key_line.len();
        head = format!(
            "{}{}",
            &text[..key_at + cut].trim_end(),
            &text[line_end..after]
        );
    }
    if !head.ends_with('\n') {
        head.push_str(nl);
    }
    Ok(format!("{head}{indent}- {item}{nl}{tail}"))
}

/// The file under `kb_dir` whose article has id `id`.
pub fn find_article_file(kb_dir: &Path, id: &str) -> Result<Option<PathBuf>, String> {
    let files =
        article_files(kb_dir).map_err(|e| format!("cannot list {}: {e}", kb_dir.display()))?;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if parse_article(&text).is_ok_and(|a| a.id == id) {
            return Ok(Some(f));
        }
    }
    Ok(None)
}

/// Writes `question` into the article file at `path`: a temporary file beside it, then a
/// rename over it, so a reader (the kb watcher) sees the old file or the new one, never half.
/// The file keeps its permissions.
pub fn write_question(path: &Path, question: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let edited = add_question(&text, question)?;
    let dir = path.parent().ok_or("the article file has no folder")?;
    let perms = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .permissions();
    // The temporary name starts with a dot, so the kb loader never takes it for an article.
    let mut tmp = tempfile::Builder::new()
        .prefix(".kb-edit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    tmp.write_all(edited.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    std::fs::set_permissions(tmp.path(), perms)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot replace {}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "---\n\nBody *text*.\n\n  indented line\n";

    fn check(before: &str, after: &str) {
        assert_eq!(add_question(before, "new one?").unwrap(), after);
    }

    #[test]
    fn a_block_list_grows_by_one_item_in_its_indent() {
        check(
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions:\n    - first?\n    - 'second'\ntags: [x]\n{BODY}"
            ),
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions:\n    - first?\n    - 'second'\n    - \"new one?\"\ntags: [x]\n{BODY}"
            ),
        );
        // Items at the key's own indent, the list last in the front matter.
        check(
            &format!("---\nid: a\ntitle: T\nlang: en\nquestions:\n- first?\n{BODY}"),
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions:\n- first?\n- \"new one?\"\n{BODY}"
            ),
        );
    }

    #[test]
    fn flow_lists_grow_inside_their_brackets() {
        check(
            &format!(
                "---\nid: a\ntitle: T\nquestions: [first?, \"second\"]   # kept\nlang: en\n{BODY}"
            ),
            &format!(
                "---\nid: a\ntitle: T\nquestions: [first?, \"second\", \"new one?\"]   # kept\nlang: en\n{BODY}"
            ),
        );
        check(
            &format!("---\nid: a\ntitle: T\nlang: en\nquestions: []\n{BODY}"),
            &format!("---\nid: a\ntitle: T\nlang: en\nquestions: [\"new one?\"]\n{BODY}"),
        );
        check(
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions: [\n  \"first?\",\n  \"second\"\n]\n{BODY}"
            ),
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions: [\n  \"first?\",\n  \"second\",\n  \"new one?\"\n]\n{BODY}"
            ),
        );
        check(
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions: [\"first?\",\n  \"second\"]\n{BODY}"
            ),
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nquestions: [\"first?\",\n  \"second\", \"new one?\"]\n{BODY}"
            ),
        );
    }

    #[test]
    fn a_missing_or_empty_key_is_written_and_crlf_kept() {
        check(
            &format!("---\nid: a\ntitle: T\nlang: en\nsource: \"x\"\n{BODY}"),
            &format!(
                "---\nid: a\ntitle: T\nlang: en\nsource: \"x\"\nquestions:\n  - \"new one?\"\n{BODY}"
            ),
        );
        check(
            &format!("---\nid: a\ntitle: T\nquestions:\nlang: en\n{BODY}"),
            &format!("---\nid: a\ntitle: T\nquestions:\n  - \"new one?\"\nlang: en\n{BODY}"),
        );
        check(
            &format!("---\nid: a\ntitle: T\nquestions: ~\nlang: en\n{BODY}"),
            &format!("---\nid: a\ntitle: T\nquestions:\n  - \"new one?\"\nlang: en\n{BODY}"),
        );
        check(
            "---\r\nid: a\r\ntitle: T\r\nlang: en\r\nquestions:\r\n  - q1\r\n---\r\nBody\r\n",
            "---\r\nid: a\r\ntitle: T\r\nlang: en\r\nquestions:\r\n  - q1\r\n  - \"new one?\"\r\n---\r\nBody\r\n",
        );
    }

    #[test]
    fn any_text_is_quoted_safely() {
        let before = "---\nid: a\ntitle: T\nlang: en\n---\nB\n";
        let tricky = "what: is \"this\" # not a comment, [x] {y} 'z' \\ ok?";
        let after = add_question(before, tricky).unwrap();
        assert_eq!(parse_article(&after).unwrap().questions, [tricky]);
    }

    #[test]
    fn forms_it_cannot_extend_are_refused_not_mangled() {
        let scalar = format!("---\nid: a\ntitle: T\nlang: en\nquestions: just one\n{BODY}");
        assert!(
            add_question(&scalar, "x")
                .unwrap_err()
                .contains("does not parse")
        );
        assert!(add_question("no front matter", "x").is_err());
    }

    #[test]
    fn the_file_is_replaced_whole_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "---\nid: a\ntitle: T\nlang: en\n---\nB\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        assert_eq!(
            find_article_file(dir.path(), "a").unwrap(),
            Some(path.clone())
        );
        assert_eq!(find_article_file(dir.path(), "b").unwrap(), None);
        write_question(&path, "q?").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "---\nid: a\ntitle: T\nlang: en\nquestions:\n  - \"q?\"\n---\nB\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
    }
}
