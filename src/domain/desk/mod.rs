//! `Desk::handle(Inbound) -> Vec<Outbound>`: the one entry point for everything people do.
//! The desk reads and writes through the `TicketStore` port and never talks to a platform.

mod bounds;
mod buttons;
mod closing;
mod customer;
mod dashboard;
mod decide;
mod edits;
mod error;
mod faq_flow;
mod incident;
mod lang;
mod learning;
mod report;
mod small_talk;
mod staff;
mod staff_views;
mod triage;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};

use super::command::{self, Command};
use super::directory::{CustomersConfig, StaffConfig, StaffMember};
use super::event::{Button, ButtonAction, Inbound, InboundBody, Message, Outbound, Space, Target};
use super::faq::FaqConfig;
use super::i18n::{Key, Lang};
use super::ids::{MessageKey, Platform, TicketId};
use super::limits::{FloodLimit, LimitsConfig};
use super::ports::{Clock, Handling, KnowledgeBase, TicketStore};
use super::replies;
use super::sla::SlaConfig;
use super::ticket::Ticket;
use crate::tr;
use error::{DeskError, ticket_error_text};

/// The parts of the configuration the desk decides with.
#[derive(Debug, Clone)]
pub struct DeskSettings {
    /// Customers and tiers.
    pub customers: CustomersConfig,
    /// Agents and where they work.
    pub staff: StaffConfig,
    /// FAQ thresholds.
    pub faq: FaqConfig,
    /// SLA calendars and policies.
    pub sla: SlaConfig,
    /// The zone agents' local times are read in (`/incident … since 09:40`): the reports'.
    pub time_zone: chrono_tz::Tz,
}

/// The support desk.
pub struct Desk {
    store: Arc<dyn TicketStore>,
    kb: Option<Arc<dyn KnowledgeBase>>,
    clock: Arc<dyn Clock>,
    settings: DeskSettings,
    /// Events this process claimed but could not finish because the store went away: when
    /// they come again, the claim is given up first so they are handled, not skipped.
    unfinished: Mutex<HashSet<MessageKey>>,
    limits: LimitsConfig,
    flood: FloodLimit,
    /// Answers `/report sla`; `None` where no reports are wired (the command says so).
    reports: Option<Arc<dyn crate::domain::report_source::ReportSource>>,
    /// Reviews proposed phrasings (`/kb`); `None` where the kb has no folder to write to.
    curator: Option<Arc<dyn crate::domain::learning::KbCurator>>,
    /// Issues `/dashboard` sign-in links; `None` where no dashboard runs (the command says so).
    sign_in: Option<Arc<dyn crate::domain::sign_in::SignInLinks>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

type Outcome = Result<Vec<Outbound>, DeskError>;

/// What is known about the event being handled.
struct Ctx<'a> {
    inb: &'a Inbound,
    now: DateTime<Utc>,
    staff: Option<StaffMember>,
    /// The ticket whose staff space the event came from.
    here: Option<TicketId>,
    /// Filled once a ticket write has finished the inbound event in its own transaction: the
    /// actions it stored and their outbox ids. `None` outside [`Desk::decide`].
    finished: Option<&'a Mutex<Option<Finished>>>,
    /// The sender's active ticket, loaded when the event was stored; taken by the first lookup,
    /// because later ones may follow the flow's own writes.
    sender_ticket: Mutex<Option<Option<Ticket>>>,
    /// The sender's language, once a flow needed it (`Desk::lang`).
    lang: OnceLock<Lang>,
}

/// What the write that finished an inbound event stored.
struct Finished {
    actions: Vec<Outbound>,
    outbox_ids: Vec<i64>,
}

