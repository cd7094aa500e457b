//! The reports' aggregates, computed in the database over `report_tickets`, `report_clocks`,
//! `ticket_events`, `csat` and `faq_events`: counts per group, nearest-rank percentiles with
//! window functions (both backends), the month's breaches and incidents. One SQL text serves
//! SQLite and PostgreSQL; every result is bounded by the number of groups, not of tickets.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::report_facts::opt_time;
use super::rows::{from_ms, ms};
use super::sla::params;
use super::{SqlStore, db_err, parse_col};
use crate::domain::ports::{FaqOutcome, StoreError};
use crate::domain::sla_clock::ClockKind;
use crate::domain::ticket::Priority;
use crate::reports::model::{
    BreachRow, ClockRow, CsatRow, Filter, FlowRow, Group, IncidentRow, KpiFigures, Measure,
    OpenedRow, Period, TimeRow,
};

enum Arg {
    I(i64),
    S(String),
}

/// A statement being written with its arguments, placeholders numbered as they are added.
struct Sql<'s> {
    store: &'s SqlStore,
    text: String,
    args: Vec<Arg>,
}

/// The columns a filter applies to in one query.
struct Cols {
    tier: Option<&'static str>,
    platform: &'static str,
    user: &'static str,
}

const FACTS: Cols = Cols {
    tier: Some("tier"),
    platform: "platform",
    user: "requester_id",
};

