//! Wiring: load config, open the store, build the index, run channels, shut down cleanly.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::sync::watch;

use crate::channels::Router;
use crate::channels::console::{self, ConsoleOutlet};
use crate::cli::{Cli, Command, ConfigCommand};
use crate::config::Config;
use crate::domain::desk::{Desk, DeskSettings};
use crate::domain::ids::Platform;
use crate::domain::ports::{KnowledgeBase, SystemClock, TicketStore};

/// Runs the CLI and maps errors to a message on stderr and exit code 1.
pub fn main(cli: Cli) -> ExitCode {
    // Secrets known from the environment are scrubbed from everything printed from here on;
    // the database password is added once the config is read.
    for var in ["DISCORD_TOKEN", "TELEGRAM_TOKEN"] {
        crate::redact::register(&std::env::var(var).unwrap_or_default());
    }
    crate::redact::register_url_password(
        &std::env::var("SUPPORTBOT__STORAGE__URL").unwrap_or_default(),
    );
    crate::redact::install_panic_hook();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_cli(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // Quietly, with the status a tool killed by SIGPIPE has (128 + 13).
        Err(e) if e.is::<crate::cli::OutputClosed>() => ExitCode::from(141),
        Err(e) => {
            eprintln!("error: {}", crate::redact::scrub(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: crate::cli::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SUPPORTBOT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("warn,supportbot=info"));
    // Logs go to stderr so the console chat on stdout stays clean and scriptable.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| crate::redact::Scrubbed(std::io::stderr()));
    let _ = match format {
        crate::cli::LogFormat::Text => builder.try_init(),
        crate::cli::LogFormat::Json => builder.json().try_init(),
    };
}

async fn run_cli(cli: Cli) -> Result<()> {
    let cfg = Config::load(cli.config.as_deref())?;
    crate::redact::register_url_password(&cfg.storage.url);
    let command = cli.command.unwrap_or(Command::Run);
    crate::cli::check_sla_section(&cfg, &command)?;
    match command {
        Command::Run => run_bot(cfg, false).await,
        Command::Console => run_bot(cfg, true).await,
        Command::Migrate => {
            open_store(&cfg).await?;
            crate::cli::outln!("migrations applied to {}", redact_url(&cfg.storage.url))?;
            Ok(())
        }
        Command::Tickets(cmd) => {
            let store = open_store(&cfg).await?;
            crate::cli::tickets::run(cmd, store.as_ref()).await
        }
        Command::Config(ConfigCommand::Check) => {
            crate::cli::out!("{}", crate::redact::scrub(&cfg.redacted_toml()))?;
            eprintln!("configuration is valid");
            Ok(())
        }
        Command::Kb(cmd) => crate::cli::kb::run(cmd, &cfg),
        Command::Sla(cmd) => crate::cli::sla::run(cmd, &cfg).await,
        Command::Doctor => {
            let report = crate::doctor::run(&cfg).await;
            crate::cli::out!("{}", report.render())?;
            if !report.ok() {
                anyhow::bail!("doctor: {} check(s) failed", report.failed().len());
            }
            Ok(())
        }
        Command::Setup(args) => crate::cli::setup::run(args, &cfg, None).await,
        Command::Models(crate::cli::ModelsCommand::Fetch) => {
            let Some(sem) = cfg.search.semantic.as_ref() else {
                anyhow::bail!("no [search.semantic] section: no sentence model is configured");
            };
            let msg = crate::cli::models::fetch_configured(sem, true).await?;
            crate::cli::outln!("{msg}")?;
            Ok(())
        }
        Command::Discord(crate::cli::DiscordCommand::InviteUrl { client_id }) => {
            let id = match client_id {
                Some(id) => id,
                None => crate::channels::discord::doctor::client_id(&cfg).await?,
            };
            crate::cli::outln!(
                "{}",
                crate::channels::discord::perms::invite_url(id, &cfg.discord)
            )?;
            Ok(())
        }
        Command::Report(cmd) => crate::cli::report::run(cmd, &cfg).await,
    }
}

/// Opens the configured store, running migrations.
pub async fn open_store(cfg: &Config) -> Result<Arc<dyn TicketStore>> {
    Ok(open_sql_store(cfg).await?)
}

/// Opens the configured store as its concrete type (the SLA sweeper needs its own queries).
pub async fn open_sql_store(cfg: &Config) -> Result<Arc<crate::storage::SqlStore>> {
    let store = crate::storage::connect(&cfg.storage.url, cfg.storage.max_connections)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&cfg.storage.url)))?
        .with_outbox_lease(cfg.cluster.outbox_lease());
    Ok(Arc::new(store))
}

