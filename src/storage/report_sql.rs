//! The SQL the reports' queries are written with: a statement builder that numbers its
//! placeholders for either backend, the filter conditions, the shape of an aggregate read from
//! the monthly rollups and the facts at once, and the column readers.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::report_rollups::Span;
use super::rows::ms;
use super::sla::params;
use super::{SqlStore, db_err};
use crate::domain::ports::StoreError;
use crate::domain::sla_clock::ClockKind;
use crate::domain::ticket::Priority;
use crate::reports::model::{Filter, Period};

enum Arg {
    I(i64),
    S(String),
}

/// A statement being written with its arguments, placeholders numbered as they are added.
pub(super) struct Sql<'s> {
    store: &'s SqlStore,
    text: String,
    args: Vec<Arg>,
}

/// The columns a filter applies to in one query.
pub(super) struct Cols {
    /// The tier column, if the table has one.
    pub tier: Option<&'static str>,
    /// The requester's platform.
    pub platform: &'static str,
    /// The requester's user id.
    pub user: &'static str,
}

pub(super) const FACTS: Cols = Cols {
    tier: Some("tier"),
    platform: "platform",
    user: "requester_id",
};

impl<'s> Sql<'s> {
    pub(super) fn new(store: &'s SqlStore) -> Sql<'s> {
        Sql {
            store,
            text: String::new(),
            args: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let p = params(self.store.backend, self.args.len(), 1);
        self.text.push_str(&p);
        self
    }

    pub(super) fn int(&mut self, v: i64) -> &mut Self {
        self.arg(Arg::I(v))
    }

    pub(super) fn str(&mut self, v: &str) -> &mut Self {
        self.arg(Arg::S(v.to_string()))
    }

    /// ` AND {col} >= from AND {col} < to`.
    pub(super) fn within(&mut self, col: &str, p: Period) -> &mut Self {
        self.push(&format!(" AND {col} >= "))
            .int(ms(p.from))
            .push(&format!(" AND {col} < "))
            .int(ms(p.to))
    }

    /// The filter's conditions, each ` AND …`, on columns named with `prefix`.
    pub(super) fn filter(&mut self, f: &Filter, prefix: &str, cols: &Cols) -> &mut Self {
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

    /// One aggregate over `span`: the rollup's rows for its whole months and the facts'
    /// groups for its edges, summed per group (see [`Shape`]).
    pub(super) fn shape(&mut self, span: &Span, filter: &Filter, s: &Shape) -> &mut Self {
        self.push(&format!("SELECT {}, {} FROM (", s.keys, s.sums));
        let mut first = true;
        if let Some((from, to)) = span.months {
            self.push(&format!("SELECT {} AND month >= ", s.rollup))
                .int(from)
                .push(" AND month < ")
                .int(to)
                .filter(filter, "", &FACTS);
            first = false;
        }
        for &(from, to) in &span.edges {
            if !first {
                self.push(" UNION ALL ");
            }
            first = false;
            self.push(&format!("SELECT {} AND {} >= ", s.facts, s.at))
                .int(from)
                .push(&format!(" AND {} < ", s.at))
                .int(to)
                .filter(filter, s.prefix, &FACTS)
                .push(&format!(" GROUP BY {}", s.group));
        }
        if first {
            // An empty period: the shape of the result, no rows.
            self.push(&format!("SELECT {} AND 1 = 0", s.rollup));
        }
        self.push(&format!(") x GROUP BY {}", s.keys))
    }

    pub(super) async fn fetch(&self) -> Result<Vec<AnyRow>, StoreError> {
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

pub(super) fn int(r: &AnyRow, col: &str) -> Result<i64, StoreError> {
    r.try_get::<i64, _>(col).map_err(db_err)
}

pub(super) fn text(r: &AnyRow, col: &str) -> Result<String, StoreError> {
    r.try_get::<String, _>(col).map_err(db_err)
}

pub(super) fn priority(r: &AnyRow) -> Result<Priority, StoreError> {
    let p = int(r, "priority")?;
    Priority::from_rank(p).ok_or_else(|| StoreError::Backend(format!("bad priority {p}")))
}

pub(super) fn clock_kind(s: &str) -> Result<ClockKind, StoreError> {
    ClockKind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| StoreError::Backend(format!("bad clock {s}")))
}

/// One aggregate as the KPI report reads it: the same groups from a rollup table and from
/// the facts. Texts are constants of this module, never user input.
pub(super) struct Shape<'a> {
    /// The grouping columns of the result.
    pub keys: &'a str,
    /// The summed columns of the result, each `CAST(… AS BIGINT) AS name`.
    pub sums: &'a str,
    /// `cols FROM rollup_table WHERE …`, the rollup's keys and counts (` AND` conditions follow).
    pub rollup: &'a str,
    /// `cols FROM facts WHERE …`, the facts' keys and counts (` AND` conditions follow).
    pub facts: &'a str,
    /// The facts' column the period applies to.
    pub at: &'a str,
    /// The prefix of the facts' filter columns (`r.` in a join).
    pub prefix: &'a str,
    /// The facts' `GROUP BY` list.
    pub group: &'a str,
}
