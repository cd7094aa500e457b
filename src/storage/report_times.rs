//! Exact nearest-rank percentiles of first-response and resolution times without sorting
//! every clock: the histogram classes (`bucket`) summed per group from the rollups and the
//! facts tell which class holds the wanted rank and its place in it, and one indexed read of
//! that class (`report_clocks_times_*`, one index per kind of group) gives the exact value.

use std::collections::BTreeMap;

use super::report_rollups::Span;
use super::report_sql::{FACTS, Shape, Sql, int, text};
use super::{SqlStore, parse_col};
use crate::domain::ports::StoreError;
use crate::domain::sla_clock::ClockKind;
use crate::reports::model::{Filter, Group, Measure, Period, TimeRow};

/// A group's histogram: class → (count, smallest value, largest value).
type Histogram = BTreeMap<i64, (i64, i64, i64)>;

/// The nearest-rank positions the report shows: the ⌈n/2⌉-th and ⌈0.9·n⌉-th smallest.
fn ranks(n: i64) -> [i64; 2] {
    [(n * 50 + 99) / 100, (n * 90 + 99) / 100]
}

/// The class holding the `rank`-th smallest value (1-based), and how many smaller values of
/// the same class come before it; `None` past the end.
fn locate(h: &Histogram, rank: i64) -> Option<(i64, i64)> {
    let mut below = 0;
    for (&bucket, &(n, _, _)) in h {
        if rank <= below + n {
            return Some((bucket, rank - below - 1));
        }
        below += n;
    }
    None
}

impl SqlStore {
    /// The percentiles of `measure`: overall, per priority × tier and (first response) per
    /// agent, over the clocks stopped of tickets opened in `period`.
    pub(super) async fn times(
        &self,
        span: &Span,
        period: Period,
        filter: &Filter,
        measure: Measure,
    ) -> Result<Vec<TimeRow>, StoreError> {
        let clock = match measure {
            Measure::FirstResponse => ClockKind::FirstResponse,
            Measure::Resolution => ClockKind::Resolution,
        };
        let c = clock.as_str();
        let mut all = Histogram::new();
        let mut groups: BTreeMap<Key, Histogram> = BTreeMap::new();
        let rollup = format!(
            "priority, tier, bucket, n, min_ms, max_ms FROM report_m_times WHERE clock = '{c}'"
        );
        let facts = format!(
            "priority, tier, bucket, COUNT(*) AS n, MIN(elapsed_ms) AS min_ms, MAX(elapsed_ms) AS max_ms FROM report_clocks \
             WHERE stopped_at IS NOT NULL AND clock = '{c}'"
        );
        let mut q = Sql::new(self);
        q.shape(
            span,
            filter,
            &Shape {
                keys: "priority, tier, bucket",
                sums: CLASS_SUMS,
                rollup: &rollup,
                facts: &facts,
                at: "created_at",
                prefix: "",
                group: "priority, tier, bucket",
            },
        );
        for r in q.fetch().await? {
            let class = class(&r)?;
            add(&mut all, class);
            let cell = Key::Cell(int(&r, "priority")?, text(&r, "tier")?);
            add(groups.entry(cell).or_default(), class);
        }
        if !all.is_empty() {
            groups.insert(Key::All, all);
        }
        if measure == Measure::FirstResponse {
            let rollup = "agent, bucket, n, min_ms, max_ms FROM report_m_agent_times WHERE 1 = 1";
            let facts = format!(
                "agent, bucket, COUNT(*) AS n, MIN(elapsed_ms) AS min_ms, MAX(elapsed_ms) AS max_ms FROM report_clocks \
                 WHERE stopped_at IS NOT NULL AND agent IS NOT NULL AND clock = '{c}'"
            );
            let mut q = Sql::new(self);
            q.shape(
                span,
                filter,
                &Shape {
                    keys: "agent, bucket",
                    sums: CLASS_SUMS,
                    rollup,
                    facts: &facts,
                    at: "created_at",
                    prefix: "",
                    group: "agent, bucket",
                },
            );
            for r in q.fetch().await? {
                let class = class(&r)?;
                add(
                    groups.entry(Key::Agent(text(&r, "agent")?)).or_default(),
                    class,
                );
            }
        }
        let mut out = Vec::with_capacity(groups.len());
        for (key, h) in groups {
            let n: i64 = h.values().map(|(n, _, _)| n).sum();
            let Some((_, &(_, _, max_ms))) = h.last_key_value() else {
                continue;
            };
            let mut at = [0; 2];
            for (slot, rank) in at.iter_mut().zip(ranks(n)) {
                let (bucket, offset) = locate(&h, rank)
                    .ok_or_else(|| StoreError::Backend(format!("rank {rank} of {n} not found")))?;
                let (count, smallest, largest) = h[&bucket];
                // The first and last of a class are its smallest and largest, and a class of
                // one value (often all zeros: answers outside business hours) is that value:
                // no read needed.
                *slot = if offset == 0 || smallest == largest {
                    smallest
                } else if offset == count - 1 {
                    largest
                } else {
                    self.value_at(c, bucket, offset, &key, period, filter)
                        .await?
                };
            }
            out.push(TimeRow {
                measure,
                group: key.group()?,
                n,
                median_ms: at[0],
                p90_ms: at[1],
                max_ms,
            });
        }
        Ok(out)
    }

