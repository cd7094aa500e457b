//! `/kb` (reviewing proposed phrasings) and the `kb:<article>` link of `/close`: pure parsing,
//! beside the main command parser.

use super::command::{ParseError, missing, non_empty, shorten, split_word};
use super::i18n::Key;

/// What `/kb` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KbAction {
    /// List the proposals waiting for a decision.
    Proposals,
    /// Accept proposal `n`, with the phrasing replaced by the text if one is given.
    Accept(i64, Option<String>),
    /// Reject proposal `n`.
    Reject(i64),
}

/// Takes the `kb:<article>` word out of a close reason: the reason without it, and the id.
pub(super) fn split_kb_link(reason: &str) -> (String, Option<String>) {
    if !reason
        .split_whitespace()
        .any(|w| w.len() > 3 && w.starts_with("kb:"))
    {
        return (reason.to_string(), None);
    }
    let mut article = None;
    let mut rest = Vec::new();
    for word in reason.split_whitespace() {
        match word.strip_prefix("kb:") {
            Some(id) if !id.is_empty() => article = Some(id.to_string()),
            _ => rest.push(word),
        }
    }
    (rest.join(" "), article)
}

pub(super) fn parse_kb(args: &str) -> Result<KbAction, ParseError> {
    let usage = Key::UsageKb;
    let (action, rest) = split_word(args);
    let number = |rest: &str| -> Result<(i64, String), ParseError> {
        let (n, text) = split_word(rest);
        if n.is_empty() {
            return Err(missing("kb", Key::WhatProposal, usage));
        }
        let id = n
            .trim_start_matches('#')
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ParseError::NotProposalNumber(shorten(n)))?;
        Ok((id, text.trim().to_string()))
    };
    match action.to_ascii_lowercase().as_str() {
        "proposals" | "" if rest.trim().is_empty() => Ok(KbAction::Proposals),
        "proposals" => Err(ParseError::TooManyArgs { usage }),
        "accept" => {
            let (id, text) = number(rest)?;
            Ok(KbAction::Accept(id, non_empty(&text)))
        }
        "reject" => match number(rest)? {
            (id, text) if text.is_empty() => Ok(KbAction::Reject(id)),
            _ => Err(ParseError::TooManyArgs { usage }),
        },
        other => Err(ParseError::NotKbAction(shorten(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::KbAction;
    use crate::domain::command::{Command, ParseError, parse};
    use crate::domain::i18n::Lang;
    use crate::domain::ids::TicketId;

    fn ok(t: &str) -> Command {
        parse(t, None).unwrap().unwrap()
    }

    fn here(t: &str, id: i64) -> Command {
        parse(t, Some(TicketId(id))).unwrap().unwrap()
    }

    #[test]
    fn close_takes_a_kb_link_anywhere_after_the_id() {
        let t = TicketId(42);
        assert_eq!(
            ok("/close 42 answered kb:reset-password"),
            Command::Close(
                Some(t),
                Some("answered".into()),
                Some("reset-password".into())
            )
        );
        assert_eq!(
            ok("/close 42 kb:reset-password   see the article"),
            Command::Close(
                Some(t),
                Some("see the article".into()),
                Some("reset-password".into())
            )
        );
        assert_eq!(
            here("/close kb:vpn", 7),
            Command::Close(Some(TicketId(7)), None, Some("vpn".into()))
        );
        // A bare "kb:" is part of the reason; so is the spacing of a reason without a link.
        assert_eq!(
            ok("/close 42 see kb:"),
            Command::Close(Some(t), Some("see kb:".into()), None)
        );
        assert_eq!(
            ok("/close 42 fixed  in 2.1"),
            Command::Close(Some(t), Some("fixed  in 2.1".into()), None)
        );
    }

    #[test]
    fn kb_review_commands() {
        assert_eq!(ok("/kb"), Command::Kb(KbAction::Proposals));
        assert_eq!(ok("/kb proposals"), Command::Kb(KbAction::Proposals));
        assert_eq!(ok("/kb accept 3"), Command::Kb(KbAction::Accept(3, None)));
        assert_eq!(
            ok("/kb ACCEPT #3  how do I  reset it? "),
            Command::Kb(KbAction::Accept(3, Some("how do I  reset it?".into())))
        );
        assert_eq!(ok("/kb reject 12"), Command::Kb(KbAction::Reject(12)));
        assert!(ok("/kb reject 12").is_staff_only());
        assert!(matches!(
            parse("/kb accept", None),
            Err(ParseError::Missing { cmd: "kb", .. })
        ));
        assert!(matches!(
            parse("/kb accept x", None),
            Err(ParseError::NotProposalNumber(v)) if v == "x"
        ));
        assert!(matches!(
            parse("/kb reject 0", None),
            Err(ParseError::NotProposalNumber(_))
        ));
        assert!(matches!(
            parse("/kb reject 2 because", None),
            Err(ParseError::TooManyArgs { .. })
        ));
        assert!(matches!(
            parse("/kb delete 2", None),
            Err(ParseError::NotKbAction(v)) if v == "delete"
        ));
        let shown = parse("/kb delete 2", None)
            .unwrap_err()
            .text()
            .render(Lang::En);
        assert!(shown.contains("proposals, accept, reject"), "{shown}");
    }
}
