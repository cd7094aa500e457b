//! Masking personal data in questions the FAQ learns from: e-mail addresses, phone numbers and
//! licence-key-like tokens become placeholders before a question is stored for review, so a
//! lead never reads (and an article never receives) a customer's address or key.

/// What an e-mail address becomes.
pub const EMAIL: &str = "[email]";
/// What a phone number becomes.
pub const PHONE: &str = "[phone]";
/// What a licence key or similar secret-looking token becomes.
pub const KEY: &str = "[key]";

/// `text` with e-mail addresses, licence-key-like tokens and phone numbers replaced by
/// [`EMAIL`], [`KEY`] and [`PHONE`]; everything else is kept as written.
pub fn mask_personal(text: &str) -> String {
    let text = mask_emails(text);
    let text = mask_keys(&text);
    mask_phones(&text)
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// Replaces every `local@domain.tld` span; the span is widened from each `@` over the
/// characters an address may hold, and trailing dots (a sentence's end) are left outside.
fn mask_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut done = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > done && is_local_char(chars[start - 1]) {
            start -= 1;
        }
        // A local part does not start with a dot (`...user@x` keeps its ellipsis).
        while start < i && chars[start] == '.' {
            start += 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_domain_char(chars[end]) {
            end += 1;
        }
        while end > i + 1 && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        let domain: String = chars[i + 1..end].iter().collect();
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        let valid =
            start < i && labels.len() >= 2 && labels.iter().all(|l| !l.is_empty()) && tld_ok;
        if valid {
            out.extend(&chars[done..start]);
            out.push_str(EMAIL);
            done = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.extend(&chars[done..]);
    out
}

/// Whether a whitespace-free token looks like a licence key: three or more groups of 4–5
/// letters and digits joined by dashes (with a digit, or in capitals, so that hyphenated
/// words such as "well-known-issue" stay), or one run of 16 or more letters and digits that
/// mixes both (raw keys, UUIDs, hashes).
fn looks_like_key(token: &str) -> bool {
    let groups: Vec<&str> = token.split('-').collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return false;
    }
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let letters = token.chars().filter(char::is_ascii_alphabetic).count();
    let grouped = groups.len() >= 3
        && groups.iter().all(|g| (4..=5).contains(&g.len()))
        && (digits > 0 || !token.chars().any(|c| c.is_ascii_lowercase()));
    let long_mixed = digits + letters >= 16 && digits >= 2 && letters >= 2;
    grouped || long_mixed
}

/// Replaces key-like tokens, keeping the punctuation around them ("(KEY-…)." stays "([key]).").
fn mask_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        let space = &piece[word.len()..];
        let core = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if !core.is_empty() && looks_like_key(core) {
            let at = word.find(core).unwrap_or(0);
            out.push_str(&word[..at]);
            out.push_str(KEY);
            out.push_str(&word[at + core.len()..]);
        } else {
            out.push_str(word);
        }
        out.push_str(space);
    }
    out
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/')
}

/// Whether a run of digits and separators is a date (`2026-12-03`, `03.12.2026`,
/// `12/03/2026`), which has as many digits as a short phone number but is no personal data.
fn is_date(run: &str) -> bool {
    let parts: Vec<&str> = run.split(['-', '.', '/']).collect();
    if parts.len() != 3 || parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    matches!(lens.as_slice(), [4, 1..=2, 1..=2] | [1..=2, 1..=2, 2 | 4])
}

