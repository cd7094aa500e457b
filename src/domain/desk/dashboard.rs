//! `/dashboard`: a one-time sign-in link to the web dashboard, for the agent's eyes only.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::directory::StaffMember;
use crate::domain::event::Outbound;
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::Platform;
use crate::{text, tr};

impl Desk {
    pub(super) fn dashboard_link(&self, ctx: &Ctx<'_>, me: &StaffMember, lang: Lang) -> Outcome {
        let Some(links) = &self.sign_in else {
            return Err(DeskError::Say(text!(Key::DashboardOff)));
        };
        let url = links
            .link(&ctx.inb.from, &ctx.inb.roles, me, ctx.now)
            .map_err(|e| {
                tracing::warn!(error = %e, "cannot issue a dashboard sign-in link");
                DeskError::Say(text!(Key::InternalError))
            })?;
        let mut link = ctx.private_reply(tr!(
            lang,
            Key::DashboardLink,
            url = url,
            minutes = links.valid_minutes()
        ));
        if let Outbound::Send { message, .. } = &mut link {
            message.direct = true;
        }
        // Answering a slash command in place is already private; a typed command in a chat
        // others read gets the link in a direct message and a pointer to it here.
        let answered_in_place =
            ctx.inb.interaction.is_some() || ctx.inb.from.platform == Platform::Console;
        if answered_in_place {
            return Ok(vec![link]);
        }
        Ok(vec![
            link,
            ctx.reply(tr!(lang, Key::DashboardSentPrivately)),
        ])
    }
}
