//! The Discord part of `supportbot setup`: check the token, then list the text channels of
//! the servers the bot is in, so the operator picks the staff and support channels.

use anyhow::{Result, bail};

use super::prompt::Prompter;
use super::setup::{DiscordAnswer, SetupArgs, token};
use crate::channels::discord::doctor::Rest;
use crate::config::Config;

/// Token, staff channel and support channels, from flags or questions.
pub(super) async fn discord(
    args: &SetupArgs,
    cfg: &Config,
    prompt: &mut Option<Box<dyn Prompter>>,
) -> Result<DiscordAnswer> {
    let dcfg = cfg.discord.clone();
    let (token, _) = token(
        args.discord_token.clone(),
        prompt,
        "Discord bot token (Developer Portal → Bot → Reset Token)",
        "--discord-token (or DISCORD_TOKEN)",
        |t| {
            let dcfg = dcfg.clone();
            async move {
                let me = Rest::new(&dcfg, &t)
                    .get("/users/@me")
                    .await
                    .map_err(|e| anyhow::anyhow!("Discord rejected the token ({e})"))?;
                Ok(me["username"].as_str().unwrap_or("?").to_string())
            }
        },
    )
    .await?;
    let rest = Rest::new(&cfg.discord, &token);
    let channels = text_channels(&rest).await?;
    let name_of = |id: &str| {
        channels
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "?".into())
    };
    let staff = match (&args.discord_staff_channel, prompt.as_mut()) {
        (Some(id), _) => id.clone(),
        (None, None) => bail!("--discord-staff-channel is needed with --non-interactive"),
        (None, Some(_)) if channels.is_empty() => bail!(
            "the bot is in no server with a text channel yet: invite it with `supportbot discord invite-url`, then run setup again"
        ),
        (None, Some(p)) => {
            let names: Vec<String> = channels.iter().map(|(_, n)| n.clone()).collect();
            channels[p.choose("Staff channel (one private thread per ticket)", &names, 0)?]
                .0
                .clone()
        }
    };
    let support = match (&args.discord_support_channels, prompt.as_mut()) {
        (Some(list), _) => list.clone(),
        (None, None) => Vec::new(),
        (None, Some(p)) => {
            let others: Vec<&(String, String)> =
                channels.iter().filter(|(c, _)| *c != staff).collect();
            let names: Vec<String> = others.iter().map(|(_, n)| n.clone()).collect();
            if names.is_empty() {
                Vec::new()
            } else {
                p.choose_many(
                    "Support channels where customers write (DMs always work)",
                    &names,
                )?
                .into_iter()
                .map(|i| others[i].0.clone())
                .collect()
            }
        }
    };
    Ok(DiscordAnswer {
        token,
        staff_name: name_of(&staff)
            .rsplit_once('#')
            .map_or_else(|| "?".to_string(), |(_, n)| n.to_string()),
        staff,
        support,
    })
}

/// `(id, "Server / #name")` for every text channel of every server the bot is in.
async fn text_channels(rest: &Rest) -> Result<Vec<(String, String)>> {
    let guilds = rest
        .get("/users/@me/guilds")
        .await
        .map_err(|e| anyhow::anyhow!("cannot list the bot's servers: {e}"))?;
    let mut out = Vec::new();
    for g in guilds.as_array().into_iter().flatten() {
        let (Some(id), name) = (g["id"].as_str(), g["name"].as_str().unwrap_or("?")) else {
            continue;
        };
        let chans = rest
            .get(&format!("/guilds/{id}/channels"))
            .await
            .map_err(|e| anyhow::anyhow!("cannot list the channels of {name}: {e}"))?;
        for c in chans.as_array().into_iter().flatten() {
            if c["type"].as_u64() == Some(0)
                && let Some(cid) = c["id"].as_str()
            {
                let cname = c["name"].as_str().unwrap_or("?");
                out.push((cid.to_string(), format!("{name} / #{cname}")));
            }
        }
    }
    Ok(out)
}
