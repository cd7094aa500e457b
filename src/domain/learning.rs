//! The FAQ that learns: what the desk records about questions (unanswered, declined,
//! confirmed, closed with an article), the alternative phrasings it proposes from them, and
//! the port through which a lead accepts or rejects a proposal. Nothing reaches an article
//! without a person's decision; every stored question is masked first ([`super::mask`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::directory::StaffRole;
use super::i18n::{Key, Text};
use super::ids::TicketId;
use super::mask::{mask_personal, normalise};
use super::ports::StoreError;

/// The longest question that becomes a proposal, in characters (the default `/faq` bound): a
/// longer first message is a story, not a phrasing of a question.
pub const MAX_PHRASING_CHARS: usize = 300;

/// What became of a question, as the FAQ learns from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearnOutcome {
    /// No article was good enough to show.
    NoMatch,
    /// An article was shown and the customer pressed "No".
    Declined,
    /// The customer pressed "Yes, that helped".
    Confirmed,
    /// An agent closed the customer's ticket naming the article that answered it.
    ClosedWithKb,
}

impl LearnOutcome {
    /// snake_case name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            LearnOutcome::NoMatch => "no_match",
            LearnOutcome::Declined => "declined",
            LearnOutcome::Confirmed => "confirmed",
            LearnOutcome::ClosedWithKb => "closed_with_kb",
        }
    }

    /// Inverse of [`LearnOutcome::as_str`].
    pub fn parse(s: &str) -> Option<LearnOutcome> {
        [
            LearnOutcome::NoMatch,
            LearnOutcome::Declined,
            LearnOutcome::Confirmed,
            LearnOutcome::ClosedWithKb,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One recorded outcome; `query` is already masked.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRecord {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The question, masked.
    pub query: String,
    /// The asker's language code.
    pub lang: String,
    /// The article shown or linked; `None` for [`LearnOutcome::NoMatch`].
    pub article_id: Option<String>,
    /// What happened.
    pub outcome: LearnOutcome,
    /// The ticket involved, if any.
    pub ticket: Option<TicketId>,
}

impl OutcomeRecord {
    /// A record of `question`, masked here.
    pub fn new(
        at: DateTime<Utc>,
        question: &str,
        lang: &str,
        article_id: Option<&str>,
        outcome: LearnOutcome,
        ticket: Option<TicketId>,
    ) -> OutcomeRecord {
        OutcomeRecord {
            at,
            query: mask_personal(question.trim()),
            lang: lang.to_string(),
            article_id: article_id.map(str::to_string),
            outcome,
            ticket,
        }
    }
}

/// Where a proposal came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalSource {
    /// A customer's "Yes" to the article for this question.
    Confirmed,
    /// An agent's `/close … kb:<id>`: the customer's first message.
    ClosedWithKb,
}

impl ProposalSource {
    /// snake_case name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalSource::Confirmed => "confirmed",
            ProposalSource::ClosedWithKb => "closed_with_kb",
        }
    }

    /// Inverse of [`ProposalSource::as_str`].
    pub fn parse(s: &str) -> Option<ProposalSource> {
        [ProposalSource::Confirmed, ProposalSource::ClosedWithKb]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for a lead.
    Proposed,
    /// Written into the article.
    Accepted,
    /// Turned down; never proposed again for that article.
    Rejected,
}

impl ProposalStatus {
    /// snake_case name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Proposed => "proposed",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Rejected => "rejected",
        }
    }

    /// Inverse of [`ProposalStatus::as_str`].
    pub fn parse(s: &str) -> Option<ProposalStatus> {
        [
            ProposalStatus::Proposed,
            ProposalStatus::Accepted,
            ProposalStatus::Rejected,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    /// The catalog word for this status.
    pub fn key(self) -> Key {
        match self {
            ProposalStatus::Proposed => Key::ProposalStatusProposed,
            ProposalStatus::Accepted => Key::ProposalStatusAccepted,
            ProposalStatus::Rejected => Key::ProposalStatusRejected,
        }
    }
}

/// A phrasing to propose, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    /// The article it would be added to.
    pub article_id: String,
    /// The article's language.
    pub lang: String,
    /// The question, masked, on one line.
    pub phrasing: String,
    /// [`normalise`]d phrasing: the same article and norm is the same proposal.
    pub norm: String,
    /// Where it came from.
    pub source: ProposalSource,
    /// The ticket it came from, if any.
    pub ticket: Option<TicketId>,
    /// When it was proposed.
    pub at: DateTime<Utc>,
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// Its number, as `/kb accept <n>` takes it.
    pub id: i64,
    /// The article it is for.
    pub article_id: String,
    /// The article's language.
    pub lang: String,
    /// The phrasing (the edited one once accepted with an edit).
    pub phrasing: String,
    /// Where it came from.
    pub source: ProposalSource,
    /// The ticket it came from, if any.
    pub ticket: Option<TicketId>,
    /// Where it stands.
    pub status: ProposalStatus,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// Who decided, once decided.
    pub decided_by: Option<String>,
    /// Their role then, once decided.
    pub decided_role: Option<StaffRole>,
    /// When, once decided.
    pub decided_at: Option<DateTime<Utc>>,
}

/// An article's title and its listed questions: what a new phrasing is compared against.
#[derive(Debug, Clone, PartialEq)]
pub struct Phrasings {
    /// The article id.
    pub id: String,
    /// Its language.
    pub lang: String,
    /// Its title.
    pub title: String,
    /// Its `questions:`.
    pub questions: Vec<String>,
}

