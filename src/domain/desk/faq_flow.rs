//! FAQ flows on the customer side: a confident answer with "did this help?", suggestions,
//! `/faq` lookups, and the FAQ event log behind reports and buttons.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Button, ButtonAction, Message, Outbound};
use crate::domain::faq::trim_excerpt;
use crate::domain::i18n::{Key, Lang};
use crate::domain::ports::{FaqEvent, FaqOutcome, KbHit, KnowledgeBase};
use crate::tr;

impl Desk {
    /// Articles in the reader's language first; when that language has nothing worth
    /// suggesting, the other languages' best ones (ranked together by confidence).
    pub(super) fn kb_search(
        &self,
        kb: &dyn KnowledgeBase,
        question: &str,
        lang: Lang,
        limit: usize,
    ) -> Vec<KbHit> {
        let own = kb.search(question, Some(lang.code()), limit);
        let good_enough = own
            .first()
            .is_some_and(|h| h.confidence >= self.settings.faq.suggest_threshold);
        if good_enough {
            return own;
        }
        let mut all = own;
        for h in kb.search(question, None, limit) {
            if !all.iter().any(|a| a.id == h.id && a.lang == h.lang) {
                all.push(h);
            }
        }
        all.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        all.truncate(limit);
        all
    }

    pub(super) async fn faq_answer(&self, ctx: &Ctx<'_>, question: &str, hit: KbHit) -> Outcome {
        let lang = self.lang(ctx).await?;
        let id = self
            .record_faq(ctx, question, Some(&hit), FaqOutcome::Answered)
            .await?;
        let text = format!("{}\n\n{}", hit.title, trim_excerpt(&hit.excerpt, 600));
        Ok(vec![Outbound::Send {
            to: crate::domain::event::Target::Conversation(ctx.inb.conversation.clone()),
            message: Message::text(format!("{text}\n\n{}", tr!(lang, Key::FaqDidThisHelp)))
                .with_buttons(feedback_buttons(lang, id)),
        }])
    }

    pub(super) async fn faq_suggest(
        &self,
        ctx: &Ctx<'_>,
        question: &str,
        hits: Vec<KbHit>,
    ) -> Outcome {
        let lang = self.lang(ctx).await?;
        let id = self
            .record_faq(ctx, question, hits.first(), FaqOutcome::Suggested)
            .await?;
        let mut text = tr!(lang, Key::FaqSuggestHeader);
        text.push('\n');
        for (i, h) in hits.iter().enumerate() {
            text.push_str(&format!(
                "\n{}. {}\n{}\n",
                i + 1,
                h.title,
                trim_excerpt(&h.excerpt, 200)
            ));
        }
        text.push('\n');
        text.push_str(&tr!(lang, Key::FaqSuggestFooter));
        Ok(vec![ctx.reply_with(text, feedback_buttons(lang, id))])
    }

    /// `/faq <question>`: the top 3 at any time, even inside an open ticket.
    pub(super) async fn faq_lookup(&self, ctx: &Ctx<'_>, question: &str) -> Outcome {
        let lang = self.lang(ctx).await?;
        let Some(kb) = &self.kb else {
            return Ok(vec![ctx.private_reply(tr!(lang, Key::FaqUnavailable))]);
        };
        let hits: Vec<KbHit> = self
            .kb_search(kb.as_ref(), question, lang, 3)
            .into_iter()
            .filter(|h| h.confidence > 0.0)
            .collect();
        if hits.is_empty() {
            let event = self.faq_event(ctx, question, None, FaqOutcome::Suggested);
            self.record_no_match(ctx, event).await?;
            return Ok(vec![ctx.private_reply(tr!(lang, Key::FaqNothingFound))]);
        }
        self.record_faq(ctx, question, hits.first(), FaqOutcome::Suggested)
            .await?;
        let mut text = String::new();
        for (i, h) in hits.iter().enumerate() {
            text.push_str(&format!(
                "{}. {}\n{}\n\n",
                i + 1,
                h.title,
                trim_excerpt(&h.excerpt, 300)
            ));
        }
        Ok(vec![ctx.private_reply(text.trim_end().to_string())])
    }

    pub(super) async fn record_faq(
        &self,
        ctx: &Ctx<'_>,
        query: &str,
        hit: Option<&KbHit>,
        outcome: FaqOutcome,
    ) -> Result<i64, DeskError> {
        let event = self.faq_event(ctx, query, hit, outcome);
        Ok(self.store.record_faq_event(&event).await?)
    }

    /// The FAQ event for `query`, before it is stored.
    pub(super) fn faq_event(
        &self,
        ctx: &Ctx<'_>,
        query: &str,
        hit: Option<&KbHit>,
        outcome: FaqOutcome,
    ) -> FaqEvent {
        FaqEvent {
            id: 0,
            at: ctx.now,
            user: ctx.inb.from.clone(),
            conversation: ctx.inb.conversation.clone(),
            query: query.to_string(),
            article_id: hit.map(|h| h.id.clone()),
            article_title: hit.map(|h| h.title.clone()),
            confidence: hit.map_or(0.0, |h| h.confidence),
            outcome,
            ticket: None,
        }
    }
}

fn feedback_buttons(lang: Lang, event: i64) -> Vec<Button> {
    vec![
        Button {
            label: tr!(lang, Key::BtnYesHelped),
            action: ButtonAction::FaqHelpful(event),
        },
        Button {
            label: tr!(lang, Key::BtnNoPerson),
            action: ButtonAction::FaqNeedHuman(event),
        },
    ]
}
