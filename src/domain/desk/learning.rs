//! The FAQ learning from the desk's own decisions: questions no article answered, the
//! customer's "No" and "Yes", tickets closed with an article (`/close … kb:<id>`), and the
//! leads' review of the phrasings proposed from them (`/kb proposals | accept | reject`).

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::command::KbAction;
use crate::domain::directory::StaffMember;
use crate::domain::event::Outbound;
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::TicketId;
use crate::domain::learning::{
    CurateError, Decider, LearnOutcome, OutcomeRecord, ProposalSource, propose,
};
use crate::domain::ports::{FaqEvent, FaqOutcome};
use crate::domain::ticket::{AuthorRole, Ticket};
use crate::{text, tr};

/// How many waiting proposals `/kb proposals` lists at once (a chat message stays readable).
const LISTED: usize = 20;

impl From<CurateError> for DeskError {
    fn from(e: CurateError) -> DeskError {
        match e {
            CurateError::Store(e) => DeskError::Store(e),
            other => DeskError::Say(other.text()),
        }
    }
}

impl Desk {
    /// Stores an FAQ event for a question no article answered, with its learning record.
    pub(super) async fn record_no_match(
        &self,
        ctx: &Ctx<'_>,
        event: FaqEvent,
    ) -> Result<i64, DeskError> {
        let lang = self.lang(ctx).await?;
        let learned = OutcomeRecord::new(
            ctx.now,
            &event.query,
            lang.code(),
            None,
            LearnOutcome::NoMatch,
            None,
        );
        Ok(self.store.record_unanswered(&event, &learned).await?)
    }