/// The desk settings a config describes.
pub fn desk_settings(cfg: &Config) -> DeskSettings {
    DeskSettings {
        customers: cfg.customers.clone(),
        staff: cfg.staff.clone(),
        faq: cfg.faq.clone(),
        sla: cfg.sla.clone(),
        // Validation has rejected an unknown zone before any desk is built.
        time_zone: cfg.reports.tz().unwrap_or(chrono_tz::UTC),
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn run_bot(cfg: Config, console_only: bool) -> Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        crate::readiness::stopping();
        let _ = stop_tx.send(true);
    });
    serve(cfg, console_only, stop_rx).await
}

/// Runs the bot (the console when `console_only` or no token is set) until `stop_rx` turns
/// true. Public so that tests can run several instances in one process, each stopped or
/// killed on its own.
pub async fn serve(cfg: Config, console_only: bool, stop_rx: watch::Receiver<bool>) -> Result<()> {
    crate::cli::models::fetch_on_start(cfg.search.semantic.as_ref()).await?;
    let sql = open_sql_store(&cfg).await?;
    let store: Arc<dyn TicketStore> = sql.clone();
    let (index, _kb_watch) = open_kb(&cfg)?;
    let kb = index.clone().map(|k| k as Arc<dyn KnowledgeBase>);
    let signer = if cfg.dashboard.enabled {
        let s = crate::web::Signer::open(&sql, &cfg.dashboard.base_url())
            .await
            .context("cannot read or make the dashboard's signing key")?;
        Some(Arc::new(s))
    } else {
        None
    };
    let mut desk = Desk::new(
        store.clone(),
        kb,
        Arc::new(SystemClock),
        desk_settings(&cfg),
    )
    .with_limits(cfg.limits.clone())
    .with_reports(Arc::new(crate::reports::service::SqlReports::new(
        sql.clone(),
        cfg.clone(),
    )));
    // Accepted phrasings are written into the kb folder; the watcher re-indexes them.
    let learning =
        index.and_then(|k| crate::learning::Learning::new(sql.clone(), k, Arc::new(SystemClock)));
    if let Some(l) = &learning {
        desk = desk.with_curator(Arc::new(l.clone()));
    }
    if let Some(s) = &signer {
        desk = desk.with_sign_in(s.clone());
    }
    let desk = Arc::new(desk);
    let metrics = Arc::new(crate::admin::Metrics::default());
    if cfg.admin.enabled {
        let (bind, m, stop) = (cfg.admin.bind.clone(), metrics.clone(), stop_rx.clone());
        tokio::spawn(async move {
            // A busy admin port must not take the bot down with it.
            if let Err(e) = crate::admin::serve(&bind, m, stop).await {
                tracing::warn!(error = %format!("{e:#}"), "admin endpoint disabled");
            }
        });
        let (m, s, c, stop) = (
            metrics.clone(),
            sql.clone(),
            Arc::new(cfg.clone()),
            stop_rx.clone(),
        );
        tokio::spawn(crate::admin::watch_store(m, s, c, stop));
    }
    let mut router = Router::with_metrics(metrics.clone())
        .with_outbox(sql.clone())
        .with_lease(sql.outbox_lease());
    let console_outlet = Arc::new(ConsoleOutlet::new(
        Box::new(std::io::stdout()),
        store.clone(),
    ));
    router.add(Platform::Console, console_outlet.clone());
    router.add(Platform::Web, Arc::new(crate::web::WebOutlet));
    let telegram_token = cfg
        .secrets
        .telegram_token
        .clone()
        .filter(|_| cfg.telegram.enabled);
    let discord_token = cfg
        .secrets
        .discord_token
        .clone()
        .filter(|_| cfg.discord.enabled);
    let use_console = console_only || (telegram_token.is_none() && discord_token.is_none());
    for (platform, token) in [
        (Platform::Telegram, &telegram_token),
        (Platform::Discord, &discord_token),
    ] {
        if !use_console && token.is_some() && cfg.staff_home_for(platform) == Platform::Console {
            tracing::warn!(%platform, "tickets from this platform are handed to the console (staff.home / staff.home_for); set it to telegram or discord so agents see them");
        }
    }
    let telegram = match telegram_token.as_deref().filter(|_| !use_console) {
        Some(token) => {
            let (channel, outlet) = crate::channels::telegram::TelegramChannel::new(
                &cfg.telegram,
                token,
                store.clone(),
            )?;
            router.add(Platform::Telegram, outlet);
            Some(channel.with_group_admins(cfg.staff.telegram_group_admins.is_some()))
        }
        None => None,
    };
    let discord = match discord_token.as_deref().filter(|_| !use_console) {
        Some(token) => {
            let (channel, outlet) =
                crate::channels::discord::DiscordChannel::new(&cfg.discord, token, store.clone())?;
            router.add(Platform::Discord, outlet);
            Some(channel)
        }
        None => None,
    };
    // The sweeper starts once every outlet is registered, so its notices can reach any platform.
    let router = Arc::new(router);
    if let Some(signer) = signer {
        let mut files = std::collections::HashMap::new();
        if let Some(t) = &telegram {
            files.insert(Platform::Telegram, t.files());
        }
        let state = Arc::new(crate::web::WebState {
            desk: desk.clone(),
            router: router.clone(),
            store: sql.clone(),
            cfg: Arc::new(cfg.clone()),
            signer,
            files,
            learning,
        });
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            // A busy dashboard port must not take the bot down with it.
            if let Err(e) = crate::web::serve(state, stop).await {
                tracing::warn!(error = %format!("{e:#}"), "dashboard disabled");
            }
        });
    }
    let pickup = {
        let (router, stop) = (router.clone(), stop_rx.clone());
        tokio::spawn(async move { router.run_pickup(stop).await })
    };
    let sweeper =
        crate::domain::sla_sweep::Sweeper::new(sql.clone(), cfg.sla.clone(), cfg.staff.clone());
    tokio::spawn(crate::background::run_sweeper(
        sweeper,
        router.clone(),
        std::time::Duration::from_secs(cfg.sla.sweep_every_secs),
        stop_rx.clone(),
    ));

    tokio::spawn(crate::background::run_report_posts(
        crate::reports::digest_run::Digester::new(sql.clone(), cfg.clone()),
        crate::reports::survey_run::QuarterlySurveyor::new(sql.clone(), cfg.clone()),
        router.clone(),
        stop_rx.clone(),
    ));

    // Ready (for systemd) once every channel is connected; the console is ready at once.
    let parts: Vec<&'static str> = [
        ("telegram", telegram.is_some()),
        ("discord", discord.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on && !use_console)
    .map(|(p, _)| p)
    .collect();
    let (_readiness, mut ready_parts) = crate::readiness::Readiness::new(&parts);
    // Each channel keeps its part too, for an elected instance that stands by (ready then).
    let discord = discord.map(|c| {
        let part = ready_parts.pop().expect("a part per channel");
        (c.with_ready(part.clone()), part)
    });
    let telegram = telegram.map(|c| {
        let part = ready_parts.pop().expect("a part per channel");
        (c.with_ready(part.clone()), part)
    });

    if use_console {
        eprintln!(
            "supportbot console: type a question; `@agent <text or command>` speaks as the demo agent; `!<data>` presses a button. Ctrl-D quits."
        );
        let stdin = tokio::io::BufReader::new(tokio::io::stdin());
        let result = console::run(stdin, desk, router.clone(), console_outlet, stop_rx).await;
        router.flush().await;
        router.lanes().close(crate::delivery::SHUTDOWN_GRACE).await;
        pickup.abort();
        return result;
    }

    // With several instances on one database, the channels that allow one consumer per bot
    // run only where their role is held; a Telegram webhook behind a load balancer may run
    // on every instance, so it is not elected.
    let election = cfg.cluster.elects(sql.backend()).then(|| {
        crate::leader::Election::new(sql.clone(), cfg.cluster.lease()).with_metrics(metrics.clone())
    });
    if let Some(e) = &election {
        tracing::info!(
            holder = e.holder(),
            lease_secs = cfg.cluster.lease_secs,
            "electing the Telegram poller and the Discord gateway owner"
        );
    }
    let elect_telegram = cfg.telegram.webhook.is_none();
    let mut campaigns = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    if let Some((channel, part)) = discord {
        let (desk, router) = (desk.clone(), router.clone());
        let elected = election
            .as_ref()
            .map(|e| (e, crate::leader::DISCORD_GATEWAY, part));
        crate::leader::spawn_channel(
            &mut tasks,
            &mut campaigns,
            elected,
            stop_rx.clone(),
            move |s| {
                let (channel, desk, router) = (channel.clone(), desk.clone(), router.clone());
                async move {
                    channel
                        .run(desk, router, s)
                        .await
                        .context("Discord channel")
                }
            },
        );
    }
    if let Some((channel, part)) = telegram {
        let (desk, router) = (desk.clone(), router.clone());
        let elected = election
            .as_ref()
            .filter(|_| elect_telegram)
            .map(|e| (e, crate::leader::TELEGRAM_POLLER, part));
        crate::leader::spawn_channel(
            &mut tasks,
            &mut campaigns,
            elected,
            stop_rx.clone(),
            move |s| {
                let (channel, desk, router) = (channel.clone(), desk.clone(), router.clone());
                async move {
                    channel
                        .run(desk, router, s)
                        .await
                        .context("Telegram channel")
                }
            },
        );
    }
    tracing::info!(
        telegram = telegram_token.is_some(),
        discord = discord_token.is_some(),
        "supportbot running"
    );
    let mut result = Ok(());
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %format!("{e:#}"), "channel stopped");
                result = Err(e);
            }
            Err(e) => result = Err(anyhow::anyhow!("channel task panicked: {e}")),
        }
    }
    // Each campaign gives its role up, so another instance takes over at once.
    for campaign in campaigns {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), campaign).await;
    }
    // The pickup loop hands back what is still undelivered, for the next start.
    if tokio::time::timeout(std::time::Duration::from_secs(5), pickup)
        .await
        .is_err()
    {
        tracing::warn!("outbox loop did not stop in time");
    }
    result
}

