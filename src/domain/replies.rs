//! Every user-facing sentence the desk says, in one place so wording stays consistent.
//! English only for now; the functions are the seam where locales would plug in.

use super::command::{STAFF_COMMANDS, USER_COMMANDS};
use super::event::UnsupportedKind;
use super::ids::TicketId;
use super::ticket::{Priority, Status, Ticket};

/// Greeting for `/start` and first contact.
pub fn welcome() -> String {
    format!(
        "Hi! I'm the support bot. Ask me anything: I'll answer from our help articles when I can, \
         and hand you to a person when I can't.\n\n{}",
        user_help()
    )
}

/// `/help` for customers.
pub fn user_help() -> String {
    let mut s = String::from("Commands:\n");
    for (_, usage) in USER_COMMANDS {
        s.push_str(usage);
        s.push('\n');
    }
    s.push_str("Or simply write your question.");
    s
}

/// `/help` for staff.
pub fn staff_help() -> String {
    let mut s = String::from(
        "Agent commands (inside a ticket's thread the id may be omitted; plain text there is a reply to the customer):\n",
    );
    for (_, usage) in STAFF_COMMANDS {
        s.push_str(usage);
        s.push('\n');
    }
    s.trim_end().to_string()
}

/// A customer tried a staff command.
pub fn staff_only() -> String {
    "Sorry, that command is only for support agents. Send /help to see what you can do.".into()
}

/// Someone who is not staff wrote in the staff space.
pub fn not_staff_here() -> String {
    "Only configured support agents can act here.".into()
}

/// The store failed; the message was not processed.
pub fn internal_error() -> String {
    "Sorry, something went wrong on our side and your message was not processed. Please try again in a minute.".into()
}

/// Ticket opened, told to the customer.
pub fn ticket_opened(id: TicketId, expectation: &str) -> String {
    format!(
        "I've opened ticket {id} for you. A support agent will reply here; {expectation}. \
         You can add details or screenshots any time by writing here."
    )
}

/// The customer's support period has ended.
pub fn out_of_support(until: &str) -> String {
    format!(
        "Please note: our records show your support period ended on {until}. We've still recorded \
         your request, and someone will get back to you about renewing your support."
    )
}

/// The customer already has a ticket.
pub fn already_open(t: &Ticket) -> String {
    format!(
        "You already have ticket {} open ({}). Just write here and it goes straight to the agent.",
        t.id, t.status
    )
}

/// `/status` answer.
pub fn status(t: &Ticket) -> String {
    let who = match &t.assignee {
        Some(a) => format!("{a} is working on it"),
        None => "waiting for an agent".to_string(),
    };
    format!(
        "Ticket {} \"{}\": {} ({}), priority {}.",
        t.id,
        t.subject,
        describe_status(t.status),
        who,
        t.priority
    )
}

/// `/status` with nothing open.
pub fn no_open_ticket() -> String {
    "You have no open ticket. Write your question and I'll help, or use /ticket to talk to a person.".into()
}

fn describe_status(s: Status) -> &'static str {
    match s {
        Status::New => "new",
        Status::Open => "open",
        Status::Pending => "waiting for your reply",
        Status::OnHold => "on hold",
        Status::Solved => "solved",
        Status::Closed => "closed",
    }
}

/// Thank-you and CSAT question after close.
pub fn closed_for_customer(id: TicketId, reason: &str) -> String {
    format!(
        "Ticket {id} is now closed ({reason}). Thank you for contacting support! \
         How satisfied are you with the help you got? Tap 1 (poor) to 5 (excellent)."
    )
}

/// CSAT recorded.
pub fn csat_thanks(score: u8) -> String {
    format!(
        "Thank you for rating us {score}/5! If you'd like to add a comment, just write it in your next message."
    )
}

/// CSAT comment recorded.
pub fn csat_comment_thanks() -> String {
    "Thanks, we've added your comment to the rating. Write again any time if you need help.".into()
}

/// Ticket reopened, told to the customer.
pub fn reopened_for_customer(id: TicketId) -> String {
    format!("Ticket {id} has been reopened. Write here to add anything.")
}

/// An agent claimed the ticket, told to the customer.
pub fn claimed_for_customer(id: TicketId, agent: &str) -> String {
    format!("{agent} from support is now looking at ticket {id}.")
}

/// Title of the ticket's staff thread/topic.
pub fn staff_title(t: &Ticket) -> String {
    let status = match t.status {
        Status::New | Status::Open => String::new(),
        s => format!("({s}) "),
    };
    let title = format!("{} [{}] {status}{}", t.id, t.priority, t.subject);
    title.chars().take(100).collect()
}

/// The license key was linked.
pub fn registered(account: &str, until: Option<&str>) -> String {
    match until {
        Some(u) => {
            format!("Thanks! Your license is linked to {account}; support is included until {u}.")
        }
        None => format!("Thanks! Your license is linked to {account}."),
    }
}