/// The proposal `question` makes for `article`, or `None` when it says nothing new: empty
/// once masked, longer than [`MAX_PHRASING_CHARS`], or the same (normalised) as the title or
/// one of the questions.
pub fn propose(
    question: &str,
    article: &Phrasings,
    source: ProposalSource,
    ticket: Option<TicketId>,
    at: DateTime<Utc>,
) -> Option<NewProposal> {
    let one_line = question.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_PHRASING_CHARS {
        return None;
    }
    let phrasing = mask_personal(&one_line);
    let norm = normalise(&phrasing);
    if norm.is_empty() {
        return None;
    }
    let known = std::iter::once(&article.title).chain(&article.questions);
    if known.into_iter().any(|k| normalise(k) == norm) {
        return None;
    }
    Some(NewProposal {
        article_id: article.id.clone(),
        lang: article.lang.clone(),
        phrasing,
        norm,
        source,
        ticket,
        at,
    })
}

/// The staff member deciding about proposals, as the desk or the dashboard knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decider {
    /// Their name, recorded with the decision.
    pub name: String,
    /// Their role: only leads and admins review proposals.
    pub role: StaffRole,
}

impl Decider {
    /// Whether they may see and decide proposals and unanswered questions.
    pub fn may_curate(&self) -> bool {
        self.role >= StaffRole::Lead
    }
}

/// Why a review action was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CurateError {
    /// Only leads and admins review proposals.
    #[error("only leads and admins review proposals")]
    NotAllowed,
    /// No proposal has this number.
    #[error("no proposal {0}")]
    NoProposal(i64),
    /// It was accepted or rejected before.
    #[error("proposal {id} is already {}", status.as_str())]
    Decided {
        /// The proposal.
        id: i64,
        /// What it is now.
        status: ProposalStatus,
    },
    /// The edited phrasing is empty once masked.
    #[error("the phrasing is empty")]
    EmptyPhrasing,
    /// The article is no longer in the kb.
    #[error("article {0} is not in the knowledge base")]
    UnknownArticle(String),
    /// The article file could not be updated; nothing was changed.
    #[error("cannot update the article file: {0}")]
    File(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CurateError {
    /// What the reviewer is told, in their language once rendered.
    pub fn text(&self) -> Text {
        match self {
            CurateError::NotAllowed => crate::text!(Key::KbLeadOnly),
            CurateError::NoProposal(id) => crate::text!(Key::KbNoProposal, id = *id),
            CurateError::Decided { id, status } => {
                crate::text!(Key::KbAlreadyDecided, id = *id, status = status.key())
            }
            CurateError::EmptyPhrasing => crate::text!(Key::KbEmptyPhrasing, usage = Key::UsageKb),
            CurateError::UnknownArticle(a) => {
                crate::text!(Key::KbArticleGone, article = a.as_str())
            }
            CurateError::File(e) => crate::text!(Key::KbFileFailed, error = e.as_str()),
            CurateError::Store(_) => crate::text!(Key::InternalError),
        }
    }
}

/// Reviewing proposals: implemented where the kb files and the store meet (`crate::learning`),
/// so the chat commands and the dashboard apply the same rules.
#[async_trait]
pub trait KbCurator: Send + Sync {
    /// Proposals waiting for a decision, oldest first, at most `limit`.
    async fn pending(&self, by: &Decider, limit: usize) -> Result<Vec<Proposal>, CurateError>;

    /// Accepts a proposal, with `edited` replacing its phrasing if given: written into the
    /// article's `questions:`. Returns the proposal as decided.
    async fn accept(
        &self,
        by: &Decider,
        id: i64,
        edited: Option<&str>,
    ) -> Result<Proposal, CurateError>;

    /// Rejects a proposal; the same phrasing is not proposed for that article again.
    async fn reject(&self, by: &Decider, id: i64) -> Result<Proposal, CurateError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Phrasings {
        Phrasings {
            id: "reset".into(),
            lang: "en".into(),
            title: "Reset your password".into(),
            questions: vec!["I forgot my password".into()],
        }
    }

    #[test]
    fn a_new_phrasing_is_proposed_masked_and_on_one_line() {
        let p = propose(
            "cannot log in,\n mail me at a@b.com",
            &article(),
            ProposalSource::Confirmed,
            None,
            Utc::now(),
        )
        .unwrap();
        assert_eq!(p.phrasing, "cannot log in, mail me at [email]");
        assert_eq!(p.norm, "cannot log in mail me at email");
        assert_eq!(p.article_id, "reset");
    }

    #[test]
    fn known_empty_and_long_phrasings_are_not_proposed() {
        let a = article();
        let none = |q: &str| propose(q, &a, ProposalSource::Confirmed, None, Utc::now());
        assert!(none("reset your PASSWORD!").is_none());
        assert!(none("I forgot my password.").is_none());
        assert!(none(" ?! ").is_none());
        assert!(none(&"why ".repeat(80)).is_none());
        assert!(none("password reset").is_some());
    }

    #[test]
    fn storage_names_round_trip() {
        for o in [
            LearnOutcome::NoMatch,
            LearnOutcome::Declined,
            LearnOutcome::Confirmed,
            LearnOutcome::ClosedWithKb,
        ] {
            assert_eq!(LearnOutcome::parse(o.as_str()), Some(o));
        }
        for s in [
            ProposalStatus::Proposed,
            ProposalStatus::Accepted,
            ProposalStatus::Rejected,
        ] {
            assert_eq!(ProposalStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            ProposalSource::parse("confirmed"),
            Some(ProposalSource::Confirmed)
        );
        assert_eq!(LearnOutcome::parse("helpful"), None);
    }

    #[test]
    fn only_leads_and_admins_curate() {
        let d = |role| Decider {
            name: "x".into(),
            role,
        };
        assert!(!d(StaffRole::Agent).may_curate());
        assert!(d(StaffRole::Lead).may_curate());
        assert!(d(StaffRole::Admin).may_curate());
    }
}
