//! The FAQ that learns, measured (not a test): half of stackfaq_en's in-scope questions are
//! replayed through the desk as customers asking them. An answer with the right article gets
//! a "Yes"; any other outcome gets a ticket that an agent closes with `/close <id> kb:<right
//! article>`. A lead then accepts every proposal, the kb is re-read, and recall@1 and
//! end-to-end accuracy are reported on the other half (with all out-of-scope questions)
//! before and after.
//!
//! Run with `cargo bench --bench learn`. The eval set is read where it lies, never copied
//! into the repository: `SUPPORTBOT_EVAL_DIR` (default `../shared/eval/faq`); its kb is copied
//! to a temporary folder, which the accepted phrasings are written into. The sentence model
//! is used when present (`SUPPORTBOT_BENCH_MODEL_DIR`, default `models/all-MiniLM-L6-v2`);
//! `SUPPORTBOT_BENCH_LEXICAL=1` runs without it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use supportbot::config::Config;
use supportbot::domain::desk::Desk;
use supportbot::domain::directory::StaffRole;
use supportbot::domain::event::{ButtonAction, Inbound, InboundBody, Outbound, Space};
use supportbot::domain::ids::{ConversationRef, MessageKey, Platform, UserRef};
use supportbot::domain::learning::{Decider, ProposalSource, ProposalStatus};
use supportbot::domain::ports::{Clock, KnowledgeBase, SystemClock, TicketStore};
use supportbot::learning::Learning;
use supportbot::search::eval::{EvalQuery, EvalReport, evaluate, read_queries};
use supportbot::search::{Encoder, Kb, KbOptions, SemanticConfig};

const STAFF: &str = r#"
[staff]
home = "console"
[[staff.agents]]
name = "ann"
role = "agent"
users = ["console:ann"]
[[staff.agents]]
name = "lea"
role = "lead"
users = ["console:lea"]
"#;

static SEQ: AtomicU64 = AtomicU64::new(1);

fn inbound(who: &str, space: Space, body: InboundBody) -> Inbound {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    Inbound {
        key: MessageKey::new(Platform::Console, format!("learn-{n}")),
        at: chrono::Utc::now(),
        from: UserRef::new(Platform::Console, who, who),
        roles: Vec::new(),
        conversation: match space {
            Space::Customer => ConversationRef::chat(Platform::Console, format!("dm-{who}")),
            Space::Staff => ConversationRef::chat(Platform::Console, "staff"),
        },
        space,
        interaction: Some(format!("cb-{n}")),
        body,
        locale: None,
        community_locale: None,
    }
}

fn text(s: &str) -> InboundBody {
    InboundBody::Text { text: s.into() }
}

