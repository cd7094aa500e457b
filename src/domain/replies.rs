//! Every sentence the desk says, worded by the catalogs in `locales/`: these functions pick
//! the message and its arguments, and [`i18n`](super::i18n) picks the words for the reader.

use super::command::{CommandInfo, STAFF_COMMANDS, USER_COMMANDS};
use super::event::UnsupportedKind;
use super::i18n::{Key, Lang, Text};
use super::ids::TicketId;
use super::ticket::{Priority, Status, Ticket, TicketKind};
use crate::tr;

/// Greeting for `/start` and first contact.
pub fn welcome(lang: Lang) -> String {
    format!("{}\n\n{}", tr!(lang, Key::Welcome), user_help(lang))
}

/// `/help` for customers.
pub fn user_help(lang: Lang) -> String {
    let mut s = tr!(lang, Key::HelpHeader);
    s.push('\n');
    for c in USER_COMMANDS {
        s.push_str(&help_line(lang, c));
        s.push('\n');
    }
    s.push_str(&tr!(lang, Key::HelpFooter));
    s
}

/// `/help` for staff.
pub fn staff_help(lang: Lang) -> String {
    let mut s = tr!(lang, Key::StaffHelpHeader);
    for c in STAFF_COMMANDS {
        s.push('\n');
        s.push_str(&help_line(lang, c));
    }
    s
}

fn help_line(lang: Lang, c: &CommandInfo) -> String {
    tr!(
        lang,
        Key::HelpLine,
        usage = tr!(lang, c.usage),
        desc = tr!(lang, c.desc)
    )
}

/// Ticket opened, told to the customer.
pub fn ticket_opened(lang: Lang, id: TicketId, expectation: &str) -> String {
    tr!(lang, Key::TicketOpened, id = id, expectation = expectation)
}

/// The customer already has a ticket.
pub fn already_open(lang: Lang, t: &Ticket) -> String {
    tr!(
        lang,
        Key::AlreadyOpen,
        id = t.id,
        status = customer_status(lang, t.status)
    )
}

/// `/status` answer.
pub fn status(lang: Lang, t: &Ticket) -> String {
    let who = match &t.assignee {
        Some(a) => tr!(lang, Key::StatusWhoAgent, agent = &a.0),
        None => tr!(lang, Key::StatusWhoNobody),
    };
    tr!(
        lang,
        Key::StatusLine,
        id = t.id,
        subject = &t.subject,
        status = customer_status(lang, t.status),
        who = who,
        priority = t.priority.to_string()
    )
}

/// A status as the customer reads it ("waiting for your reply").
fn customer_status(lang: Lang, s: Status) -> String {
    tr!(
        lang,
        match s {
            Status::New => Key::CstatusNew,
            Status::Open => Key::CstatusOpen,
            Status::Pending => Key::CstatusPending,
            Status::OnHold => Key::CstatusOnHold,
            Status::Solved => Key::CstatusSolved,
            Status::Closed => Key::CstatusClosed,
        }
    )
}

/// A status as agents read it ("pending", "on hold").
pub fn status_word(lang: Lang, s: Status) -> String {
    tr!(lang, status_key(s))
}

/// The catalog key of a status as agents read it, for sentences worded later.
pub fn status_key(s: Status) -> Key {
    match s {
        Status::New => Key::StatusNew,
        Status::Open => Key::StatusOpen,
        Status::Pending => Key::StatusPending,
        Status::OnHold => Key::StatusOnHold,
        Status::Solved => Key::StatusSolved,
        Status::Closed => Key::StatusClosed,
    }
}

/// A ticket kind in words.
pub fn kind_word(lang: Lang, k: TicketKind) -> String {
    tr!(
        lang,
        match k {
            TicketKind::Question => Key::KindQuestion,
            TicketKind::Bug => Key::KindBug,
            TicketKind::Feature => Key::KindFeature,
            TicketKind::Incident => Key::KindIncident,
        }
    )
}

/// A language's name, in `lang`.
pub fn lang_name(lang: Lang, of: Lang) -> String {
    tr!(
        lang,
        match of {
            Lang::En => Key::LangNameEn,
            Lang::Zh => Key::LangNameZh,
            Lang::Hu => Key::LangNameHu,
        }
    )
}

/// Thank-you and CSAT question after close.
pub fn closed_for_customer(lang: Lang, id: TicketId, reason: &str) -> String {
    tr!(lang, Key::ClosedForCustomer, id = id, reason = reason)
}

/// Title of the ticket's staff thread/topic, in the staff's language.
pub fn staff_title(lang: Lang, t: &Ticket) -> String {
    let status = match t.status {
        Status::New | Status::Open => String::new(),
        s => format!("({}) ", status_word(lang, s)),
    };
    let title = format!("{} [{}] {status}{}", t.id, t.priority, t.subject);
    title.chars().take(100).collect()
}

