//! The commands as menus show them: name, usage line and description, for `/help`, the
//! Telegram command menus and the Discord slash-command registration.

use super::i18n::Key;

/// A command in `/help` and the platforms' command menus: its name, usage line and short
/// description (menus show the name beside the description, so it never repeats the command).
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo {
    /// The name typed after `/`.
    pub name: &'static str,
    /// The usage line, e.g. `/ticket [text]`.
    pub usage: Key,
    /// What it does, e.g. "Talk to a person now".
    pub desc: Key,
}

const fn info(name: &'static str, usage: Key, desc: Key) -> CommandInfo {
    CommandInfo { name, usage, desc }
}

/// The user commands, for `/help` and command menus.
pub const USER_COMMANDS: &[CommandInfo] = &[
    info("help", Key::UsageHelp, Key::CmdHelp),
    info("ticket", Key::UsageTicket, Key::CmdTicket),
    info("status", Key::UsageStatus, Key::CmdStatus),
    info("faq", Key::UsageFaq, Key::CmdFaq),
    info("close", Key::UsageClose, Key::CmdClose),
    info("feedback", Key::UsageFeedback, Key::CmdFeedback),
    info("register", Key::UsageRegister, Key::CmdRegister),
    info("lang", Key::UsageLang, Key::CmdLang),
    info("stop", Key::UsageStop, Key::CmdStop),
];

/// The staff commands.
pub const STAFF_COMMANDS: &[CommandInfo] = &[
    info("queue", Key::UsageQueue, Key::CmdQueue),
    info("mine", Key::UsageMine, Key::CmdMine),
    info("show", Key::UsageShow, Key::CmdShow),
    info("claim", Key::UsageClaim, Key::CmdClaim),
    info("unclaim", Key::UsageUnclaim, Key::CmdUnclaim),
    info("assign", Key::UsageAssign, Key::CmdAssign),
    info("transfer", Key::UsageTransfer, Key::CmdTransfer),
    info("reply", Key::UsageReply, Key::CmdReply),
    info("note", Key::UsageNote, Key::CmdNote),
    info("priority", Key::UsagePriority, Key::CmdPriority),
    info("tier", Key::UsageTier, Key::CmdTier),
    info("pending", Key::UsagePending, Key::CmdPending),
    info("hold", Key::UsageHold, Key::CmdHold),
    info("solve", Key::UsageSolve, Key::CmdSolve),
    info("close", Key::UsageCloseStaff, Key::CmdCloseStaff),
    info("reopen", Key::UsageReopen, Key::CmdReopen),
    info("fixed", Key::UsageFixed, Key::CmdFixed),
    info("incident", Key::UsageIncident, Key::CmdIncident),
    info("report", Key::UsageReport, Key::CmdReport),
    info("sla", Key::UsageSla, Key::CmdSla),
    info("kb", Key::UsageKb, Key::CmdKb),
    info("dashboard", Key::UsageDashboard, Key::CmdDashboard),
];
