//! Secrets never leave the process as text: tokens and database passwords are registered once
//! and scrubbed from log lines, error messages, `config check` output and panic messages,
//! whatever library wrote them (an HTTP error quoting the Telegram URL `…/bot<token>/getMe`,
//! a database error quoting its connection string).

use std::sync::RwLock;

/// What replaces a secret.
pub const MASK: &str = "<redacted>";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers `secret` (and its percent-encoded form) for scrubbing. Empty values are ignored.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.is_empty() {
        return;
    }
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let mut list = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    for s in [secret.to_string(), encoded] {
        if !list.contains(&s) {
            list.push(s);
        }
    }
    // Longest first, so a secret containing another is masked whole.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Registers the password of a database URL, in both its written and decoded forms.
pub fn register_url_password(url: &str) {
    if let Ok(u) = url::Url::parse(url)
        && let Some(p) = u.password()
    {
        register(p);
        if let Ok(decoded) = percent_decode(p) {
            register(&decoded);
        }
    }
}

fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8(bytes)
}

/// `text` with every registered secret replaced by [`MASK`].
pub fn scrub(text: &str) -> String {
    let list = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
    }
    out
}

/// A writer that scrubs what passes through it before it reaches `inner` (stderr for logs).
/// tracing's formatter writes each event with one call, so a secret is never split.
pub struct Scrubbed<W>(pub W);

impl<W: std::io::Write> std::io::Write for Scrubbed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Replaces the panic hook with one that prints the message and location scrubbed.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        eprintln!("thread '{name}' panicked{at}:\n{}", scrub(&msg));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_masked_in_any_form() {
        register("123456:AAE-token_xyz");
        register_url_password("postgres://u:p%40ss%2Fw0rd-1@h/db");
        let text = "GET https://api.telegram.org/bot123456:AAE-token_xyz/getMe failed; \
                    postgres://u:p%40ss%2Fw0rd-1@h/db and p@ss/w0rd-1";
        let s = scrub(text);
        assert!(
            !s.contains("AAE-token_xyz") && !s.contains("p%40ss") && !s.contains("p@ss"),
            "{s}"
        );
        assert_eq!(s.matches(MASK).count(), 3, "{s}");
        let mut out = Scrubbed(Vec::new());
        std::io::Write::write_all(&mut out, b"token 123456:AAE-token_xyz").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), format!("token {MASK}"));
    }
}
