//! Posting digests: on each look (`tick(now)`, once a minute in the bot) the most recent
//! digest due is computed from the reports and claimed in the database together with its
//! outbox rows, so several instances on one PostgreSQL database post it once, and a bot that
//! was down posts only the latest period it missed.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};

use super::chart::{PRIORITY_COLOURS, bar_chart_png};
use super::digest::{Due, latest_due};
use super::digest_text::{DigestFigures, OldTicket, text};
use super::model::Filter;
use super::service::{KpiRequest, kpi};
use crate::config::Config;
use crate::domain::event::{Image, Message, Outbound, Target};
use crate::domain::i18n::Key;
use crate::domain::ids::Platform;
use crate::domain::ports::{Planned, TicketStore};
use crate::storage::SqlStore;
use crate::tr;

/// Posts the configured digest to the staff lobby of `staff.home`.
pub struct Digester {
    store: Arc<SqlStore>,
    cfg: Config,
}

/// A digest this instance claimed: what it covers and the actions stored for it.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The period posted.
    pub due: Due,
    /// Its actions with their outbox ids, to hand to the lanes.
    pub planned: Vec<Planned>,
}

impl Digester {
    /// A digester over `store` with the settings of `cfg` (`[reports.digest]`).
    pub fn new(store: Arc<SqlStore>, cfg: Config) -> Digester {
        Digester { store, cfg }
    }

    /// Whether digests are switched on.
    pub fn enabled(&self) -> bool {
        self.cfg.reports.digest.enabled
    }

    /// One look at `now`: when the most recent digest due is not posted yet, computes it and
    /// claims it with its outbox rows. `None` when nothing is due, it was posted already, or
    /// another instance claimed it first.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Option<Posted>> {
        let dc = &self.cfg.reports.digest;
        if !dc.enabled {
            return Ok(None);
        }
        let tz = self.cfg.reports.tz().map_err(anyhow::Error::msg)?;
        let Some(due) = latest_due(dc, tz, now).map_err(anyhow::Error::msg)? else {
            return Ok(None);
        };
        let every = due.every.as_str();
        // The cheap look first: computing a report every minute would be wasted work.
        if self.store.digest_posted(every, due.period.from).await? {
            return Ok(None);
        }
        let actions = vec![self.compose(&due, now).await?];
        let ids = self
            .store
            .claim_digest(every, due.period, due.at, now, &actions)
            .await
            .context("cannot store the digest")?;
        Ok(ids.map(|ids| Posted {
            due,
            planned: Planned::zip(actions, ids),
        }))
    }

    /// The figures of `due`'s period at `now`.
    pub async fn figures(&self, due: &Due, now: DateTime<Utc>) -> Result<DigestFigures> {
        let req = KpiRequest {
            period: due.period,
            ..KpiRequest::default()
        };
        let report = kpi(&self.store, &self.cfg, &req, now).await?;
        let breaches = self
            .store
            .sla_breaches(due.period, &Filter::default(), now)
            .await?;
        let limit = i64::try_from(self.cfg.reports.digest.oldest).unwrap_or(i64::MAX);
        let oldest = if limit == 0 {
            Vec::new()
        } else {
            self.store
                .active_tickets_with_events(None, limit)
                .await?
                .into_iter()
                .map(|(t, _)| OldTicket {
                    id: t.id,
                    priority: t.priority,
                    subject: t.subject,
                    status: t.status,
                    opened: t.created_at,
                })
                .collect()
        };
        Ok(DigestFigures::new(&report, &breaches, oldest))
    }

    async fn compose(&self, due: &Due, now: DateTime<Utc>) -> Result<Outbound> {
        let figures = self.figures(due, now).await?;
        let tz = self.cfg.reports.tz().map_err(|e| anyhow!(e))?;
        let lang = self.cfg.staff.lang;
        let home = self.cfg.staff.home;
        // Only the chat platforms take an uploaded picture; the console shows the text alone.
        let image = if self.cfg.reports.digest.chart
            && matches!(home, Platform::Telegram | Platform::Discord)
        {
            Some(Box::new(Image {
                name: format!("digest-{}.png", due.first_day),
                caption: tr!(lang, Key::DigestChart),
                png: bar_chart_png(&figures.by_priority, &PRIORITY_COLOURS)?,
            }))
        } else {
            None
        };
        let message = Message {
            text: text(lang, due, &figures, tz, now),
            lang: Some(lang),
            image,
            ..Message::default()
        };
        Ok(Outbound::Send {
            to: Target::StaffLobby { platform: home },
            message,
        })
    }
}
