//! The KPI report's aggregates, computed in the database: whole months from the monthly
//! rollups, the partial months at a period's edges (and every period filtered by customer)
//! from the facts (`report_tickets`, `report_clocks`, `ticket_events`), FAQ questions and
//! quarterly surveys from their own tables. One SQL text serves SQLite and PostgreSQL; every
//! result is bounded by the number of groups, not of tickets.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::Row;

use super::report_rollups::Span;
use super::report_sql::{Cols, FACTS, Shape, Sql, clock_kind, int, priority, text};
use super::rows::ms;
use super::{SqlStore, db_err, parse_col};
use crate::domain::ports::{FaqOutcome, StoreError};
use crate::reports::model::{
    ClockRow, CsatRow, Filter, FlowRow, KpiFigures, Measure, OpenedRow, Period,
};

const FIXED: &str = "CAST(CASE WHEN fixed_at IS NULL THEN 0 ELSE 1 END AS BIGINT)";

impl SqlStore {
    /// The KPI report's aggregates for tickets opened (and events) in `period`, with whole
    /// months of `tz` read from the rollups; undecided clocks are judged at `now`.
    pub async fn kpi_figures(
        &self,
        period: Period,
        filter: &Filter,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<KpiFigures, StoreError> {
        // The rollups hold no requester, so a customer's report reads the facts throughout.
        let span = if filter.customer.is_some() {
            Span::facts_only(period)
        } else {
            Span::split(period, tz)?
        };
        self.kpi_figures_over(&span, period, filter, now).await
    }

    /// The same figures read from the facts alone, ignoring the rollups: slower, for
    /// checking that the rollups agree with the facts.
    pub async fn kpi_figures_from_facts(
        &self,
        period: Period,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<KpiFigures, StoreError> {
        self.kpi_figures_over(&Span::facts_only(period), period, filter, now)
            .await
    }

    async fn kpi_figures_over(
        &self,
        span: &Span,
        period: Period,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<KpiFigures, StoreError> {
        let facts_opened = format!(
            "priority, tier, platform, kind, status, bug, feature, {FIXED} AS fixed, COUNT(*) AS n FROM report_tickets WHERE 1 = 1"
        );
        let group_opened = format!("priority, tier, platform, kind, status, bug, feature, {FIXED}");
        let mut q = Sql::new(self);
        q.shape(
            span,
            filter,
            &Shape {
                keys: "priority, tier, platform, kind, status, bug, feature, fixed",
                sums: "CAST(SUM(n) AS BIGINT) AS n",
                rollup: "priority, tier, platform, kind, status, bug, feature, fixed, n FROM report_m_opened WHERE 1 = 1",
                facts: &facts_opened,
                at: "created_at",
                prefix: "",
                group: &group_opened,
            },
        );
        let mut opened = Vec::new();
        for r in q.fetch().await? {
            opened.push(OpenedRow {
                priority: priority(&r)?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                platform: parse_col("platform", &text(&r, "platform")?)?,
                kind: parse_col("kind", &text(&r, "kind")?)?,
                status: parse_col("status", &text(&r, "status")?)?,
                bug: int(&r, "bug")? == 1,
                feature: int(&r, "feature")? == 1,
                fixed: int(&r, "fixed")? == 1,
                count: int(&r, "n")?,
            });
        }

        let mut q = Sql::new(self);
        q.shape(
            span,
            filter,
            &Shape {
                keys: "priority, tier",
                sums: "CAST(SUM(closed) AS BIGINT) AS closed, CAST(SUM(reopened) AS BIGINT) AS reopened",
                rollup: "priority, tier, closed, reopened FROM report_m_flow WHERE 1 = 1",
                facts: "r.priority AS priority, r.tier AS tier, \
                        SUM(CASE WHEN e.kind = 'closed' THEN 1 ELSE 0 END) AS closed, \
                        SUM(CASE WHEN e.kind = 'reopened' THEN 1 ELSE 0 END) AS reopened \
                        FROM ticket_events e JOIN report_tickets r ON r.ticket_id = e.ticket_id \
                        WHERE e.kind IN ('closed', 'reopened')",
                at: "e.at",
                prefix: "r.",
                group: "r.priority, r.tier",
            },
        );
        let mut flow = Vec::new();
        for r in q.fetch().await? {
            flow.push(FlowRow {
                priority: priority(&r)?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                closed: int(&r, "closed")?,
                reopened: int(&r, "reopened")?,
            });
        }

        let clocks = self.clock_rows(span, period, filter, now).await?;
        let mut times = Vec::new();
        for measure in [Measure::FirstResponse, Measure::Resolution] {
            times.extend(self.times(span, period, filter, measure).await?);
        }

        let mut q = Sql::new(self);
        q.shape(
            span,
            filter,
            &Shape {
                keys: "agent",
                sums: "CAST(SUM(n) AS BIGINT) AS n",
                rollup: "agent, n FROM report_m_handled WHERE 1 = 1",
                facts: "agent, COUNT(*) AS n FROM report_tickets WHERE agent IS NOT NULL",
                at: "created_at",
                prefix: "",
                group: "agent",
            },
        );
        let mut handled = Vec::new();
        for r in q.fetch().await? {
            handled.push((text(&r, "agent")?, int(&r, "n")?));
        }

        // A ticket counts once, in the period of its last close (each close sends the survey).
        let mut q = Sql::new(self);
        q.shape(
            span,
            filter,
            &Shape {
                keys: "agent, score",
                sums: "CAST(SUM(n) AS BIGINT) AS n",
                rollup: "agent, score, n FROM report_m_csat WHERE 1 = 1",
                facts: "agent, csat_score AS score, COUNT(*) AS n FROM report_tickets WHERE closed_at IS NOT NULL",
                at: "closed_at",
                prefix: "",
                group: "agent, csat_score",
            },
        );
        let mut csat = Vec::new();
        for r in q.fetch().await? {
            csat.push(CsatRow {
                agent: r.try_get("agent").map_err(db_err)?,
                score: r.try_get("score").map_err(db_err)?,
                count: int(&r, "n")?,
            });
        }
        let (faq, faq_unanswered) = self.faq_figures(period, filter).await?;
        let quarterly = self.quarterly_figures(period, filter).await?;
        Ok(KpiFigures {
            opened,
            flow,
            clocks,
            times,
            handled,
            csat,
            quarterly,
            faq,
            faq_unanswered,
        })
    }

    /// Clock outcomes per clock, priority and tier. The rollups count every clock with a
    /// breach instant; those still in the future at `now` are running, not breached.
    async fn clock_rows(
        &self,
        span: &Span,
        period: Period,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClockRow>, StoreError> {
        let mut q = Sql::new(self);
        q.shape(
            span,
            filter,
            &Shape {
                keys: "clock, priority, tier",
                sums: "CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(met) AS BIGINT) AS met, CAST(SUM(breach_any) AS BIGINT) AS breach_any",
                rollup: "clock, priority, tier, n, met, breach_any FROM report_m_clocks WHERE 1 = 1",
                facts: "clock, priority, tier, COUNT(*) AS n, \
                        SUM(CASE WHEN breach_at IS NULL AND stopped_at IS NOT NULL THEN 1 ELSE 0 END) AS met, \
                        SUM(CASE WHEN breach_at IS NOT NULL THEN 1 ELSE 0 END) AS breach_any \
                        FROM report_clocks WHERE clock IN ('first_response', 'next_response', 'resolution')",
                at: "created_at",
                prefix: "",
                group: "clock, priority, tier",
            },
        );
        let rows = q.fetch().await?;
        let mut q = Sql::new(self);
        q.push("SELECT clock, priority, tier, COUNT(*) AS n FROM report_clocks WHERE breach_at > ")
            .int(ms(now))
            .within("created_at", period)
            .filter(filter, "", &FACTS)
            .push(" GROUP BY clock, priority, tier");
        let mut future = std::collections::HashMap::new();
        for r in q.fetch().await? {
            future.insert(
                (text(&r, "clock")?, int(&r, "priority")?, text(&r, "tier")?),
                int(&r, "n")?,
            );
        }
        let mut clocks = Vec::new();
        for r in rows {
            let key = (text(&r, "clock")?, int(&r, "priority")?, text(&r, "tier")?);
            let (n, met) = (int(&r, "n")?, int(&r, "met")?);
            let breached = int(&r, "breach_any")? - future.get(&key).copied().unwrap_or(0);
            clocks.push(ClockRow {
                clock: clock_kind(&key.0)?,
                priority: priority(&r)?,
                tier: parse_col("tier", &key.2)?,
                met,
                breached,
                pending: n - met - breached,
            });
        }
        Ok(clocks)
    }

    /// FAQ questions asked in the period per outcome, and the most asked without an answer.
    async fn faq_figures(
        &self,
        period: Period,
        filter: &Filter,
    ) -> Result<(Vec<(FaqOutcome, i64)>, Vec<(String, i64)>), StoreError> {
        let faq_cols = Cols {
            tier: None,
            platform: "user_platform",
            user: "user_id",
        };
        let mut q = Sql::new(self);
        q.push("SELECT outcome, COUNT(*) AS n FROM faq_events WHERE 1 = 1")
            .within("at", period)
            .filter(filter, "", &faq_cols)
            .push(" GROUP BY outcome");
        let mut faq = Vec::new();
        for r in q.fetch().await? {
            let o = text(&r, "outcome")?;
            let outcome = FaqOutcome::parse(&o)
                .ok_or_else(|| StoreError::Backend(format!("bad FAQ outcome {o}")))?;
            faq.push((outcome, int(&r, "n")?));
        }
        let mut q = Sql::new(self);
        q.push("SELECT LOWER(TRIM(query)) AS q, COUNT(*) AS n FROM faq_events WHERE outcome = 'no_answer'")
            .within("at", period)
            .filter(filter, "", &faq_cols)
            .push(" GROUP BY LOWER(TRIM(query)) ORDER BY n DESC, q LIMIT 10");
        let mut unanswered = Vec::new();
        for r in q.fetch().await? {
            unanswered.push((text(&r, "q")?, int(&r, "n")?));
        }
        Ok((faq, unanswered))
    }

    /// Quarterly surveys sent in the period per rating; like FAQ questions they have no tier.
    async fn quarterly_figures(
        &self,
        period: Period,
        filter: &Filter,
    ) -> Result<Vec<CsatRow>, StoreError> {
        let survey_cols = Cols {
            tier: None,
            platform: "platform",
            user: "user_id",
        };
        let mut q = Sql::new(self);
        q.push("SELECT score, COUNT(*) AS n FROM quarterly_surveys WHERE 1 = 1")
            .within("sent_at", period)
            .filter(filter, "", &survey_cols)
            .push(" GROUP BY score");
        let mut quarterly = Vec::new();
        for r in q.fetch().await? {
            quarterly.push(CsatRow {
                agent: None,
                score: r.try_get("score").map_err(db_err)?,
                count: int(&r, "n")?,
            });
        }
        Ok(quarterly)
    }
}
