//! Knowledge-base benchmark (not a test): index build time, query latency p50/p99 and
//! resident memory over a generated 10 000-article kb; then, when the sentence model is
//! present (`models/all-MiniLM-L6-v2` or `SUPPORTBOT_BENCH_MODEL_DIR`), the same with semantic
//! matching over the first 1 000 articles, and both sentence models side by side
//! (`kb/models.rs`). Run with `cargo bench --bench kb`; `SUPPORTBOT_BENCH_ONLY=lexical` stops after the lexical part, `SUPPORTBOT_BENCH_ONLY=models` runs
//! only the last part.

/// The bot's allocator (`src/main.rs`), so that the memory figures are the bot's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use supportbot::domain::ports::KnowledgeBase;
use supportbot::search::{Article, Encoder, Kb, KbOptions, SearchConfig, SemanticConfig};

#[path = "kb/models.rs"]
mod models;

const ARTICLES: usize = 10_000;
const QUERIES: usize = 2_000;
/// Articles embedded for the semantic part (embedding all 10 000 takes minutes).
const SEMANTIC_ARTICLES: usize = 1_000;

/// A tiny deterministic PRNG, so runs are comparable without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Roughly Zipf-distributed index below `n`: a few words are common, most are rare.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    const SYL: &[&str] = &[
        "ka", "lo", "mi", "ren", "sta", "por", "tel", "vin", "dra", "qu", "ex", "bri", "son",
        "lat", "mer", "gon", "fi", "zu", "pla", "tor",
    ];
    (0..n)
        .map(|_| {
            let k = 2 + (rng.next() % 3) as usize;
            (0..k)
                .map(|_| SYL[(rng.next() % SYL.len() as u64) as usize])
                .collect()
        })
        .collect()
}

