//! `Desk::decide`: store the event, run its flow, and store what was decided (the outbox)
//! together with the handled mark, so adapters deliver only what survives a crash.

use std::sync::{Mutex, OnceLock};

use super::{Ctx, Desk, DeskError, Finished, Outcome};
use crate::domain::event::{Inbound, Outbound, Space};
use crate::domain::i18n::Key;
use crate::domain::ports::{Planned, Recorded, StoreError};
use crate::domain::ticket::{Ticket, TicketEvent, TranscriptEntry};
use crate::tr;

impl Desk {
    /// Decides what to do about one inbound event and returns the actions (for callers that
    /// deliver them at once; [`Desk::decide`] is what adapters use).
    pub async fn handle(&self, inbound: Inbound) -> Vec<Outbound> {
        let fallback =
            self.error_reply(&inbound, tr!(self.quick_lang(&inbound), Key::InternalError));
        match self.decide(inbound).await {
            Ok(planned) => planned.into_iter().map(|p| p.action).collect(),
            Err(_) => vec![fallback],
        }
    }

    /// Decides what to do about one inbound event. The event is stored first; a replay of an
    /// event already handled (or being handled by this process) yields nothing. The actions
    /// decided are stored in the outbox (the durable ones, with their ids in [`Planned`]) in
    /// the same transaction that marks the event handled. `Err` means the store cannot be
    /// reached: nothing is decided, and the caller keeps the event and tries again later.
    pub async fn decide(&self, inbound: Inbound) -> Result<Vec<Planned>, StoreError> {
        let retry = self
            .unfinished
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&inbound.key);
        if retry {
            self.store.release_inbound(&inbound.key).await?;
        } else if let Some(out) = self.flooded(&inbound).await {
            // A flood is cut before it costs a store round trip, so others are not slowed;
            // an event tried again after an outage was admitted already.
            return Ok(Planned::once(out));
        }
        let result = self.decide_claimed(&inbound).await;
        let mut unfinished = self
            .unfinished
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &result {
            Err(_) => unfinished.insert(inbound.key.clone()),
            Ok(_) => unfinished.remove(&inbound.key),
        };
        result
    }

    async fn decide_claimed(&self, inbound: &Inbound) -> Result<Vec<Planned>, StoreError> {
        let inbound = inbound.clone();
        // Customers' events nearly always need the sender's ticket next, and the store can
        // load it in the same round trip. `Some(loaded)` means the event is new.
        let recorded = match inbound.space {
            Space::Customer => self
                .store
                .record_inbound_with_sender_ticket(&inbound)
                .await
                .map(|r| match r {
                    Recorded::New { sender_ticket } => Some(Some(sender_ticket)),
                    Recorded::Duplicate => None,
                }),
            Space::Staff => self
                .store
                .record_inbound(&inbound)
                .await
                .map(|new| new.then_some(None)),
        };
        let sender_ticket = match recorded {
            Ok(Some(loaded)) => loaded,
            Ok(None) => {
                tracing::debug!(key = ?inbound.key, "duplicate inbound ignored");
                return Ok(Vec::new());
            }
            Err(e @ StoreError::Unavailable(_)) => return Err(e),
            Err(e) => {
                tracing::error!(error = %e, "cannot store inbound message");
                let lang = self.quick_lang(&inbound);
                return Ok(Planned::once(vec![
                    self.error_reply(&inbound, tr!(lang, Key::InternalError)),
                ]));
            }
        };
        let finished = Mutex::new(None);
        let lang = OnceLock::new();
        let out = match self
            .dispatch(&inbound, &finished, sender_ticket, &lang)
            .await
        {
            Ok(out) => out,
            Err(DeskError::Say(text)) => {
                let lang = match lang.get() {
                    Some(l) => *l,
                    None => self.error_lang(&inbound).await,
                };
                vec![self.error_reply(&inbound, text.render(lang))]
            }
            Err(DeskError::Store(e)) => {
                // Left unfinished: the event is processed again when it comes back (the
                // adapter retries it once the store is back, or the platform redelivers it).
                tracing::error!(error = %e, key = ?inbound.key, "store failed while handling");
                if matches!(e, StoreError::Unavailable(_)) {
                    return Err(e);
                }
                let lang = lang.get().copied().unwrap_or(self.quick_lang(&inbound));
                return Ok(Planned::once(vec![
                    self.error_reply(&inbound, tr!(lang, Key::InternalError)),
                ]));
            }
        };
        let finished = finished
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(f) = finished {
            return Ok(self.with_follow_ups(&inbound, f, out).await);
        }
        match self.store.finish_inbound(&inbound.key, &out).await {
            Ok(ids) => Ok(Planned::zip(out, ids)),
            Err(e @ StoreError::Unavailable(_)) => Err(e),
            Err(e) => {
                // The work is done; deliver it once. At worst a redelivery repeats it.
                tracing::error!(error = %e, key = ?inbound.key, "cannot mark inbound message handled");
                Ok(Planned::once(out))
            }
        }
    }

    /// The flow's actions in its order, when its main write stored only some of them (a
    /// flow may add to what a relay or a new ticket stored, like an acknowledgement before
    /// it): the additions are stored in a second, small write.
    async fn with_follow_ups(
        &self,
        inbound: &Inbound,
        f: Finished,
        out: Vec<Outbound>,
    ) -> Vec<Planned> {
        let mut stored = Planned::zip(f.actions, f.outbox_ids).into_iter().peekable();
        let mut planned = Vec::with_capacity(out.len());
        let mut extra_at = Vec::new();
        for action in out {
            if stored.peek().is_some_and(|p| p.action == action) {
                planned.extend(stored.next());
            } else {
                extra_at.push(planned.len());
                planned.push(Planned {
                    outbox_id: None,
                    action,
                });
            }
        }
        planned.extend(stored);
        if extra_at.is_empty() {
            return planned;
        }
        let extra: Vec<Outbound> = extra_at
            .iter()
            .map(|&i| planned[i].action.clone())
            .collect();
        match self.store.finish_inbound(&inbound.key, &extra).await {
            Ok(ids) => {
                let mut ids = ids.into_iter();
                for i in extra_at {
                    if planned[i].action.durable() {
                        planned[i].outbox_id = ids.next();
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, key = ?inbound.key, "cannot store follow-up actions; delivering them once");
            }
        }
        planned
    }

    /// The flow's main ticket write: saves `t` and finishes the event with `out` (stored in
    /// the outbox in the same transaction), then returns `out` for delivery.
    pub(super) async fn save_finishing(
        &self,
        ctx: &Ctx<'_>,
        t: &Ticket,
        entries: &[TranscriptEntry],
        events: &[TicketEvent],
        out: Vec<Outbound>,
    ) -> Outcome {
        let ids = self
            .store
            .save_ticket_handling(t, entries, events, ctx.handling(&out))
            .await?;
        ctx.finished_with(out.clone(), ids);
        Ok(out)
    }
}
