//! Answering small talk politely, with what the bot can do, instead of opening a ticket.

use super::{Ctx, Desk, Outcome};
use crate::domain::i18n::Key;
use crate::domain::small_talk::SmallTalk;
use crate::tr;

impl Desk {
    /// A greeting, a thank-you or an "ok" outside a ticket gets a short answer in kind. The
    /// event is still recorded (and marked handled), so a redelivery does not answer twice.
    pub(super) async fn small_talk(&self, ctx: &Ctx<'_>, talk: SmallTalk) -> Outcome {
        let lang = self.lang(ctx).await?;
        let key = match talk {
            SmallTalk::Greeting => Key::SmalltalkGreeting,
            SmallTalk::Thanks => Key::SmalltalkThanks,
            SmallTalk::Ack => Key::SmalltalkAck,
        };
        Ok(vec![ctx.reply(tr!(lang, key))])
    }
}
