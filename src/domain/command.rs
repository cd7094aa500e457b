//! Pure parser for slash commands typed by customers and agents. No I/O; inline tests.

pub use super::command_kb::KbAction;
use super::command_kb::{parse_kb, split_kb_link};
pub use super::command_menu::{CommandInfo, STAFF_COMMANDS, USER_COMMANDS};
use super::i18n::{Arg, Key, Lang, Text};
use super::ids::{AgentName, TicketId};
use super::incident::{Since, parse_since};
use super::ticket::{Priority, TicketKind, Tier};
use crate::text;

/// A parsed command. Ticket ids omitted inside a ticket's staff space are already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start`: greeting (Telegram sends it on first contact).
    Start,
    /// `/help`: what the bot can do for this person.
    Help,
    /// `/ticket [text]`: open a ticket right away, skipping the FAQ.
    Ticket(Option<String>),
    /// `/status`: the customer's open ticket.
    Status,
    /// `/feedback bug|feature <text>`.
    Feedback(TicketKind, String),
    /// `/register <key>`: link a license key.
    Register(String),
    /// `/faq <question>`: top 3 articles.
    Faq(String),
    /// `/close [id] [reason] [kb:<article>]`: customers close their own ticket; agents give a
    /// reason or the article that answered it (`kb:<id>`, anywhere after the id).
    Close(Option<TicketId>, Option<String>, Option<String>),
    /// `/queue`: unassigned and open tickets, nearest deadline first.
    Queue,
    /// `/mine`: the agent's tickets.
    Mine,
    /// `/show <id>`.
    Show(TicketId),
    /// `/claim [id]`.
    Claim(TicketId),
    /// `/unclaim [id]`.
    Unclaim(TicketId),
    /// `/assign <id> <agent>`.
    Assign(TicketId, AgentName),
    /// `/transfer <id> <agent>`.
    Transfer(TicketId, AgentName),
    /// `/reply <id> <text>`.
    Reply(TicketId, String),
    /// `/note <id> <text>`: internal, never shown to the customer.
    Note(TicketId, String),
    /// `/priority <id> P1..P4`.
    Priority(TicketId, Priority),
    /// `/tier <id> basic|pro|enterprise`.
    Tier(TicketId, Tier),
    /// `/pending <id>`: waiting on the customer.
    Pending(TicketId),
    /// `/hold <id>`.
    Hold(TicketId),
    /// `/solve <id>`.
    Solve(TicketId),
    /// `/reopen <id>`.
    Reopen(TicketId),
    /// `/fixed <id>`: the reported bug is fixed (counted by the bug-fix rate).
    Fixed(TicketId),
    /// `/incident <id> [since] <when>`: the ticket is an incident that began then (counted as
    /// the customer's downtime until it is resolved).
    Incident(TicketId, Since),
    /// `/report sla [YYYY-MM]`: the month's SLA compliance and credits (leads).
    ReportSla(Option<String>),
    /// `/sla <id>`: explain the ticket's deadlines.
    Sla(TicketId),
    /// `/panel`: post an "Open a ticket" panel (admins).
    Panel,
    /// `/dashboard`: a one-time sign-in link to the web dashboard, sent privately.
    Dashboard,
    /// `/lang [en|zh|hu]`: choose the language the bot answers in; alone, offers the choice.
    Lang(Option<Lang>),
    /// `/stop surveys` (`false`) and `/start surveys` (`true`): whether the customer gets
    /// satisfaction surveys.
    Surveys(bool),
    /// `/kb proposals | accept <n> [text] | reject <n>`: review proposed phrasings (leads).
    Kb(KbAction),
}

impl Command {
    /// True for commands only staff may run. `/close` is decided by the desk, since
    /// customers may close their own ticket.
    pub fn is_staff_only(&self) -> bool {
        !matches!(
            self,
            Command::Start
                | Command::Help
                | Command::Ticket(_)
                | Command::Status
                | Command::Feedback(..)
                | Command::Register(_)
                | Command::Faq(_)
                | Command::Close(..)
                | Command::Lang(_)
                | Command::Surveys(_)
        )
    }
}

