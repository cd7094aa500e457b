//! The Discord permissions the bot uses, where it uses them, and Discord's rules for what a
//! member may do in a channel. `supportbot doctor` checks exactly these lists and
//! `supportbot discord invite-url` asks for exactly their union.

use serde_json::Value;
use serenity::all::Permissions;

use super::DiscordConfig;

/// A permission with the name the Discord client shows for it.
pub type Named = (Permissions, &'static str);

/// What the bot does in the staff channel: posts ticket intros, opens a (private) thread per
/// ticket, renames, archives and unarchives it, posts in it and reads it back after a restart.
pub fn staff_channel(cfg: &DiscordConfig) -> Vec<Named> {
    vec![
        (Permissions::VIEW_CHANNEL, "View Channel"),
        (Permissions::SEND_MESSAGES, "Send Messages"),
        if cfg.private_staff_threads {
            (
                Permissions::CREATE_PRIVATE_THREADS,
                "Create Private Threads",
            )
        } else {
            (Permissions::CREATE_PUBLIC_THREADS, "Create Public Threads")
        },
        (Permissions::MANAGE_THREADS, "Manage Threads"),
        (
            Permissions::SEND_MESSAGES_IN_THREADS,
            "Send Messages in Threads",
        ),
        (Permissions::READ_MESSAGE_HISTORY, "Read Message History"),
    ]
}

/// What the bot does in a support channel: reads customers' messages, posts the support panel
/// (an embed), and moves each customer to a private thread it posts in.
pub fn support_channel() -> Vec<Named> {
    vec![
        (Permissions::VIEW_CHANNEL, "View Channel"),
        (Permissions::SEND_MESSAGES, "Send Messages"),
        (Permissions::EMBED_LINKS, "Embed Links"),
        (
            Permissions::CREATE_PRIVATE_THREADS,
            "Create Private Threads",
        ),
        (
            Permissions::SEND_MESSAGES_IN_THREADS,
            "Send Messages in Threads",
        ),
        (Permissions::READ_MESSAGE_HISTORY, "Read Message History"),
    ]
}

/// Every permission the bot uses: the invite URL's `permissions` value.
pub fn all(cfg: &DiscordConfig) -> Permissions {
    staff_channel(cfg)
        .into_iter()
        .chain(support_channel())
        .fold(Permissions::empty(), |acc, (p, _)| acc | p)
}

/// The OAuth2 URL that adds the bot to a server with the `bot` and `applications.commands`
/// scopes and exactly [`all`] permissions.
pub fn invite_url(client_id: u64, cfg: &DiscordConfig) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={client_id}&scope=bot+applications.commands&permissions={}",
        all(cfg).bits()
    )
}

/// The bits of a permission string as Discord sends them (`"1024"`).
fn bits(v: &Value) -> Permissions {
    let n = match v {
        Value::String(s) => s.parse().unwrap_or(0),
        other => other.as_u64().unwrap_or(0),
    };
    Permissions::from_bits_truncate(n)
}

/// What a member with `member_roles` may do in a channel with `overwrites`, from the guild's
/// `roles` (Discord's order: @everyone and the member's roles, Administrator grants all, then
/// the @everyone overwrite, the roles' overwrites together, the member's own overwrite; no
/// View Channel means nothing at all).
pub fn effective(
    guild_id: &str,
    member_id: &str,
    member_roles: &[String],
    roles: &[Value],
    overwrites: &[Value],
) -> Permissions {
    let role_perms = |id: &str| {
        roles
            .iter()
            .find(|r| r["id"].as_str() == Some(id))
            .map(|r| bits(&r["permissions"]))
            .unwrap_or_else(Permissions::empty)
    };
    let mut base = role_perms(guild_id);
    for r in member_roles {
        base |= role_perms(r);
    }
    if base.contains(Permissions::ADMINISTRATOR) {
        return Permissions::all();
    }
    let find = |id: &str| overwrites.iter().find(|o| o["id"].as_str() == Some(id));
    if let Some(o) = find(guild_id) {
        base = (base - bits(&o["deny"])) | bits(&o["allow"]);
    }
    let (mut allow, mut deny) = (Permissions::empty(), Permissions::empty());
    for r in member_roles {
        if let Some(o) = find(r) {
            allow |= bits(&o["allow"]);
            deny |= bits(&o["deny"]);
        }
    }
    base = (base - deny) | allow;
    if let Some(o) = find(member_id).filter(|o| o["type"].as_u64() == Some(1)) {
        base = (base - bits(&o["deny"])) | bits(&o["allow"]);
    }
    if !base.contains(Permissions::VIEW_CHANNEL) {
        return Permissions::empty();
    }
    base
}

/// The names of the permissions in `needed` that `have` lacks.
pub fn missing(needed: &[Named], have: Permissions) -> Vec<&'static str> {
    needed
        .iter()
        .filter(|(p, _)| !have.contains(*p))
        .map(|(_, n)| *n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(x: Permissions) -> String {
        x.bits().to_string()
    }

    #[test]
    fn the_invite_asks_for_the_union_of_both_lists() {
        let cfg = DiscordConfig::default();
        let url = invite_url(42, &cfg);
        let expected = Permissions::VIEW_CHANNEL
            | Permissions::SEND_MESSAGES
            | Permissions::EMBED_LINKS
            | Permissions::CREATE_PRIVATE_THREADS
            | Permissions::MANAGE_THREADS
            | Permissions::SEND_MESSAGES_IN_THREADS
            | Permissions::READ_MESSAGE_HISTORY;
        assert_eq!(
            url,
            format!(
                "https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands&permissions={}",
                expected.bits()
            )
        );
        let public = DiscordConfig {
            private_staff_threads: false,
            ..DiscordConfig::default()
        };
        assert!(all(&public).contains(Permissions::CREATE_PUBLIC_THREADS));
    }

    #[test]
    fn overwrites_apply_in_discords_order() {
        let roles = [
            json!({"id": "1", "permissions": p(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES)}),
            json!({"id": "2", "permissions": p(Permissions::MANAGE_THREADS)}),
            json!({"id": "3", "permissions": p(Permissions::ADMINISTRATOR)}),
        ];
        let mine = vec!["2".to_string()];
        let open = effective("1", "9", &mine, &roles, &[]);
        assert!(open.contains(Permissions::SEND_MESSAGES | Permissions::MANAGE_THREADS));
        // @everyone denied Send, the bot's role allowed it back: the role overwrite wins.
        let ow = [
            json!({"id": "1", "type": 0, "allow": "0", "deny": p(Permissions::SEND_MESSAGES)}),
            json!({"id": "2", "type": 0, "allow": p(Permissions::SEND_MESSAGES), "deny": "0"}),
        ];
        assert!(effective("1", "9", &mine, &roles, &ow).contains(Permissions::SEND_MESSAGES));
        // A member overwrite denying View leaves nothing.
        let hidden =
            [json!({"id": "9", "type": 1, "allow": "0", "deny": p(Permissions::VIEW_CHANNEL)})];
        assert_eq!(
            effective("1", "9", &mine, &roles, &hidden),
            Permissions::empty()
        );
        // Administrator ignores overwrites.
        let admin = vec!["3".to_string()];
        assert_eq!(
            effective("1", "9", &admin, &roles, &hidden),
            Permissions::all()
        );
        let need = staff_channel(&DiscordConfig::default());
        assert_eq!(
            missing(&need, open),
            vec![
                "Create Private Threads",
                "Send Messages in Threads",
                "Read Message History"
            ]
        );
    }
}
