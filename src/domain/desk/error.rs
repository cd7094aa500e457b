//! Why a desk flow stops early, and the words a refused ticket transition says.

use crate::domain::i18n::{Key, Text};
use crate::domain::ports::StoreError;
use crate::domain::replies;
use crate::domain::ticket::{Already, TicketError};

/// Why handling an event stopped early. Users see a friendly text, never the internals.
#[derive(Debug, thiserror::Error)]
pub(super) enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A refusal or usage problem, worded once the reader's language is known.
    #[error("refused with {0:?}")]
    Say(Text),
}

impl From<TicketError> for DeskError {
    fn from(e: TicketError) -> Self {
        DeskError::Say(ticket_error_text(&e))
    }
}

/// What a refused transition says to the person who tried it.
pub(super) fn ticket_error_text(e: &TicketError) -> Text {
    match e {
        TicketError::Closed(id) => crate::text!(Key::ErrClosed, id = *id),
        TicketError::NotClosed(id) => crate::text!(Key::ErrNotClosed, id = *id),
        TicketError::ClaimedByOther { ticket, by } => {
            crate::text!(Key::ErrClaimedByOther, id = *ticket, agent = &by.0)
        }
        TicketError::NotClaimedByYou(id) => crate::text!(Key::ErrNotClaimedByYou, id = *id),
        TicketError::Unchanged { ticket, what } => match what {
            Already::ClaimedBy(_) => crate::text!(Key::ErrAlreadyClaimed, id = *ticket),
            Already::AssignedTo(a) => {
                crate::text!(Key::ErrAlreadyAssigned, id = *ticket, agent = &a.0)
            }
            Already::Priority(p) => {
                crate::text!(
                    Key::ErrAlreadyPriority,
                    id = *ticket,
                    priority = p.to_string()
                )
            }
            Already::Tier(t) => {
                crate::text!(Key::ErrAlreadyTier, id = *ticket, tier = t.to_string())
            }
            Already::Status(s) => crate::text!(
                Key::ErrAlreadyStatus,
                id = *ticket,
                status = replies::status_key(*s)
            ),
            Already::Fixed => crate::text!(Key::ErrAlreadyFixed, id = *ticket),
        },
    }
}