impl Ctx<'_> {
    /// For the flow's main ticket write: the inbound event to mark handled and the flow's
    /// final `actions` to put in the outbox, together with its change, so a crash can neither
    /// lose nor repeat them. `None` once a write has finished the event.
    fn handling<'b>(&'b self, actions: &'b [Outbound]) -> Option<Handling<'b>> {
        let slot = self.finished?;
        let open = slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_none();
        open.then_some(Handling {
            key: &self.inb.key,
            actions,
        })
    }

    /// Records that a write finished the event, storing `actions` under `outbox_ids`.
    fn finished_with(&self, actions: Vec<Outbound>, outbox_ids: Vec<i64>) {
        if let Some(slot) = self.finished {
            *slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Finished {
                actions,
                outbox_ids,
            });
        }
    }

    /// A reply in the conversation the event came from.
    fn reply(&self, text: impl Into<String>) -> Outbound {
        Outbound::Send {
            to: Target::Conversation(self.inb.conversation.clone()),
            message: Message {
                text: text.into(),
                in_reply_to: self.inb.interaction.clone(),
                lang: self.lang.get().copied(),
                ..Message::default()
            },
        }
    }

    /// A reply with buttons under it.
    fn reply_with(&self, text: impl Into<String>, buttons: Vec<Button>) -> Outbound {
        let mut out = self.reply(text);
        if let Outbound::Send { message, .. } = &mut out {
            message.buttons = buttons;
        }
        out
    }

    /// A reply visible only to the sender where the platform supports it.
    fn private_reply(&self, text: impl Into<String>) -> Outbound {
        let mut out = self.reply(text);
        if let Outbound::Send { message, .. } = &mut out {
            message.ephemeral = true;
            message.private_to = Some(self.inb.from.clone());
        }
        out
    }
}

impl Desk {
    /// A desk over a store, an optional knowledge base and a clock.
    pub fn new(
        store: Arc<dyn TicketStore>,
        kb: Option<Arc<dyn KnowledgeBase>>,
        clock: Arc<dyn Clock>,
        settings: DeskSettings,
    ) -> Desk {
        let limits = LimitsConfig::default();
        Desk {
            store,
            kb,
            clock,
            settings,
            unfinished: Mutex::new(HashSet::new()),
            flood: FloodLimit::new(limits.per_user_per_minute),
            limits,
            reports: None,
            curator: None,
            sign_in: None,
        }
    }

    /// The same desk answering `/report sla` from `reports`.
    pub fn with_reports(
        mut self,
        reports: Arc<dyn crate::domain::report_source::ReportSource>,
    ) -> Desk {
        self.reports = Some(reports);
        self
    }

    /// The same desk answering `/kb proposals`, `/kb accept` and `/kb reject` through `curator`.
    pub fn with_curator(mut self, curator: Arc<dyn crate::domain::learning::KbCurator>) -> Desk {
        self.curator = Some(curator);
        self
    }

    /// The same desk answering `/dashboard` with links from `links`.
    pub fn with_sign_in(mut self, links: Arc<dyn crate::domain::sign_in::SignInLinks>) -> Desk {
        self.sign_in = Some(links);
        self
    }

    /// The same desk with other `[limits]`.
    pub fn with_limits(mut self, limits: LimitsConfig) -> Desk {
        self.flood = FloodLimit::new(limits.per_user_per_minute);
        self.limits = limits;
        self
    }

    /// The bounds the desk enforces.
    pub fn limits(&self) -> &LimitsConfig {
        &self.limits
    }

    /// The settings the desk runs with.
    pub fn settings(&self) -> &DeskSettings {
        &self.settings
    }

    /// The store the desk writes to.
    pub fn store(&self) -> &Arc<dyn TicketStore> {
        &self.store
    }

    fn error_reply(&self, inbound: &Inbound, text: String) -> Outbound {
        match (&inbound.body, &inbound.interaction) {
            (InboundBody::Button { .. }, Some(id)) => Outbound::Ack {
                interaction: id.clone(),
                text: Some(text),
                alert: true,
            },
            _ => Ctx {
                inb: inbound,
                now: self.clock.now(),
                staff: None,
                here: None,
                finished: None,
                sender_ticket: Mutex::new(None),
                lang: OnceLock::new(),
            }
            .private_reply(text),
        }
    }