/// Unknown license key.
pub fn unknown_license() -> String {
    "I couldn't find that license key. Please check it (it's in your purchase email) and try again, \
     or just write your question and a person will help."
        .into()
}

/// Priority changed, told to staff.
pub fn priority_changed(id: TicketId, p: Priority) -> String {
    format!("Ticket {id} is now {p}.")
}

/// The transcript entry kept for an edit; the earlier version stays in its own entry.
pub fn edited_entry(text: &str) -> String {
    format!("✏️ edited: {text}")
}

/// An edit relayed to the other side: `who` is like `Alice (customer)` or `ann (support)`.
pub fn edited_note(who: &str, text: &str) -> String {
    if text.trim().is_empty() {
        format!("✏️ {who} edited a message (the new version has no text)")
    } else {
        format!("✏️ {who} edited a message: {text}")
    }
}

/// A customer edited a message while no ticket is open, so nobody needs the correction.
pub fn edit_not_relayed() -> String {
    "I saw you edited a message. I only act on new messages, so please send the corrected text      as a new message if you still need help."
        .into()
}

/// An edited command is not run again.
pub fn edit_of_command() -> String {
    "Edited commands are not run again. Please send the command as a new message.".into()
}

/// "a sticker", "a location", … for the sentences below.
pub fn unsupported_kind(kind: UnsupportedKind) -> &'static str {
    match kind {
        UnsupportedKind::Sticker => "a sticker",
        UnsupportedKind::Location => "a location",
        UnsupportedKind::Contact => "a contact",
        UnsupportedKind::Poll => "a poll",
        UnsupportedKind::Dice => "an animated emoji",
        UnsupportedKind::Game => "a game",
        UnsupportedKind::Story => "a story",
        UnsupportedKind::Other => "a kind of message",
    }
}

/// Told to a customer who sent something the bot cannot relay.
pub fn cannot_relay_to_support(kind: UnsupportedKind) -> String {
    format!(
        "Sorry, I can't pass on {} to our support team. Please describe it in words, or send          a photo or a file.",
        unsupported_kind(kind)
    )
}

/// Told to an agent who sent something the bot cannot relay.
pub fn cannot_relay_to_customer(kind: UnsupportedKind) -> String {
    format!(
        "I can't pass on {} to the customer; it was not sent. Please write it as text, or send          a photo or a file.",
        unsupported_kind(kind)
    )
}

/// Told to the agent when the customer sent something the bot cannot relay.
pub fn customer_sent_unsupported(name: &str, kind: UnsupportedKind) -> String {
    format!(
        "{name} (customer) sent {}, which the bot cannot relay. They were asked to describe it          in words.",
        unsupported_kind(kind)
    )
}

/// A second tap on a survey that was already answered.
pub fn already_rated(id: TicketId, score: u8) -> String {
    format!("You already rated ticket {id} ({score}/5); only the first rating counts. Thanks!")
}

/// "did this help?" buttons' labels.
pub const YES_HELPED: &str = "Yes, that helped";
/// Label of the hand-off button.
pub const NO_PERSON: &str = "No, I need a person";
/// Label of the claim button.
pub const CLAIM: &str = "Claim";
/// Label of the panel button.
pub const OPEN_TICKET: &str = "Open a ticket";

/// A message over `[limits] message_chars`.
pub fn message_too_long(chars: usize, max: usize) -> String {
    format!(
        "Your message is {chars} characters long, more than the {max} I can take. Please split it into shorter messages, or attach the text as a file."
    )
}

/// A `/faq` question over `[limits] faq_chars`.
pub fn faq_too_long(max: usize) -> String {
    format!(
        "Please keep /faq questions under {max} characters. For a longer question, just write it here and I'll answer or hand it to a person."
    )
}

/// An internal note over `[limits] note_chars`.
pub fn note_too_long(chars: usize, max: usize) -> String {
    format!(
        "That note is {chars} characters long; notes may have at most {max}. Please split it into several /note commands."
    )
}

/// A ticket already holds `[limits] attachments_per_ticket` files.
pub fn too_many_attachments(id: TicketId, max: usize) -> String {
    format!(
        "Ticket {id} already has {max} files, the most one ticket can hold. Please share further files as a link."
    )
}

/// Someone sent more than `[limits] per_user_per_minute` events in a minute (said once).
pub fn slow_down(per_minute: u32) -> String {
    format!(
        "You're sending messages faster than I can take them (at most {per_minute} a minute). Please wait a moment; I'll read what you send after that."
    )
}

/// A customer command (`/ticket`, `/status`, `/feedback`, `/register`) used in the staff space.
pub fn customer_command_in_staff_space() -> String {
    "That command is for customers in their own chat with me. Here, send /help to see the agent commands.".into()
}
