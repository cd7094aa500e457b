//! `supportbot models fetch`, and the first-run fetch of `[search.semantic] fetch = true`.

use std::path::Path;

use anyhow::{Result, bail};

use crate::search::SemanticConfig;
use crate::search::semantic::fetch::{Fetched, fetch};
use crate::search::semantic::pinned::{PINNED, pinned_for};

/// Fetches the model `sem` names into its `model_dir`; a message says what happened.
pub async fn fetch_configured(sem: &SemanticConfig, progress: bool) -> Result<String> {
    let dir = Path::new(&sem.model_dir);
    if sem.model_dir.trim().is_empty() {
        bail!("[search.semantic] model_dir is empty: no sentence model is configured");
    }
    let Some(pin) = pinned_for(dir) else {
        let known: Vec<&str> = PINNED.iter().map(|m| m.name).collect();
        bail!(
            "[search.semantic] model_dir `{}` names no model supportbot can fetch; its last folder must be one of: {}",
            dir.display(),
            known.join(", ")
        );
    };
    Ok(match fetch(pin, dir, &sem.index_url, progress).await? {
        Fetched::AlreadyThere => format!("{} is already in {}", pin.name, dir.display()),
        Fetched::Downloaded(bytes) => format!(
            "{} ready in {} ({:.1} MB, hashes checked)",
            pin.name,
            dir.display(),
            bytes as f64 / 1e6
        ),
    })
}

/// At `run`: with `fetch = true` and no model yet, fetch it. A failure stops the start only
/// when the model is `required`; otherwise the bot runs lexically and says why.
pub async fn fetch_on_start(sem: Option<&SemanticConfig>) -> Result<()> {
    let Some(sem) = sem.filter(|s| s.fetch && !s.model_dir.trim().is_empty()) else {
        return Ok(());
    };
    if Path::new(&sem.model_dir).join("model.safetensors").exists() {
        return Ok(());
    }
    tracing::info!(model_dir = %sem.model_dir, "fetching the sentence model ([search.semantic] fetch = true)");
    match fetch_configured(sem, true).await {
        Ok(msg) => {
            tracing::info!("{msg}");
            Ok(())
        }
        Err(e) if sem.required => Err(e.context("cannot fetch the required sentence model")),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot fetch the sentence model; FAQ matching is lexical only");
            Ok(())
        }
    }
}