/// Why a command could not be parsed. Every variant has a message for the user ([`ParseError::text`]);
/// `Display` gives the English one, for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a command this bot knows.
    Unknown(String),
    /// A required argument is missing.
    Missing {
        /// Command name.
        cmd: &'static str,
        /// What is missing.
        what: Key,
        /// Usage line.
        usage: Key,
    },
    /// A word where a ticket number belongs.
    NotTicketNumber {
        /// The word, shortened.
        value: String,
        /// Usage line.
        usage: Key,
    },
    /// Words left over after the last argument.
    TooManyArgs {
        /// Usage line.
        usage: Key,
    },
    /// `/feedback` with a type other than bug or feature.
    NotFeedbackType(String),
    /// `/report` with a report other than `sla`.
    NotReport(String),
    /// A word where a month (YYYY-MM) belongs.
    NotMonth(String),
    /// Not P1..P4.
    NotPriority(String),
    /// Not a configured tier.
    NotTier(String),
    /// `/lang` with a language the bot has no catalog for.
    NotLang(String),
    /// `/stop` with something other than `surveys`.
    NotStoppable(String),
    /// `/incident` with words where its start time belongs.
    NotIncidentStart(String),
    /// `/kb` with an action other than proposals, accept or reject.
    NotKbAction(String),
    /// A word where a proposal number belongs.
    NotProposalNumber(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().render(Lang::En))
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The message for the person who typed the command, in any language.
    pub fn text(&self) -> Text {
        match self {
            ParseError::Unknown(cmd) => text!(Key::ErrUnknownCommand, cmd = cmd),
            ParseError::Missing { cmd, what, usage } => text!(
                Key::ErrMissing,
                cmd = *cmd,
                what = Arg::Key(*what),
                usage = Arg::Key(*usage)
            ),
            ParseError::NotTicketNumber { value, usage } => text!(
                Key::ErrNotTicketNumber,
                value = value,
                usage = Arg::Key(*usage)
            ),
            ParseError::TooManyArgs { usage } => {
                text!(Key::ErrTooManyArgs, usage = Arg::Key(*usage))
            }
            ParseError::NotFeedbackType(v) => text!(
                Key::ErrNotFeedbackType,
                value = v,
                usage = Arg::Key(Key::UsageFeedback)
            ),
            ParseError::NotReport(v) => text!(
                Key::ErrNotReport,
                value = v,
                usage = Arg::Key(Key::UsageReport)
            ),
            ParseError::NotMonth(v) => text!(
                Key::ErrNotMonth,
                value = v,
                usage = Arg::Key(Key::UsageReport)
            ),
            ParseError::NotPriority(v) => text!(Key::ErrNotPriority, value = v),
            ParseError::NotTier(v) => text!(Key::ErrNotTier, value = v),
            ParseError::NotLang(v) => {
                text!(Key::ErrNotLang, value = v, usage = Arg::Key(Key::UsageLang))
            }
            ParseError::NotStoppable(v) => text!(
                Key::ErrNotStoppable,
                value = v,
                usage = Arg::Key(Key::UsageStop)
            ),
            ParseError::NotIncidentStart(v) => text!(
                Key::ErrNotIncidentStart,
                value = v,
                usage = Arg::Key(Key::UsageIncident)
            ),
            ParseError::NotKbAction(v) => text!(
                Key::ErrNotKbAction,
                value = v,
                usage = Arg::Key(Key::UsageKb)
            ),
            ParseError::NotProposalNumber(v) => text!(
                Key::ErrNotProposalNumber,
                value = v,
                usage = Arg::Key(Key::UsageKb)
            ),
        }
    }
}

