//! `supportbot kb …`: lint, index, search and evaluate the knowledge base.

use super::{out, outln};
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Subcommand;

use crate::config::Config;
use crate::search::eval::{EvalReport, evaluate, read_queries, write_predictions};
use crate::search::{Explanation, Kb, KbOptions, KbProblem, load_dir};

/// `kb …`
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Lint the articles and report problems.
    Check {
        /// Kb folder; defaults to `[search] kb_dir`.
        #[arg(long)]
        kb: Option<PathBuf>,
    },
    /// Build (or reuse) the on-disk index in the data directory.
    Index,
    /// Search the knowledge base.
    Search {
        /// The question.
        query: String,
        /// Language hint (en, zh, …).
        #[arg(long)]
        lang: Option<String>,
        /// How many hits.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Show matched fields and the confidence parts.
        #[arg(long)]
        explain: bool,
    },
    /// Evaluate against a JSONL query set with the desk's answer threshold.
    Eval {
        /// Kb folder to index in memory.
        #[arg(long)]
        kb: PathBuf,
        /// JSONL file of {"q", "lang", "expected"}.
        #[arg(long)]
        queries: PathBuf,
        /// Write predictions for score.py --predictions here.
        #[arg(long)]
        predictions: Option<PathBuf>,
        /// Override `[faq] answer_threshold` (for sweeps).
        #[arg(long)]
        answer_threshold: Option<f32>,
        /// Match lexically only, even when `[search.semantic]` names a model.
        #[arg(long)]
        no_semantic: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `kb` subcommand, printing to stdout.
pub fn run(cmd: KbCommand, cfg: &Config) -> anyhow::Result<()> {
    match cmd {
        KbCommand::Check { kb } => {
            let dir = kb.unwrap_or_else(|| PathBuf::from(&cfg.search.kb_dir));
            let (n, problems) = check(&dir)?;
            for p in &problems {
                outln!("{p}")?;
            }
            outln!(
                "{n} articles OK, {} problem(s) in {}",
                problems.len(),
                dir.display()
            )?;
            if !problems.is_empty() {
                bail!("{} problem(s) in the knowledge base", problems.len());
            }
            Ok(())
        }
        KbCommand::Index => {
            let bar = embedding_bar();
            let (kb, problems, built) = Kb::open_with_progress(
                &cfg.search,
                cfg.search.load_encoders()?,
                &|done, total| bar.update(done, total),
            )?;
            bar.finish();
            for p in &problems {
                eprintln!("skipped {p}");
            }
            outln!(
                "{} articles, content {}; index {}",
                kb.len(),
                &kb.content_hash()[..12],
                if built { "rebuilt" } else { "up to date" }
            )?;
            Ok(())
        }
        KbCommand::Search {
            query,
            lang,
            limit,
            json,
            explain,
        } => {
            let (kb, problems) = Kb::open(&cfg.search)?;
            for p in &problems {
                eprintln!("skipped {p}");
            }
            let ex = kb.explain(&query, lang.as_deref(), limit);
            if json {
                let v = if explain {
                    serde_json::to_value(&ex)?
                } else {
                    serde_json::to_value(&ex.hits)?
                };
                outln!("{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                out!("{}", render_search(&ex, explain))?;
            }
            Ok(())
        }
        KbCommand::Eval {
            kb,
            queries,
            predictions,
            answer_threshold,
            no_semantic,
            json,
        } => {
            let thr = answer_threshold.unwrap_or(cfg.faq.answer_threshold);
            let opts = if no_semantic {
                KbOptions {
                    cjk: cfg.search.cjk,
                    encoders: Vec::new(),
                }
            } else {
                cfg.search.options()?
            };
            let report = eval(&kb, &queries, thr, &opts, predictions.as_deref())?;
            if json {
                outln!("{}", serde_json::to_string(&report)?)?;
            } else {
                out!("{}", render_report(&report))?;
            }
            Ok(())
        }
    }
}

/// Lints a kb folder: the number of good articles and the problems.
pub fn check(dir: &Path) -> anyhow::Result<(usize, Vec<KbProblem>)> {
    let loaded = load_dir(dir)?;
    Ok((loaded.articles.len(), loaded.problems))
}

/// A progress bar on stderr for embedding article texts, drawn only when there are some to
/// embed (and, by indicatif, only on a terminal).
struct EmbeddingBar(std::sync::OnceLock<indicatif::ProgressBar>);

fn embedding_bar() -> EmbeddingBar {
    EmbeddingBar(std::sync::OnceLock::new())
}

impl EmbeddingBar {
    fn update(&self, done: usize, total: usize) {
        if total == 0 {
            return;
        }
        let bar = self.0.get_or_init(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} texts ({per_sec}, {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message("embedding articles");
            bar
        });
        bar.set_position(done as u64);
    }

    fn finish(&self) {
        if let Some(bar) = self.0.get() {
            bar.finish_and_clear();
        }
    }
}

/// Indexes `kb_dir` in memory and evaluates `queries` with answer threshold `thr`.
pub fn eval(
    kb_dir: &Path,
    queries: &Path,
    thr: f32,
    opts: &KbOptions,
    predictions: Option<&Path>,
) -> anyhow::Result<EvalReport> {
    let (kb, problems) = Kb::from_dir_in_ram_opts(kb_dir, opts)?;
    for p in &problems {
        eprintln!("skipped {p}");
    }
    let qs = read_queries(queries)?;
    let (report, preds) = evaluate(&kb, &qs, thr);
    if let Some(out) = predictions {
        write_predictions(out, &preds)?;
    }
    Ok(report)
}

/// Human-readable search results.
pub fn render_search(ex: &Explanation, explain: bool) -> String {
    let mut out = String::new();
    if explain {
        out.push_str(&format!(
            "language filter: {}\n",
            ex.plan.filter_lang.as_deref().unwrap_or("none")
        ));
        for (lang, terms) in &ex.plan.terms {
            out.push_str(&format!("terms [{lang}]: {}\n", terms.join(" ")));
        }
    }
    if ex.hits.is_empty() {
        out.push_str("no match\n");
    }
    for (i, (h, d)) in ex.hits.iter().zip(&ex.details).enumerate() {
        out.push_str(&format!(
            "{}. [{:.2}] {} ({}, {})\n   {}\n",
            i + 1,
            h.confidence,
            h.title,
            h.id,
            h.lang,
            h.excerpt
        ));
        if explain {
            let p = &d.parts;
            out.push_str(&format!(
                "   bm25 {:.2}  margin {:.2}  coverage {:.2}  head coverage {:.2}  head dice {:.2}\n",
                p.bm25, p.margin, p.coverage, p.head_coverage, p.head_dice
            ));
            if let (Some(sim), Some(gap)) = (p.semantic, p.semantic_gap) {
                out.push_str(&format!(
                    "   meaning: similarity {sim:.2}  lead over the next {gap:.2}\n"
                ));
            }
            for (field, terms) in &d.matched {
                out.push_str(&format!("   matched in {field}: {}\n", terms.join(" ")));
            }
        }
    }
    out
}

/// Human-readable eval report.
pub fn render_report(r: &EvalReport) -> String {
    format!(
        "queries {} ({} in scope, {} out of scope); answer iff confidence >= {:.3}\n\
         recall@1 {:.3}  recall@5 {:.3}  MRR@10 {:.3}\n\
         abstention precision {:.3}  recall {:.3} | answer precision {:.3}  coverage {:.3}\n\
         end-to-end accuracy {:.3}\n",
        r.queries,
        r.in_scope,
        r.out_of_scope,
        r.answer_threshold,
        r.recall_at_1,
        r.recall_at_5,
        r.mrr_at_10,
        r.abstain_precision,
        r.abstain_recall,
        r.answer_precision,
        r.coverage,
        r.end_to_end_accuracy
    )
}
