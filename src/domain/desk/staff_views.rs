//! Agent views: `/queue` and `/mine` (nearest deadline first), `/show` (details and transcript).

use super::{Ctx, Desk, Outcome};
use crate::domain::i18n::Key;
use crate::domain::ids::{AgentName, TicketId};
use crate::domain::replies;
use crate::tr;

/// How many tickets `/queue` and `/mine` list; the rest are counted.
const QUEUE_ROWS: usize = 30;

/// How many open tickets `/queue` sorts at most (the oldest), so a huge backlog cannot make one
/// command load everything.
const QUEUE_LOAD: i64 = 5000;

impl Desk {
    pub(super) async fn queue(&self, ctx: &Ctx<'_>, mine: Option<AgentName>) -> Outcome {
        let lang = self.lang(ctx).await?;
        let mut tickets = self
            .store
            .active_tickets_with_events(mine.as_ref().map(|a| a.0.as_str()), QUEUE_LOAD + 1)
            .await?;
        let capped = tickets.len() > QUEUE_LOAD as usize;
        tickets.truncate(QUEUE_LOAD as usize);
        if tickets.is_empty() {
            return Ok(vec![ctx.reply(tr!(
                lang,
                if mine.is_some() {
                    Key::QueueMineEmpty
                } else {
                    Key::QueueEmpty
                }
            ))]);
        }
        let mut rows = self.settings.sla.queue_rows(lang, &tickets, ctx.now);
        let more = rows.len().saturating_sub(QUEUE_ROWS);
        rows.truncate(QUEUE_ROWS);
        if more > 0 {
            rows.push(tr!(lang, Key::QueueMore, n = more));
        }
        if capped {
            rows.push(tr!(lang, Key::QueueCapped, n = QUEUE_LOAD));
        }
        let mut text = tr!(
            lang,
            if mine.is_some() {
                Key::QueueMineHeader
            } else {
                Key::QueueHeader
            }
        );
        text.push('\n');
        for row in rows {
            text.push_str(&row);
            text.push('\n');
        }
        Ok(vec![ctx.reply(text.trim_end().to_string())])
    }

    pub(super) async fn show(&self, ctx: &Ctx<'_>, id: TicketId) -> Outcome {
        let lang = self.lang(ctx).await?;
        let t = self.load(id).await?;
        let transcript = self.store.transcript(id).await?;
        let theirs = self.customer_lang(&t.requester).await?;
        let assignee = t
            .assignee
            .as_ref()
            .map_or_else(|| tr!(lang, Key::Nobody), |a| a.0.clone());
        let tags = if t.tags.is_empty() {
            "-".to_string()
        } else {
            t.tags.join(", ")
        };
        let mut text = [
            tr!(
                lang,
                Key::ShowHead,
                id = t.id,
                priority = t.priority.to_string(),
                subject = &t.subject
            ),
            tr!(
                lang,
                Key::ShowStatus,
                status = replies::status_word(lang, t.status),
                tier = t.tier.as_str(),
                kind = replies::kind_word(lang, t.kind),
                assignee = assignee
            ),
            tr!(
                lang,
                Key::ShowFrom,
                name = &t.requester.name,
                platform = t.requester.platform.as_str(),
                user = &t.requester.id,
                lang = replies::lang_name(lang, theirs)
            ),
            tr!(lang, Key::ShowTags, tags = tags),
        ]
        .join("\n");
        text.push('\n');
        let skip = transcript.len().saturating_sub(20);
        if skip > 0 {
            text.push_str(&tr!(lang, Key::ShowEarlier, n = skip, ticket = id.0));
            text.push('\n');
        }
        let internal = format!(" {}", tr!(lang, Key::ShowInternal));
        for e in transcript.iter().skip(skip) {
            let mark = if e.internal { internal.as_str() } else { "" };
            text.push_str(&format!(
                "\n{} {} ({}){mark}: {}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.author,
                e.role.as_str(),
                e.body
            ));
        }
        Ok(vec![ctx.reply(text)])
    }
}