impl<'s> Sql<'s> {
    fn new(store: &'s SqlStore) -> Sql<'s> {
        Sql {
            store,
            text: String::new(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let p = params(self.store.backend, self.args.len(), 1);
        self.text.push_str(&p);
        self
    }

    fn int(&mut self, v: i64) -> &mut Self {
        self.arg(Arg::I(v))
    }

    fn str(&mut self, v: &str) -> &mut Self {
        self.arg(Arg::S(v.to_string()))
    }

    /// ` AND {col} >= from AND {col} < to`.
    fn within(&mut self, col: &str, p: Period) -> &mut Self {
        self.push(&format!(" AND {col} >= "))
            .int(ms(p.from))
            .push(&format!(" AND {col} < "))
            .int(ms(p.to))
    }

    /// The filter's conditions, each ` AND …`, on columns named with `prefix`.
    fn filter(&mut self, f: &Filter, prefix: &str, cols: &Cols) -> &mut Self {
        if let (Some(t), Some(col)) = (f.tier, cols.tier) {
            self.push(&format!(" AND {prefix}{col} = ")).str(t.as_str());
        }
        if let Some(p) = f.platform {
            self.push(&format!(" AND {prefix}{} = ", cols.platform))
                .str(p.as_str());
        }
        if let Some(users) = &f.customer {
            if users.is_empty() {
                self.push(" AND 1 = 0");
            } else {
                self.push(" AND (");
                for (i, (p, id)) in users.iter().enumerate() {
                    if i > 0 {
                        self.push(" OR ");
                    }
                    self.push(&format!("({prefix}{} = ", cols.platform))
                        .str(p.as_str())
                        .push(&format!(" AND {prefix}{} = ", cols.user))
                        .str(id)
                        .push(")");
                }
                self.push(")");
            }
        }
        self
    }

    async fn fetch(&self) -> Result<Vec<AnyRow>, StoreError> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(&self.store.pool).await.map_err(db_err)
    }
}

fn int(r: &AnyRow, col: &str) -> Result<i64, StoreError> {
    r.try_get::<i64, _>(col).map_err(db_err)
}

fn text(r: &AnyRow, col: &str) -> Result<String, StoreError> {
    r.try_get::<String, _>(col).map_err(db_err)
}

fn priority(r: &AnyRow) -> Result<Priority, StoreError> {
    let p = int(r, "priority")?;
    Priority::from_rank(p).ok_or_else(|| StoreError::Backend(format!("bad priority {p}")))
}

fn clock_kind(s: &str) -> Result<ClockKind, StoreError> {
    ClockKind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| StoreError::Backend(format!("bad clock {s}")))
}

impl SqlStore {
    /// The KPI report's aggregates for tickets opened (and events) in `period`; undecided
    /// clocks are judged at `now`.
    pub async fn kpi_figures(
        &self,
        period: Period,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<KpiFigures, StoreError> {
        let fixed = "CAST(CASE WHEN fixed_at IS NULL THEN 0 ELSE 1 END AS BIGINT)";
        let mut q = Sql::new(self);
        q.push(&format!("SELECT priority, tier, platform, kind, status, bug, feature, {fixed} AS fixed, COUNT(*) AS n FROM report_tickets WHERE 1 = 1"))
            .within("created_at", period)
            .filter(filter, "", &FACTS)
            .push(&format!(" GROUP BY priority, tier, platform, kind, status, bug, feature, {fixed}"));
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
        q.push("SELECT r.priority, r.tier, SUM(CASE WHEN e.kind = 'closed' THEN 1 ELSE 0 END) AS closed, \
                SUM(CASE WHEN e.kind = 'reopened' THEN 1 ELSE 0 END) AS reopened \
                FROM ticket_events e JOIN report_tickets r ON r.ticket_id = e.ticket_id \
                WHERE e.kind IN ('closed', 'reopened')")
            .within("e.at", period)
            .filter(filter, "r.", &FACTS)
            .push(" GROUP BY r.priority, r.tier");
        let mut flow = Vec::new();
        for r in q.fetch().await? {
            flow.push(FlowRow {
                priority: priority(&r)?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                closed: int(&r, "closed")?,
                reopened: int(&r, "reopened")?,
            });
        }

        let mut q = Sql::new(self);
        q.push("SELECT clock, priority, tier, SUM(CASE WHEN breach_at IS NOT NULL AND breach_at <= ")
            .int(ms(now))
            .push(" THEN 1 ELSE 0 END) AS breached, \
                   SUM(CASE WHEN breach_at IS NULL AND stopped_at IS NOT NULL THEN 1 ELSE 0 END) AS met, \
                   COUNT(*) AS n FROM report_clocks WHERE 1 = 1")
            .within("created_at", period)
            .filter(filter, "", &FACTS)
            .push(" GROUP BY clock, priority, tier");
        let mut clocks = Vec::new();
        for r in q.fetch().await? {
            let (met, breached, n) = (int(&r, "met")?, int(&r, "breached")?, int(&r, "n")?);
            clocks.push(ClockRow {
                clock: clock_kind(&text(&r, "clock")?)?,
                priority: priority(&r)?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                met,
                breached,
                pending: n - met - breached,
            });
        }

        let mut times = Vec::new();
        for measure in [Measure::FirstResponse, Measure::Resolution] {
            for grouping in [Grouping::All, Grouping::Cell, Grouping::Agent] {
                if grouping == Grouping::Agent && measure == Measure::Resolution {
                    continue;
                }
                times.extend(self.percentiles(period, filter, measure, grouping).await?);
            }
        }

        let mut q = Sql::new(self);
        q.push("SELECT agent, COUNT(*) AS n FROM report_tickets WHERE agent IS NOT NULL")
            .within("created_at", period)
            .filter(filter, "", &FACTS)
            .push(" GROUP BY agent");
        let mut handled = Vec::new();
        for r in q.fetch().await? {
            handled.push((text(&r, "agent")?, int(&r, "n")?));
        }

        let mut q = Sql::new(self);
        q.push("SELECT r.agent, c.score, COUNT(*) AS n FROM report_tickets r \
                LEFT JOIN csat c ON c.ticket_id = r.ticket_id \
                WHERE r.ticket_id IN (SELECT e.ticket_id FROM ticket_events e WHERE e.kind = 'closed'")
            .within("e.at", period)
            .push(")")
            .filter(filter, "r.", &FACTS)
            .push(" GROUP BY r.agent, c.score");
        let mut csat = Vec::new();
        for r in q.fetch().await? {
            csat.push(CsatRow {
                agent: r.try_get("agent").map_err(db_err)?,
                score: r.try_get("score").map_err(db_err)?,
                count: int(&r, "n")?,
            });
        }

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
        let mut faq_unanswered = Vec::new();
        for r in q.fetch().await? {
            faq_unanswered.push((text(&r, "q")?, int(&r, "n")?));
        }
        // Quarterly surveys sent in the period; like FAQ questions they have no tier.
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

    async fn percentiles(
        &self,
        period: Period,
        filter: &Filter,
        measure: Measure,
        grouping: Grouping,
    ) -> Result<Vec<TimeRow>, StoreError> {
        let (cols, part, extra) = match grouping {
            Grouping::All => ("", "", ""),
            Grouping::Cell => ("priority, tier, ", "PARTITION BY priority, tier", ""),
            Grouping::Agent => ("agent, ", "PARTITION BY agent", " AND agent IS NOT NULL"),
        };
        let clock = match measure {
            Measure::FirstResponse => ClockKind::FirstResponse,
            Measure::Resolution => ClockKind::Resolution,
        };
        let mut q = Sql::new(self);
        q.push(&format!(
            "SELECT {cols}n, rn, v FROM (SELECT {cols}elapsed_ms AS v, \
             ROW_NUMBER() OVER ({part} ORDER BY elapsed_ms) AS rn, COUNT(*) OVER ({part}) AS n \
             FROM report_clocks WHERE stopped_at IS NOT NULL{extra} AND clock = "
        ))
        .str(clock.as_str())
        .within("created_at", period)
        .filter(filter, "", &FACTS)
        .push(") x WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100 OR rn = n");
        let mut out: Vec<TimeRow> = Vec::new();
        for r in q.fetch().await? {
            let group = match grouping {
                Grouping::All => Group::All,
                Grouping::Cell => {
                    Group::Cell(priority(&r)?, parse_col("tier", &text(&r, "tier")?)?)
                }
                Grouping::Agent => Group::Agent(text(&r, "agent")?),
            };
            let (n, rn, v) = (int(&r, "n")?, int(&r, "rn")?, int(&r, "v")?);
            let i = match out.iter().position(|t| t.group == group) {
                Some(i) => i,
                None => {
                    out.push(TimeRow {
                        measure,
                        group,
                        n,
                        median_ms: 0,
                        p90_ms: 0,
                        max_ms: 0,
                    });
                    out.len() - 1
                }
            };
            let row = &mut out[i];
            // One row may be several ranks at once (n = 1: median, p90 and max).
            if rn == (n * 50 + 99) / 100 {
                row.median_ms = v;
            }
            if rn == (n * 90 + 99) / 100 {
                row.p90_ms = v;
            }
            if rn == n {
                row.max_ms = v;
            }
        }
        Ok(out)
    }

    /// SLA clocks whose target passed within `period` (and before `now`), oldest first.
    pub async fn sla_breaches(
        &self,
        period: Period,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreachRow>, StoreError> {
        let upto = Period {
            from: period.from,
            to: period.to.min(now),
        };
        let mut q = Sql::new(self);
        q.push("SELECT ticket_id, clock, platform, requester_id, priority, tier, target_ms, elapsed_ms, breach_at, stopped_at \
                FROM report_clocks WHERE breach_at IS NOT NULL")
            .within("breach_at", upto)
            .filter(filter, "", &FACTS)
            .push(" ORDER BY breach_at, ticket_id, clock, seq");
        let mut out = Vec::new();
        for r in q.fetch().await? {
            out.push(BreachRow {
                ticket_id: int(&r, "ticket_id")?,
                clock: clock_kind(&text(&r, "clock")?)?,
                platform: parse_col("platform", &text(&r, "platform")?)?,
                requester_id: text(&r, "requester_id")?,
                priority: priority(&r)?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                target_ms: int(&r, "target_ms")?,
                elapsed_ms: int(&r, "elapsed_ms")?,
                breach_at: from_ms(int(&r, "breach_at")?)?,
                stopped_at: opt_time(&r, "stopped_at")?,
            });
        }
        Ok(out)
    }

    /// P1 incident tickets whose downtime (the confirmed start, else the opening, to the
    /// resolution) overlaps `period`.
    pub async fn incidents(
        &self,
        period: Period,
        filter: &Filter,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        let mut q = Sql::new(self);
        q.push("SELECT ticket_id, platform, requester_id, tier, COALESCE(incident_start, created_at) AS start, resolved_at FROM report_tickets \
                WHERE kind = 'incident' AND priority = 1 AND COALESCE(incident_start, created_at) < ")
            .int(ms(period.to))
            .push(" AND (resolved_at IS NULL OR resolved_at > ")
            .int(ms(period.from))
            .push(")")
            .filter(filter, "", &FACTS)
            .push(" ORDER BY created_at, ticket_id");
        let mut out = Vec::new();
        for r in q.fetch().await? {
            out.push(IncidentRow {
                ticket_id: int(&r, "ticket_id")?,
                platform: parse_col("platform", &text(&r, "platform")?)?,
                requester_id: text(&r, "requester_id")?,
                tier: parse_col("tier", &text(&r, "tier")?)?,
                start: from_ms(int(&r, "start")?)?,
                end: opt_time(&r, "resolved_at")?,
            });
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grouping {
    All,
    Cell,
    Agent,
}

impl SqlStore {
    /// The users who registered one of `keys` with `/register`.
    pub async fn users_with_license_keys(
        &self,
        keys: &[String],
    ) -> Result<Vec<(crate::domain::ids::Platform, String)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(self);
        q.push("SELECT platform, user_id FROM licenses WHERE license_key IN (");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.str(k);
        }
        q.push(") ORDER BY platform, user_id");
        let mut out = Vec::new();
        for r in q.fetch().await? {
            out.push((
                parse_col("platform", &text(&r, "platform")?)?,
                text(&r, "user_id")?,
            ));
        }
        Ok(out)
    }
}
