//! The web dashboard in a real headless Chromium (Debian's `chromium` and `chromedriver`,
//! driven through WebDriver by fantoccini) against the real app and the fake Telegram: an
//! agent signs in with the link the bot sent them, sees the ticket's countdown in the queue,
//! claims it and replies, and the reply reaches the customer; stale and reused links, a
//! missing CSRF token and an agent opening a lead's page are refused.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use supportbot::config::Config;
use supportbot::domain::directory::{StaffMember, StaffRole};
use supportbot::domain::i18n::Lang;
use supportbot::domain::ids::{AgentName, Platform, UserRef};
use supportbot::domain::sign_in::SignInLinks;
use supportbot::domain::ticket::Status;
use supportbot::storage;
use supportbot::web::Signer;
use tokio::sync::watch;

use crate::chaos::{self, TG_STAFF};
use crate::fake_telegram::{FakeTelegram, file_bytes, private_photo, private_text};

const CUSTOMER: i64 = 9001;
const ANN: i64 = 501;
const LEA: i64 = 502;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver, or says why not: a failure when `SUPPORTBOT_REQUIRE_BROWSER` is set
/// (CI installs Chromium), a loud skip otherwise.
async fn driver() -> Option<Driver> {
    let bin = ["chromedriver", "/usr/bin/chromedriver"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok()
        });
    let Some(bin) = bin else {
        assert!(
            std::env::var_os("SUPPORTBOT_REQUIRE_BROWSER").is_none(),
            "SUPPORTBOT_REQUIRE_BROWSER is set but chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        eprintln!("SKIPPED: chromedriver not installed; the dashboard browser test did not run");
        return None;
    };
    let port = free_port();
    let child = tokio::process::Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(Driver { child, url });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The one article of the test kb, in the file the FAQ review writes to.
const ARTICLE: &str = "---\nid: reset-password\ntitle: Resetting your password\nlang: en\nquestions:\n  - I forgot my password\n---\nUse the \"Forgot password\" link on the sign-in page.\n";

fn config(dir: &Path, fake: &FakeTelegram, bind: &str) -> Config {
    std::fs::create_dir_all(dir.join("kb")).unwrap();
    std::fs::write(dir.join("kb").join("reset.md"), ARTICLE).unwrap();
    let toml = format!(
        "[storage]\nurl = \"sqlite://{db}?mode=rwc\"\nmax_connections = 4\n\
         [admin]\nenabled = false\n\
         [dashboard]\nenabled = true\nbind = \"{bind}\"\n\
         [search]\nkb_dir = \"{kb}\"\ndata_dir = \"{data}\"\nwatch = false\n\
         [search.semantic]\nmodel_dir = \"{model}\"\n\
         [staff]\nhome = \"telegram\"\n\
         [[staff.agents]]\nname = \"ann\"\nrole = \"agent\"\nusers = [\"telegram:{ANN}\"]\n\
         [[staff.agents]]\nname = \"lea\"\nrole = \"lead\"\nusers = [\"telegram:{LEA}\"]\n{section}",
        db = dir.join("bot.db").display(),
        kb = dir.join("kb").display(),
        data = dir.join("data").display(),
        model = dir.join("no-model").display(),
        section = chaos::telegram_section(fake, false),
    );
    let mut c = Config::from_layers(Some((Path::new("dashboard.toml"), &toml)), &[]).unwrap();
    c.secrets.telegram_token = Some("123:DASH".into());
    c
}

/// A message from `user` in the staff group itself (not a ticket's topic).
fn lobby_text(user: i64, name: &str, message_id: i64, text: &str) -> serde_json::Value {
    json!({"message": {"message_id": message_id, "date": 1_700_000_000,
        "chat": {"id": TG_STAFF, "type": "supergroup", "title": "Staff", "is_forum": true},
        "from": {"id": user, "is_bot": false, "first_name": name}, "text": text}})
}

/// The sign-in link in the newest message the bot sent `user` privately.
async fn link_for(fake: &FakeTelegram, user: i64, name: &str, message_id: i64) -> String {
    let before = fake.texts_to(user).len();
    fake.push(lobby_text(user, name, message_id, "/dashboard"));
    fake.wait_until("a sign-in link", |f| f.texts_to(user).len() > before)
        .await;
    let text = fake.texts_to(user).last().cloned().unwrap();
    let start = text.find("http://").expect("a link in the DM");
    text[start..].split_whitespace().next().unwrap().to_string()
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Clicks the element `css` finds.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn sign_in(c: &Client, link: &str) {
    c.goto(link).await.unwrap();
    click(c, "form.signin button").await;
}

/// Saves a screenshot for the README when `SUPPORTBOT_SCREENSHOTS` names a folder.
async fn screenshot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("SUPPORTBOT_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(name), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_signs_in_claims_and_replies_from_chromium_and_the_customer_gets_it() {
    let Some(driver) = driver().await else { return };
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", free_port());
    let cfg = config(dir.path(), &fake, &bind);
    let (stop, rx) = watch::channel(false);
    let app = tokio::spawn(supportbot::app::serve(cfg.clone(), false, rx));
    let base = format!("http://{bind}");

    // A customer writes; with an empty kb it becomes a ticket.
    fake.push(private_text(
        CUSTOMER,
        "Cat",
        1,
        "The export button crashes the app",
    ));
    fake.wait_until("the ticket's topic", |f| {
        !f.ok_calls("createForumTopic").is_empty()
    })
    .await;

    // Signed out, nothing is shown; a customer asking for a link is refused.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("/dashboard"));
    let before = fake.texts_to(CUSTOMER).len();
    fake.push(private_text(CUSTOMER, "Cat", 2, "/dashboard"));
    fake.wait_until("the refusal", |f| f.texts_to(CUSTOMER).len() > before)
        .await;
    assert!(
        !fake
            .texts_to(CUSTOMER)
            .iter()
            .any(|t| t.contains("/login?t=")),
        "a customer got a sign-in link"
    );

    // The link comes to the agent privately, never into the staff group.
    let link = link_for(&fake, ANN, "Ann", 10).await;
    assert!(link.starts_with(&format!("{base}/login?t=")), "{link}");
    assert!(
        !fake
            .texts_to(TG_STAFF)
            .iter()
            .any(|t| t.contains("/login?t=")),
        "the link was posted where others read"
    );

    let c = browser(&driver).await;
    // Opening the link only asks to confirm: a chat app's link preview cannot use it up.
    c.goto(&link).await.unwrap();
    assert!(body_text(&c).await.contains("ann"));
    click(&c, "form.signin button").await;
    // The queue, with the ticket and its running first-response countdown.
    let row = c
        .wait()
        .for_element(Locator::Css("#queue tr[data-ticket='1']"))
        .await
        .expect("the ticket in the queue");
    let row_text = row.text().await.unwrap();
    assert!(
        row_text.contains("The export button crashes the app"),
        "{row_text}"
    );
    // Found afresh each time: the script replaces the queue's rows every 20 seconds.
    let countdown = "#queue tr[data-ticket='1'] .countdown";
    let class = c
        .find(Locator::Css(countdown))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        class.contains("sla-ok"),
        "a fresh P3 ticket is not amber or red yet: {class}"
    );
    let text = async || {
        c.find(Locator::Css(countdown))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let shown = text().await;
    // The script keeps it live: the text changes within a couple of seconds.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_ne!(text().await, shown, "the countdown did not tick");
    screenshot(&c, "dashboard-queue.png").await;

    // The ticket page: claim, then reply.
    c.goto(&format!("{base}/tickets/1")).await.unwrap();
    click(&c, "form[data-action='claim'] button").await;
    c.wait()
        .for_element(Locator::Css("pre.flash"))
        .await
        .unwrap();
    assert_eq!(
        c.find(Locator::Css("#assignee"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ann"
    );
    let reply = "Fixed in 2.4.1; please update and tell me if it persists.";
    c.find(Locator::Css("form[data-action='reply'] textarea"))
        .await
        .unwrap()
        .send_keys(reply)
        .await
        .unwrap();
    click(&c, "form[data-action='reply'] button").await;
    fake.wait_until("the reply at the customer", |f| {
        f.texts_to(CUSTOMER).iter().any(|t| t.contains(reply))
    })
    .await;
    // Colleagues working the ticket in chat see it in the ticket's topic.
    fake.wait_until("the reply in the staff topic", |f| {
        f.texts_to(TG_STAFF)
            .iter()
            .any(|t| t.contains("ann replied from the dashboard") && t.contains(reply))
    })
    .await;
    c.wait()
        .for_element(Locator::Css("li.entry"))
        .await
        .unwrap();
    assert!(
        body_text(&c).await.contains(reply),
        "the reply is in the transcript"
    );
    screenshot(&c, "dashboard-ticket.png").await;
    let cookie = c.get_named_cookie("supportbot_session").await.unwrap();
    let cookie = format!("supportbot_session={}", cookie.value());
    let observer = storage::connect(&cfg.storage.url, 2).await.unwrap();
    use supportbot::domain::ports::TicketStore;
    let ticket = supportbot::domain::ids::TicketId(1);

    // A Telegram photo is not a link: the dashboard fetches it through the bot for the agent.
    fake.push(private_photo(CUSTOMER, "Cat", 3, "photo-77"));
    for _ in 0..200 {
        let t = observer.transcript(ticket).await.unwrap();
        if t.iter().any(|e| !e.attachments.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.goto(&format!("{base}/tickets/1")).await.unwrap();
    let href = c
        .find(Locator::Css("a.file"))
        .await
        .expect("a link to the photo")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let r = http
        .get(format!("{base}{href}"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), file_bytes("photo-77"));
    let r = http.get(format!("{base}{href}")).send().await.unwrap();
    assert_eq!(r.status(), 401, "files need a session too");

    // A form without its CSRF token does nothing, even with the session's cookie.
    let r = http
        .post(format!("{base}/tickets/1/act"))
        .header("cookie", &cookie)
        .form(&[("action", "close"), ("text", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let t = observer.ticket(ticket).await.unwrap().unwrap();
    assert_ne!(t.status, Status::Closed, "a forged form closed the ticket");

    // An agent is refused a lead's page; the lead gets it.
    let r = http
        .get(format!("{base}/reports"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("lead"));
    // The agent closes the ticket in chat with the article that answered it, which proposes
    // the customer's first message as a phrasing; reviewing it is a lead's action.
    fake.push(lobby_text(
        ANN,
        "Ann",
        12,
        "/close 1 fixed in 2.4.1 kb:reset-password",
    ));
    for _ in 0..200 {
        let t = observer.ticket(ticket).await.unwrap().unwrap();
        if t.status == Status::Closed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.goto(&format!("{base}/tickets/1")).await.unwrap();
    let csrf = c
        .find(Locator::Css("input[name='csrf']"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let r = http
        .get(format!("{base}/faq"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "an agent reads the FAQ review");
    let r = http
        .post(format!("{base}/faq/proposals/1"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "an agent accepted a proposal");

    // The used link does not sign in again.
    c.delete_all_cookies().await.unwrap();
    sign_in(&c, &link).await;
    c.wait()
        .for_element(Locator::Css("p.problem"))
        .await
        .unwrap();
    assert!(
        body_text(&c).await.contains("already used"),
        "{}",
        body_text(&c).await
    );
    // A link signed with the bot's own key but past its ten minutes is refused.
    let key = observer.dashboard_key("unused").await.unwrap();
    let signer = Signer::with_key(key.into_bytes(), &base);
    let lea = StaffMember {
        name: AgentName("lea".into()),
        role: StaffRole::Lead,
        lang: Lang::En,
    };
    let who = UserRef::new(Platform::Telegram, LEA.to_string(), "Lea");
    let stale = signer
        .link(&who, &[], &lea, Utc::now() - chrono::Duration::minutes(11))
        .unwrap();
    c.goto(&stale).await.unwrap();
    assert!(
        body_text(&c).await.contains("expired"),
        "{}",
        body_text(&c).await
    );
    // The same key cannot make a customer into staff.
    let customer = UserRef::new(Platform::Telegram, CUSTOMER.to_string(), "Cat");
    let forged = signer.link(&customer, &[], &lea, Utc::now()).unwrap();
    c.goto(&forged).await.unwrap();
    assert!(
        body_text(&c).await.contains("not valid"),
        "{}",
        body_text(&c).await
    );

    // The lead signs in with a fresh link and reads the reports.
    let lead_link = link_for(&fake, LEA, "Lea", 11).await;
    sign_in(&c, &lead_link).await;
    // The queue page (empty now: the agent closed the ticket).
    c.wait()
        .for_element(Locator::Css("#queue-empty"))
        .await
        .unwrap();
    c.goto(&format!("{base}/reports")).await.unwrap();
    let kpi = c.wait().for_element(Locator::Css("#kpi")).await.unwrap();
    assert!(kpi.text().await.unwrap().contains("KPI"));

    // The FAQ review: what the kb could not answer, and the proposal to accept, edited.
    c.goto(&format!("{base}/faq")).await.unwrap();
    let unanswered = c.find(Locator::Css("#unanswered")).await.unwrap();
    assert!(
        unanswered
            .text()
            .await
            .unwrap()
            .contains("The export button crashes the app"),
        "{}",
        unanswered.text().await.unwrap()
    );
    let edited = "Why does the export button crash?";
    c.find(Locator::Css(
        "div.proposal[data-proposal='1'] form[data-action='accept'] input[name='text']",
    ))
    .await
    .expect("the proposal with its forms")
    .send_keys(edited)
    .await
    .unwrap();
    c.find(Locator::Css(
        "div.proposal[data-proposal='1'] form[data-action='accept'] button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let flash = c
        .wait()
        .for_element(Locator::Css("pre.flash"))
        .await
        .unwrap();
    assert!(
        flash.text().await.unwrap().contains("accepted"),
        "{}",
        flash.text().await.unwrap()
    );
    screenshot(&c, "dashboard-faq.png").await;
    let file = std::fs::read_to_string(dir.path().join("kb").join("reset.md")).unwrap();
    assert!(
        file.contains(edited) && file.contains("I forgot my password"),
        "{file}"
    );
    assert!(
        c.find(Locator::Css("div.proposal[data-proposal='1']"))
            .await
            .is_err(),
        "a decided proposal is no longer waiting"
    );

    c.close().await.unwrap();
    stop.send(true).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(20), app).await;
}

/// The sign-in state on both backends: a link is redeemed once, sessions end on time, and
/// every instance shares one signing key.
async fn sign_in_store_contract(url: &str) {
    let a = storage::connect(url, 2).await.unwrap();
    let b = storage::connect(url, 2).await.unwrap();
    let key = a.dashboard_key("first").await.unwrap();
    assert_eq!(key, "first");
    assert_eq!(b.dashboard_key("second").await.unwrap(), "first");
    let now = Utc::now().timestamp_millis();
    assert!(a.redeem_link("n1", now + 60_000, now).await.unwrap());
    assert!(!b.redeem_link("n1", now + 60_000, now).await.unwrap());
    let s = storage::SessionRow {
        id_hash: "h1".into(),
        user: UserRef::new(Platform::Discord, "77", "Ann"),
        roles: vec!["role-1".into()],
        role: "agent".into(),
        csrf: "c1".into(),
        flash: None,
        expires_at: now + 1000,
    };
    a.create_session(&s, now).await.unwrap();
    assert_eq!(b.session("h1", now).await.unwrap(), Some(s.clone()));
    b.set_flash("h1", Some("done")).await.unwrap();
    assert_eq!(
        a.session("h1", now)
            .await
            .unwrap()
            .unwrap()
            .flash
            .as_deref(),
        Some("done")
    );
    assert_eq!(a.session("h1", now + 1000).await.unwrap(), None, "ended");
    a.end_session("h1").await.unwrap();
    assert_eq!(b.session("h1", now).await.unwrap(), None);
}

#[tokio::test]
async fn sign_in_state_holds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    sign_in_store_contract(&url).await;
}

#[tokio::test]
async fn sign_in_state_holds_on_postgres() {
    let Some(db) = crate::db::fresh_postgres().await else {
        return;
    };
    sign_in_store_contract(&db.url).await;
}

/// `/dashboard` from chat: the link reaches the agent alone, naming their identity and role.
#[tokio::test]
async fn a_dashboard_link_goes_to_the_agent_alone() {
    use crate::harness::{DASHBOARD_URL, TestApp};
    use supportbot::domain::event::{InboundBody, Outbound};
    use supportbot::domain::ids::ConversationRef;
    let (store, _dir) = crate::db::sqlite_store().await;
    let staff = "[[staff.agents]]\nname = \"tom\"\nrole = \"lead\"\nusers = [\"telegram:600\", \"discord:700\"]\n";
    let app = TestApp::over_sql(store, staff, None);
    let signer = Signer::with_key(b"test key".to_vec(), DASHBOARD_URL);
    let ask = |platform: Platform, id: &str, interaction: Option<&str>| {
        let mut inb = app.staff_inbound(
            "tom",
            None,
            InboundBody::Text {
                text: "/dashboard".into(),
            },
        );
        inb.from = UserRef::new(platform, id, "Tom");
        inb.conversation = ConversationRef::chat(platform, "staff-group");
        inb.interaction = interaction.map(str::to_string);
        inb
    };
    // Typed in the Telegram staff group: the link as a direct message, a pointer in the group.
    let out = app.send(ask(Platform::Telegram, "600", None)).await.0;
    assert_eq!(out.len(), 2, "{out:#?}");
    let (link, pointer) = match (&out[0], &out[1]) {
        (Outbound::Send { message: l, .. }, Outbound::Send { message: p, .. }) => (l, p),
        other => panic!("{other:?}"),
    };
    assert!(link.direct && link.private_to == Some(UserRef::new(Platform::Telegram, "600", "Tom")));
    assert!(!pointer.text.contains("/login") && !pointer.direct);
    let url = link
        .text
        .split_whitespace()
        .find(|w| w.starts_with(DASHBOARD_URL))
        .unwrap();
    let claims = signer
        .check(url.split_once("?t=").unwrap().1, crate::harness::t0())
        .unwrap();
    assert_eq!(
        (claims.user().id, claims.role),
        ("600".to_string(), StaffRole::Lead)
    );
    // A Discord slash command: one private answer in place.
    let out = app
        .send(ask(Platform::Discord, "700", Some("i-1:tok")))
        .await
        .0;
    assert_eq!(out.len(), 1, "{out:#?}");
    let Outbound::Send { message, .. } = &out[0] else {
        panic!("{out:?}")
    };
    assert!(
        message.ephemeral && message.in_reply_to.is_some() && message.text.contains("/login?t=")
    );
}