    /// The customer's "Yes" to FAQ event `event`: settles it, records what it teaches and
    /// finishes the inbound event with `out`, in one write. A single answer whose question is
    /// worded differently from the article proposes the question as a phrasing; a "Yes" to a
    /// list of suggestions does not say which article helped, so it proposes nothing.
    /// `false`, changing nothing, when the event had feedback already.
    pub(super) async fn confirm_faq(
        &self,
        ctx: &Ctx<'_>,
        event: &FaqEvent,
        lang: Lang,
        out: &[Outbound],
    ) -> Result<bool, DeskError> {
        let single = event.outcome == FaqOutcome::Answered;
        let article = event.article_id.as_deref().filter(|_| single);
        let proposal = article
            .and_then(|id| self.kb.as_ref()?.phrasings(id))
            .and_then(|a| propose(&event.query, &a, ProposalSource::Confirmed, None, ctx.now));
        let learned = OutcomeRecord::new(
            ctx.now,
            &event.query,
            lang.code(),
            article,
            LearnOutcome::Confirmed,
            None,
        );
        let handling = ctx.handling(out);
        let finishes = handling.is_some();
        let stored = self
            .store
            .resolve_faq_event_learning(
                event.id,
                FaqOutcome::Helpful,
                None,
                &learned,
                proposal.as_ref(),
                handling,
            )
            .await?;
        match stored {
            Some(ids) => {
                if finishes {
                    ctx.finished_with(out.to_vec(), ids);
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The customer's "No": settles FAQ event `event` with the ticket it led to and records
    /// the article as declined for this question.
    pub(super) async fn decline_faq(
        &self,
        ctx: &Ctx<'_>,
        event: &FaqEvent,
        lang: Lang,
        ticket: Option<TicketId>,
    ) -> Result<(), DeskError> {
        let learned = OutcomeRecord::new(
            ctx.now,
            &event.query,
            lang.code(),
            event.article_id.as_deref(),
            LearnOutcome::Declined,
            ticket,
        );
        self.store
            .resolve_faq_event_learning(
                event.id,
                FaqOutcome::NeedHuman,
                ticket,
                &learned,
                None,
                None,
            )
            .await?;
        Ok(())
    }

    /// `/close … kb:<article>`: checks the article exists (before anything is closed) and
    /// returns it. The close itself is the caller's.
    pub(super) fn linked_article(
        &self,
        article: &str,
    ) -> Result<crate::domain::learning::Phrasings, DeskError> {
        self.kb
            .as_ref()
            .and_then(|kb| kb.phrasings(article))
            .ok_or_else(|| DeskError::Say(text!(Key::CloseUnknownArticle, article = article)))
    }

    /// Records that ticket `t` was answered by `article` and proposes the customer's first
    /// message as a phrasing of it; returns what the agent is told. Stored before the close,
    /// so a crash between the two repeats this on redelivery (the proposal is not doubled)
    /// rather than losing it.
    pub(super) async fn learn_from_close(
        &self,
        ctx: &Ctx<'_>,
        t: &Ticket,
        article: &crate::domain::learning::Phrasings,
    ) -> Result<String, DeskError> {
        let transcript = self.store.transcript(t.id).await?;
        let first = transcript
            .iter()
            .find(|e| e.role == AuthorRole::Customer && !e.internal && !e.body.trim().is_empty())
            .map(|e| e.body.clone());
        let theirs = self.customer_lang(&t.requester).await?;
        let question = first.as_deref().unwrap_or_default();
        let proposal = first.as_deref().and_then(|q| {
            propose(
                q,
                article,
                ProposalSource::ClosedWithKb,
                Some(t.id),
                ctx.now,
            )
        });
        let learned = OutcomeRecord::new(
            ctx.now,
            question,
            theirs.code(),
            Some(&article.id),
            LearnOutcome::ClosedWithKb,
            Some(t.id),
        );
        let proposed = self
            .store
            .record_learning(&learned, proposal.as_ref())
            .await?;
        let lang = self.lang(ctx).await?;
        let told = if proposed {
            Key::CloseKbProposed
        } else {
            Key::CloseKbNothingNew
        };
        Ok(tr!(lang, told, article = article.id.as_str()))
    }

    /// `/kb proposals | accept <n> [text] | reject <n>`, for leads and admins.
    pub(super) async fn kb_review(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        lang: Lang,
        action: KbAction,
    ) -> Outcome {
        let by = Decider {
            name: me.name.0.clone(),
            role: me.role,
        };
        if !by.may_curate() {
            return Err(CurateError::NotAllowed.into());
        }
        let Some(curator) = &self.curator else {
            return Err(DeskError::Say(text!(Key::KbUnavailable)));
        };
        let said = match action {
            KbAction::Proposals => {
                let waiting = curator.pending(&by, LISTED).await?;
                if waiting.is_empty() {
                    tr!(lang, Key::KbProposalsNone)
                } else {
                    let mut lines = vec![tr!(lang, Key::KbProposalsHeader, n = waiting.len())];
                    for p in &waiting {
                        let source = match p.source {
                            ProposalSource::Confirmed => Key::ProposalSourceConfirmed,
                            ProposalSource::ClosedWithKb => Key::ProposalSourceClosed,
                        };
                        lines.push(tr!(
                            lang,
                            Key::KbProposalLine,
                            id = p.id,
                            article = p.article_id.as_str(),
                            phrasing = p.phrasing.as_str(),
                            source = source
                        ));
                    }
                    lines.push(tr!(lang, Key::KbProposalsFooter));
                    lines.join("\n")
                }
            }
            KbAction::Accept(id, edited) => {
                if edited.as_deref().is_some_and(|t| t.trim().is_empty()) {
                    return Err(DeskError::Say(text!(
                        Key::KbEmptyPhrasing,
                        usage = Key::UsageKb
                    )));
                }
                let p = curator.accept(&by, id, edited.as_deref()).await?;
                tr!(
                    lang,
                    Key::KbAccepted,
                    id = p.id,
                    phrasing = p.phrasing.as_str(),
                    article = p.article_id.as_str()
                )
            }
            KbAction::Reject(id) => {
                let p = curator.reject(&by, id).await?;
                tr!(
                    lang,
                    Key::KbRejected,
                    id = p.id,
                    phrasing = p.phrasing.as_str(),
                    article = p.article_id.as_str()
                )
            }
        };
        Ok(vec![ctx.reply(said)])
    }
}
