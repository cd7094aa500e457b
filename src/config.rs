//! Configuration: `config/default.toml`, then the user's file, then `SUPPORTBOT__SECTION__KEY`
//! environment variables, validated into typed sections. Tokens come only from the environment.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::domain::directory::parse_user_key;
use crate::domain::directory::{CustomersConfig, StaffConfig};
use crate::domain::faq::FaqConfig;
use crate::domain::ids::Platform;

/// The defaults, compiled in so the binary works from any directory.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The validated configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database.
    pub storage: StorageConfig,
    /// Customers, tiers and support periods.
    pub customers: CustomersConfig,
    /// Agents, roles and where they work.
    pub staff: StaffConfig,
    /// FAQ answering thresholds.
    pub faq: FaqConfig,
    /// Knowledge-base indexing.
    pub search: crate::search::SearchConfig,
    /// SLA calendars and policies.
    pub sla: crate::domain::sla::SlaConfig,
    /// Telegram adapter.
    pub telegram: crate::channels::telegram::TelegramConfig,
    /// Discord adapter.
    pub discord: crate::channels::discord::DiscordConfig,
    /// Health and metrics endpoint.
    pub admin: AdminConfig,
    /// Bounds on what people send.
    #[serde(default)]
    pub limits: crate::domain::limits::LimitsConfig,
    /// Report time zone and KPI goals.
    #[serde(default)]
    pub reports: crate::reports::config::ReportsConfig,
    /// Leader election among instances on one database.
    #[serde(default)]
    pub cluster: crate::leader::ClusterConfig,
    /// The web dashboard for agents and leads.
    #[serde(default)]
    pub dashboard: crate::web::DashboardConfig,
    /// Secrets, from the environment only; never serialized.
    #[serde(skip)]
    pub secrets: Secrets,
}

/// `[storage]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub url: String,
    /// Maximum pooled connections.
    pub max_connections: u32,
}

/// `[admin]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve /healthz and /metrics.
    pub enabled: bool,
    /// Listen address.
    pub bind: String,
}

/// Tokens, read from `DISCORD_TOKEN` and `TELEGRAM_TOKEN`. `Debug` never shows them.
#[derive(Clone, Default)]
pub struct Secrets {
    /// Discord bot token.
    pub discord_token: Option<String>,
    /// Telegram bot token.
    pub telegram_token: Option<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |s: &Option<String>| if s.is_some() { "<redacted>" } else { "<unset>" };
        f.debug_struct("Secrets")
            .field("discord_token", &show(&self.discord_token))
            .field("telegram_token", &show(&self.telegram_token))
            .finish()
    }
}

impl Secrets {
    /// Reads tokens from the process environment; empty values count as unset.
    pub fn from_env() -> Secrets {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Secrets {
            discord_token: get("DISCORD_TOKEN"),
            telegram_token: get("TELEGRAM_TOKEN"),
        }
    }
}