    async fn dispatch(
        &self,
        inb: &Inbound,
        finished: &Mutex<Option<Finished>>,
        sender_ticket: Option<Option<Ticket>>,
        lang: &OnceLock<Lang>,
    ) -> Outcome {
        let staff = self.settings.staff.member(&inb.from, &inb.roles);
        let here = match inb.space {
            Space::Staff => self.store.ticket_for_staff_space(&inb.conversation).await?,
            Space::Customer => None,
        };
        let ctx = Ctx {
            inb,
            now: self.clock.now(),
            staff,
            here,
            finished: Some(finished),
            sender_ticket: Mutex::new(sender_ticket),
            lang: OnceLock::new(),
        };
        let out = self.dispatch_in(&ctx).await;
        if let Some(l) = ctx.lang.get() {
            let _ = lang.set(*l);
        }
        out
    }

    async fn dispatch_in(&self, ctx: &Ctx<'_>) -> Outcome {
        let (inb, here) = (ctx.inb, ctx.here);
        bounds::check_sizes(&self.limits, &inb.body).map_err(DeskError::Say)?;
        let out = match &inb.body {
            InboundBody::Button { data, .. } => match ButtonAction::decode(data) {
                Some(action) => self.on_button(ctx, action).await,
                None => Ok(vec![buttons::stale(ctx, self.lang(ctx).await?)]),
            },
            InboundBody::Text { text }
                if ctx.staff.is_none() && command::names_staff_command(text) =>
            {
                Err(DeskError::Say(crate::text!(Key::StaffOnly)))
            }
            InboundBody::Text { text } => match command::parse(text, here) {
                Err(e) => Err(DeskError::Say(e.text())),
                Ok(Some(cmd)) => self.on_command(ctx, cmd).await,
                Ok(None) => self.on_message(ctx, text, Vec::new()).await,
            },
            InboundBody::Attachment {
                attachment,
                caption,
            } => {
                let text = caption.clone().unwrap_or_default();
                self.on_message(ctx, &text, vec![attachment.clone()]).await
            }
            InboundBody::Edited { text, attachments } => {
                self.on_edit(ctx, text, attachments.clone()).await
            }
            InboundBody::Unsupported { kind } => self.on_unsupported(ctx, *kind).await,
        }?;
        self.private_in_closed_space(ctx, out).await
    }

    async fn on_message(
        &self,
        ctx: &Ctx<'_>,
        text: &str,
        attachments: Vec<super::event::Attachment>,
    ) -> Outcome {
        match ctx.inb.space {
            Space::Customer => self.customer_message(ctx, text, attachments).await,
            Space::Staff => match (&ctx.staff, ctx.here) {
                (None, _) => Err(DeskError::Say(crate::text!(Key::NotStaffHere))),
                (Some(member), Some(id)) => {
                    self.agent_reply(ctx, member, id, text, attachments).await
                }
                // Chatter in the staff lobby is between agents, not for the bot.
                (Some(_), None) => Ok(Vec::new()),
            },
        }
    }

