//! One-time sign-in links: HMAC-SHA256-signed, bound to one chat identity and staff role,
//! expiring after [`LINK_MINUTES`]; redeemed once (the store remembers each nonce).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::domain::directory::{StaffMember, StaffRole};
use crate::domain::ids::{Platform, UserRef};
use crate::domain::sign_in::SignInLinks;
use crate::storage::SqlStore;

/// How long a sign-in link stays valid.
pub const LINK_MINUTES: i64 = 10;

/// What a link says about who may sign in with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Random, so each link is redeemed on its own.
    pub nonce: String,
    /// The chat identity.
    pub platform: Platform,
    /// Their platform user id.
    pub user_id: String,
    /// Their display name when they asked.
    pub name: String,
    /// The platform roles their staff membership came from.
    pub roles: Vec<String>,
    /// The staff role the link was issued for.
    pub role: StaffRole,
    /// Expiry, epoch seconds.
    pub exp: i64,
}

impl Claims {
    /// The identity the link was issued to.
    pub fn user(&self) -> UserRef {
        UserRef {
            platform: self.platform,
            id: self.user_id.clone(),
            name: self.name.clone(),
        }
    }
}

/// Why a link does not sign anyone in, worded for the person holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not a link this bot made (cut short, edited, or signed with another key).
    Invalid,
    /// Older than [`LINK_MINUTES`].
    Expired,
}

/// Signs and checks links with the key shared through the database.
pub struct Signer {
    key: Vec<u8>,
    base_url: String,
}

/// Random bytes as lowercase hex (session tokens, nonces, keys).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl Signer {
    /// A signer with the database's key (made on first use), for links under `base_url`.
    pub async fn open(store: &SqlStore, base_url: &str) -> anyhow::Result<Signer> {
        let key = store.dashboard_key(&random_hex(32)).await?;
        Ok(Signer::with_key(key.into_bytes(), base_url))
    }

    /// A signer with a given key (tests).
    pub fn with_key(key: Vec<u8>, base_url: &str) -> Signer {
        Signer {
            key,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key size");
        mac.update(payload.as_bytes());
        mac
    }

    /// The token for `claims`: the claims and their signature, both URL-safe.
    pub fn token(&self, claims: &Claims) -> String {
        let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let sig = B64.encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{sig}")
    }

    /// The claims of a token this signer made, if it has not expired by `now`.
    pub fn check(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, LinkProblem> {
        let (payload, sig) = token.trim().split_once('.').ok_or(LinkProblem::Invalid)?;
        let sig = B64.decode(sig).map_err(|_| LinkProblem::Invalid)?;
        // verify_slice compares in constant time.
        self.mac(payload)
            .verify_slice(&sig)
            .map_err(|_| LinkProblem::Invalid)?;
        let json = B64.decode(payload).map_err(|_| LinkProblem::Invalid)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| LinkProblem::Invalid)?;
        if claims.exp <= now.timestamp() {
            return Err(LinkProblem::Expired);
        }
        Ok(claims)
    }
}

impl SignInLinks for Signer {
    fn link(
        &self,
        who: &UserRef,
        roles: &[String],
        member: &StaffMember,
        now: DateTime<Utc>,
    ) -> Result<String, String> {
        let claims = Claims {
            nonce: random_hex(16),
            platform: who.platform,
            user_id: who.id.clone(),
            name: who.name.clone(),
            roles: roles.to_vec(),
            role: member.role,
            exp: now.timestamp() + LINK_MINUTES * 60,
        };
        Ok(format!("{}/login?t={}", self.base_url, self.token(&claims)))
    }

    fn valid_minutes(&self) -> i64 {
        LINK_MINUTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::i18n::Lang;
    use crate::domain::ids::AgentName;

    fn member(role: StaffRole) -> StaffMember {
        StaffMember {
            name: AgentName("ann".into()),
            role,
            lang: Lang::En,
        }
    }

    fn token_of(link: &str) -> &str {
        link.split_once("?t=").expect("a token").1
    }

    #[test]
    fn a_link_carries_its_identity_and_role_until_it_expires() {
        let s = Signer::with_key(b"k1".to_vec(), "https://desk.example/");
        let now = Utc::now();
        let who = UserRef::new(Platform::Telegram, "42", "Ann");
        let link = s
            .link(&who, &["r".into()], &member(StaffRole::Lead), now)
            .unwrap();
        assert!(link.starts_with("https://desk.example/login?t="), "{link}");
        let c = s.check(token_of(&link), now).unwrap();
        assert_eq!(
            (c.user(), c.role, c.roles),
            (who, StaffRole::Lead, vec!["r".to_string()])
        );
        let later = now + chrono::Duration::minutes(LINK_MINUTES);
        assert_eq!(s.check(token_of(&link), later), Err(LinkProblem::Expired));
    }

    #[test]
    fn an_edited_or_foreign_token_is_refused() {
        let s = Signer::with_key(b"k1".to_vec(), "http://x");
        let now = Utc::now();
        let who = UserRef::new(Platform::Discord, "7", "Bob");
        let link = s.link(&who, &[], &member(StaffRole::Agent), now).unwrap();
        let token = token_of(&link);
        // Another key, a promoted role, a cut signature, garbage.
        let other = Signer::with_key(b"k2".to_vec(), "http://x");
        assert_eq!(other.check(token, now), Err(LinkProblem::Invalid));
        let mut claims = s.check(token, now).unwrap();
        claims.role = StaffRole::Admin;
        let forged = format!(
            "{}.{}",
            B64.encode(serde_json::to_vec(&claims).unwrap()),
            token.split_once('.').unwrap().1
        );
        assert_eq!(s.check(&forged, now), Err(LinkProblem::Invalid));
        assert_eq!(
            s.check(&token[..token.len() - 3], now),
            Err(LinkProblem::Invalid)
        );
        assert_eq!(s.check("not a token", now), Err(LinkProblem::Invalid));
    }
}