fn sentence(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    (0..words)
        .map(|_| vocab[rng.zipf(vocab.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate() -> (Vec<Article>, Vec<String>) {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let vocab = vocabulary(&mut rng, 20_000);
    let articles: Vec<Article> = (0..ARTICLES)
        .map(|i| Article {
            id: format!("gen-{i:05}"),
            title: sentence(&mut rng, &vocab, 6),
            lang: "en".into(),
            tags: vec![vocab[rng.zipf(200)].clone()],
            questions: (0..2).map(|_| sentence(&mut rng, &vocab, 7)).collect(),
            updated: None,
            body: sentence(&mut rng, &vocab, 120),
        })
        .collect();
    let queries: Vec<String> = (0..QUERIES)
        .map(|i| {
            if i % 2 == 0 {
                // A paraphrase: half of a title's words plus two others.
                let a = &articles[(rng.next() % ARTICLES as u64) as usize];
                let mut q: Vec<&str> = a.title.split(' ').step_by(2).collect();
                let extra = sentence(&mut rng, &vocab, 2);
                q.extend(extra.split(' '));
                q.join(" ")
            } else {
                sentence(&mut rng, &vocab, 8)
            }
        })
        .collect();
    (articles, queries)
}

fn status(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

/// How long the allocator is given to return freed memory (jemalloc's decay is 10 s).
pub const IDLE: Duration = Duration::from_secs(12);

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--models-queries") {
        return models::queries_child();
    }
    if args.iter().any(|a| a == "--models-idle") {
        return models::idle_child();
    }
    let (articles, queries) = generate();
    if std::env::var("SUPPORTBOT_BENCH_ONLY").as_deref() == Ok("models") {
        return models::run(&articles);
    }
    println!("kb bench: {ARTICLES} generated articles, {QUERIES} queries");
    println!("memory after generating: VmRSS {}", status("VmRSS:"));

    let t = Instant::now();
    let kb = Kb::in_ram(articles.clone()).expect("in-RAM build");
    println!(
        "index build (in RAM):  {:>8.3} s",
        t.elapsed().as_secs_f64()
    );
    // Before the on-disk builds, whose freed memory the allocator may keep.
    println!(
        "memory with the in-RAM kb loaded: VmRSS {}  VmHWM {}",
        status("VmRSS:"),
        status("VmHWM:")
    );
    std::thread::sleep(IDLE);
    println!(
        "memory with the in-RAM kb loaded, {} s later (what an idle bot holds): VmRSS {}",
        IDLE.as_secs(),
        status("VmRSS:")
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let kb_dir = tmp.path().join("kb");
    std::fs::create_dir(&kb_dir).expect("kb dir");
    for a in &articles {
        let text = format!(
            "---\nid: {}\ntitle: {}\nlang: en\ntags: [{}]\nquestions:\n  - {}\n  - {}\n---\n{}\n",
            a.id, a.title, a.tags[0], a.questions[0], a.questions[1], a.body
        );
        std::fs::write(kb_dir.join(format!("{}.md", a.id)), text).expect("write article");
    }
    let cfg = SearchConfig {
        kb_dir: kb_dir.display().to_string(),
        data_dir: tmp.path().join("data").display().to_string(),
        cjk: Default::default(),
        watch: false,
        semantic: None,
    };
    let t = Instant::now();
    let (disk, problems, built) = Kb::open_reporting(&cfg).expect("on-disk build");
    assert!(built && problems.is_empty());
    println!(
        "index build (on disk, parse + analyse + write): {:>8.3} s",
        t.elapsed().as_secs_f64()
    );
    drop(disk);
    let t = Instant::now();
    let (disk, _, built) = Kb::open_reporting(&cfg).expect("on-disk reopen");
    assert!(!built);
    println!(
        "reopen unchanged (hash + analyse, no rebuild): {:>8.3} s",
        t.elapsed().as_secs_f64()
    );
    drop(disk);

    let lat = latencies(&kb, &queries);
    println!("lexical {lat}");
    println!(
        "memory: VmRSS {}  VmHWM {}",
        status("VmRSS:"),
        status("VmHWM:")
    );
    if std::env::var("SUPPORTBOT_BENCH_ONLY").as_deref() == Ok("lexical") {
        return;
    }
    drop(kb);
    semantic(&articles, &queries);
    models::run(&articles);
}

/// Runs every query (after 200 warm-up ones) and summarises the latencies.
fn latencies(kb: &Kb, queries: &[String]) -> String {
    for q in queries.iter().take(200) {
        std::hint::black_box(kb.search(q, Some("en"), 5));
    }
    let mut lat = Vec::with_capacity(queries.len());
    let mut answered = 0usize;
    for q in queries {
        let t = Instant::now();
        let hits = kb.search(q, Some("en"), 5);
        lat.push(t.elapsed());
        answered += usize::from(!hits.is_empty());
    }
    lat.sort();
    let mean = lat.iter().sum::<Duration>() / lat.len() as u32;
    format!(
        "query latency over {}: p50 {:?}  p99 {:?}  max {:?}  mean {:?}  ({answered} with hits)",
        queries.len(),
        pct(&lat, 0.50),
        pct(&lat, 0.99),
        lat[lat.len() - 1],
        mean
    )
}

fn semantic(articles: &[Article], queries: &[String]) {
    let dir = std::env::var("SUPPORTBOT_BENCH_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2")
        });
    if !dir.join("model.safetensors").exists() {
        println!(
            "semantic: skipped, no model in {} (scripts/fetch-model.sh)",
            dir.display()
        );
        return;
    }
    let before = status("VmRSS:");
    let t = Instant::now();
    let enc = Arc::new(
        Encoder::load(&SemanticConfig {
            model_dir: Some(dir.display().to_string()),
            langs: vec!["en".into()],
            required: true,
            ..Default::default()
        })
        .expect("model loads"),
    );
    println!(
        "semantic: model load {:.3} s, VmRSS {before} -> {}",
        t.elapsed().as_secs_f64(),
        status("VmRSS:")
    );
    let embed = |texts: Vec<&str>, what: &str| {
        let t = Instant::now();
        let n = texts.len();
        for x in texts {
            std::hint::black_box(enc.embed(x));
        }
        let per = t.elapsed() / n as u32;
        println!("semantic: embed one {what} (one thread): {per:?}");
    };
    embed(
        articles
            .iter()
            .take(200)
            .map(|a| a.title.as_str())
            .collect(),
        "title",
    );
    embed(
        articles.iter().take(50).map(|a| a.body.as_str()).collect(),
        "120-word body",
    );
    embed(
        queries.iter().take(200).map(String::as_str).collect(),
        "query",
    );
    let subset: Vec<Article> = articles[..SEMANTIC_ARTICLES].to_vec();
    // Queries about the subset: paraphrases of its titles, and the unrelated half as before.
    let sub_queries: Vec<String> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            if i % 2 == 0 {
                let a = &subset[i % SEMANTIC_ARTICLES];
                a.title.split(' ').step_by(2).collect::<Vec<_>>().join(" ")
            } else {
                q.clone()
            }
        })
        .collect();
    let opts = KbOptions {
        encoders: vec![enc],
        ..Default::default()
    };
    let t = Instant::now();
    let kb = Kb::in_ram_opts(subset.clone(), &opts).expect("semantic build");
    println!(
        "semantic: index build of {SEMANTIC_ARTICLES} articles with embeddings (all cores): {:.3} s",
        t.elapsed().as_secs_f64()
    );
    println!("semantic {}", latencies(&kb, &sub_queries));
    let lexical = Kb::in_ram(subset).expect("lexical build");
    println!(
        "lexical, same {SEMANTIC_ARTICLES} articles {}",
        latencies(&lexical, &sub_queries)
    );
    println!(
        "memory: VmRSS {}  VmHWM {}",
        status("VmRSS:"),
        status("VmHWM:")
    );
}
