//! `supportbot setup`: the guided first run. Asks which platforms, checks each token live,
//! lists the groups and channels the bot can see so the operator picks the staff space
//! instead of pasting ids, writes a commented config file and a mode-0600 `.env` with the
//! tokens, and ends with `doctor`. Flags answer every question (`--non-interactive`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::json;

use super::prompt::Prompter;
use crate::channels::telegram::doctor::BotApi;
use crate::config::Config;

/// `setup` flags; any of them skips its question.
#[derive(Debug, Clone, Args)]
pub struct SetupArgs {
    /// Ask nothing: every answer comes from the flags (and the token variables).
    #[arg(long)]
    pub non_interactive: bool,
    /// Platforms to set up: telegram, discord, or both (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub platforms: Vec<String>,
    /// Telegram bot token (BotFather).
    #[arg(long, env = "TELEGRAM_TOKEN", hide_env_values = true)]
    pub telegram_token: Option<String>,
    /// Telegram staff supergroup id.
    #[arg(long, allow_hyphen_values = true)]
    pub telegram_staff_chat: Option<i64>,
    /// Discord bot token (Developer Portal → Bot).
    #[arg(long, env = "DISCORD_TOKEN", hide_env_values = true)]
    pub discord_token: Option<String>,
    /// Discord staff channel id.
    #[arg(long)]
    pub discord_staff_channel: Option<String>,
    /// Discord support channel ids (comma separated; none for DMs only).
    #[arg(long, value_delimiter = ',')]
    pub discord_support_channels: Option<Vec<String>>,
    /// Where agents work when both platforms run: telegram or discord.
    #[arg(long)]
    pub staff_home: Option<String>,
    /// Config file to write.
    #[arg(long, default_value = "config/local.toml")]
    pub config_out: PathBuf,
    /// Token file to write (mode 0600).
    #[arg(long, default_value = ".env")]
    pub env_out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// What setup found out.
#[derive(Debug, Default)]
struct Answers {
    telegram: Option<TelegramAnswer>,
    discord: Option<DiscordAnswer>,
    home: String,
}

#[derive(Debug)]
struct TelegramAnswer {
    token: String,
    chat: i64,
    title: String,
    forum: bool,
}

/// The Discord answers.
#[derive(Debug)]
pub(super) struct DiscordAnswer {
    pub(super) token: String,
    pub(super) staff: String,
    pub(super) staff_name: String,
    pub(super) support: Vec<String>,
}

/// Runs the guided setup, then `doctor` on what it wrote; fails when doctor does.
pub async fn run(args: SetupArgs, cfg: &Config, prompt: Option<Box<dyn Prompter>>) -> Result<()> {
    let mut prompt = match (args.non_interactive, prompt) {
        (true, _) => None,
        (false, Some(p)) => Some(p),
        (false, None) => Some(super::prompt::for_stdin()),
    };
    for path in [&args.config_out, &args.env_out] {
        if path.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
    }
    let platforms = match (&args.platforms[..], prompt.as_mut()) {
        ([], Some(p)) => {
            let options = ["telegram".to_string(), "discord".into(), "both".into()];
            match p.choose("Which platforms?", &options, 0)? {
                0 => vec!["telegram".to_string()],
                1 => vec!["discord".to_string()],
                _ => vec!["telegram".to_string(), "discord".into()],
            }
        }
        ([], None) => bail!("--platforms telegram,discord is needed with --non-interactive"),
        (list, _) => list.to_vec(),
    };
    if let Some(bad) = platforms
        .iter()
        .find(|p| *p != "telegram" && *p != "discord")
    {
        bail!("unknown platform `{bad}`: use telegram and/or discord");
    }
    let mut answers = Answers::default();
    if platforms.iter().any(|p| p == "telegram") {
        answers.telegram = Some(telegram(&args, cfg, &mut prompt).await?);
    }
    if platforms.iter().any(|p| p == "discord") {
        answers.discord = Some(super::setup_discord::discord(&args, cfg, &mut prompt).await?);
    }
    answers.home = match (
        &answers.telegram,
        &answers.discord,
        &args.staff_home,
        prompt.as_mut(),
    ) {
        (_, _, Some(h), _) if h == "telegram" || h == "discord" => h.clone(),
        (_, _, Some(h), _) => bail!("--staff-home `{h}`: use telegram or discord"),
        (Some(_), None, None, _) => "telegram".into(),
        (None, Some(_), None, _) => "discord".into(),
        (_, _, None, Some(p)) => {
            let options = ["telegram".to_string(), "discord".into()];
            options[p.choose("Where do agents work tickets?", &options, 0)?].clone()
        }
        (_, _, None, None) => bail!("--staff-home telegram|discord is needed with both platforms"),
    };
    write_config(&args.config_out, cfg, &answers)?;
    write_env(&args.env_out, &answers)?;
    eprintln!(
        "wrote {} and {} (mode 0600); checking the result with `supportbot doctor`:",
        args.config_out.display(),
        args.env_out.display()
    );
    let mut written = Config::load(Some(&args.config_out))?;
    written.secrets.telegram_token = answers.telegram.as_ref().map(|t| t.token.clone());
    written.secrets.discord_token = answers.discord.as_ref().map(|d| d.token.clone());
    let report = crate::doctor::run(&written).await;
    super::out!("{}", report.render())?;
    if !report.ok() {
        bail!(
            "setup wrote the files, but doctor found {} failure(s)",
            report.failed().len()
        );
    }
    eprintln!(
        "start the bot: set -a; . {}; set +a; supportbot --config {} run",
        args.env_out.display(),
        args.config_out.display()
    );
    Ok(())
}

/// A token from the flag or variable, else asked; checked live until it works (when asked).
pub(super) async fn token<F, Fut>(
    given: Option<String>,
    prompt: &mut Option<Box<dyn Prompter>>,
    question: &str,
    flag: &str,
    check: F,
) -> Result<(String, String)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<String>>,
{
    let mut candidate = given.filter(|t| !t.trim().is_empty());
    loop {
        let t = match (candidate.take(), prompt.as_mut()) {
            (Some(t), _) => t,
            (None, Some(p)) => p.secret(question)?.trim().to_string(),
            (None, None) => bail!("{flag} is needed with --non-interactive"),
        };
        match check(t.clone()).await {
            Ok(who) => {
                eprintln!("token works: {who}");
                return Ok((t, who));
            }
            Err(e) if prompt.is_some() => eprintln!("{e:#}; try again"),
            Err(e) => return Err(e),
        }
    }
}

async fn telegram(
    args: &SetupArgs,
    cfg: &Config,
    prompt: &mut Option<Box<dyn Prompter>>,
) -> Result<TelegramAnswer> {
    let api_url = cfg.telegram.api_url.clone();
    let (token, _) = token(
        args.telegram_token.clone(),
        prompt,
        "Telegram bot token (from @BotFather)",
        "--telegram-token (or TELEGRAM_TOKEN)",
        |t| {
            let api_url = api_url.clone();
            async move {
                let me = BotApi::new(&api_url, &t)
                    .call("getMe", json!({}))
                    .await
                    .map_err(|e| anyhow::anyhow!("Telegram rejected the token ({e})"))?;
                Ok(format!("@{}", me["username"].as_str().unwrap_or("?")))
            }
        },
    )
    .await?;
    let api = BotApi::new(&api_url, &token);
    let chat = match args.telegram_staff_chat {
        Some(id) => id,
        None => loop {
            let groups = seen_groups(&api).await?;
            let Some(p) = prompt.as_mut() else {
                bail!("--telegram-staff-chat is needed with --non-interactive");
            };
            if groups.is_empty() {
                eprintln!(
                    "the bot has seen no group yet: add it to your staff group and send a message there"
                );
                p.text("Press Enter to look again", Some(""))?;
                continue;
            }
            let names: Vec<String> = groups
                .iter()
                .map(|(id, title)| format!("{title} ({id})"))
                .collect();
            break groups[p.choose("Staff group", &names, 0)?].0;
        },
    };
    let info = api
        .call("getChat", json!({"chat_id": chat}))
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the staff chat {chat}: {e}"))?;
    Ok(TelegramAnswer {
        token,
        chat,
        title: info["title"].as_str().unwrap_or("?").to_string(),
        forum: info["is_forum"].as_bool().unwrap_or(false),
    })
}

/// Groups and supergroups in the bot's pending updates (read without confirming them, so
/// the bot still gets them), newest title per chat.
async fn seen_groups(api: &BotApi) -> Result<Vec<(i64, String)>> {
    let updates = api
        .call(
            "getUpdates",
            json!({"timeout": 0, "allowed_updates": ["message", "my_chat_member"]}),
        )
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot read the bot's updates: {e} (a webhook set? `supportbot doctor` tells)"
            )
        })?;
    let mut groups: Vec<(i64, String)> = Vec::new();
    for u in updates.as_array().into_iter().flatten() {
        for chat in [&u["message"]["chat"], &u["my_chat_member"]["chat"]] {
            let kind = chat["type"].as_str().unwrap_or_default();
            let (Some(id), true) = (chat["id"].as_i64(), kind == "group" || kind == "supergroup")
            else {
                continue;
            };
            let title = chat["title"].as_str().unwrap_or("?").to_string();
            groups.retain(|(g, _)| *g != id);
            groups.push((id, title));
        }
    }
    Ok(groups)
}

