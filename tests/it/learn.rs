//! The FAQ that learns, on SQLite and PostgreSQL: a "Yes" proposes the customer's wording
//! once, a lead accepts it into the article file (every other byte kept) and the watcher
//! makes it findable; `/close … kb:<id>` proposes the first message, masked; unanswered and
//! declined questions are recorded masked and grouped, lexically and by the sentence model.

use std::sync::Arc;
use std::time::{Duration, Instant};

use supportbot::domain::directory::StaffRole;
use supportbot::domain::event::ButtonAction;
use supportbot::domain::learning::{LearnOutcome, OutcomeRecord, ProposalSource, ProposalStatus};
use supportbot::domain::ports::{KnowledgeBase, TicketStore};
use supportbot::domain::ticket::Status;
use supportbot::learning::{Measure, group};
use supportbot::search::{CjkMode, Kb, watch};
use supportbot::storage::SqlStore;

use crate::db::{postgres_store, sqlite_store};
use crate::harness::{StubKb, TestApp, hit};

/// Thresholds low enough that the small test kb answers every related question directly.
const FAQ: &str = "[faq]\nanswer_threshold = 0.05\nsuggest_threshold = 0.01\n";

const PDF: &str = "---\nid: pdf-export\ntitle: Export invoices to PDF\nlang: en\nquestions:\n  - How do I download an invoice?\ntags: [billing]\n---\nOpen Billing, tick the invoices and press Export.\n";

const VPN: &str = "---\nid: vpn\ntitle: Connect through the VPN\nlang: en\nquestions: [\"VPN does not connect\"]\n---\nInstall the client and sign in.\n";

fn kb_dir() -> (tempfile::TempDir, Arc<Kb>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pdf.md"), PDF).unwrap();
    std::fs::write(dir.path().join("vpn.md"), VPN).unwrap();
    let (kb, problems) = Kb::from_dir_in_ram(dir.path()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    (dir, Arc::new(kb))
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The event number behind the "Yes" button of an answer.
fn yes_button(r: &crate::harness::Replies) -> String {
    let yes = r
        .buttons()
        .iter()
        .map(|b| b.action)
        .find(|a| matches!(a, ButtonAction::FaqHelpful(_)))
        .expect("an answer with a Yes button");
    yes.encode()
}

async fn yes_proposes_once_and_an_accepted_phrasing_is_written_and_found(store: Arc<SqlStore>) {
    let (dir, kb) = kb_dir();
    let _watch = watch(kb.clone(), dir.path()).unwrap();
    let app = TestApp::learning(store.clone(), FAQ, kb.clone());
    assert!(
        kb.search("quittance", None, 1).is_empty(),
        "no article knows the word yet"
    );

    let asked = "Where is the quittance for my invoice export? Write to bob@example.com";
    let r = app.user_says("bob", asked).await;
    r.expect("Export invoices to PDF");
    let bob_yes = yes_button(&r);
    app.user_presses("bob", &bob_yes)
        .await
        .expect("Glad it helped");
    let waiting = store.proposals(None, 10).await.unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    let p = &waiting[0];
    assert_eq!(p.article_id, "pdf-export");
    assert_eq!(
        p.phrasing,
        "Where is the quittance for my invoice export? Write to [email]"
    );
    assert_eq!(
        (p.source, p.status),
        (ProposalSource::Confirmed, ProposalStatus::Proposed)
    );

    // The same question from someone else (another address, masked the same) is one
    // proposal; the article's own title proposes nothing.
    let r = app
        .user_says(
            "carol",
            "where is the QUITTANCE for my invoice export? write to carol@example.org",
        )
        .await;
    app.user_presses("carol", &yes_button(&r)).await;
    // A second tap on the same answer counts and teaches nothing.
    app.user_presses("bob", &bob_yes)
        .await
        .alert()
        .expect("refused")
        .contains("already answered")
        .then_some(())
        .expect("already answered");
    let r = app.user_says("dan", "Export invoices to PDF").await;
    app.user_presses("dan", &yes_button(&r)).await;
    assert_eq!(store.proposals(None, 10).await.unwrap().len(), 1);
    let confirmed = store.outcomes(LearnOutcome::Confirmed).await.unwrap();
    assert_eq!(confirmed.len(), 3);
    assert!(confirmed.iter().all(|o| !o.record.query.contains('@')));
    assert!(
        confirmed
            .iter()
            .all(|o| o.record.article_id.as_deref() == Some("pdf-export"))
    );

    // Only leads review.
    app.staff_says("ann", None, "/kb proposals")
        .await
        .expect("Only leads and admins");
    let listed = app.staff_says("lea", None, "/kb proposals").await;
    listed
        .expect("One proposed phrasing is waiting")
        .expect(&format!("#{} → pdf-export", p.id))
        .expect("Write to [email]");

    let edited = "Where is the quittance for my invoice export?";
    app.staff_says("lea", None, &format!("/kb accept {} {edited}", p.id))
        .await
        .expect("accepted");
    let file = std::fs::read_to_string(dir.path().join("pdf.md")).unwrap();
    let want = PDF.replace(
        "  - How do I download an invoice?\n",
        &format!("  - How do I download an invoice?\n  - \"{edited}\"\n"),
    );
    assert_eq!(file, want, "one line added, every other byte kept");
    wait_until("the watcher to re-index the article", || {
        kb.search("quittance", None, 1)
            .first()
            .map(|h| h.id.as_str())
            == Some("pdf-export")
    });
    let decided = store.proposal(p.id).await.unwrap().unwrap();
    assert_eq!(decided.status, ProposalStatus::Accepted);
    assert_eq!(decided.phrasing, edited);
    assert_eq!(decided.decided_by.as_deref(), Some("lea"));
    assert_eq!(decided.decided_role, Some(StaffRole::Lead));
    assert!(decided.decided_at.is_some());

    // A decision stands; unknown numbers are named.
    app.staff_says("lea", None, &format!("/kb accept {}", p.id))
        .await
        .expect("is already accepted");
    app.staff_says("lea", None, "/kb reject 99")
        .await
        .expect("There is no proposal 99");
    app.staff_says("lea", None, "/kb proposals")
        .await
        .expect("No proposed phrasings are waiting");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pdf.md")).unwrap(),
        want
    );
}

#[tokio::test]
async fn learning_from_yes_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    yes_proposes_once_and_an_accepted_phrasing_is_written_and_found(store).await;
}

