//! Slash commands: their registration, and turning an invocation back into command text
//! (`/claim 42`) so the desk's one parser handles Discord, Telegram and the console alike.

use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand,
    CreateCommandOption, Permissions,
};

use crate::domain::i18n::{Key, Lang};
use crate::tr;

/// Who may see and use a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Customers and staff.
    Everyone,
    /// Agents; hidden by default, server admins grant it to roles (and the adapter checks roles).
    Agents,
    /// Admins only.
    Admins,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Ticket,
    Text,
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
struct Opt {
    name: &'static str,
    desc: Key,
    kind: Kind,
    required: bool,
}

const fn opt(name: &'static str, desc: Key, kind: Kind, required: bool) -> Opt {
    Opt {
        name,
        desc,
        kind,
        required,
    }
}

const TICKET: Opt = opt("ticket", Key::OptTicket, Kind::Ticket, false);
const PRIORITIES: &[&str] = &["P1", "P2", "P3", "P4"];
const TIERS: &[&str] = &["basic", "pro", "enterprise"];
const LANGS: &[&str] = &["en", "zh", "hu"];

/// One slash command: name, description, audience and options in the order the desk's
/// parser expects them in text. Name and description are catalog keys, shown to each
/// Discord client in its language.
struct Spec {
    name: &'static str,
    local_name: Key,
    desc: Key,
    audience: Audience,
    options: &'static [Opt],
}

const fn spec(
    name: &'static str,
    local_name: Key,
    desc: Key,
    audience: Audience,
    options: &'static [Opt],
) -> Spec {
    Spec {
        name,
        local_name,
        desc,
        audience,
        options,
    }
}

use Audience::{Admins, Agents, Everyone};

const SPECS: &[Spec] = &[
    spec("help", Key::CmdnameHelp, Key::CmdHelp, Everyone, &[]),
    spec(
        "ticket",
        Key::CmdnameTicket,
        Key::CmdTicket,
        Everyone,
        &[opt("text", Key::OptTicketText, Kind::Text, false)],
    ),
    spec(
        "faq",
        Key::CmdnameFaq,
        Key::CmdFaq,
        Everyone,
        &[opt("query", Key::OptQuery, Kind::Text, true)],
    ),
    spec("status", Key::CmdnameStatus, Key::CmdStatus, Everyone, &[]),
    spec(
        "stop",
        Key::CmdnameStop,
        Key::CmdStop,
        Everyone,
        &[opt("what", Key::OptStop, Kind::Choice(&["surveys"]), true)],
    ),
    spec(
        "feedback",
        Key::CmdnameFeedback,
        Key::CmdFeedback,
        Everyone,
        &[
            opt(
                "type",
                Key::OptFeedbackType,
                Kind::Choice(&["bug", "feature"]),
                true,
            ),
            opt("text", Key::OptDescribe, Kind::Text, true),
        ],
    ),
    spec(
        "close",
        Key::CmdnameClose,
        Key::CmdClose,
        Everyone,
        &[TICKET, opt("reason", Key::OptReason, Kind::Text, false)],
    ),
    spec(
        "register",
        Key::CmdnameRegister,
        Key::CmdRegister,
        Everyone,
        &[opt("key", Key::OptKey, Kind::Text, true)],
    ),
    spec(
        "lang",
        Key::CmdnameLang,
        Key::CmdLang,
        Everyone,
        &[opt("language", Key::OptLang, Kind::Choice(LANGS), false)],
    ),
    spec("queue", Key::CmdnameQueue, Key::CmdQueue, Agents, &[]),
    spec("mine", Key::CmdnameMine, Key::CmdMine, Agents, &[]),
    spec("show", Key::CmdnameShow, Key::CmdShow, Agents, &[TICKET]),
    spec("claim", Key::CmdnameClaim, Key::CmdClaim, Agents, &[TICKET]),
    spec(
        "unclaim",
        Key::CmdnameUnclaim,
        Key::CmdUnclaim,
        Agents,
        &[TICKET],
    ),
    spec(
        "assign",
        Key::CmdnameAssign,
        Key::CmdAssign,
        Agents,
        &[TICKET, opt("agent", Key::OptAgent, Kind::Text, true)],
    ),
    spec(
        "transfer",
        Key::CmdnameTransfer,
        Key::CmdTransfer,
        Agents,
        &[TICKET, opt("agent", Key::OptAgent, Kind::Text, true)],
    ),
    spec(
        "reply",
        Key::CmdnameReply,
        Key::CmdReply,
        Agents,
        &[TICKET, opt("text", Key::OptAnswer, Kind::Text, true)],
    ),
    spec(
        "note",
        Key::CmdnameNote,
        Key::CmdNote,
        Agents,
        &[TICKET, opt("text", Key::OptNote, Kind::Text, true)],
    ),
    spec(
        "priority",
        Key::CmdnamePriority,
        Key::CmdPriority,
        Agents,
        &[
            TICKET,
            opt("priority", Key::OptPriority, Kind::Choice(PRIORITIES), true),
        ],
    ),
    spec(
        "tier",
        Key::CmdnameTier,
        Key::CmdTier,
        Agents,
        &[TICKET, opt("tier", Key::OptTier, Kind::Choice(TIERS), true)],
    ),
    spec(
        "pending",
        Key::CmdnamePending,
        Key::CmdPending,
        Agents,
        &[TICKET],
    ),
    spec("hold", Key::CmdnameHold, Key::CmdHold, Agents, &[TICKET]),
    spec("solve", Key::CmdnameSolve, Key::CmdSolve, Agents, &[TICKET]),
    spec("fixed", Key::CmdnameFixed, Key::CmdFixed, Agents, &[TICKET]),
    spec(
        "incident",
        Key::CmdnameIncident,
        Key::CmdIncident,
        Agents,
        &[TICKET, opt("since", Key::OptSince, Kind::Text, true)],
    ),
    spec(
        "report",
        Key::CmdnameReport,
        Key::CmdReport,
        Agents,
        &[
            opt("report", Key::OptReport, Kind::Choice(&["sla"]), true),
            opt("month", Key::OptMonth, Kind::Text, false),
        ],
    ),
    spec(
        "reopen",
        Key::CmdnameReopen,
        Key::CmdReopen,
        Agents,
        &[TICKET],
    ),
    spec("sla", Key::CmdnameSla, Key::CmdSla, Agents, &[TICKET]),
    spec(
        "kb",
        Key::CmdnameKb,
        Key::CmdKb,
        Agents,
        &[
            opt(
                "action",
                Key::OptKbAction,
                Kind::Choice(&["proposals", "accept", "reject"]),
                true,
            ),
            opt("proposal", Key::OptProposal, Kind::Text, false),
            opt("text", Key::OptPhrasing, Kind::Text, false),
        ],
    ),
    spec("panel", Key::CmdnamePanel, Key::CmdPanel, Admins, &[]),
    spec(
        "dashboard",
        Key::CmdnameDashboard,
        Key::CmdDashboard,
        Agents,
        &[],
    ),
];

