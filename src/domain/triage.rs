//! Intake classification: from the words of a new ticket's first message, in English,
//! Chinese or Hungarian, suggest its kind (question, bug, incident, feature) and a priority.
//! Support practice classifies first and prioritises from the class: an outage or a failed
//! login that hits everyone is P1, one person's incident P2, a bug P3 (P2 when data is lost
//! or it is urgent), a question P3, a feature request P4. Agents accept or correct it.

use super::ticket::{Priority, TicketKind};

/// What the bot proposes for a new ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    /// The kind of request.
    pub kind: TicketKind,
    /// The priority that kind and the message's scope call for.
    pub priority: Priority,
}

// Cues are matched as lowercase substrings, which suits Chinese (no spaces) and Hungarian
// (suffixes: "hiba" finds "hibaüzenetet"); English words prone to false hits ("down" in
// "download") are given with spaces or punctuation around them by `padded`.
const INCIDENT: &[&str] = &[
    " down ",
    " down,",
    " down.",
    "is down",
    "are down",
    "outage",
    "cannot log in",
    "can't log in",
    "can not log in",
    "unable to log in",
    "cannot login",
    "can't login",
    "not loading",
    "500 error",
    " 500 ",
    "502",
    "503",
    "unavailable",
    "unreachable",
    "宕机",
    "中断",
    "无法登录",
    "登录不了",
    "登不上",
    "打不开",
    "访问不了",
    "无法访问",
    "挂了",
    "瘫痪",
    "leállt",
    "leállás",
    "nem tud belépni",
    "nem tudnak belépni",
    "nem tudok belépni",
    "nem tudok bejelentkezni",
    "nem működik a bejelentkezés",
    "nem töltődik be",
    "elérhetetlen",
    "nem érhető el",
    "500-as",
];
const BUG: &[&str] = &[
    "crash",
    "error",
    "bug",
    "broken",
    "wrong",
    "empty",
    "blank",
    "fails",
    "failed",
    "failing",
    "doesn't work",
    "does not work",
    "not working",
    "incorrect",
    "exception",
    "lost data",
    "data loss",
    "disappeared",
    "崩溃",
    "报错",
    "错误",
    "不对",
    "不正确",
    "空的",
    "丢失",
    "不见了",
    "失败",
    "异常",
    "闪退",
    "összeomlik",
    "összeomlott",
    "hiba",
    "rossz",
    "üres",
    "nem működik",
    "eltűnt",
    "adatvesztés",
    "sikertelen",
    "lefagy",
];
const FEATURE: &[&str] = &[
    "could you add",
    "can you add",
    "please add",
    "would be nice",
    "would be great",
    "feature request",
    "feature",
    "support for",
    "i wish",
    "suggestion",
    "it would help",
    "能不能增加",
    "能否增加",
    "增加一个",
    "希望",
    "建议",
    "请支持",
    "新功能",
    "lehetne",
    "jó lenne",
    "funkciókérés",
    "adjanak hozzá",
    "javaslat",
    "szeretnénk, ha",
    "bővíten",
];
/// Words that make a failure everyone's problem (or the customer says it cannot wait).
const WIDE: &[&str] = &[
    "production",
    " prod ",
    "everyone",
    "everybody",
    "all users",
    "all customers",
    "all our",
    "none of our",
    "nobody can",
    "whole team",
    "total",
    "urgent",
    "asap",
    "生产",
    "所有",
    "全部",
    "整个",
    "大家都",
    "紧急",
    "éles",
    "mindenki",
    "minden ügyfel",
    "minden felhasználó",
    "egyik felhasználó sem",
    "senki sem",
    "egész csapat",
    "teljes",
    "sürgős",
];
/// Bug words that are worse than a nuisance.
const SEVERE_BUG: &[&str] = &[
    "lost data",
    "data loss",
    "disappeared",
    "security",
    "数据丢失",
    "丢失",
    "不见了",
    "安全漏洞",
    "adatvesztés",
    "eltűnt",
    "biztonsági rés",
    "urgent",
    "紧急",
    "sürgős",
];