    /// The `offset`-th smallest (0-based) time of class `bucket` of the group's clocks.
    async fn value_at(
        &self,
        clock: &str,
        bucket: i64,
        offset: i64,
        key: &Key,
        period: Period,
        filter: &Filter,
    ) -> Result<i64, StoreError> {
        let mut q = Sql::new(self);
        q.push(&format!(
            "SELECT elapsed_ms FROM report_clocks WHERE stopped_at IS NOT NULL AND clock = '{clock}' AND bucket = "
        ))
        .int(bucket)
        .within("created_at", period);
        match key {
            Key::All => {}
            Key::Cell(p, t) => {
                q.push(" AND priority = ")
                    .int(*p)
                    .push(" AND tier = ")
                    .str(t);
            }
            Key::Agent(a) => {
                q.push(" AND agent = ").str(a);
            }
        }
        q.filter(filter, "", &FACTS)
            .push(" ORDER BY elapsed_ms LIMIT 1 OFFSET ")
            .int(offset);
        let rows = q.fetch().await?;
        match rows.first() {
            Some(r) => int(r, "elapsed_ms"),
            // Another instance changed the facts between the two reads.
            None => Err(StoreError::Backend(
                "the report facts changed while the report ran; run it again".into(),
            )),
        }
    }
}

/// A percentile group as read from the database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    All,
    Cell(i64, String),
    Agent(String),
}

impl Key {
    fn group(&self) -> Result<Group, StoreError> {
        Ok(match self {
            Key::All => Group::All,
            Key::Cell(p, t) => Group::Cell(
                crate::domain::ticket::Priority::from_rank(*p)
                    .ok_or_else(|| StoreError::Backend(format!("bad priority {p}")))?,
                parse_col("tier", t)?,
            ),
            Key::Agent(a) => Group::Agent(a.clone()),
        })
    }
}

/// One histogram row's class: (bucket, count, smallest, largest).
type Class = (i64, i64, i64, i64);

/// The summed columns of a histogram read, whichever groups it is read for.
const CLASS_SUMS: &str = "CAST(SUM(n) AS BIGINT) AS n, CAST(MIN(min_ms) AS BIGINT) AS min_ms, CAST(MAX(max_ms) AS BIGINT) AS max_ms";

/// The class a histogram row describes.
fn class(r: &sqlx::any::AnyRow) -> Result<Class, StoreError> {
    Ok((
        int(r, "bucket")?,
        int(r, "n")?,
        int(r, "min_ms")?,
        int(r, "max_ms")?,
    ))
}

fn add(h: &mut Histogram, (bucket, n, min, max): Class) {
    let e = h.entry(bucket).or_insert((0, i64::MAX, i64::MIN));
    e.0 += n;
    e.1 = e.1.min(min);
    e.2 = e.2.max(max);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rank_is_found_in_its_class() {
        let mut h = Histogram::new();
        add(&mut h, (3, 2, 28, 30));
        add(&mut h, (7, 3, 66, 70));
        add(&mut h, (7, 1, 64, 75));
        assert_eq!(h[&7], (4, 64, 75));
        assert_eq!(locate(&h, 1), Some((3, 0)));
        assert_eq!(locate(&h, 2), Some((3, 1)));
        assert_eq!(locate(&h, 3), Some((7, 0)));
        assert_eq!(locate(&h, 6), Some((7, 3)));
        assert_eq!(locate(&h, 7), None);
        // n = 6: median the 3rd, p90 the 6th; n = 1: both the only one.
        assert_eq!(ranks(6), [3, 6]);
        assert_eq!(ranks(1), [1, 1]);
        assert_eq!(ranks(10), [5, 9]);
    }
}