fn write_config(path: &Path, cfg: &Config, a: &Answers) -> Result<()> {
    let mut s = format!(
        "# Written by `supportbot setup`. Layered over config/default.toml, which documents every\n\
         # key; run `supportbot --config {} doctor` after any change.\n\n\
         [staff]\n# Where agents work tickets.\nhome = \"{}\"\n",
        path.display(),
        a.home
    );
    if let Some(t) = &a.telegram {
        s.push_str(&format!(
            "\n[telegram]\n# The staff supergroup \"{}\".\nstaff_chat_id = {}\n# {}\nforum_topics = {}\n",
            t.title.replace('"', "'"),
            t.chat,
            if t.forum {
                "Topics are on in that group: one topic per ticket."
            } else {
                "Topics are off in that group: one reply thread per ticket."
            },
            t.forum
        ));
        if cfg.telegram.api_url != "https://api.telegram.org" {
            s.push_str(&format!(
                "# A self-hosted Bot API server.\napi_url = \"{}\"\n",
                cfg.telegram.api_url
            ));
        }
    }
    if let Some(d) = &a.discord {
        let support: Vec<String> = d.support.iter().map(|c| format!("\"{c}\"")).collect();
        s.push_str(&format!(
            "\n[discord]\n# #{}: one private thread per ticket.\nstaff_channel_id = \"{}\"\n# Channels where customers write (DMs always work).\nsupport_channel_ids = [{}]\n",
            d.staff_name,
            d.staff,
            support.join(", ")
        ));
        if let Some(proxy) = cfg.discord.api_proxy.as_deref().filter(|p| !p.is_empty()) {
            s.push_str(&format!(
                "# Replaces https://discord.com.\napi_proxy = \"{proxy}\"\n"
            ));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, s).with_context(|| format!("cannot write {}", path.display()))
}

fn write_env(path: &Path, a: &Answers) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut body = String::from("# Tokens for supportbot (keep this file private).\n");
    if let Some(t) = &a.telegram {
        body.push_str(&format!("TELEGRAM_TOKEN={}\n", t.token));
    }
    if let Some(d) = &a.discord {
        body.push_str(&format!("DISCORD_TOKEN={}\n", d.token));
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // An existing file keeps its mode on open; make it private either way.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(body.as_bytes())?;
    Ok(())
}