#[tokio::test]
async fn learning_from_yes_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    yes_proposes_once_and_an_accepted_phrasing_is_written_and_found(store).await;
}

async fn closing_with_an_article_proposes_the_first_message(store: Arc<SqlStore>) {
    let (dir, kb) = kb_dir();
    let app = TestApp::learning(store.clone(), FAQ, kb.clone());
    let first = "/ticket my tunnel keeps dropping every hour, call me on +36 30 123 4567";
    let id = app.user_says("eve", first).await.opened_ticket().unwrap();

    let refused = app.agent_says(id, "/close kb:nope").await;
    refused
        .expect("There is no article “nope”")
        .expect("supportbot kb search");
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_ne!(
        t.status,
        Status::Closed,
        "an unknown article closes nothing"
    );
    assert!(store.proposals(None, 10).await.unwrap().is_empty());

    app.agent_says(id, "/close kb:vpn")
        .await
        .expect("proposed as a new phrasing");
    let t = app.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.status, Status::Closed);
    let p = store.proposals(None, 10).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].article_id, "vpn");
    assert_eq!(
        p[0].phrasing,
        "my tunnel keeps dropping every hour, call me on [phone]"
    );
    assert_eq!(p[0].source, ProposalSource::ClosedWithKb);
    assert_eq!(p[0].ticket, Some(id));
    let closed = store.outcomes(LearnOutcome::ClosedWithKb).await.unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].record.ticket, Some(id));

    // Accepted unedited into a flow list; a rejected phrasing is not proposed again.
    app.staff_says("lea", None, &format!("/kb accept {}", p[0].id))
        .await
        .expect("accepted");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("vpn.md")).unwrap(),
        VPN.replace(
            "[\"VPN does not connect\"]",
            "[\"VPN does not connect\", \"my tunnel keeps dropping every hour, call me on [phone]\"]"
        )
    );
    let id2 = app
        .user_says("fay", "/ticket the VPN app asks for a token")
        .await
        .opened_ticket()
        .unwrap();
    app.agent_says(id2, "/close wrong setting kb:vpn").await;
    let second = store
        .proposals(Some(ProposalStatus::Proposed), 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    app.staff_says("lea", None, &format!("/kb reject {}", second[0].id))
        .await
        .expect("will not be proposed for vpn again");
    let id3 = app
        .user_says("gus", "/ticket The VPN app asks for a token!")
        .await
        .opened_ticket()
        .unwrap();
    app.agent_says(id3, "/close kb:vpn")
        .await
        .expect("adds no new phrasing");
    assert_eq!(store.proposals(None, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn closing_with_kb_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    closing_with_an_article_proposes_the_first_message(store).await;
}

#[tokio::test]
async fn closing_with_kb_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    closing_with_an_article_proposes_the_first_message(store).await;
}

async fn unanswered_and_declined_questions_are_recorded_masked(store: Arc<SqlStore>) {
    let kb = StubKb(vec![(
        "password".into(),
        hit("reset", "Reset your password", 0.9),
    )]);
    let app = TestApp::over_sql(store.clone(), "", Some(Arc::new(kb)));
    app.user_says(
        "a",
        "How do I export invoices to PDF? key ABCD-1234-EFGH-5678",
    )
    .await;
    app.user_says("b", "export invoices to pdf").await;
    app.user_says("c", "Dark mode please").await;
    app.user_says("d", "/faq what is a quittance").await;
    let r = app.user_says("e", "my password is broken").await;
    let no = r
        .buttons()
        .iter()
        .map(|b| b.action)
        .find(|a| matches!(a, ButtonAction::FaqNeedHuman(_)))
        .unwrap();
    app.user_presses("e", &no.encode())
        .await
        .opened_ticket()
        .unwrap();

    let rows = store.unanswered(None, 100).await.unwrap();
    let got: Vec<(&str, LearnOutcome, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r.record.query.as_str(),
                r.record.outcome,
                r.record.article_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "my password is broken",
                LearnOutcome::Declined,
                Some("reset")
            ),
            ("what is a quittance", LearnOutcome::NoMatch, None),
            ("Dark mode please", LearnOutcome::NoMatch, None),
            ("export invoices to pdf", LearnOutcome::NoMatch, None),
            (
                "How do I export invoices to PDF? key [key]",
                LearnOutcome::NoMatch,
                None
            ),
        ]
    );
    assert!(rows.iter().all(|r| r.record.lang == "en"));
    let records: Vec<OutcomeRecord> = rows.into_iter().map(|r| r.record).collect();
    let groups = group(&records, |_| Measure::Lexical(CjkMode::Bigram));
    assert_eq!(groups[0].count, 2, "{groups:#?}");
    assert_eq!(groups[0].representative, "export invoices to pdf");
    assert_eq!(groups.iter().map(|g| g.count).sum::<usize>(), 5);
    // Nothing here was confirmed.
    assert!(
        store
            .outcomes(LearnOutcome::Confirmed)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn unanswered_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    unanswered_and_declined_questions_are_recorded_masked(store).await;
}