/// The license key was linked.
pub fn registered(lang: Lang, account: &str, until: Option<&str>) -> String {
    match until {
        Some(u) => tr!(lang, Key::Registered, account = account, until = u),
        None => tr!(lang, Key::RegisteredNoDate, account = account),
    }
}

/// Priority changed, told to staff.
pub fn priority_changed(lang: Lang, id: TicketId, p: Priority) -> String {
    tr!(
        lang,
        Key::PriorityChanged,
        id = id,
        priority = p.to_string()
    )
}

/// The transcript entry kept for an edit, in the staff's language; the earlier version
/// stays in its own entry.
pub fn edited_entry(staff: Lang, text: &str) -> String {
    tr!(staff, Key::EditedEntry, text = text)
}

/// A customer's edit relayed to the staff space.
pub fn edited_by_customer(staff: Lang, name: &str, text: &str) -> String {
    if text.trim().is_empty() {
        tr!(staff, Key::EditedByCustomerEmpty, name = name)
    } else {
        tr!(staff, Key::EditedByCustomer, name = name, text = text)
    }
}

/// An agent's edit relayed to the customer.
pub fn edited_by_agent(theirs: Lang, agent: &str, text: &str) -> String {
    if text.trim().is_empty() {
        tr!(theirs, Key::EditedByAgentEmpty, agent = agent)
    } else {
        tr!(theirs, Key::EditedByAgent, agent = agent, text = text)
    }
}

/// A customer edited a message while no ticket is open, so nobody needs the correction.
pub fn edit_not_relayed(lang: Lang) -> String {
    tr!(lang, Key::EditNotRelayed)
}

/// An edited command is not run again.
pub fn edit_of_command(lang: Lang) -> String {
    tr!(lang, Key::EditOfCommand)
}

/// The selector value the catalogs use to name a kind of message (`[sticker]`, `[poll]`, …).
fn kind_arg(kind: UnsupportedKind) -> &'static str {
    match kind {
        UnsupportedKind::Sticker => "sticker",
        UnsupportedKind::Location => "location",
        UnsupportedKind::Contact => "contact",
        UnsupportedKind::Poll => "poll",
        UnsupportedKind::Dice => "dice",
        UnsupportedKind::Game => "game",
        UnsupportedKind::Story => "story",
        UnsupportedKind::Other => "other",
    }
}

/// Told to a customer who sent something the bot cannot relay.
pub fn cannot_relay_to_support(lang: Lang, kind: UnsupportedKind) -> String {
    tr!(lang, Key::CannotRelayToSupport, kind = kind_arg(kind))
}

/// Told to an agent who sent something the bot cannot relay.
pub fn cannot_relay_to_customer(lang: Lang, kind: UnsupportedKind) -> String {
    tr!(lang, Key::CannotRelayToCustomer, kind = kind_arg(kind))
}

/// Told to the agent when the customer sent something the bot cannot relay.
pub fn customer_sent_unsupported(staff: Lang, name: &str, kind: UnsupportedKind) -> String {
    tr!(
        staff,
        Key::CustomerSentUnsupported,
        name = name,
        kind = kind_arg(kind)
    )
}

/// A second tap on a survey that was already answered.
pub fn already_rated(lang: Lang, id: TicketId, score: u8) -> String {
    tr!(lang, Key::AlreadyRated, id = id, score = score)
}

/// Someone sent more than `[limits] per_user_per_minute` events in a minute (said once).
pub fn slow_down(lang: Lang, per_minute: u32) -> String {
    tr!(lang, Key::SlowDown, n = per_minute)
}

/// A message over `[limits] message_chars`.
pub fn message_too_long(chars: usize, max: usize) -> Text {
    crate::text!(Key::MessageTooLong, chars = chars, max = max)
}

/// A `/faq` question over `[limits] faq_chars`.
pub fn faq_too_long(max: usize) -> Text {
    crate::text!(Key::FaqTooLong, max = max)
}

/// An internal note over `[limits] note_chars`.
pub fn note_too_long(chars: usize, max: usize) -> Text {
    crate::text!(Key::NoteTooLong, chars = chars, max = max)
}

/// A ticket already holds `[limits] attachments_per_ticket` files.
pub fn too_many_attachments(id: TicketId, max: usize) -> Text {
    crate::text!(Key::TooManyAttachments, id = id, max = max)
}

/// A customer command (`/ticket`, `/status`, `/feedback`, `/register`) used in the staff space.
pub fn customer_command_in_staff_space() -> Text {
    crate::text!(Key::CustomerCommandInStaffSpace)
}
