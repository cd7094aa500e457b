//! The page shell (header, navigation, sign-out form, flash), error pages, security headers and
//! the countdown markup the script keeps live.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::session::Viewer;
use crate::domain::directory::StaffRole;
use crate::domain::i18n::{Key, Lang, format_duration_short};
use crate::domain::ports::StoreError;
use crate::tr;

/// A whole page.
pub struct Page {
    lang: Lang,
    title: String,
    viewer: Option<Viewer>,
    flash: Option<String>,
    body: Markup,
}

impl Page {
    /// A page with the navigation of a signed-in viewer and their pending flash message.
    pub fn new(viewer: &Viewer, title: String, body: Markup) -> Page {
        Page {
            lang: viewer.lang(),
            title,
            flash: viewer.session.flash.clone(),
            viewer: Some(viewer.clone()),
            body,
        }
    }

    /// A page without navigation (sign-in, errors).
    pub fn bare(lang: Lang, title: String, body: Markup) -> Page {
        Page {
            lang,
            title,
            viewer: None,
            flash: None,
            body,
        }
    }

    fn render(&self) -> Markup {
        let lang = self.lang;
        html! {
            (DOCTYPE)
            html lang=(lang.tag()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · supportbot" }
                    link rel="stylesheet" href="/assets/dashboard.css";
                    script src="/assets/dashboard.js" defer {}
                }
                body {
                    header {
                        strong { "supportbot" }
                        @if let Some(v) = &self.viewer {
                            nav {
                                a href="/" { (tr!(lang, Key::WebNavQueue)) }
                                @if v.member.role >= StaffRole::Lead {
                                    a href="/reports" { (tr!(lang, Key::WebNavReports)) }
                                    a href="/faq" { (tr!(lang, Key::WebNavFaq)) }
                                }
                            }
                            form.signout method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(v.session.csrf);
                                span { (v.member.name.0) " (" (super::session::role_name(v.member.role)) ")" }
                                button type="submit" { (tr!(lang, Key::WebSignOut)) }
                            }
                        }
                    }
                    main {
                        h1 { (self.title) }
                        @if let Some(f) = &self.flash {
                            pre.flash role="status" { (f) }
                        }
                        (self.body)
                    }
                }
            }
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let markup = self.render();
        markup.into_response()
    }
}

/// An error page with `status`.
pub fn problem(lang: Lang, status: StatusCode, text: &str) -> Response {
    let body = html! { p.problem { (text) } };
    (
        status,
        Page::bare(lang, tr!(lang, Key::WebProblemTitle), body),
    )
        .into_response()
}

/// The page for a database that cannot be reached: nothing was done.
pub fn store_down(lang: Lang, e: &StoreError) -> Response {
    tracing::warn!(error = %e, "dashboard: store unavailable");
    problem(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        &tr!(lang, Key::WebStoreDown),
    )
}

/// Headers every answer carries: no framing, no sniffing, no scripts but our own, no caching
/// of pages that show customer data.
pub async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

/// How urgent a deadline is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Before its first warning.
    Ok,
    /// Past a warning, not yet due.
    Warning,
    /// Past due.
    Breached,
}

impl Urgency {
    /// At `now`, for a deadline `due` first warned about at `warn`.
    pub fn at(now: DateTime<Utc>, due: DateTime<Utc>, warn: Option<DateTime<Utc>>) -> Urgency {
        if due <= now {
            Urgency::Breached
        } else if warn.is_some_and(|w| w <= now) {
            Urgency::Warning
        } else {
            Urgency::Ok
        }
    }

    fn class(self) -> &'static str {
        match self {
            Urgency::Ok => "sla-ok",
            Urgency::Warning => "sla-warning",
            Urgency::Breached => "sla-breached",
        }
    }
}

/// A countdown to `due`: right as rendered, and kept live by the script (which reads the
/// `data-` instants and the words for "left" and "late" from the element).
pub fn countdown(
    lang: Lang,
    clock: &str,
    due: DateTime<Utc>,
    warn: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Markup {
    let urgency = Urgency::at(now, due, warn);
    let shown = if due <= now {
        tr!(
            lang,
            Key::WebLate,
            span = format_duration_short(lang, now - due, false)
        )
    } else {
        tr!(
            lang,
            Key::WebLeft,
            span = format_duration_short(lang, due - now, true)
        )
    };
    html! {
        span class=(format!("countdown {}", urgency.class()))
            data-due=(due.to_rfc3339())
            data-warn=[warn.map(|w| w.to_rfc3339())]
            data-left=(tr!(lang, Key::WebLeft, span = "{}"))
            data-late=(tr!(lang, Key::WebLate, span = "{}"))
            title=(clock) {
            (clock) ": " span.countdown-text { (shown) }
        }
    }
}

/// An instant in the reports' zone, for tables.
pub fn when(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_turns_amber_at_its_warning_and_red_when_due() {
        let due = Utc::now();
        let warn = due - chrono::Duration::minutes(30);
        let at = |m: i64| Urgency::at(due + chrono::Duration::minutes(m), due, Some(warn));
        assert_eq!(at(-31), Urgency::Ok);
        assert_eq!(at(-30), Urgency::Warning);
        assert_eq!(at(-1), Urgency::Warning);
        assert_eq!(at(0), Urgency::Breached);
        assert_eq!(
            Urgency::at(due - chrono::Duration::hours(1), due, None),
            Urgency::Ok
        );
    }
}