fn button(action: ButtonAction) -> InboundBody {
    InboundBody::Button {
        data: action.encode(),
        message: None,
    }
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn options() -> anyhow::Result<KbOptions> {
    let dir = std::env::var("SUPPORTBOT_BENCH_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("models/all-MiniLM-L6-v2"));
    let lexical = std::env::var("SUPPORTBOT_BENCH_LEXICAL").as_deref() == Ok("1");
    let encoders = if !lexical && dir.join("model.safetensors").exists() {
        println!("sentence model: {}", dir.display());
        vec![Arc::new(Encoder::load(&SemanticConfig {
            model_dir: Some(dir.display().to_string()),
            langs: vec!["en".into()],
            required: true,
            ..Default::default()
        })?)]
    } else {
        println!("no sentence model: lexical matching only");
        Vec::new()
    };
    Ok(KbOptions {
        cjk: Default::default(),
        encoders,
    })
}

/// Every other in-scope question of each article is replayed (articles with an odd number
/// give their extra one to the replay and the test half in turn); the rest, with every
/// out-of-scope question, is the test set.
fn split(queries: Vec<EvalQuery>) -> (Vec<EvalQuery>, Vec<EvalQuery>) {
    // (questions seen so far, the article's ordinal) per article.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let (mut replay, mut test) = (Vec::new(), Vec::new());
    for q in queries {
        match &q.expected {
            Some(a) => {
                let next = seen.len();
                let (n, ordinal) = seen.entry(a.clone()).or_insert((0, next));
                *n += 1;
                if (*n + *ordinal) % 2 == 1 {
                    replay.push(q);
                } else {
                    test.push(q);
                }
            }
            None => test.push(q),
        }
    }
    (replay, test)
}

#[derive(Default)]
struct Replayed {
    confirmed: usize,
    closed_with_kb: usize,
}

/// One customer per question: a right answer gets "Yes"; anything else becomes a ticket
/// that the agent closes naming the right article.
async fn replay(
    desk: &Desk,
    store: &dyn TicketStore,
    q: &EvalQuery,
    who: &str,
) -> anyhow::Result<Replayed> {
    let gold = q.expected.clone().expect("replayed questions are in scope");
    let out = desk.handle(inbound(who, Space::Customer, text(&q.q))).await;
    let faq = out.iter().find_map(|o| match o {
        Outbound::Send { message, .. } => message.buttons.iter().find_map(|b| match b.action {
            ButtonAction::FaqHelpful(e) => Some(e),
            _ => None,
        }),
        _ => None,
    });
    let mut ticket = out.iter().find_map(|o| match o {
        Outbound::OpenStaffSpace { ticket, .. } => Some(*ticket),
        _ => None,
    });
    if let Some(event) = faq {
        let e = store.faq_event(event).await?.expect("the event was stored");
        let single = e.outcome == supportbot::domain::ports::FaqOutcome::Answered;
        if single && e.article_id.as_deref() == Some(gold.as_str()) {
            desk.handle(inbound(
                who,
                Space::Customer,
                button(ButtonAction::FaqHelpful(event)),
            ))
            .await;
            return Ok(Replayed {
                confirmed: 1,
                ..Default::default()
            });
        }
        let out = desk
            .handle(inbound(
                who,
                Space::Customer,
                button(ButtonAction::FaqNeedHuman(event)),
            ))
            .await;
        ticket = out.iter().find_map(|o| match o {
            Outbound::OpenStaffSpace { ticket, .. } => Some(*ticket),
            _ => None,
        });
    }
    let id = ticket.ok_or_else(|| anyhow::anyhow!("no ticket for {:?}", q.q))?;
    let said = desk
        .handle(inbound(
            "ann",
            Space::Staff,
            text(&format!("/close {id} kb:{gold}")),
        ))
        .await;
    let closed = said
        .iter()
        .any(|o| matches!(o, Outbound::UpdateStaffSpace { open: false, .. }));
    anyhow::ensure!(closed, "ticket {id} was not closed: {said:?}");
    Ok(Replayed {
        closed_with_kb: 1,
        ..Default::default()
    })
}

fn show(label: &str, r: &EvalReport, in_scope: &EvalReport) {
    println!(
        "{label}: recall@1 {:.3} (in-scope {}), end-to-end {:.3} over {} questions ({} out of scope), end-to-end in scope {:.3}, abstain recall {:.3}",
        in_scope.recall_at_1,
        in_scope.in_scope,
        r.end_to_end_accuracy,
        r.queries,
        r.out_of_scope,
        in_scope.end_to_end_accuracy,
        r.abstain_recall,
    );
}

fn measure(kb: &Kb, test: &[EvalQuery], thr: f32) -> (EvalReport, EvalReport) {
    let in_scope: Vec<EvalQuery> = test
        .iter()
        .filter(|q| q.expected.is_some())
        .cloned()
        .collect();
    (evaluate(kb, test, thr).0, evaluate(kb, &in_scope, thr).0)
}

async fn run() -> anyhow::Result<()> {
    let eval_dir = std::env::var("SUPPORTBOT_EVAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("../shared/eval/faq"));
    let set = eval_dir.join("stackfaq_en");
    let queries = read_queries(&set.join("queries.jsonl"))?;
    let (replayed, test) = split(queries);
    let work = tempfile::tempdir()?;
    let kb_dir = work.path().join("kb");
    std::fs::create_dir(&kb_dir)?;
    copy_dir(&set.join("kb"), &kb_dir)?;

    let cfg = Config::from_layers(Some((Path::new("bench.toml"), STAFF)), &[])?;
    let thr = cfg.faq.answer_threshold;
    let (kb, problems) = Kb::from_dir_in_ram_opts(&kb_dir, &options()?)?;
    anyhow::ensure!(problems.is_empty(), "kb problems: {problems:?}");
    let kb = Arc::new(kb);
    let url = format!(
        "sqlite://{}?mode=rwc",
        work.path().join("learn.db").display()
    );
    let store = Arc::new(supportbot::storage::connect(&url, 4).await?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let learning = Learning::new(store.clone(), kb.clone(), clock.clone())
        .expect("the kb was loaded from a folder");
    let desk = Desk::new(
        store.clone(),
        Some(kb.clone() as Arc<dyn KnowledgeBase>),
        clock,
        supportbot::app::desk_settings(&cfg),
    )
    .with_limits({
        let mut l = cfg.limits.clone();
        l.per_user_per_minute = u32::MAX;
        l
    })
    .with_curator(Arc::new(learning.clone()));

    let (before, before_in) = measure(&kb, &test, thr);
    println!(
        "stackfaq_en: {} questions replayed, {} in the test half ({} in scope), answer threshold {thr}",
        replayed.len(),
        test.len(),
        before_in.in_scope
    );
    show("before", &before, &before_in);

    let started = std::time::Instant::now();
    let mut sum = Replayed::default();
    for (i, q) in replayed.iter().enumerate() {
        let r = replay(&desk, store.as_ref(), q, &format!("c{i}")).await?;
        sum.confirmed += r.confirmed;
        sum.closed_with_kb += r.closed_with_kb;
    }
    let lead = Decider {
        name: "lea".into(),
        role: StaffRole::Lead,
    };
    let proposals = learning
        .proposals(&lead, Some(ProposalStatus::Proposed), usize::MAX)
        .await?;
    let from_yes = proposals
        .iter()
        .filter(|p| p.source == ProposalSource::Confirmed)
        .count();
    for p in &proposals {
        learning.accept(&lead, p.id, None).await?;
    }
    kb.reload()?;
    println!(
        "replayed in {:.1} s: {} answered right and confirmed, {} closed by an agent with the article; {} proposals ({} from a Yes), all accepted",
        started.elapsed().as_secs_f64(),
        sum.confirmed,
        sum.closed_with_kb,
        proposals.len(),
        from_yes
    );
    let (after, after_in) = measure(&kb, &test, thr);
    show("after", &after, &after_in);
    Ok(())
}

fn main() {
    // Cargo passes `--bench`; nothing here takes arguments.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