/// The Discord locales the catalogs cover besides the default (English).
const LOCALES: [(&str, Lang); 2] = [("zh-CN", Lang::Zh), ("hu", Lang::Hu)];

/// The audience of a registered command; `None` for names this bot did not register.
pub fn audience(name: &str) -> Option<Audience> {
    SPECS.iter().find(|s| s.name == name).map(|s| s.audience)
}

/// The names of all commands the bot registers.
pub fn names() -> Vec<&'static str> {
    SPECS.iter().map(|s| s.name).collect()
}

/// All commands as Discord builders.
pub fn definitions() -> Vec<CreateCommand> {
    SPECS.iter().map(definition).collect()
}

fn definition(s: &Spec) -> CreateCommand {
    let mut cmd = CreateCommand::new(s.name).description(tr!(Lang::En, s.desc));
    for (locale, lang) in LOCALES {
        cmd = cmd
            .name_localized(locale, tr!(lang, s.local_name))
            .description_localized(locale, tr!(lang, s.desc));
    }
    cmd = match s.audience {
        Everyone => cmd.dm_permission(true),
        // Hidden from members without the permission until a server admin grants the command
        // to the agent roles (Server Settings → Integrations); the adapter checks roles too.
        Agents => cmd
            .dm_permission(false)
            .default_member_permissions(Permissions::MANAGE_THREADS),
        Admins => cmd
            .dm_permission(false)
            .default_member_permissions(Permissions::MANAGE_GUILD),
    };
    // Discord wants required options before optional ones; text order is kept separately.
    let mut options: Vec<&Opt> = s.options.iter().collect();
    options.sort_by_key(|o| !o.required);
    for o in options {
        let kind = match o.kind {
            Kind::Ticket => CommandOptionType::Integer,
            Kind::Text | Kind::Choice(_) => CommandOptionType::String,
        };
        let mut b =
            CreateCommandOption::new(kind, o.name, tr!(Lang::En, o.desc)).required(o.required);
        for (locale, lang) in LOCALES {
            b = b.description_localized(locale, tr!(lang, o.desc));
        }
        match o.kind {
            Kind::Ticket => b = b.min_int_value(1),
            Kind::Choice(values) => {
                for v in values {
                    b = b.add_string_choice(*v, *v);
                }
            }
            Kind::Text => {}
        }
        cmd = cmd.add_option(b);
    }
    cmd
}

