//! The doctor's checks of this machine: the database, the knowledge base, the sentence model
//! and the ports the bot will listen on.

use std::path::Path;

use super::Check;
use crate::config::Config;
use crate::search::semantic::ModelConfig;
use crate::search::semantic::fetch::is_installed;
use crate::search::semantic::pinned::{pinned_for, sha256_file};
use crate::storage::{DbState, db_state};

/// The database is reachable and carries this binary's migrations.
pub async fn storage(cfg: &Config) -> Check {
    let shown = crate::app::redact_url(&cfg.storage.url);
    match db_state(&cfg.storage.url).await {
        Err(e) => Check::fail(
            "storage",
            format!("cannot open the database {shown}: {e:#}"),
            "check storage.url (SUPPORTBOT__STORAGE__URL): the server must be up, the user and password right, the database created",
        ),
        Ok(DbState::Absent) => Check::warn(
            "storage",
            format!("the SQLite file of {shown} does not exist yet"),
            "nothing to do: `supportbot run` (or `supportbot migrate`) creates it",
        ),
        Ok(DbState::Migrations {
            applied,
            total,
            unknown,
            changed,
        }) => {
            if !unknown.is_empty() {
                Check::fail(
                    "storage",
                    format!(
                        "{shown} was migrated by a newer supportbot (unknown migrations {unknown:?})"
                    ),
                    "run the newer supportbot, or restore a backup made for this version",
                )
            } else if !changed.is_empty() {
                Check::fail(
                    "storage",
                    format!(
                        "{shown} has migrations {changed:?} applied from files that differ from this build's"
                    ),
                    "this database belongs to a different build of supportbot; use the build that created it",
                )
            } else if applied < total {
                Check::warn(
                    "storage",
                    format!("{shown} is reachable; {applied} of {total} migrations applied"),
                    "`supportbot run` applies the rest at start (or run `supportbot migrate` now)",
                )
            } else {
                Check::pass(
                    "storage",
                    format!("{shown} is reachable and migrated ({total} of {total})"),
                )
            }
        }
    }
}

/// The kb folder exists and every article parses.
pub fn kb(cfg: &Config) -> Check {
    let dir = Path::new(&cfg.search.kb_dir);
    match crate::cli::kb::check(dir) {
        Err(e) => Check::fail(
            "kb",
            format!("cannot read the knowledge base {}: {e:#}", dir.display()),
            "set search.kb_dir to your folder of articles (the bundled kb/ works to start)",
        ),
        Ok((0, problems)) if problems.is_empty() => Check::warn(
            "kb",
            format!(
                "{} holds no articles: every question goes to an agent",
                dir.display()
            ),
            "add markdown articles (kb/README.md describes the format)",
        ),
        Ok((n, problems)) if problems.is_empty() => {
            Check::pass("kb", format!("{n} articles in {} parse", dir.display()))
        }
        Ok((n, problems)) => Check::fail(
            "kb",
            format!(
                "{} of {} articles in {} do not parse; first: {}",
                problems.len(),
                n + problems.len(),
                dir.display(),
                problems[0]
            ),
            format!("`supportbot kb check {}` lists them all", dir.display()),
        ),
    }
}

/// Every configured sentence model is present, has the pinned files, and loads.
pub fn models(cfg: &Config) -> Vec<Check> {
    let Some(sem) = cfg.search.semantic.as_ref() else {
        return vec![Check::pass(
            "model",
            "no sentence model configured: matching is lexical",
        )];
    };
    let models = match sem.resolved() {
        Ok(m) => m,
        Err(e) => {
            return vec![Check::fail(
                "model",
                format!("{e:#}"),
                "fix [search.semantic] (docs/search.md)",
            )];
        }
    };
    if models.is_empty() {
        return vec![Check::pass(
            "model",
            "no sentence model configured: matching is lexical",
        )];
    }
    models.iter().map(|m| model(m, sem.required)).collect()
}

fn model(m: &ModelConfig, required: bool) -> Check {
    let dir = Path::new(&m.model_dir);
    let pin = pinned_for(dir);
    let weights = match pin {
        Some(p) => dir.join(p.weights_file),
        None if dir.join("e5-small-q4.bin").exists() => dir.join("e5-small-q4.bin"),
        None => dir.join("model.safetensors"),
    };
    if !weights.exists() {
        let detail = format!("no sentence model in {}", dir.display());
        let fix = if pin.is_some() {
            "run `supportbot models fetch` (or set [search.semantic] fetch = true)".to_string()
        } else {
            format!(
                "put a sentence-transformers BERT model in {}",
                dir.display()
            )
        };
        return if required {
            Check::fail("model", format!("{detail}, and it is required"), fix)
        } else {
            Check::warn(
                "model",
                format!(
                    "{detail}: FAQ matching in {} is lexical only",
                    m.langs.join(", ")
                ),
                fix,
            )
        };
    }
    if let Some(pin) = pin {
        match sha256_file(&weights) {
            Ok(sha) if sha == pin.weights_sha256 && is_installed(pin, dir) => {}
            Ok(sha) => {
                let what = if sha == pin.weights_sha256 {
                    format!("a file of {} in {}", pin.name, dir.display())
                } else {
                    format!("{} (sha256 {sha})", weights.display())
                };
                return Check::fail(
                    "model",
                    format!("{what} does not match the pinned hash of {}", pin.name),
                    format!("delete {} and run `supportbot models fetch`", dir.display()),
                );
            }
            Err(e) => {
                return Check::fail(
                    "model",
                    format!("cannot read {}: {e}", weights.display()),
                    "check the file's permissions",
                );
            }
        }
    }
    match crate::search::Encoder::load_model(m) {
        Ok(_) => Check::pass(
            "model",
            match pin {
                Some(pin) => format!(
                    "{} in {} matches its pinned hash and loads ({})",
                    pin.name,
                    dir.display(),
                    m.langs.join(", ")
                ),
                None => format!(
                    "the model in {} loads (no pinned hash to compare)",
                    dir.display()
                ),
            },
        ),
        Err(e) => Check::fail(
            "model",
            format!("{e:#}"),
            format!("delete {} and fetch it again", dir.display()),
        ),
    }
}

/// The admin endpoint's address (and the Telegram webhook's, when configured) is free.
pub async fn ports(cfg: &Config) -> Vec<Check> {
    let mut binds = Vec::new();
    if cfg.admin.enabled {
        binds.push(("admin.bind", cfg.admin.bind.clone()));
    }
    if let Some(hook) = cfg
        .telegram
        .webhook
        .as_ref()
        .filter(|_| cfg.telegram.enabled && cfg.secrets.telegram_token.is_some())
    {
        binds.push(("telegram.webhook.bind", hook.bind.clone()));
    }
    let mut checks = Vec::new();
    for (key, addr) in binds {
        let id = if key == "admin.bind" {
            "port.admin"
        } else {
            "port.webhook"
        };
        checks.push(match tokio::net::TcpListener::bind(&addr).await {
            Ok(_) => Check::pass(id, format!("{addr} ({key}) is free")),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Check::fail(
                id,
                format!("{addr} ({key}) is already in use"),
                format!("stop what listens there (another supportbot?) or change {key}"),
            ),
            Err(e) => Check::fail(
                id,
                format!("cannot listen on {addr} ({key}): {e}"),
                format!("set {key} to an address of this machine, e.g. 127.0.0.1:9187"),
            ),
        });
    }
    checks
}