/// True when `text` invokes a command only staff may run, whatever its arguments; lets the
/// desk refuse a customer before judging the arguments (so no staff usage text is shown).
pub fn names_staff_command(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix('/') else {
        return false;
    };
    let head = rest.split(char::is_whitespace).next().unwrap_or("");
    let name = head.split('@').next().unwrap_or("").to_ascii_lowercase();
    name == "panel"
        || (STAFF_COMMANDS.iter().any(|c| c.name == name)
            && !USER_COMMANDS.iter().any(|c| c.name == name))
}

/// Parses `text` if it is a command (starts with `/`); `Ok(None)` for ordinary messages.
/// `here` is the ticket whose staff space the message was typed in, used when the id is omitted.
pub fn parse(text: &str, here: Option<TicketId>) -> Result<Option<Command>, ParseError> {
    let text = text.trim_start();
    let Some(rest) = text.strip_prefix('/') else {
        return Ok(None);
    };
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    // Telegram appends the bot's username in groups: /claim@support_bot
    let name = head.split('@').next().unwrap_or("").to_ascii_lowercase();
    if name.is_empty() {
        return Ok(None); // a lone "/" or "/ something" is just text
    }
    let p = Args { args, here };
    let cmd = match name.as_str() {
        // Anything else after /start is a Telegram deep-link payload: a plain welcome.
        "start" if args.eq_ignore_ascii_case("surveys") => Command::Surveys(true),
        "start" => Command::Start,
        "stop" => match args.to_ascii_lowercase().as_str() {
            "surveys" => Command::Surveys(false),
            "" => return Err(missing("stop", Key::WhatStop, Key::UsageStop)),
            other => return Err(ParseError::NotStoppable(shorten(other))),
        },
        "help" => Command::Help,
        "ticket" => Command::Ticket(non_empty(args)),
        "status" => Command::Status,
        "faq" => Command::Faq(p.text("faq", Key::WhatQuestion, Key::UsageFaq)?),
        "register" => {
            Command::Register(p.text("register", Key::WhatLicense, Key::UsageRegister)?)
        }
        "feedback" => {
            let usage = Key::UsageFeedback;
            let (kind, text) = split_word(args);
            let kind = match kind.to_ascii_lowercase().as_str() {
                "bug" => TicketKind::Bug,
                "feature" => TicketKind::Feature,
                "" => return Err(missing("feedback", Key::WhatFeedbackKind, usage)),
                other => return Err(ParseError::NotFeedbackType(shorten(other))),
            };
            let text = non_empty(text).ok_or(missing("feedback", Key::WhatDescription, usage))?;
            Command::Feedback(kind, text)
        }
        "close" => {
            let (id, reason) = p.optional_id(args, Key::UsageCloseStaff)?;
            let (reason, article) = split_kb_link(reason);
            Command::Close(id.or(here), non_empty(&reason), article)
        }
        "kb" => Command::Kb(parse_kb(args)?),
        "panel" => Command::Panel,
        "dashboard" => Command::Dashboard,
        "lang" => match split_word(args) {
            ("", _) => Command::Lang(None),
            (code, "") => Command::Lang(Some(
                Lang::parse(code).ok_or_else(|| ParseError::NotLang(shorten(code)))?,
            )),
            _ => {
                return Err(ParseError::TooManyArgs {
                    usage: Key::UsageLang,
                });
            }
        },
        "queue" => Command::Queue,
        "mine" => Command::Mine,
        "show" => Command::Show(p.id_only("show", Key::UsageShow)?),
        "claim" => Command::Claim(p.id_only("claim", Key::UsageClaim)?),
        "unclaim" => Command::Unclaim(p.id_only("unclaim", Key::UsageUnclaim)?),
        "pending" => Command::Pending(p.id_only("pending", Key::UsagePending)?),
        "hold" => Command::Hold(p.id_only("hold", Key::UsageHold)?),
        "solve" => Command::Solve(p.id_only("solve", Key::UsageSolve)?),
        "reopen" => Command::Reopen(p.id_only("reopen", Key::UsageReopen)?),
        "fixed" => Command::Fixed(p.id_only("fixed", Key::UsageFixed)?),
        "sla" => Command::Sla(p.id_only("sla", Key::UsageSla)?),
        "incident" => {
            let usage = Key::UsageIncident;
            let (id, rest) = p.id_then("incident", usage)?;
            if rest.trim().is_empty() || rest.trim().eq_ignore_ascii_case("since") {
                return Err(missing("incident", Key::WhatIncidentStart, usage));
            }
            let since =
                parse_since(rest).ok_or_else(|| ParseError::NotIncidentStart(shorten(rest)))?;
            Command::Incident(id, since)
        }
        "report" => {
            let (kind, rest) = split_word(args);
            if !matches!(kind.to_ascii_lowercase().as_str(), "" | "sla") {
                return Err(ParseError::NotReport(shorten(kind)));
            }
            let (month, extra) = split_word(rest);
            if !extra.trim().is_empty() {
                return Err(ParseError::TooManyArgs {
                    usage: Key::UsageReport,
                });
            }
            Command::ReportSla(match month {
                "" => None,
                m => Some(parse_month(m).ok_or_else(|| ParseError::NotMonth(shorten(m)))?),
            })
        }
        "assign" | "transfer" => {
            let (cmd, usage) = if name == "assign" {
                ("assign", Key::UsageAssign)
            } else {
                ("transfer", Key::UsageTransfer)
            };
            let (id, rest) = p.id_then(cmd, usage)?;
            let (agent, extra) = split_word(rest);
            if agent.is_empty() {
                return Err(missing(cmd, Key::WhatAgent, usage));
            }
            if !extra.is_empty() {
                return Err(ParseError::TooManyArgs { usage });
            }
            let agent = AgentName(agent.to_string());
            if cmd == "assign" {
                Command::Assign(id, agent)
            } else {
                Command::Transfer(id, agent)
            }
        }
        "reply" | "note" => {
            let (cmd, usage) = if name == "reply" {
                ("reply", Key::UsageReply)
            } else {
                ("note", Key::UsageNote)
            };
            let (id, rest) = p.id_then(cmd, usage)?;
            let text = non_empty(rest).ok_or(missing(cmd, Key::WhatText, usage))?;
            if cmd == "reply" {
                Command::Reply(id, text)
            } else {
                Command::Note(id, text)
            }
        }
        "priority" => {
            let usage = Key::UsagePriority;
            let (id, rest) = p.id_then("priority", usage)?;
            let rest = rest.trim();
            if rest.is_empty() {
                return Err(missing("priority", Key::WhatPriority, usage));
            }
            Command::Priority(
                id,
                rest.parse()
                    .map_err(|_| ParseError::NotPriority(shorten(rest)))?,
            )
        }
        "tier" => {
            let usage = Key::UsageTier;
            let (id, rest) = p.id_then("tier", usage)?;
            let rest = rest.trim().to_ascii_lowercase();
            if rest.is_empty() {
                return Err(missing("tier", Key::WhatTier, usage));
            }
            Command::Tier(
                id,
                rest.parse()
                    .map_err(|_| ParseError::NotTier(shorten(&rest)))?,
            )
        }
        _ => return Err(ParseError::Unknown(shorten(&name))),
    };
    Ok(Some(cmd))
}