/// Replaces phone numbers: a run that starts with `+`, `(` or a digit not glued to a word,
/// holds only digits and the separators people write numbers with, and has 7 to 15 digits
/// (the most E.164 allows). Dates are left alone.
fn mask_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let glued = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let starts = !glued && (c.is_ascii_digit() || c == '+' || c == '(');
        if !starts {
            out.push(c);
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < chars.len() && is_phone_char(chars[end]) {
            end += 1;
        }
        // Separators at the end (a space before the next word, a closing stop) are not part.
        while end > i + 1 && !chars[end - 1].is_ascii_digit() {
            end -= 1;
        }
        let run: String = chars[i..end].iter().collect();
        let digits = run.chars().filter(char::is_ascii_digit).count();
        let glued_after = end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_');
        if (7..=15).contains(&digits) && !glued_after && !is_date(run.trim_start_matches('(')) {
            out.push_str(PHONE);
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The text people would call "the same question": lower case, letters and digits only,
/// single spaces. Used to tell whether a phrasing is new for an article.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_masked_with_their_punctuation_kept() {
        assert_eq!(
            mask_personal("mail me at john.doe+support@mail.example.co.uk."),
            "mail me at [email]."
        );
        assert_eq!(
            mask_personal("(a_b@x.io), then c@d.hu!"),
            "([email]), then [email]!"
        );
        assert_eq!(mask_personal("mailto:eve@corp.com"), "mailto:[email]");
    }

    #[test]
    fn at_signs_that_are_no_address_stay() {
        for t in [
            "ping @ann on discord",
            "me@localhost",
            "a@b.c1",
            "@everyone",
            "x@.com",
        ] {
            assert_eq!(mask_personal(t), t, "{t}");
        }
    }

    #[test]
    fn phone_numbers_are_masked_in_their_usual_shapes() {
        assert_eq!(
            mask_personal("call +36 30 123 4567 now"),
            "call [phone] now"
        );
        assert_eq!(mask_personal("(555) 123-4567."), "[phone].");
        assert_eq!(mask_personal("tel: 06-1-234-5678"), "tel: [phone]");
        assert_eq!(mask_personal("+1.415.555.0100"), "[phone]");
        assert_eq!(mask_personal("5551234"), "[phone]");
    }

    #[test]
    fn numbers_that_are_no_phone_stay() {
        for t in [
            "version 2.10.3 crashes",
            "since 2026-12-03 it fails",
            "on 03.12.2026 and 12/03/2026",
            "error 500 at 10:30",
            "ticket 123456",
            "build v1234567",
            "a 1234567890123456 digit run",
        ] {
            assert_eq!(mask_personal(t), t, "{t}");
        }
    }

    #[test]
    fn licence_keys_are_masked_but_hyphenated_words_stay() {
        assert_eq!(
            mask_personal("my key ABCD-1234-EFGH-5678 fails"),
            "my key [key] fails"
        );
        assert_eq!(mask_personal("key: XXXXX-YYYYY-ZZZZZ."), "key: [key].");
        assert_eq!(mask_personal("(ab12c-de34f-gh56i)"), "([key])");
        assert_eq!(
            mask_personal("token 9f86d081884c7d659a2feaa0c55ad015"),
            "token [key]"
        );
        assert_eq!(
            mask_personal("id 123e4567-e89b-12d3-a456-426614174000"),
            "id [key]"
        );
        for t in [
            "a well-known-issue here",
            "state-of-the-art",
            "UTF-8 and COVID-19",
            "internationalization",
        ] {
            assert_eq!(mask_personal(t), t, "{t}");
        }
    }

    #[test]
    fn everything_in_one_message_and_non_latin_text_untouched() {
        assert_eq!(
            mask_personal("我的邮箱 li@example.cn，电话 138 0013 8000，密钥 AB12-CD34-EF56"),
            "我的邮箱 [email]，电话 [phone]，密钥 [key]"
        );
        assert_eq!(
            mask_personal("Nem működik a bejelentkezés"),
            "Nem működik a bejelentkezés"
        );
    }

    #[test]
    fn normalising_ignores_case_spacing_and_punctuation() {
        assert_eq!(
            normalise("  How do I RESET my password?! "),
            "how do i reset my password"
        );
        assert_eq!(normalise("reset—password"), "reset password");
        assert_eq!(normalise("如何 重置密码？"), "如何 重置密码");
        assert_ne!(normalise("reset password"), normalise("reset passwords"));
    }
}