#[tokio::test]
async fn unanswered_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    unanswered_and_declined_questions_are_recorded_masked(store).await;
}

fn asked(text: &str, minute: i64) -> OutcomeRecord {
    OutcomeRecord::new(
        chrono::DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap(),
        text,
        "en",
        None,
        LearnOutcome::NoMatch,
        None,
    )
}

#[test]
fn the_sentence_model_groups_questions_that_share_no_words() {
    let Some(enc) = crate::semantic::encoder() else {
        return;
    };
    let items = vec![
        asked("I forgot my password", 1),
        asked("I can't remember my login credentials", 2),
        asked("My exported invoice PDF is empty", 3),
        asked("The invoice PDF I exported has nothing in it", 4),
    ];
    let by_meaning = group(&items, |_| Measure::Semantic(enc.clone()));
    let by_words = group(&items, |_| Measure::Lexical(CjkMode::Bigram));
    assert_eq!(
        by_meaning.iter().map(|g| g.count).collect::<Vec<_>>(),
        [2, 2],
        "{by_meaning:#?}"
    );
    assert!(by_words.len() > by_meaning.len(), "{by_words:#?}");
}

#[tokio::test]
async fn the_review_api_applies_the_chat_rules() {
    use supportbot::domain::learning::{CurateError, Decider, NewProposal};
    let (store, _dir) = sqlite_store().await;
    let (dir, kb) = kb_dir();
    let clock: Arc<dyn supportbot::domain::ports::Clock> =
        Arc::new(supportbot::domain::ports::SystemClock);
    let api = supportbot::learning::Learning::new(store.clone(), kb, clock).unwrap();
    let lead = Decider {
        name: "lea".into(),
        role: StaffRole::Lead,
    };
    let agent = Decider {
        name: "ann".into(),
        role: StaffRole::Agent,
    };
    for q in [
        "export my invoices as PDF",
        "Export invoices as PDF!",
        "dark mode",
    ] {
        let r = asked(q, 1);
        store.record_learning(&r, None).await.unwrap();
    }
    let groups = api.unanswered_groups(&lead, None).await.unwrap();
    assert_eq!(
        groups.iter().map(|g| g.count).collect::<Vec<_>>(),
        [2, 1],
        "{groups:#?}"
    );
    let since = chrono::DateTime::from_timestamp(1_900_000_000, 0);
    assert!(
        api.unanswered_groups(&lead, since)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        api.unanswered_groups(&agent, None).await.unwrap_err(),
        CurateError::NotAllowed
    );
    assert_eq!(
        api.proposals(&agent, None, 10).await.unwrap_err(),
        CurateError::NotAllowed
    );

    // A proposal whose article left the kb is refused and stays waiting; an edit that masks
    // to nothing is refused.
    let gone = NewProposal {
        article_id: "gone".into(),
        lang: "en".into(),
        phrasing: "where did it go".into(),
        norm: "where did it go".into(),
        source: ProposalSource::Confirmed,
        ticket: None,
        at: chrono::Utc::now(),
    };
    assert!(
        store
            .record_learning(&asked("where did it go", 2), Some(&gone))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_learning(&asked("where did it go", 3), Some(&gone))
            .await
            .unwrap()
    );
    let id = api.proposals(&lead, None, 10).await.unwrap()[0].id;
    assert_eq!(
        api.accept(&lead, id, None).await.unwrap_err(),
        CurateError::UnknownArticle("gone".into())
    );
    assert_eq!(
        api.accept(&lead, id, Some("  ?! ")).await.unwrap_err(),
        CurateError::EmptyPhrasing
    );
    assert_eq!(
        api.accept(&agent, id, None).await.unwrap_err(),
        CurateError::NotAllowed
    );
    let p = api.proposals(&lead, None, 10).await.unwrap();
    assert_eq!(p[0].status, ProposalStatus::Proposed);
    let rejected = api.reject(&lead, id).await.unwrap();
    assert_eq!(rejected.status, ProposalStatus::Rejected);
    assert_eq!(
        api.reject(&lead, id).await.unwrap_err(),
        CurateError::Decided {
            id,
            status: ProposalStatus::Rejected
        }
    );
    // Nothing touched the files.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pdf.md")).unwrap(),
        PDF
    );
}

