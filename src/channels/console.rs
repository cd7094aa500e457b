//! Console channel: a terminal chat for demos and scripts. A plain line is the customer;
//! a line starting with `@agent ` is a demo agent in the staff space; `!data` presses a button.

use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::{Outlet, Router};
use crate::domain::desk::Desk;
use crate::domain::event::{Inbound, InboundBody, Message, Outbound, Space, Target};
use crate::domain::ids::{ConversationRef, MessageKey, Platform, TicketId, UserRef};
use crate::domain::ports::TicketStore;

/// Chat id of the customer side of the console.
pub const CUSTOMER_CHAT: &str = "customer";
/// Chat id of the staff side of the console.
pub const STAFF_CHAT: &str = "staff";
/// Platform user id of the demo agent (configure it as `console:agent`).
pub const AGENT_ID: &str = "agent";

/// Prints outbound actions with `[bot -> you]` / `[bot -> staff #12]` labels.
pub struct ConsoleOutlet {
    out: Mutex<Box<dyn Write + Send>>,
    store: Arc<dyn TicketStore>,
    /// The ticket the demo agent is looking at: the last one the bot wrote about to staff.
    focus: Arc<Mutex<Option<TicketId>>>,
}

impl ConsoleOutlet {
    /// An outlet writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, store: Arc<dyn TicketStore>) -> ConsoleOutlet {
        ConsoleOutlet {
            out: Mutex::new(out),
            store,
            focus: Arc::new(Mutex::new(None)),
        }
    }

    fn print(&self, label: &str, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("");
        let _ = writeln!(out, "[{label}] {first}");
        for l in lines {
            let _ = writeln!(out, "    {l}");
        }
        let _ = out.flush();
    }

    fn focus_on(&self, id: TicketId) {
        *self.focus.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
    }

    fn render(message: &Message) -> String {
        let mut text = message.text.clone();
        for a in &message.attachments {
            text.push_str(&format!(
                "\n(attachment {:?}: {})",
                a.kind,
                a.name.as_deref().unwrap_or(&a.file_ref)
            ));
        }
        if !message.buttons.is_empty() {
            let labels: Vec<String> = message
                .buttons
                .iter()
                .map(|b| format!("[{}] !{}", b.label, b.action.encode()))
                .collect();
            text.push_str(&format!("\nbuttons: {}", labels.join("  ")));
        }
        text
    }
}

#[async_trait]
impl Outlet for ConsoleOutlet {
    async fn deliver(&self, action: &Outbound) -> anyhow::Result<()> {
        match action {
            Outbound::Send { to, message } => {
                let label = match to {
                    Target::Conversation(c) if c.chat == STAFF_CHAT => match &c.thread {
                        Some(t) => format!("bot -> staff #{t}"),
                        None => "bot -> staff".to_string(),
                    },
                    Target::Conversation(_) => "bot -> you".to_string(),
                    Target::StaffSpace { ticket, .. } => {
                        self.focus_on(*ticket);
                        format!("bot -> staff #{}", ticket.0)
                    }
                    Target::StaffLobby { .. } => "bot -> staff".to_string(),
                };
                self.print(&label, &Self::render(message));
            }
            Outbound::Ack {
                text: Some(text), ..
            } => self.print("bot -> you", text),
            Outbound::Ack { text: None, .. } => {}
            Outbound::OpenStaffSpace { ticket, title, .. } => {
                let space = staff_space(*ticket);
                self.store.bind_staff_space(*ticket, &space).await?;
                self.focus_on(*ticket);
                self.print(
                    &format!("bot -> staff #{}", ticket.0),
                    &format!("(new staff thread: {title})"),
                );
            }
            // Console buttons are typed, not shown on a message: nothing to take off.
            Outbound::ClearButtons { .. } => {}
            Outbound::UpdateStaffSpace {
                ticket,
                title,
                open,
                ..
            } => {
                let state = if *open { "open" } else { "archived" };
                self.print(
                    &format!("bot -> staff #{}", ticket.0),
                    &format!("(thread now \"{title}\", {state})"),
                );
            }
        }
        Ok(())
    }
}

