//! Attachments the dashboard cannot link to directly (a Telegram file id needs the bot's
//! token to download): the dashboard fetches them through the platform's adapter and hands
//! them to the signed-in agent as a download.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::WebState;
use super::layout;
use super::session::Viewer;
use crate::domain::i18n::Key;
use crate::domain::ids::TicketId;
use crate::tr;

/// Fetches a file a platform holds, by the id it gave the bot.
#[async_trait::async_trait]
pub trait FileSource: Send + Sync {
    /// The file's bytes.
    async fn fetch(&self, file_ref: &str) -> anyhow::Result<Vec<u8>>;
}

/// A file name safe for a `Content-Disposition` header.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if cleaned.trim_matches(['.', '_']).is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// GET `/tickets/{id}/files/{entry}/{n}`: the `n`th file of the `entry`th transcript entry.
pub async fn download(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Path((id, entry, n)): Path<(String, usize, usize)>,
) -> Response {
    let lang = viewer.lang();
    let missing = || layout::problem(lang, StatusCode::NOT_FOUND, &tr!(lang, Key::WebNoSuchFile));
    let Ok(id) = id.parse::<TicketId>() else {
        return missing();
    };
    let transcript = match state.desk.store().transcript(id).await {
        Ok(t) => t,
        Err(e) => return layout::store_down(lang, &e),
    };
    let Some(a) = transcript.get(entry).and_then(|e| e.attachments.get(n)) else {
        return missing();
    };
    let Some(source) = state.files.get(&a.platform) else {
        return layout::problem(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            &tr!(lang, Key::WebFileOnPlatform, platform = a.platform.as_str()),
        );
    };
    match source.fetch(&a.file_ref).await {
        Ok(bytes) => {
            let name = safe_name(a.name.as_deref().unwrap_or("file"));
            (
                [
                    // Downloaded, never rendered: the file is whatever a customer sent.
                    (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), ticket = id.0, "dashboard: file fetch failed");
            layout::problem(
                lang,
                StatusCode::BAD_GATEWAY,
                &tr!(lang, Key::WebFileFailed, platform = a.platform.as_str()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn a_file_name_cannot_break_out_of_its_header() {
        assert_eq!(safe_name("report v2.pdf"), "report_v2.pdf");
        assert_eq!(safe_name("a\"; evil=\r\n.txt"), "a___evil____.txt");
        assert_eq!(safe_name("../.."), "file");
        assert_eq!(safe_name("日志.txt"), "__.txt");
    }
}
