//! Producing a report end to end: bring the stored facts up to date, resolve the filters (a
//! customer account becomes its platform users and the users who registered its license
//! keys), ask the database for the aggregates and build the report.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::kpi::{Goals, KpiReport};
use super::model::{Filter, Period};
use super::sla::{Customer, SlaInputs, SlaReport};
use crate::config::Config;
use crate::domain::directory::{CustomerAccount, parse_user_key};
use crate::domain::ids::{Platform, UserRef};
use crate::domain::ports::TicketStore;
use crate::domain::sla_credits::credit_policies;
use crate::domain::ticket::Tier;
use crate::storage::SqlStore;

/// What `report kpi` was asked for.
#[derive(Debug, Clone, Default)]
pub struct KpiRequest {
    /// The period.
    pub period: Period,
    /// `--tier`.
    pub tier: Option<Tier>,
    /// `--customer`: an account name from `[customers]`.
    pub customer: Option<String>,
    /// `--platform`.
    pub platform: Option<Platform>,
}

impl Default for Period {
    fn default() -> Self {
        Period {
            from: DateTime::<Utc>::MIN_UTC,
            to: DateTime::<Utc>::MIN_UTC,
        }
    }
}

/// Which facts and rollups this code computes: raised when they change, so that an upgraded
/// bot computes every ticket's facts again (2: monthly rollups, last close, rating).
const FACTS_VERSION: u32 = 2;