/// The command text an invocation stands for, e.g. `/priority 42 P2`; options are placed in
/// the order the desk's parser expects, whatever order Discord sent them in.
pub fn to_text(name: &str, options: &[CommandDataOption]) -> String {
    let mut text = format!("/{name}");
    let order: Vec<&str> = SPECS
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.options.iter().map(|o| o.name).collect())
        .unwrap_or_default();
    let value = |o: &CommandDataOption| match &o.value {
        CommandDataOptionValue::Integer(i) => Some(i.to_string()),
        CommandDataOptionValue::String(s) => Some(s.clone()),
        CommandDataOptionValue::Number(n) => Some(n.to_string()),
        CommandDataOptionValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    };
    let known = order
        .iter()
        .filter_map(|n| options.iter().find(|o| o.name == *n));
    let unknown = options.iter().filter(|o| !order.contains(&o.name.as_str()));
    for o in known.chain(unknown) {
        if let Some(v) = value(o) {
            let v = v.trim();
            if !v.is_empty() {
                text.push(' ');
                text.push_str(v);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::{self, Command};
    use crate::domain::ids::TicketId;
    use crate::domain::ticket::Priority;

    fn opts(v: serde_json::Value) -> Vec<CommandDataOption> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn invocations_become_parseable_text_in_parser_order() {
        let o = opts(serde_json::json!([
            {"name": "priority", "type": 3, "value": "P2"},
            {"name": "ticket", "type": 4, "value": 42}
        ]));
        let t = to_text("priority", &o);
        assert_eq!(t, "/priority 42 P2");
        assert_eq!(
            command::parse(&t, None).unwrap(),
            Some(Command::Priority(TicketId(42), Priority::P2))
        );
        assert_eq!(to_text("claim", &[]), "/claim");
        let f = opts(serde_json::json!([
            {"name": "text", "type": 3, "value": "dark mode"},
            {"name": "type", "type": 3, "value": "feature"}
        ]));
        assert_eq!(to_text("feedback", &f), "/feedback feature dark mode");
        let i = opts(serde_json::json!([
            {"name": "since", "type": 3, "value": "2026-11-14 00:30"},
            {"name": "ticket", "type": 4, "value": 42}
        ]));
        let t = to_text("incident", &i);
        assert_eq!(t, "/incident 42 2026-11-14 00:30");
        assert!(matches!(
            command::parse(&t, None).unwrap(),
            Some(Command::Incident(TicketId(42), _))
        ));
    }

    #[test]
    fn every_desk_command_is_registered_and_agent_ones_are_gated() {
        for c in command::USER_COMMANDS {
            assert_eq!(audience(c.name), Some(Audience::Everyone), "{}", c.name);
        }
        for c in command::STAFF_COMMANDS {
            assert!(audience(c.name).is_some(), "{} not registered", c.name);
        }
        assert_eq!(audience("claim"), Some(Audience::Agents));
        assert_eq!(audience("panel"), Some(Audience::Admins));
        let defs = serde_json::to_value(definitions()).unwrap();
        let prio = defs
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "priority")
            .unwrap();
        assert_eq!(prio["options"][0]["name"], "priority", "required first");
        assert_eq!(prio["options"][0]["choices"].as_array().unwrap().len(), 4);
        assert_eq!(prio["default_member_permissions"], "17179869184");
        assert_eq!(prio["dm_permission"], false);
    }

    #[test]
    fn every_command_is_localized_validly_for_chinese_and_hungarian() {
        let defs = serde_json::to_value(definitions()).unwrap();
        for d in defs.as_array().unwrap() {
            for locale in ["zh-CN", "hu"] {
                let name = d["name_localizations"][locale].as_str().unwrap_or_default();
                let desc = d["description_localizations"][locale]
                    .as_str()
                    .unwrap_or_default();
                // Discord rejects the whole registration for one bad name or description.
                assert!(
                    (1..=32).contains(&name.chars().count())
                        && name
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                        && name.to_lowercase() == name,
                    "{}: bad {locale} name {name:?}",
                    d["name"]
                );
                assert!((1..=100).contains(&desc.chars().count()), "{desc:?}");
                assert_ne!(
                    desc,
                    d["description"].as_str().unwrap(),
                    "{} untranslated",
                    d["name"]
                );
                for o in d["options"].as_array().into_iter().flatten() {
                    let od = o["description_localizations"][locale]
                        .as_str()
                        .unwrap_or_default();
                    assert!((1..=100).contains(&od.chars().count()), "{o}");
                }
            }
        }
        let help = defs
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "help")
            .unwrap();
        assert_eq!(help["name_localizations"]["zh-CN"], "帮助");
        assert_eq!(help["description_localizations"]["hu"], "Miben segíthetek");
    }
}
