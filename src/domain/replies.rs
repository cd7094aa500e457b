//! Every sentence the desk says, worded by the catalogs in `locales/`: these functions pick
//! the message and its arguments, and [`i18n`](super::i18n) picks the words for the reader.

use super::command::{CommandInfo, STAFF_COMMANDS, USER_COMMANDS};
use super::i18n::{Key, Lang};
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
    tr!(
        lang,
        match s {
            Status::New => Key::StatusNew,
            Status::Open => Key::StatusOpen,
            Status::Pending => Key::StatusPending,
            Status::OnHold => Key::StatusOnHold,
            Status::Solved => Key::StatusSolved,
            Status::Closed => Key::StatusClosed,
        }
    )
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