/// The kind and priority the message's words suggest. A message without cues is a question.
pub fn suggest(text: &str) -> Suggestion {
    let t = padded(text);
    let hits = |cues: &[&str]| cues.iter().filter(|c| t.contains(*c)).count();
    let (incident, bug, feature) = (hits(INCIDENT), hits(BUG), hits(FEATURE));
    let wide = hits(WIDE) > 0;
    // A failure that hits everyone is an incident whatever word describes it.
    let kind = if incident > 0 || (bug > 0 && wide && feature == 0) {
        TicketKind::Incident
    } else if feature > 0 && feature * 2 >= bug {
        TicketKind::Feature
    } else if bug > 0 {
        TicketKind::Bug
    } else {
        // A question needs no cue: it is what is left.
        TicketKind::Question
    };
    let priority = match kind {
        TicketKind::Incident if wide => Priority::P1,
        TicketKind::Incident => Priority::P2,
        TicketKind::Bug if hits(SEVERE_BUG) > 0 => Priority::P2,
        TicketKind::Bug | TicketKind::Question => Priority::P3,
        TicketKind::Feature => Priority::P4,
    };
    Suggestion { kind, priority }
}

/// Lowercase, with spaces for punctuation around ASCII words, padded at both ends, so cues
/// like " down " match at the start and end of a message too.
fn padded(text: &str) -> String {
    let mut s = String::from(" ");
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            '\n' | '\t' => s.push(' '),
            ':' | ';' | '!' | '(' | ')' | '"' => {
                s.push(' ');
            }
            _ => s.push(c),
        }
    }
    s.push(' ');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: &str = include_str!("../../tests/fixtures/intake_labels.tsv");
    const HELD_OUT: &str = include_str!("../../tests/fixtures/intake_heldout.tsv");

    fn labelled(list: &'static str) -> Vec<(TicketKind, Priority, &'static str, &'static str)> {
        list.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                assert_eq!(f.len(), 4, "bad fixture line {l:?}");
                (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2], f[3])
            })
            .collect()
    }

    /// Right answers per language: (language, right, total).
    type PerLang = Vec<(&'static str, usize, usize)>;

    /// Kind and priority both right, over `list`: (right, total, per language, misses).
    fn score(list: &'static str) -> (usize, usize, PerLang, Vec<String>) {
        let rows = labelled(list);
        let mut misses = Vec::new();
        let mut per: Vec<(&str, usize, usize)> = Vec::new();
        for (kind, priority, lang, text) in &rows {
            let s = suggest(text);
            let ok = s.kind == *kind && s.priority == *priority;
            match per.iter_mut().find(|p| p.0 == *lang) {
                Some(p) => {
                    p.1 += usize::from(ok);
                    p.2 += 1;
                }
                None => per.push((lang, usize::from(ok), 1)),
            }
            if !ok {
                misses.push(format!(
                    "{text}: {:?} {} (want {kind:?} {priority})",
                    s.kind, s.priority
                ));
            }
        }
        (rows.len() - misses.len(), rows.len(), per, misses)
    }

    #[test]
    fn the_examples_of_the_issue() {
        let s = suggest("production is down");
        assert_eq!((s.kind, s.priority), (TicketKind::Incident, Priority::P1));
        let s = suggest("生产环境宕机");
        assert_eq!((s.kind, s.priority), (TicketKind::Incident, Priority::P1));
        let s = suggest("nem működik");
        assert_eq!(s.kind, TicketKind::Bug);
        let s = suggest("I cannot log in");
        assert_eq!((s.kind, s.priority), (TicketKind::Incident, Priority::P2));
        let s = suggest("download the invoice please?");
        assert_eq!(s.kind, TicketKind::Question, "'download' is not 'down'");
    }

    /// Accuracy on the list the cues were written against (69 messages): an upper bound,
    /// kept so that a change cannot silently break what once worked.
    #[test]
    fn accuracy_on_the_tuning_list() {
        let (right, n, per, misses) = score(LABELS);
        assert!(n >= 60, "the list has {n} messages");
        println!("tuning list: {right}/{n}; per language {per:?}");
        assert!(right * 100 >= n * 97, "{right}/{n}: {misses:#?}");
    }

    /// Accuracy on messages written after the cues were fixed (30, ten per language): the
    /// honest figure. Measured when written: 18/30 (en 6/10, zh 8/10, hu 4/10); the misses
    /// are failures described without a cue word ("does nothing", "off by one cent").
    #[test]
    fn accuracy_on_the_held_out_list() {
        let (right, n, per, misses) = score(HELD_OUT);
        println!("held-out list: {right}/{n}; per language {per:?}");
        for m in &misses {
            println!("  miss: {m}");
        }
        assert!(
            right as f64 / n as f64 >= HELD_OUT_FLOOR,
            "{right}/{n}: {misses:#?}"
        );
    }

    const HELD_OUT_FLOOR: f64 = 0.6;
}