struct Args<'a> {
    args: &'a str,
    here: Option<TicketId>,
}

impl<'a> Args<'a> {
    fn text(&self, cmd: &'static str, what: Key, usage: Key) -> Result<String, ParseError> {
        non_empty(self.args).ok_or(missing(cmd, what, usage))
    }

    /// A leading ticket id, if the first word looks like one (`42` or `#42`).
    fn optional_id(
        &self,
        s: &'a str,
        usage: Key,
    ) -> Result<(Option<TicketId>, &'a str), ParseError> {
        let (first, rest) = split_word(s);
        if looks_like_id(first) {
            let id = first
                .parse::<TicketId>()
                .map_err(|_| ParseError::NotTicketNumber {
                    value: shorten(first),
                    usage,
                })?;
            Ok((Some(id), rest))
        } else {
            Ok((None, s))
        }
    }

    fn id_then(&self, cmd: &'static str, usage: Key) -> Result<(TicketId, &'a str), ParseError> {
        let (id, rest) = self.optional_id(self.args, usage)?;
        match id.or(self.here) {
            Some(id) => Ok((id, rest)),
            None => {
                let (first, _) = split_word(self.args);
                if first.is_empty() {
                    Err(missing(cmd, Key::WhatTicket, usage))
                } else {
                    Err(ParseError::NotTicketNumber {
                        value: shorten(first),
                        usage,
                    })
                }
            }
        }
    }