impl Config {
    /// Loads defaults, then `file` (if given), then `SUPPORTBOT__…` variables from the process env.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        let user = match file {
            Some(p) => Some((
                p.to_path_buf(),
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?,
            )),
            None => None,
        };
        let mut cfg =
            Config::from_layers(user.as_ref().map(|(p, s)| (p.as_path(), s.as_str())), &vars)?;
        cfg.secrets = Secrets::from_env();
        Ok(cfg)
    }

    /// Builds a config from the defaults, an optional user file's text, and env pairs.
    pub fn from_layers(user: Option<(&Path, &str)>, env: &[(String, String)]) -> Result<Config> {
        let mut merged: toml::Table =
            toml::from_str(DEFAULT_TOML).context("built-in config/default.toml is invalid")?;
        if let Some((path, text)) = user {
            let table: toml::Table = toml::from_str(text)
                .with_context(|| format!("{} is not valid TOML", path.display()))?;
            merge(&mut merged, table);
        }
        for (key, value) in env {
            if let Some(rest) = key.strip_prefix("SUPPORTBOT__") {
                apply_env(&mut merged, rest, value)?;
            }
        }
        let cfg: Config =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                anyhow::anyhow!("invalid configuration at `{}`: {}", e.path(), e.inner())
            })?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        let f = &self.faq;
        for (name, v) in [
            ("answer_threshold", f.answer_threshold),
            ("suggest_threshold", f.suggest_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                bail!("faq.{name} must be between 0 and 1, got {v}");
            }
        }
        if f.suggest_threshold > f.answer_threshold {
            bail!(
                "faq.suggest_threshold ({}) must not exceed faq.answer_threshold ({})",
                f.suggest_threshold,
                f.answer_threshold
            );
        }
        self.limits.validate().map_err(anyhow::Error::msg)?;
        self.reports.validate().map_err(anyhow::Error::msg)?;
        self.cluster.validate().map_err(anyhow::Error::msg)?;
        self.dashboard.validate().map_err(anyhow::Error::msg)?;
        let homes = std::iter::once(("staff.home".to_string(), self.staff.home)).chain(
            self.staff
                .home_for
                .iter()
                .map(|(from, to)| (format!("staff.home_for.{from}"), *to)),
        );
        for (name, home) in homes {
            if home == Platform::Web {
                bail!(
                    "{name} = \"web\": the dashboard is not a chat; use telegram, discord or console"
                );
            }
        }
        for a in &self.staff.agents {
            for u in &a.users {
                parse_user_key(u)
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("staff.agents `{}`", a.name))?;
            }
        }
        for c in &self.customers.accounts {
            for u in &c.users {
                parse_user_key(u)
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("customers.accounts `{}`", c.name))?;
            }
        }
        Ok(())
    }

    /// What is wrong with the `[sla]` section, if anything. It does not stop loading: commands
    /// that do not use SLAs (kb, tickets, migrate) still run and only warn, while those that
    /// do ([`Config::require_sla`]) refuse with this message.
    pub fn sla_problem(&self) -> Option<String> {
        self.sla
            .validate()
            .and_then(|()| self.sla.check_reachable(chrono::Utc::now()))
            .err()
            .map(|e| format!("invalid [sla] section: {e}"))
    }

    /// Fails with [`Config::sla_problem`] (for commands that use the SLA policy).
    pub fn require_sla(&self) -> Result<()> {
        match self.sla_problem() {
            Some(p) => bail!("{p}"),
            None => Ok(()),
        }
    }

    /// Where agents work tickets opened by customers on `platform`.
    pub fn staff_home_for(&self, platform: Platform) -> Platform {
        self.staff
            .home_for
            .get(&platform)
            .copied()
            .unwrap_or(self.staff.home)
    }

    /// The effective config as TOML, with secrets shown only as set/unset and the database
    /// password masked.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.storage.url = crate::app::redact_url(&shown.storage.url);
        shown.discord.https_proxy = shown
            .discord
            .https_proxy
            .map(|p| crate::app::redact_url(&p));
        let mut out =
            toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}\n"));
        out.push_str(&format!(
            "\n[secrets]  # from the environment\nDISCORD_TOKEN = \"{}\"\nTELEGRAM_TOKEN = \"{}\"\n",
            if self.secrets.discord_token.is_some() { "<redacted>" } else { "<unset>" },
            if self.secrets.telegram_token.is_some() { "<redacted>" } else { "<unset>" },
        ));
        out
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn apply_env(root: &mut toml::Table, path: &str, raw: &str) -> Result<()> {
    let keys: Vec<String> = path.split("__").map(|k| k.to_ascii_lowercase()).collect();
    if keys.iter().any(String::is_empty) {
        bail!("environment variable SUPPORTBOT__{path} has an empty key segment");
    }
    // Values are TOML when they parse as such (numbers, booleans, arrays), else plain strings.
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    let (last, parents) = keys.split_last().expect("non-empty");
    let mut table = root;
    for k in parents {
        let entry = table
            .entry(k.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry
            .as_table_mut()
            .with_context(|| format!("SUPPORTBOT__{path}: `{k}` is not a section"))?;
    }
    table.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn default_toml_parses_and_validates() {
        let cfg = Config::from_layers(None, &[]).unwrap();
        assert!(cfg.storage.url.starts_with("sqlite:"));
        assert!(cfg.faq.suggest_threshold <= cfg.faq.answer_threshold);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_layers(
            Some((Path::new("u.toml"), "[faq]\nanswer_treshold = 0.5\n")),
            &[],
        )
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("answer_treshold"), "{msg}");
        assert!(msg.contains("faq"), "{msg}");
    }

    #[test]
    fn discord_ids_may_be_bare_numbers_in_the_environment_and_in_files() {
        let cfg = Config::from_layers(
            Some((
                Path::new("u.toml"),
                "[discord]\nsupport_channel_ids = [1181914620000000001, \"1181914620000000002\"]\n\
                 [[customers.accounts]]\nname = \"Acme\"\ntier = \"pro\"\ndiscord_roles = [1181914620000000003]\n",
            )),
            &env(&[("SUPPORTBOT__DISCORD__STAFF_CHANNEL_ID", "1181914620123456789")]),
        )
        .unwrap();
        assert_eq!(
            cfg.discord.staff_channel_id.as_deref(),
            Some("1181914620123456789")
        );
        assert_eq!(
            cfg.discord.support_channel_ids,
            vec!["1181914620000000001", "1181914620000000002"]
        );
        assert_eq!(
            cfg.customers.accounts[0].discord_roles,
            vec!["1181914620000000003"]
        );
    }

    #[test]
    fn env_overrides_win_and_are_typed() {
        let cfg = Config::from_layers(
            Some((Path::new("u.toml"), "[faq]\nanswer_threshold = 0.9\n")),
            &env(&[
                ("SUPPORTBOT__FAQ__ANSWER_THRESHOLD", "0.8"),
                ("SUPPORTBOT__STORAGE__URL", "postgres://x/y"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.faq.answer_threshold, 0.8);
        assert_eq!(cfg.storage.url, "postgres://x/y");
    }

    #[test]
    fn invalid_thresholds_are_rejected() {
        let err = Config::from_layers(None, &env(&[("SUPPORTBOT__FAQ__SUGGEST_THRESHOLD", "1.5")]))
            .unwrap_err();
        assert!(format!("{err:#}").contains("suggest_threshold"));
    }

    #[test]
    fn the_cluster_section_is_validated_with_the_key_named() {
        let cfg = Config::from_layers(None, &[]).unwrap();
        assert_eq!(cfg.cluster.election, crate::leader::ElectionMode::Auto);
        assert_eq!(cfg.cluster.lease_secs, 10);
        let err = Config::from_layers(None, &env(&[("SUPPORTBOT__CLUSTER__ELECTION", "maybe")]))
            .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("cluster.election") && msg.contains("maybe"),
            "{msg}"
        );
        let err = Config::from_layers(None, &env(&[("SUPPORTBOT__CLUSTER__LEASE_SECS", "0")]))
            .unwrap_err();
        assert!(format!("{err:#}").contains("cluster.lease_secs"), "{err:#}");
        let cfg = Config::from_layers(
            Some((
                Path::new("u.toml"),
                "[cluster]\nelection = \"on\"\nlease_secs = 5\n",
            )),
            &[],
        )
        .unwrap();
        assert_eq!(cfg.cluster.election, crate::leader::ElectionMode::On);
        assert_eq!(cfg.cluster.lease_secs, 5);
        assert_eq!(cfg.cluster.outbox_lease_secs, 30, "the default stays");
        let err = Config::from_layers(
            None,
            &env(&[("SUPPORTBOT__CLUSTER__OUTBOX_LEASE_SECS", "1")]),
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("cluster.outbox_lease_secs must be between 5 and 600"),
            "{err:#}"
        );
    }

    #[tokio::test]
    async fn the_store_holds_outbox_actions_for_the_configured_lease() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("l.db").display());
        let cfg = Config::from_layers(
            None,
            &env(&[
                ("SUPPORTBOT__STORAGE__URL", url.as_str()),
                ("SUPPORTBOT__CLUSTER__OUTBOX_LEASE_SECS", "45"),
            ]),
        )
        .unwrap();
        let store = crate::app::open_sql_store(&cfg).await.unwrap();
        assert_eq!(store.outbox_lease(), chrono::Duration::seconds(45));
    }

    #[test]
    fn secrets_are_redacted() {
        let s = Secrets {
            discord_token: Some("abc.def".into()),
            telegram_token: None,
        };
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("abc.def"));
        assert!(dbg.contains("<redacted>") && dbg.contains("<unset>"));
    }
}
