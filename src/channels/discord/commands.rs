//! Slash commands: their registration, and turning an invocation back into command text
//! (`/claim 42`) so the desk's one parser handles Discord, Telegram and the console alike.

use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand,
    CreateCommandOption, Permissions,
};

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
    desc: &'static str,
    kind: Kind,
    required: bool,
}

const fn opt(name: &'static str, desc: &'static str, kind: Kind, required: bool) -> Opt {
    Opt {
        name,
        desc,
        kind,
        required,
    }
}

const TICKET: Opt = opt(
    "ticket",
    "Ticket number (defaults to this thread's ticket)",
    Kind::Ticket,
    false,
);
const PRIORITIES: &[&str] = &["P1", "P2", "P3", "P4"];
const TIERS: &[&str] = &["basic", "pro", "enterprise"];

/// One slash command: name, description, audience and options in the order the desk's
/// parser expects them in text.
struct Spec {
    name: &'static str,
    desc: &'static str,
    audience: Audience,
    options: &'static [Opt],
}

const fn spec(
    name: &'static str,
    desc: &'static str,
    audience: Audience,
    options: &'static [Opt],
) -> Spec {
    Spec {
        name,
        desc,
        audience,
        options,
    }
}

use Audience::{Admins, Agents, Everyone};

const SPECS: &[Spec] = &[
    spec("help", "What the bot can do for you", Everyone, &[]),
    spec(
        "ticket",
        "Talk to a person now",
        Everyone,
        &[opt(
            "text",
            "What do you need help with?",
            Kind::Text,
            false,
        )],
    ),
    spec(
        "faq",
        "Search the help articles",
        Everyone,
        &[opt("query", "Your question", Kind::Text, true)],
    ),
    spec("status", "Your open ticket", Everyone, &[]),
    spec(
        "feedback",
        "Report a bug or request a feature",
        Everyone,
        &[
            opt(
                "type",
                "bug or feature",
                Kind::Choice(&["bug", "feature"]),
                true,
            ),
            opt("text", "Describe it", Kind::Text, true),
        ],
    ),
    spec(
        "close",
        "Close a ticket (agents: give a reason)",
        Everyone,
        &[TICKET, opt("reason", "Why it is closed", Kind::Text, false)],
    ),
    spec(
        "register",
        "Link your license key",
        Everyone,
        &[opt("key", "License key", Kind::Text, true)],
    ),
    spec("queue", "Open tickets, nearest deadline first", Agents, &[]),
    spec("mine", "Your tickets", Agents, &[]),
    spec("show", "Ticket details and transcript", Agents, &[TICKET]),
    spec("claim", "Take a ticket", Agents, &[TICKET]),
    spec("unclaim", "Give a ticket back", Agents, &[TICKET]),
    spec(
        "assign",
        "Assign a ticket to an agent",
        Agents,
        &[TICKET, opt("agent", "Agent name", Kind::Text, true)],
    ),
    spec(
        "transfer",
        "Hand a ticket over to another agent",
        Agents,
        &[TICKET, opt("agent", "Agent name", Kind::Text, true)],
    ),
    spec(
        "reply",
        "Answer the customer",
        Agents,
        &[TICKET, opt("text", "The answer", Kind::Text, true)],
    ),
    spec(
        "note",
        "Internal note (the customer never sees it)",
        Agents,
        &[TICKET, opt("text", "The note", Kind::Text, true)],
    ),
    spec(
        "priority",
        "Change the priority",
        Agents,
        &[
            TICKET,
            opt(
                "priority",
                "P1 (critical) to P4 (low)",
                Kind::Choice(PRIORITIES),
                true,
            ),
        ],
    ),
    spec(
        "tier",
        "Change the customer tier",
        Agents,
        &[TICKET, opt("tier", "Tier", Kind::Choice(TIERS), true)],
    ),
    spec("pending", "Waiting on the customer", Agents, &[TICKET]),
    spec("hold", "Put on hold", Agents, &[TICKET]),
    spec("solve", "Mark solved", Agents, &[TICKET]),
    spec("reopen", "Reopen a ticket", Agents, &[TICKET]),
    spec("sla", "Explain the ticket's deadlines", Agents, &[TICKET]),
    spec("panel", "Post the support panel here", Admins, &[]),
];

/// The audience of a registered command; `None` for names this bot did not register.
pub fn audience(name: &str) -> Option<Audience> {
    SPECS.iter().find(|s| s.name == name).map(|s| s.audience)
}

/// All commands as Discord builders.
pub fn definitions() -> Vec<CreateCommand> {
    SPECS.iter().map(definition).collect()
}

fn definition(s: &Spec) -> CreateCommand {
    let mut cmd = CreateCommand::new(s.name).description(s.desc);
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
        let mut b = CreateCommandOption::new(kind, o.name, o.desc).required(o.required);
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
    }

    #[test]
    fn every_desk_command_is_registered_and_agent_ones_are_gated() {
        for (name, _) in command::USER_COMMANDS {
            assert_eq!(audience(name), Some(Audience::Everyone), "{name}");
        }
        for (name, _) in command::STAFF_COMMANDS {
            assert!(audience(name).is_some(), "{name} not registered");
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
}