    fn id_only(&self, cmd: &'static str, usage: Key) -> Result<TicketId, ParseError> {
        let (id, rest) = self.id_then(cmd, usage)?;
        if !rest.trim().is_empty() {
            return Err(ParseError::TooManyArgs { usage });
        }
        Ok(id)
    }
}

/// `2026-11` (a real month from year 2000 on), normalised; `None` for anything else.
fn parse_month(word: &str) -> Option<String> {
    let (y, m) = word.split_once('-')?;
    let (y, m): (u32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((2000..=9999).contains(&y) && (1..=12).contains(&m) && word.len() <= 7)
        .then(|| format!("{y:04}-{m:02}"))
}

fn looks_like_id(word: &str) -> bool {
    let digits = word.strip_prefix('#').unwrap_or(word);
    let digits = digits.strip_prefix('-').unwrap_or(digits);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

pub(super) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub(super) fn missing(cmd: &'static str, what: Key, usage: Key) -> ParseError {
    ParseError::Missing { cmd, what, usage }
}

/// Keeps error messages short when someone pastes a novel after a slash.
pub(super) fn shorten(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(32).collect();
    if s.chars().count() > 32 {
        format!("{clean}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_command_names_are_recognised_before_their_arguments() {
        for t in [
            "/claim",
            "/note hi",
            "/priority 1 urgent",
            "/panel",
            "/QUEUE@support_bot",
        ] {
            assert!(names_staff_command(t), "{t}");
        }
        for t in [
            "/close",
            "/close 1 done",
            "/help",
            "/ticket x",
            "claim",
            "/",
            "/unknown",
        ] {
            assert!(!names_staff_command(t), "{t}");
        }
    }

    fn ok(s: &str) -> Command {
        parse(s, None).unwrap().unwrap()
    }

    fn here(s: &str, id: i64) -> Command {
        parse(s, Some(TicketId(id))).unwrap().unwrap()
    }

    #[test]
    fn plain_text_is_not_a_command() {
        assert_eq!(parse("hello", None), Ok(None));
        assert_eq!(parse("/", None), Ok(None));
        assert_eq!(parse("/ spaced", None), Ok(None));
    }

    #[test]
    fn user_commands() {
        assert_eq!(ok("/help"), Command::Help);
        assert_eq!(ok("/start"), Command::Start);
        assert_eq!(ok("/ticket"), Command::Ticket(None));
        assert_eq!(
            ok("/ticket my printer  "),
            Command::Ticket(Some("my printer".into()))
        );
        assert_eq!(ok("/status"), Command::Status);
        assert_eq!(ok("/close"), Command::Close(None, None, None));
        assert_eq!(
            ok("/feedback BUG it crashes"),
            Command::Feedback(TicketKind::Bug, "it crashes".into())
        );
        assert_eq!(
            ok("/feedback feature dark mode"),
            Command::Feedback(TicketKind::Feature, "dark mode".into())
        );
        assert_eq!(ok("/register ABC-123"), Command::Register("ABC-123".into()));
        assert_eq!(
            ok("/faq how do I reset"),
            Command::Faq("how do I reset".into())
        );
    }

    #[test]
    fn agent_commands_with_ids() {
        let t = TicketId(42);
        assert_eq!(ok("/queue"), Command::Queue);
        assert_eq!(ok("/mine"), Command::Mine);
        assert_eq!(ok("/show 42"), Command::Show(t));
        assert_eq!(ok("/claim #42"), Command::Claim(t));
        assert_eq!(ok("/unclaim 42"), Command::Unclaim(t));
        assert_eq!(
            ok("/assign 42 bob"),
            Command::Assign(t, AgentName("bob".into()))
        );
        assert_eq!(
            ok("/transfer 42 eve"),
            Command::Transfer(t, AgentName("eve".into()))
        );
        assert_eq!(
            ok("/reply 42 try again\nplease"),
            Command::Reply(t, "try again\nplease".into())
        );
        assert_eq!(ok("/note 42 vip"), Command::Note(t, "vip".into()));
        assert_eq!(ok("/priority 42 p1"), Command::Priority(t, Priority::P1));
        assert_eq!(
            ok("/tier 42 Enterprise"),
            Command::Tier(t, Tier::Enterprise)
        );
        assert_eq!(ok("/pending 42"), Command::Pending(t));
        assert_eq!(ok("/hold 42"), Command::Hold(t));
        assert_eq!(ok("/solve 42"), Command::Solve(t));
        assert_eq!(ok("/fixed 42"), Command::Fixed(t));
        let nine_forty = chrono::NaiveTime::from_hms_opt(9, 40, 0).unwrap();
        assert_eq!(
            ok("/incident 42 since 09:40"),
            Command::Incident(t, Since::Today(nine_forty))
        );
        assert_eq!(
            here("/incident since 09:40", 42),
            Command::Incident(t, Since::Today(nine_forty))
        );
        assert!(matches!(
            parse("/incident 42 since", None),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("/incident 42 since noon", None),
            Err(ParseError::NotIncidentStart(v)) if v == "since noon"
        ));
        assert!(matches!(
            parse("/incident since 09:40", None),
            Err(ParseError::NotTicketNumber { .. })
        ));
        assert_eq!(ok("/report"), Command::ReportSla(None));
        assert_eq!(
            ok("/report SLA 2026-3"),
            Command::ReportSla(Some("2026-03".into()))
        );
        assert!(matches!(
            parse("/report sla 2026-13", None),
            Err(ParseError::NotMonth(_))
        ));
        assert!(matches!(
            parse("/report kpi", None),
            Err(ParseError::NotReport(_))
        ));
        assert_eq!(
            ok("/close 42 fixed in 2.1"),
            Command::Close(Some(t), Some("fixed in 2.1".into()), None)
        );
        assert_eq!(ok("/reopen 42"), Command::Reopen(t));
        assert_eq!(ok("/sla 42"), Command::Sla(t));
        assert_eq!(ok("/claim@support_bot 42"), Command::Claim(t));
    }

    #[test]
    fn ids_default_to_the_staff_space_ticket() {
        let t = TicketId(7);
        assert_eq!(here("/claim", 7), Command::Claim(t));
        assert_eq!(
            here("/close fixed", 7),
            Command::Close(Some(t), Some("fixed".into()), None)
        );
        assert_eq!(here("/reply on it", 7), Command::Reply(t, "on it".into()));
        assert_eq!(here("/priority P2", 7), Command::Priority(t, Priority::P2));
        assert_eq!(
            here("/claim 9", 7),
            Command::Claim(TicketId(9)),
            "explicit id wins"
        );
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        assert_eq!(
            parse("/frobnicate", None),
            Err(ParseError::Unknown("frobnicate".into()))
        );
        assert!(matches!(
            parse("/claim", None),
            Err(ParseError::Missing { cmd: "claim", .. })
        ));
        let e = parse("/claim abc", None).unwrap_err().to_string();
        assert!(e.contains("\"abc\" is not a ticket number"), "{e}");
        assert!(
            parse("/claim 0", None)
                .unwrap_err()
                .to_string()
                .contains("not a ticket number")
        );
        assert!(
            parse("/claim -4", None)
                .unwrap_err()
                .to_string()
                .contains("not a ticket number")
        );
        assert!(
            parse("/claim 4 5", None)
                .unwrap_err()
                .to_string()
                .contains("Too many")
        );
        assert!(
            parse("/priority 4 P9", None)
                .unwrap_err()
                .to_string()
                .contains("not a priority")
        );
        assert!(
            parse("/priority 4", None)
                .unwrap_err()
                .to_string()
                .contains("needs a priority")
        );
        assert!(
            parse("/assign 4", None)
                .unwrap_err()
                .to_string()
                .contains("agent name")
        );
        assert!(
            parse("/reply 4", None)
                .unwrap_err()
                .to_string()
                .contains("some text")
        );
        assert!(
            parse("/feedback praise x", None)
                .unwrap_err()
                .to_string()
                .contains("not a feedback type")
        );
        assert!(
            parse("/feedback bug", None)
                .unwrap_err()
                .to_string()
                .contains("description")
        );
        assert!(
            parse("/faq", None)
                .unwrap_err()
                .to_string()
                .contains("question")
        );
        let long = format!("/{}", "x".repeat(5000));
        assert!(parse(&long, None).unwrap_err().to_string().len() < 120);
        assert!(
            !parse("/\u{1b}[31mx", None)
                .unwrap_err()
                .to_string()
                .contains('\u{1b}')
        );
    }

    #[test]
    fn lang_takes_a_language_code() {
        assert_eq!(ok("/stop surveys"), Command::Surveys(false));
        assert_eq!(ok("/stop@support_bot Surveys"), Command::Surveys(false));
        assert_eq!(ok("/start surveys"), Command::Surveys(true));
        assert_eq!(ok("/start"), Command::Start);
        assert_eq!(ok("/start ref-42"), Command::Start, "a deep-link payload");
        assert_eq!(
            parse("/stop", None),
            Err(missing("stop", Key::WhatStop, Key::UsageStop))
        );
        assert_eq!(
            parse("/stop everything", None),
            Err(ParseError::NotStoppable("everything".into()))
        );
        assert_eq!(ok("/lang"), Command::Lang(None));
        assert_eq!(ok("/lang zh"), Command::Lang(Some(Lang::Zh)));
        assert_eq!(ok("/lang HU"), Command::Lang(Some(Lang::Hu)));
        assert_eq!(ok("/lang en-GB"), Command::Lang(Some(Lang::En)));
        assert_eq!(
            parse("/lang de", None),
            Err(ParseError::NotLang("de".into()))
        );
        assert!(!ok("/lang hu").is_staff_only());
    }

    #[test]
    fn errors_are_worded_in_the_readers_language() {
        let e = parse("/priority 4 P9", None).unwrap_err().text();
        assert_eq!(
            e.render(Lang::En),
            "\"P9\" is not a priority (use P1, P2, P3 or P4)."
        );
        assert!(e.render(Lang::Zh).contains("不是有效的优先级"));
        let e = parse("/claim", None).unwrap_err().text();
        assert_eq!(
            e.render(Lang::Hu),
            "A /claim parancshoz meg kell adni: a jegyszám. Használat: /claim [szám]"
        );
    }

    #[test]
    fn staff_only_classification() {
        assert!(!ok("/help").is_staff_only());
        assert!(!ok("/close").is_staff_only());
        assert!(ok("/claim 1").is_staff_only());
        assert!(ok("/queue").is_staff_only());
        assert!(ok("/panel").is_staff_only());
    }
}