#[tokio::test]
async fn review_replies_come_in_the_reviewers_language() {
    let (store, _dir) = sqlite_store().await;
    let (_kb_dir, kb) = kb_dir();
    let extra = "[[staff.agents]]\nname = \"hanna\"\nrole = \"admin\"\nlang = \"hu\"\nusers = [\"console:hanna\"]\n[[staff.agents]]\nname = \"wei\"\nrole = \"lead\"\nlang = \"zh\"\nusers = [\"console:wei\"]\n";
    let app = TestApp::learning(store, extra, kb);
    app.staff_says("hanna", None, "/kb proposals")
        .await
        .expect("Nincs várakozó megfogalmazás-javaslat.");
    app.staff_says("wei", None, "/kb reject 5")
        .await
        .expect("没有编号为 5 的建议");
    app.staff_says("hanna", None, "/kb delete 5")
        .await
        .expect("nem olyasmi, amit a /kb tud");
}

#[tokio::test]
async fn the_bot_wires_review_only_for_a_kb_folder() {
    let (store, _dir) = sqlite_store().await;
    let (_kb_dir, kb) = kb_dir();
    let clock: Arc<dyn supportbot::domain::ports::Clock> =
        Arc::new(supportbot::domain::ports::SystemClock);
    assert!(supportbot::learning::Learning::new(store.clone(), kb, clock.clone()).is_some());
    let ram = Kb::in_ram(Vec::new()).unwrap();
    assert!(supportbot::learning::Learning::new(store, Arc::new(ram), clock).is_none());
    // Without a curator the desk says review is unavailable here.
    let (store, _dir2) = sqlite_store().await;
    let app = TestApp::over_sql(store, "", None);
    app.staff_says("lea", None, "/kb proposals")
        .await
        .expect("cannot be reviewed here");
}