    async fn on_command(&self, ctx: &Ctx<'_>, cmd: Command) -> Outcome {
        if cmd.is_staff_only() && ctx.staff.is_none() {
            return Err(DeskError::Say(crate::text!(Key::StaffOnly)));
        }
        // The staff space is for agents: someone else there may only ask for help.
        if ctx.inb.space == Space::Staff
            && ctx.staff.is_none()
            && !matches!(cmd, Command::Help | Command::Start)
        {
            return Err(DeskError::Say(crate::text!(Key::StaffOnly)));
        }
        // Customer commands act on the sender's own ticket, which staff in the staff space
        // do not have.
        if ctx.inb.space == Space::Staff
            && matches!(
                cmd,
                Command::Ticket(_) | Command::Status | Command::Feedback(..) | Command::Register(_)
            )
        {
            return Err(DeskError::Say(replies::customer_command_in_staff_space()));
        }
        bounds::check_command(&self.limits, &cmd).map_err(DeskError::Say)?;
        match cmd {
            Command::Start => Ok(vec![ctx.reply(replies::welcome(self.lang(ctx).await?))]),
            Command::Help => {
                let lang = self.lang(ctx).await?;
                let text = match ctx.staff {
                    Some(_) => format!(
                        "{}\n\n{}",
                        replies::staff_help(lang),
                        replies::user_help(lang)
                    ),
                    None => replies::user_help(lang),
                };
                // The language buttons sit under the help, where a newcomer looks first.
                let text = format!("{text}\n\n{}", tr!(lang, Key::HelpLang));
                Ok(vec![ctx.reply_with(text, lang::lang_buttons())])
            }
            Command::Lang(choice) => self.choose_lang(ctx, choice).await,
            Command::Surveys(on) => self.set_surveys(ctx, on).await,
            Command::Ticket(text) => self.customer_ticket_command(ctx, text).await,
            Command::Status => self.customer_status(ctx).await,
            Command::Feedback(kind, text) => self.customer_feedback(ctx, kind, &text).await,
            Command::Register(key) => self.customer_register(ctx, &key).await,
            Command::Faq(q) => self.faq_lookup(ctx, &q).await,
            Command::Close(id, reason, article) => match &ctx.staff {
                Some(member) if ctx.inb.space == Space::Staff || id.is_some() => {
                    self.staff_close(ctx, member, id, reason, article).await
                }
                _ => self.customer_close(ctx, id).await,
            },
            other => {
                let member = ctx.staff.clone().expect("checked above");
                self.staff_command(ctx, &member, other).await
            }
        }
    }

    /// The sender's active ticket: the one loaded with the event if no lookup took it yet.
    async fn sender_ticket(&self, ctx: &Ctx<'_>) -> Result<Option<Ticket>, DeskError> {
        let loaded = ctx
            .sender_ticket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match loaded {
            Some(ticket) => Ok(ticket),
            None => Ok(self.store.active_ticket_for(&ctx.inb.from).await?),
        }
    }

    /// Loads a ticket or says it does not exist.
    async fn load(&self, id: TicketId) -> Result<Ticket, DeskError> {
        self.store
            .ticket(id)
            .await?
            .ok_or_else(|| DeskError::Say(crate::text!(Key::NoTicket, id = id)))
    }

    /// Where agents work tickets from this requester platform.
    fn staff_home(&self, ticket: &Ticket) -> Platform {
        self.settings
            .staff
            .home_for
            .get(&ticket.requester.platform)
            .copied()
            .unwrap_or(self.settings.staff.home)
    }

    fn to_staff(&self, ticket: &Ticket, message: Message) -> Outbound {
        Outbound::Send {
            to: Target::StaffSpace {
                ticket: ticket.id,
                platform: self.staff_home(ticket),
            },
            message: Message {
                lang: Some(self.staff_lang()),
                ..message
            },
        }
    }

    /// A message to the ticket's customer, worded in `theirs`.
    fn to_customer(&self, ticket: &Ticket, theirs: Lang, message: Message) -> Outbound {
        Outbound::Send {
            to: Target::Conversation(ticket.conversation.clone()),
            message: Message {
                lang: Some(theirs),
                ..message
            },
        }
    }

    fn rename_staff_space(&self, ticket: &Ticket) -> Outbound {
        Outbound::UpdateStaffSpace {
            ticket: ticket.id,
            platform: self.staff_home(ticket),
            title: replies::staff_title(self.staff_lang(), ticket),
            open: ticket.status.is_active(),
        }
    }

    fn claim_button(&self, id: TicketId) -> Button {
        Button {
            label: tr!(self.staff_lang(), Key::BtnClaim),
            action: ButtonAction::Claim(id),
        }
    }
}
