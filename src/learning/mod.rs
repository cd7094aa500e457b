//! The FAQ that learns (issue 15): the review API that the chat commands (`/kb proposals`,
//! `/kb accept`, `/kb reject`) and the web dashboard share. The desk records outcomes and
//! proposes phrasings as it decides (`domain::desk`); this module lists what it recorded,
//! groups the unanswered questions, and applies a lead's decision: an accepted phrasing is
//! written into its article's `questions:` front matter, and the kb watcher re-indexes it.
//!
//! Every call takes the deciding staff member ([`Decider`]) and refuses anyone below a lead,
//! so the dashboard cannot apply other rules than the chat.

pub mod front_matter;
pub mod groups;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::learning::{CurateError, Decider, KbCurator, Proposal, ProposalStatus};
use crate::domain::mask::{mask_personal, normalise};
use crate::domain::ports::{Clock, KnowledgeBase, StoreError};
use crate::search::Kb;
use crate::storage::SqlStore;
pub use groups::{Measure, UnansweredGroup, group, group_unanswered};

/// How many unanswered questions are grouped at most (the newest ones).
pub const GROUPED_AT_MOST: i64 = 5_000;

/// The review side of the learning FAQ over one store and one kb folder.
#[derive(Clone)]
pub struct Learning {
    store: Arc<SqlStore>,
    kb: Arc<Kb>,
    kb_dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Learning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Learning")
            .field("kb_dir", &self.kb_dir)
            .finish_non_exhaustive()
    }
}

impl Learning {
    /// Reviews over `store` for the articles of `kb`, which must have been loaded from a
    /// folder (accepted phrasings are written there); `None` for an in-memory kb.
    pub fn new(store: Arc<SqlStore>, kb: Arc<Kb>, clock: Arc<dyn Clock>) -> Option<Learning> {
        let kb_dir = kb.kb_dir()?.to_path_buf();
        Some(Learning {
            store,
            kb,
            kb_dir,
            clock,
        })
    }

    /// What the kb is missing: the questions no article answered or whose article the
    /// customer declined (the newest [`GROUPED_AT_MOST`], from `since` on if given), grouped
    /// by similarity (the sentence model where one serves the language, else the analyser's
    /// tokens), largest groups first.
    pub async fn unanswered_groups(
        &self,
        by: &Decider,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<UnansweredGroup>, CurateError> {
        allowed(by)?;
        let rows = self.store.unanswered(since, GROUPED_AT_MOST).await?;
        let records: Vec<_> = rows.into_iter().map(|r| r.record).collect();
        let kb = self.kb.clone();
        // Embedding thousands of questions is CPU work: off the async workers.
        tokio::task::spawn_blocking(move || group_unanswered(&records, &kb))
            .await
            .map_err(|e| CurateError::Store(StoreError::Backend(e.to_string())))
    }

    /// Proposals, oldest first: only those with `status` if given, at most `limit`.
    pub async fn proposals(
        &self,
        by: &Decider,
        status: Option<ProposalStatus>,
        limit: usize,
    ) -> Result<Vec<Proposal>, CurateError> {
        allowed(by)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.store.proposals(status, limit).await?)
    }

    /// Accepts proposal `id`, with `edited` (masked like every stored question) replacing
    /// its phrasing if given, and writes the phrasing into the article file. The decision is
    /// recorded first, so two reviewers cannot both apply it; if the file cannot be written
    /// the decision is undone and nothing has changed. A phrasing the article already lists
    /// is accepted without writing it twice.
    pub async fn accept(
        &self,
        by: &Decider,
        id: i64,
        edited: Option<&str>,
    ) -> Result<Proposal, CurateError> {
        let p = self.waiting(by, id).await?;
        let phrasing = match edited {
            Some(text) => mask_personal(&text.split_whitespace().collect::<Vec<_>>().join(" ")),
            None => p.phrasing.clone(),
        };
        if normalise(&phrasing).is_empty() {
            return Err(CurateError::EmptyPhrasing);
        }
        let file = front_matter::find_article_file(&self.kb_dir, &p.article_id)
            .map_err(CurateError::File)?
            .ok_or_else(|| CurateError::UnknownArticle(p.article_id.clone()))?;
        let changed = edited.map(|_| phrasing.as_str());
        if !self
            .store
            .decide_proposal(id, ProposalStatus::Accepted, changed, by, self.clock.now())
            .await?
        {
            return Err(self.decided(id).await);
        }
        let listed = self.kb.phrasings(&p.article_id).is_some_and(|a| {
            a.questions
                .iter()
                .chain(std::iter::once(&a.title))
                .any(|q| normalise(q) == normalise(&phrasing))
        });
        if !listed {
            let (file, text) = (file.clone(), phrasing.clone());
            let written =
                tokio::task::spawn_blocking(move || front_matter::write_question(&file, &text))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
            if let Err(e) = written {
                self.store.undo_acceptance(id, &p.phrasing).await?;
                return Err(CurateError::File(e));
            }
        }
        tracing::info!(proposal = id, article = %p.article_id, by = %by.name, "kb phrasing accepted");
        self.reload_proposal(id).await
    }

    /// Rejects proposal `id`: it stays on record, so the same phrasing is never proposed for
    /// that article again.
    pub async fn reject(&self, by: &Decider, id: i64) -> Result<Proposal, CurateError> {
        self.waiting(by, id).await?;
        if !self
            .store
            .decide_proposal(id, ProposalStatus::Rejected, None, by, self.clock.now())
            .await?
        {
            return Err(self.decided(id).await);
        }
        self.reload_proposal(id).await
    }

    /// The proposal, if `by` may decide it and it is still waiting.
    async fn waiting(&self, by: &Decider, id: i64) -> Result<Proposal, CurateError> {
        allowed(by)?;
        let p = self
            .store
            .proposal(id)
            .await?
            .ok_or(CurateError::NoProposal(id))?;
        if p.status != ProposalStatus::Proposed {
            return Err(CurateError::Decided {
                id,
                status: p.status,
            });
        }
        Ok(p)
    }

    /// Why a decision found the proposal decided meanwhile (by another reviewer).
    async fn decided(&self, id: i64) -> CurateError {
        match self.store.proposal(id).await {
            Ok(Some(p)) => CurateError::Decided {
                id,
                status: p.status,
            },
            Ok(None) => CurateError::NoProposal(id),
            Err(e) => CurateError::Store(e),
        }
    }

    async fn reload_proposal(&self, id: i64) -> Result<Proposal, CurateError> {
        self.store
            .proposal(id)
            .await?
            .ok_or(CurateError::NoProposal(id))
    }
}

fn allowed(by: &Decider) -> Result<(), CurateError> {
    if by.may_curate() {
        Ok(())
    } else {
        Err(CurateError::NotAllowed)
    }
}

#[async_trait]
impl KbCurator for Learning {
    async fn pending(&self, by: &Decider, limit: usize) -> Result<Vec<Proposal>, CurateError> {
        self.proposals(by, Some(ProposalStatus::Proposed), limit)
            .await
    }

    async fn accept(
        &self,
        by: &Decider,
        id: i64,
        edited: Option<&str>,
    ) -> Result<Proposal, CurateError> {
        Learning::accept(self, by, id, edited).await
    }

    async fn reject(&self, by: &Decider, id: i64) -> Result<Proposal, CurateError> {
        Learning::reject(self, by, id).await
    }
}
