//! FAQ flows on the customer side: a confident answer with "did this help?", suggestions,
//! `/faq` lookups, and the FAQ event log behind reports and buttons.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{Button, ButtonAction, Message, Outbound};
use crate::domain::faq::trim_excerpt;
use crate::domain::ports::{FaqEvent, FaqOutcome, KbHit};
use crate::domain::replies;

impl Desk {
    pub(super) async fn faq_answer(&self, ctx: &Ctx<'_>, question: &str, hit: KbHit) -> Outcome {
        let id = self
            .record_faq(ctx, question, Some(&hit), FaqOutcome::Answered)
            .await?;
        let text = format!("{}\n\n{}", hit.title, trim_excerpt(&hit.excerpt, 600));
        Ok(vec![Outbound::Send {
            to: crate::domain::event::Target::Conversation(ctx.inb.conversation.clone()),
            message: Message::text(format!("{text}\n\nDid this help?"))
                .with_buttons(feedback_buttons(id)),
        }])
    }

    pub(super) async fn faq_suggest(
        &self,
        ctx: &Ctx<'_>,
        question: &str,
        hits: Vec<KbHit>,
    ) -> Outcome {
        let id = self
            .record_faq(ctx, question, hits.first(), FaqOutcome::Suggested)
            .await?;
        let mut text = String::from("These articles might help:\n");
        for (i, h) in hits.iter().enumerate() {
            text.push_str(&format!(
                "\n{}. {}\n{}\n",
                i + 1,
                h.title,
                trim_excerpt(&h.excerpt, 200)
            ));
        }
        text.push_str("\nDid one of these help?");
        Ok(vec![
            ctx.reply(text).with_message_buttons(feedback_buttons(id)),
        ])
    }

    /// `/faq <question>`: the top 3 at any time, even inside an open ticket.
    pub(super) async fn faq_lookup(&self, ctx: &Ctx<'_>, question: &str) -> Outcome {
        let Some(kb) = &self.kb else {
            return Ok(vec![
                ctx.private_reply("The help articles are not available right now."),
            ]);
        };
        let hits: Vec<KbHit> = kb
            .search(question, None, 3)
            .into_iter()
            .filter(|h| h.confidence > 0.0)
            .collect();
        self.record_faq(ctx, question, hits.first(), FaqOutcome::Suggested)
            .await?;
        if hits.is_empty() {
            return Ok(vec![ctx.private_reply(
                "I found no article about that. Write your question here and a person will help.",
            )]);
        }
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
        let event = FaqEvent {
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
        };
        Ok(self.store.record_faq_event(&event).await?)
    }
}

fn feedback_buttons(event: i64) -> Vec<Button> {
    vec![
        Button {
            label: replies::YES_HELPED.into(),
            action: ButtonAction::FaqHelpful(event),
        },
        Button {
            label: replies::NO_PERSON.into(),
            action: ButtonAction::FaqNeedHuman(event),
        },
    ]
}

trait WithButtons {
    fn with_message_buttons(self, buttons: Vec<Button>) -> Self;
}

impl WithButtons for Outbound {
    fn with_message_buttons(mut self, buttons: Vec<Button>) -> Self {
        if let Outbound::Send { message, .. } = &mut self {
            message.buttons = buttons;
        }
        self
    }
}
