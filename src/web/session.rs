//! Signing in and out, and who is asking: a session cookie (HttpOnly, SameSite=Strict) whose
//! hash names a stored session, re-checked against the staff list on every request, and the
//! CSRF token every form must carry.

use std::sync::Arc;

use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::WebState;
use super::layout::{self, Page};
use super::sign_in::{Claims, LinkProblem, random_hex};
use crate::domain::directory::{StaffMember, StaffRole};
use crate::domain::i18n::{Key, Lang};
use crate::storage::SessionRow;
use crate::tr;

/// An answer refusing the request (boxed: a response is large and refusals are rare).
pub type Refusal = Box<Response>;

/// The session cookie's name.
pub const COOKIE: &str = "supportbot_session";

/// A signed-in staff member, as of this request.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Their stored session.
    pub session: SessionRow,
    /// Their staff membership by the current config (a removed agent is signed out).
    pub member: StaffMember,
}

impl Viewer {
    /// The language their pages are in.
    pub fn lang(&self) -> Lang {
        self.member.lang
    }

    /// Refuses unless their role is at least `role`.
    pub fn require(&self, role: StaffRole) -> Result<(), Refusal> {
        if self.member.role >= role {
            return Ok(());
        }
        let lang = self.lang();
        Err(Box::new(layout::problem(
            lang,
            StatusCode::FORBIDDEN,
            &tr!(lang, Key::WebForbiddenRole, role = role_name(role)),
        )))
    }

    /// Refuses a form whose CSRF token is missing or not this session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), Refusal> {
        let ok = sent.is_some_and(|s| {
            let (a, b) = (s.as_bytes(), self.session.csrf.as_bytes());
            // Compared in constant time, so the token cannot be guessed byte by byte.
            a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
        });
        if ok {
            return Ok(());
        }
        let lang = self.lang();
        Err(Box::new(layout::problem(
            lang,
            StatusCode::FORBIDDEN,
            &tr!(lang, Key::WebBadCsrf),
        )))
    }
}

/// The config name of a staff role.
pub fn role_name(r: StaffRole) -> &'static str {
    match r {
        StaffRole::Agent => "agent",
        StaffRole::Lead => "lead",
        StaffRole::Admin => "admin",
    }
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

impl FromRequestParts<Arc<WebState>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Self::Rejection> {
        let lang = state.cfg.staff.lang;
        let signed_out = || {
            layout::problem(
                lang,
                StatusCode::UNAUTHORIZED,
                &tr!(lang, Key::WebSignedOut),
            )
        };
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(signed_out());
        };
        let now = Utc::now().timestamp_millis();
        let session = match state.store.session(&hash(&token), now).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(signed_out()),
            Err(e) => return Err(layout::store_down(lang, &e)),
        };
        // A customer identity never gets in, and one taken off the staff list is out at once.
        let Some(member) = state.cfg.staff.member(&session.user, &session.roles) else {
            return Err(signed_out());
        };
        Ok(Viewer { session, member })
    }
}

/// `?t=` or the form's `t`: a sign-in token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    t: Option<String>,
}

fn link_problem(lang: Lang, p: LinkProblem) -> Response {
    let key = match p {
        LinkProblem::Invalid => Key::WebLinkInvalid,
        LinkProblem::Expired => Key::WebLinkExpired,
    };
    layout::problem(lang, StatusCode::FORBIDDEN, &tr!(lang, key))
}

/// Checks a token and the staff membership it names, without redeeming it.
fn claims_of(state: &WebState, token: Option<&str>) -> Result<(Claims, StaffMember), Refusal> {
    let lang = state.cfg.staff.lang;
    let claims = state
        .signer
        .check(token.unwrap_or(""), Utc::now())
        .map_err(|p| Box::new(link_problem(lang, p)))?;
    let member = state
        .cfg
        .staff
        .member(&claims.user(), &claims.roles)
        .filter(|m| m.role == claims.role)
        .ok_or_else(|| Box::new(link_problem(lang, LinkProblem::Invalid)))?;
    Ok((claims, member))
}

/// GET `/login?t=…`: asks to confirm. Opening a link must not redeem it: chat apps fetch
/// links for their previews, which would use it up before the agent clicks.
pub async fn confirm(State(state): State<Arc<WebState>>, Query(q): Query<TokenForm>) -> Response {
    let (claims, member) = match claims_of(&state, q.t.as_deref()) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let lang = member.lang;
    let token = q.t.unwrap_or_default();
    let body = html! {
        form.signin method="post" action="/login" {
            input type="hidden" name="t" value=(token);
            p { (tr!(lang, Key::WebSignInAs, name = &member.name.0, platform = claims.platform.as_str())) }
            button type="submit" { (tr!(lang, Key::WebSignIn)) }
        }
    };
    Page::bare(lang, tr!(lang, Key::WebSignIn), body).into_response()
}

/// POST `/login`: redeems the link once and starts a session.
pub async fn sign_in(State(state): State<Arc<WebState>>, Form(f): Form<TokenForm>) -> Response {
    let (claims, member) = match claims_of(&state, f.t.as_deref()) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let lang = member.lang;
    let now = Utc::now().timestamp_millis();
    match state
        .store
        .redeem_link(&claims.nonce, claims.exp * 1000, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return layout::problem(lang, StatusCode::FORBIDDEN, &tr!(lang, Key::WebLinkUsed));
        }
        Err(e) => return layout::store_down(lang, &e),
    }
    let token = random_hex(32);
    let hours = i64::from(state.cfg.dashboard.session_hours);
    let session = SessionRow {
        id_hash: hash(&token),
        user: claims.user(),
        roles: claims.roles.clone(),
        role: role_name(member.role).to_string(),
        csrf: random_hex(32),
        flash: None,
        expires_at: now + hours * 3_600_000,
    };
    if let Err(e) = state.store.create_session(&session, now).await {
        return layout::store_down(lang, &e);
    }
    tracing::info!(agent = %member.name.0, platform = %claims.platform, "dashboard sign-in");
    let secure = if state.cfg.dashboard.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        hours * 3600
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

/// The CSRF field of a form that carries nothing else.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// POST `/logout`: ends the session.
pub async fn sign_out(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = viewer.check_csrf(f.csrf.as_deref()) {
        return *r;
    }
    if let Err(e) = state.store.end_session(&viewer.session.id_hash).await {
        return layout::store_down(viewer.lang(), &e);
    }
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    let lang = viewer.lang();
    (
        [(header::SET_COOKIE, cookie)],
        Page::bare(
            lang,
            tr!(lang, Key::WebSignedOutTitle),
            html! { p { (tr!(lang, Key::WebSignedOutDone)) } },
        ),
    )
        .into_response()
}

/// A fresh value for a form's `nonce`: the action's key, so a form sent twice acts once.
pub fn form_nonce() -> String {
    random_hex(12)
}
