//! `supportbot doctor`: live checks of everything the configured channels need (tokens, the
//! staff spaces and the bot's rights there, storage, the kb, the sentence model, ports), one
//! line per check with the fix for each failure. The platform checks live beside their
//! adapters (`channels::telegram::doctor`, `channels::discord::doctor`); this module runs them
//! and the local ones and decides the exit status.

mod local;

use std::fmt;

use crate::config::Config;
use crate::domain::ids::Platform;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Works as needed.
    Pass,
    /// Works, but something deserves a look (the bot fixes it itself, or it is optional).
    Warn,
    /// The bot cannot do its job until this is fixed.
    Fail,
}

/// One checked fact: a stable id (`telegram.topics`), what was found, and for a warning or a
/// failure what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Stable name, `area.what`, for scripts and tests.
    pub id: &'static str,
    /// Outcome.
    pub status: Status,
    /// What was found, in one sentence.
    pub detail: String,
    /// What to do, for a warning or a failure.
    pub fix: Option<String>,
}

impl Check {
    /// A passed check.
    pub fn pass(id: &'static str, detail: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A warning with its remedy.
    pub fn warn(id: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// A failure with its fix.
    pub fn fail(id: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

impl fmt::Display for Check {
    /// `ok   telegram.token: token works (@support_bot)`, or with `→ fix: …` on the same line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.status {
            Status::Pass => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        write!(f, "{tag} {}: {}", self.id, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, " → fix: {fix}")?;
        }
        Ok(())
    }
}

/// Every check of one run, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// True when nothing failed (warnings allowed): the exit status is 0.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// The check with this id, if it ran (the first, when a check runs per channel).
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Ids of the failed checks.
    pub fn failed(&self) -> Vec<&'static str> {
        self.ids(Status::Fail)
    }

    /// Ids of the checks that warned.
    pub fn warned(&self) -> Vec<&'static str> {
        self.ids(Status::Warn)
    }

    fn ids(&self, status: Status) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.id)
            .collect()
    }

    /// One line per check and a summary line, secrets scrubbed.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&crate::redact::scrub(&c.to_string()));
            out.push('\n');
        }
        let count = |s| self.checks.iter().filter(|c| c.status == s).count();
        out.push_str(&format!(
            "{} passed, {} warning(s), {} failed: {}\n",
            count(Status::Pass),
            count(Status::Warn),
            count(Status::Fail),
            if self.ok() {
                "ready to go live"
            } else {
                "fix the failures above, then run `supportbot doctor` again"
            }
        ));
        out
    }
}

/// Whether agents work tickets on `platform` for some customer platform (so its staff space
/// must be set up).
pub fn staff_works_on(cfg: &Config, platform: Platform) -> bool {
    cfg.staff.home == platform || cfg.staff.home_for.values().any(|p| *p == platform)
}

/// Runs every check the configuration calls for: each platform with a token (and enabled),
/// then storage, the kb, the sentence model and the listening ports.
pub async fn run(cfg: &Config) -> Report {
    let mut report = Report::default();
    let telegram = cfg
        .secrets
        .telegram_token
        .as_deref()
        .filter(|_| cfg.telegram.enabled);
    let discord = cfg
        .secrets
        .discord_token
        .as_deref()
        .filter(|_| cfg.discord.enabled);
    report.checks.extend(platform_setup(cfg, telegram, discord));
    if let Some(token) = telegram {
        let staff = staff_works_on(cfg, Platform::Telegram);
        report
            .checks
            .extend(crate::channels::telegram::doctor::checks(&cfg.telegram, token, staff).await);
    }
    if let Some(token) = discord {
        let staff = staff_works_on(cfg, Platform::Discord);
        report
            .checks
            .extend(crate::channels::discord::doctor::checks(&cfg.discord, token, staff).await);
    }
    if let Some(problem) = cfg.sla_problem() {
        report.checks.push(Check::fail(
            "sla",
            problem,
            "fix the [sla] section (docs/sla.md); `supportbot config check` shows the effective config",
        ));
    }
    report.checks.push(local::storage(cfg).await);
    report.checks.push(local::kb(cfg));
    report.checks.extend(local::models(cfg));
    report.checks.extend(local::ports(cfg).await);
    report
}

/// Which platforms run, and whether agents' home platforms can run at all.
fn platform_setup(cfg: &Config, telegram: Option<&str>, discord: Option<&str>) -> Vec<Check> {
    let running: Vec<Platform> = [(Platform::Telegram, telegram), (Platform::Discord, discord)]
        .into_iter()
        .filter(|(_, t)| t.is_some())
        .map(|(p, _)| p)
        .collect();
    let mut checks = vec![if running.is_empty() {
        Check::warn(
            "platforms",
            "no platform token is set (or both platforms are disabled): `supportbot run` starts the console only",
            "set TELEGRAM_TOKEN and/or DISCORD_TOKEN (see docs/going-live.md, or run `supportbot setup`)",
        )
    } else {
        let names: Vec<String> = running.iter().map(|p| p.to_string()).collect();
        Check::pass("platforms", format!("configured: {}", names.join(", ")))
    }];
    for (platform, var) in [
        (Platform::Telegram, "TELEGRAM_TOKEN"),
        (Platform::Discord, "DISCORD_TOKEN"),
    ] {
        if staff_works_on(cfg, platform) && !running.contains(&platform) {
            checks.push(Check::fail(
                "staff.home",
                format!("agents work on {platform} (staff.home / staff.home_for), but {platform} does not run"),
                format!("set {var} (and {platform}.enabled = true), or point staff.home at a platform that runs"),
            ));
        }
    }
    if running
        .iter()
        .any(|p| cfg.staff_home_for(*p) == Platform::Console)
    {
        checks.push(Check::fail(
            "staff.home",
            "tickets from a live platform are handed to the console, where no agent sees them",
            "set staff.home = \"telegram\" or \"discord\" (or staff.home_for) in your config",
        ));
    }
    checks
}