/// The knowledge base, if usable, and its file watcher, if running.
type OpenedKb = (
    Option<Arc<crate::search::Kb>>,
    Option<crate::search::WatchHandle>,
);

/// Opens the knowledge base and starts its file watcher. Without a usable kb/ the bot still
/// runs: every question then goes to a person. A configured sentence model that is broken,
/// or required and missing, stops the start: the operator asked for it.
fn open_kb(cfg: &Config) -> Result<OpenedKb> {
    let encoders = cfg
        .search
        .load_encoders()
        .context("[search.semantic] names a sentence model that cannot be used")?;
    // Article vectors are computed in the background: the bot answers lexically meanwhile.
    let kb = match crate::search::Kb::open_in_background(&cfg.search, encoders) {
        Ok((kb, problems)) => {
            for p in &problems {
                tracing::warn!(problem = %p, "kb article skipped");
            }
            Arc::new(kb)
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), kb_dir = %cfg.search.kb_dir, "knowledge base unavailable; all questions go to agents");
            return Ok((None, None));
        }
    };
    let watcher = if !cfg.search.watch {
        None
    } else {
        match crate::search::watch(kb.clone(), std::path::Path::new(&cfg.search.kb_dir)) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "kb changes will need a restart");
                None
            }
        }
    };
    Ok((Some(kb), watcher))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb_config(watch: bool, data: &std::path::Path, kb: &std::path::Path) -> Config {
        let env = vec![
            ("SUPPORTBOT__SEARCH__WATCH".to_string(), watch.to_string()),
            (
                "SUPPORTBOT__SEARCH__DATA_DIR".to_string(),
                data.display().to_string(),
            ),
            (
                "SUPPORTBOT__SEARCH__KB_DIR".to_string(),
                kb.display().to_string(),
            ),
        ];
        Config::from_layers(None, &env).unwrap()
    }

    #[test]
    fn the_kb_watcher_runs_only_when_configured() {
        let data = tempfile::tempdir().unwrap();
        let kb = tempfile::tempdir().unwrap();
        std::fs::write(
            kb.path().join("a.md"),
            "---\nid: a\ntitle: Opening a ticket\nlang: en\n---\nWrite /ticket and your question.\n",
        )
        .unwrap();
        let (found, watcher) = open_kb(&kb_config(false, data.path(), kb.path())).unwrap();
        assert!(found.is_some() && watcher.is_none());
        let (found, watcher) = open_kb(&kb_config(true, data.path(), kb.path())).unwrap();
        assert!(found.is_some() && watcher.is_some());
    }

    #[test]
    fn a_required_sentence_model_that_is_missing_stops_the_start() {
        let data = tempfile::tempdir().unwrap();
        let missing = data.path().join("no-model");
        let with = |required: bool| {
            let mut cfg = kb_config(false, data.path(), std::path::Path::new("kb"));
            cfg.search.semantic = Some(crate::search::SemanticConfig {
                model_dir: Some(missing.display().to_string()),
                langs: vec!["en".into()],
                required,
                ..Default::default()
            });
            cfg
        };
        let e = open_kb(&with(true)).expect_err("refused");
        let e = format!("{e:#}");
        assert!(
            e.contains("[search.semantic]") && e.contains("no-model"),
            "{e}"
        );
        let (found, _) = open_kb(&with(false)).unwrap();
        assert!(
            found.is_some(),
            "an optional model's absence keeps lexical search"
        );
    }
}
