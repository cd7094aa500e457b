//! `/incident <id> since <when>`: an agent confirms that a ticket is an incident and when it
//! began, so that the availability report counts the customer's downtime from then.

use chrono::{DateTime, Utc};

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::directory::StaffMember;
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::TicketId;
use crate::domain::incident::{MAX_BEFORE_OPENING_DAYS, Since, SinceError};
use crate::domain::ticket::EventKind;
use crate::{text, tr};

impl Desk {
    pub(super) async fn confirm_incident(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        lang: Lang,
        id: TicketId,
        since: Since,
    ) -> Outcome {
        let mut t = self.load(id).await?;
        let tz = self.settings.time_zone;
        // Shown the way agents type it, so a correction can be copied from the answer.
        let shown = |at: DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
        let zone = tz.name();
        let at = since
            .resolve(tz, ctx.now, t.created_at)
            .map_err(|e| match e {
                SinceError::Future(at) => DeskError::Say(text!(
                    Key::ErrIncidentFuture,
                    since = shown(at),
                    zone = zone
                )),
                SinceError::TooEarly(at) => DeskError::Say(text!(
                    Key::ErrIncidentTooEarly,
                    since = shown(at),
                    zone = zone,
                    days = MAX_BEFORE_OPENING_DAYS,
                    id = id
                )),
            })?;
        let kinds = t.confirm_incident(at)?;
        let raised = kinds
            .iter()
            .any(|k| matches!(k, EventKind::PriorityChanged { .. }));
        let key = if raised {
            Key::NowIncidentP1
        } else {
            Key::NowIncident
        };
        let confirm = tr!(lang, key, id = id, since = shown(at), zone = zone);
        self.commit(ctx, me, &mut t, kinds, confirm, None).await
    }
}
