//! Sending the quarterly survey: each look (`tick(now)`, once a minute in the bot) asks up to
//! `per_minute` more customers about the quarter due, each claimed in the database together
//! with its outbox row, so no customer is asked twice per quarter by any instance. Within
//! that cap the outbox lanes keep each chat within the platform's limits.

use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::survey::{Quarter, due};
use crate::config::Config;
use crate::domain::event::{Button, ButtonAction, Message, Outbound, Target};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ports::{Planned, TicketStore};
use crate::storage::SqlStore;
use crate::tr;

/// Sends `[reports.quarterly_survey]`.
pub struct QuarterlySurveyor {
    store: Arc<SqlStore>,
    cfg: Config,
}

/// The quarter as a customer reads it: `Q4 2026`, `2026 年第 4 季度`, `2026. 4. negyedév`.
pub fn quarter_name(lang: Lang, q: Quarter) -> String {
    tr!(
        lang,
        Key::QuarterName,
        year = q.year.to_string(),
        q = q.q.to_string()
    )
}

impl QuarterlySurveyor {
    /// A surveyor over `store` with the settings of `cfg`.
    pub fn new(store: Arc<SqlStore>, cfg: Config) -> QuarterlySurveyor {
        QuarterlySurveyor { store, cfg }
    }

    /// Whether the quarterly survey is switched on.
    pub fn enabled(&self) -> bool {
        self.cfg.reports.quarterly_survey.enabled
    }

    /// One look at `now`: asks the next customers about the quarter due, returning the
    /// surveys this instance claimed (stored in the outbox), for the lanes.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Vec<Planned>> {
        let sc = &self.cfg.reports.quarterly_survey;
        if !sc.enabled {
            return Ok(Vec::new());
        }
        let tz = self.cfg.reports.tz().map_err(anyhow::Error::msg)?;
        let Some(quarter) = due(sc, tz, now) else {
            return Ok(Vec::new());
        };
        let tickets = self
            .store
            .quarterly_candidates(quarter, quarter.period(tz), i64::from(sc.per_minute))
            .await?;
        let mut out = Vec::new();
        for t in tickets {
            let lang = match self.store.user_lang(&t.requester).await? {
                Some(stored) => stored.lang,
                None => self.cfg.customers.default_lang,
            };
            let buttons = (1..=5)
                .map(|s| Button {
                    label: s.to_string(),
                    action: ButtonAction::QuarterlyCsat(quarter.code(), s),
                })
                .collect();
            let action = Outbound::Send {
                to: Target::Conversation(t.conversation.clone()),
                message: Message {
                    text: tr!(
                        lang,
                        Key::QuarterlySurvey,
                        quarter = quarter_name(lang, quarter)
                    ),
                    buttons,
                    lang: Some(lang),
                    ..Message::default()
                },
            };
            let actions = vec![action];
            // Another instance may have asked this customer since the candidates were read.
            if let Some(ids) = self
                .store
                .claim_quarterly(quarter, &t, lang, now, &actions)
                .await?
            {
                out.extend(Planned::zip(actions, ids));
            }
        }
        Ok(out)
    }
}