/// A fingerprint of the settings the facts and rollups are computed with (the SLA policy and
/// the reports' time zone, which draws the months): when it changes, every ticket's facts are
/// computed again.
pub fn policy_fingerprint(cfg: &Config) -> String {
    let sla = serde_json::json!({
        "calendars": cfg.sla.calendars,
        "tiers": cfg.sla.tiers,
        "pause_on_hold": cfg.sla.pause_on_hold,
        "time_zone": cfg.reports.time_zone,
        "version": FACTS_VERSION,
    });
    let digest = Sha256::digest(sla.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Recomputes the facts of tickets changed since the last report.
pub async fn refresh(store: &SqlStore, cfg: &Config, now: DateTime<Utc>) -> Result<u64> {
    let policy = cfg
        .sla
        .policy()
        .map_err(|e| anyhow!("invalid [sla] section: {e}"))?;
    let tz = cfg.reports.tz().map_err(anyhow::Error::msg)?;
    store
        .refresh_report_facts(&policy, &policy_fingerprint(cfg), tz, now)
        .await
        .context("cannot bring the report facts up to date")
}

fn account<'a>(cfg: &'a Config, name: &str) -> Result<&'a CustomerAccount> {
    cfg.customers
        .accounts
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = cfg
                .customers
                .accounts
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            anyhow!(
                "no customer account named `{name}` in [customers] (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
}

async fn users_of(store: &SqlStore, a: &CustomerAccount) -> Result<Vec<(Platform, String)>> {
    let mut users: Vec<(Platform, String)> = a
        .users
        .iter()
        .filter_map(|u| parse_user_key(u).ok())
        .collect();
    users.extend(store.users_with_license_keys(&a.license_keys).await?);
    users.sort();
    users.dedup();
    Ok(users)
}

/// Computes the KPI report at `now`.
pub async fn kpi(
    store: &SqlStore,
    cfg: &Config,
    req: &KpiRequest,
    now: DateTime<Utc>,
) -> Result<KpiReport> {
    refresh(store, cfg, now).await?;
    let mut filters = Vec::new();
    let customer = match &req.customer {
        Some(name) => {
            filters.push(format!("customer {name}"));
            Some(users_of(store, account(cfg, name)?).await?)
        }
        None => None,
    };
    if let Some(t) = req.tier {
        filters.push(format!("tier {t}"));
    }
    if let Some(p) = req.platform {
        filters.push(format!("platform {p}"));
    }
    let filter = Filter {
        tier: req.tier,
        customer,
        platform: req.platform,
    };
    let tz = cfg.reports.tz().map_err(anyhow::Error::msg)?;
    let figures = store.kpi_figures(req.period, &filter, tz, now).await?;
    if req.tier.is_some() {
        filters.push("FAQ figures are not limited by tier".into());
    }
    Ok(super::kpi::build(
        &figures,
        req.period,
        &cfg.reports.time_zone,
        filters,
        now,
        Goals {
            response_rate: cfg.reports.response_rate_goal / 100.0,
            bug_fix_rate: cfg.reports.bug_fix_rate_goal / 100.0,
        },
    ))
}

/// Computes the SLA compliance report of `month` (`2026-11`) at `now`.
pub async fn sla(
    store: &SqlStore,
    cfg: &Config,
    month: &str,
    customer: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SlaReport> {
    let tz = cfg.reports.tz().map_err(anyhow::Error::msg)?;
    let period = super::config::month(tz, month).map_err(anyhow::Error::msg)?;
    let credits = credit_policies(&cfg.sla.credits).map_err(anyhow::Error::msg)?;
    refresh(store, cfg, now).await?;
    let (filter, always) = match customer {
        Some(name) => {
            let a = account(cfg, name)?;
            (
                Filter {
                    customer: Some(users_of(store, a).await?),
                    ..Filter::default()
                },
                vec![Customer {
                    name: a.name.clone(),
                    account_tier: Some(a.tier),
                }],
            )
        }
        None => (Filter::default(), Vec::new()),
    };
    let breaches = store.sla_breaches(period, &filter, now).await?;
    let incidents = store.incidents(period, &filter).await?;
    // Name each requester once: their configured account, the account of the license key
    // they registered, or themself.
    let mut names: HashMap<(Platform, String), Customer> = HashMap::new();
    let people = breaches
        .iter()
        .map(|b| (b.platform, b.requester_id.clone()))
        .chain(
            incidents
                .iter()
                .map(|i| (i.platform, i.requester_id.clone())),
        );
    for (p, id) in people {
        if names.contains_key(&(p, id.clone())) {
            continue;
        }
        let user = UserRef {
            platform: p,
            id: id.clone(),
            name: String::new(),
        };
        let license = store.license_of(&user).await?;
        let e = cfg.customers.entitlement(&user, &[], license.as_deref());
        let who = match e.account {
            Some(name) => Customer {
                name,
                account_tier: Some(e.tier),
            },
            None => Customer {
                name: format!("{p}:{id}"),
                account_tier: None,
            },
        };
        names.insert((p, id), who);
    }
    let customer_of = |p: Platform, id: &str| {
        names
            .get(&(p, id.to_string()))
            .cloned()
            .unwrap_or(Customer {
                name: format!("{p}:{id}"),
                account_tier: None,
            })
    };
    let credits: BTreeMap<Tier, _> = credits;
    Ok(super::sla::build(
        &SlaInputs {
            month: month.trim().to_string(),
            period,
            now,
            credits: &credits,
            availability: &cfg.sla.availability,
            customer_of: &customer_of,
            always,
        },
        &breaches,
        &incidents,
    ))
}

/// The desk's `/report sla` over the SQL store.
pub struct SqlReports {
    store: std::sync::Arc<SqlStore>,
    cfg: Config,
}

impl SqlReports {
    /// Reports over `store` with the settings of `cfg`.
    pub fn new(store: std::sync::Arc<SqlStore>, cfg: Config) -> SqlReports {
        SqlReports { store, cfg }
    }
}

#[async_trait::async_trait]
impl crate::domain::report_source::ReportSource for SqlReports {
    async fn sla_month(
        &self,
        month: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<crate::domain::report_source::SlaMonth, crate::domain::ports::StoreError> {
        use crate::domain::report_source::{SlaCustomerLine, SlaMonth};
        let backend =
            |e: anyhow::Error| crate::domain::ports::StoreError::Backend(format!("{e:#}"));
        let month = match month {
            Some(m) => m.to_string(),
            None => {
                let tz = self.cfg.reports.tz().map_err(|e| backend(anyhow!(e)))?;
                now.with_timezone(&tz).format("%Y-%m").to_string()
            }
        };
        let r = sla(&self.store, &self.cfg, &month, None, now)
            .await
            .map_err(backend)?;
        Ok(SlaMonth {
            month: r.month,
            breaches: r.breaches.len() as i64,
            first_response_breaches: r
                .breaches
                .iter()
                .filter(|b| b.clock == "first_response")
                .count() as i64,
            customers: r
                .customers
                .into_iter()
                .map(|c| SlaCustomerLine {
                    customer: c.customer,
                    breaches: c.breaches,
                    availability: c.availability.percent,
                    promise: c.availability.promise,
                    credit: c.credit,
                })
                .collect(),
        })
    }
}