/// The console's staff space for a ticket.
pub fn staff_space(ticket: TicketId) -> ConversationRef {
    ConversationRef::thread(Platform::Console, STAFF_CHAT, ticket.0.to_string())
}

/// Turns one input line into an Inbound. `focus` is the ticket the demo agent is looking at.
pub fn parse_line(line: &str, seq: u64, run_id: i64, focus: Option<TicketId>) -> Option<Inbound> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (agent, text) = match line.strip_prefix("@agent ") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    if text.trim().is_empty() {
        return None;
    }
    let (from, conversation, space) = if agent {
        let conv = match focus {
            Some(t) => staff_space(t),
            None => ConversationRef::chat(Platform::Console, STAFF_CHAT),
        };
        (
            UserRef::new(Platform::Console, AGENT_ID, "demo agent"),
            conv,
            Space::Staff,
        )
    } else {
        (
            UserRef::new(Platform::Console, "customer", "you"),
            ConversationRef::chat(Platform::Console, CUSTOMER_CHAT),
            Space::Customer,
        )
    };
    let (body, interaction) = match text.strip_prefix('!') {
        Some(data) => (
            InboundBody::Button {
                data: data.trim().to_string(),
                message: None,
            },
            Some(format!("console-{seq}")),
        ),
        None => (
            InboundBody::Text {
                text: text.to_string(),
            },
            None,
        ),
    };
    Some(Inbound {
        key: MessageKey::new(Platform::Console, format!("{run_id}-{seq}")),
        at: Utc::now(),
        from,
        roles: Vec::new(),
        conversation,
        space,
        interaction,
        body,
        locale: None,
        community_locale: None,
    })
}

/// Reads lines until EOF (or shutdown), handing each to the desk and printing the results.
pub async fn run<R: AsyncBufRead + Unpin>(
    input: R,
    desk: Arc<Desk>,
    router: Arc<Router>,
    outlet: Arc<ConsoleOutlet>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let run_id = Utc::now().timestamp_millis();
    let mut lines = input.lines();
    let mut seq = 0u64;
    loop {
        let line = tokio::select! {
            l = lines.next_line() => l?,
            _ = shutdown.changed() => None,
        };
        let Some(line) = line else { break };
        seq += 1;
        let focus = *outlet.focus.lock().unwrap_or_else(|e| e.into_inner());
        let Some(inbound) = parse_line(&line, seq, run_id, focus) else {
            continue;
        };
        match desk.decide(inbound).await {
            // One at a time, so the transcript prints in the order the desk decided.
            Ok(planned) => {
                for p in planned {
                    router.dispatch(Platform::Console, vec![p]);
                    router.flush().await;
                }
            }
            Err(e) => eprintln!("error: {e}; that line was not handled, type it again"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_map_to_customer_agent_and_buttons() {
        let c = parse_line("my app crashes", 1, 9, None).unwrap();
        assert_eq!(c.space, Space::Customer);
        assert_eq!(c.key.id, "9-1");
        let a = parse_line("@agent /claim 1", 2, 9, Some(TicketId(3))).unwrap();
        assert_eq!(a.space, Space::Staff);
        assert_eq!(a.conversation, staff_space(TicketId(3)));
        assert_eq!(
            a.body,
            InboundBody::Text {
                text: "/claim 1".into()
            }
        );
        let b = parse_line("!cs:1:5", 3, 9, None).unwrap();
        assert_eq!(
            b.body,
            InboundBody::Button {
                data: "cs:1:5".into(),
                message: None,
            }
        );
        assert!(b.interaction.is_some());
        assert!(parse_line("   ", 4, 9, None).is_none());
    }
}
