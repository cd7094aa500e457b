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
// (suffixes: "hiba" finds "hibaüzenetet", "bejelentkez" finds "bejelentkezni"); English words
// prone to false hits ("down" in "download") are given with spaces or punctuation around them,
// which `padded` puts at both ends of the message.

/// Outage words: the service itself is not there.
const OUTAGE: &[&str] = &[
    " down ",
    " down,",
    " down.",
    "is down",
    "are down",
    "went down",
    "outage",
    "unavailable",
    "unreachable",
    "not loading",
    "won't load",
    "doesn't load",
    "does not load",
    "timing out",
    "timed out",
    "times out",
    "timeout",
    " 500 ",
    " 500s",
    "500 error",
    "502",
    "503",
    "504",
    "white page",
    "nothing works",
    "nothing is working",
    "everything is broken",
    "宕机",
    "挂了",
    "瘫痪",
    "中断",
    "超时",
    "白屏",
    "打不开",
    "访问不了",
    "无法访问",
    "用不了",
    "leáll",
    "elérhetetlen",
    "nem érhető el",
    "nem töltődik be",
    "nem tölt be",
    "időtúllépés",
    "fehér oldal",
    "semmi sem működik",
    "semmi nem működik",
    "500-as",
];
/// Getting in: logging in or reaching one's account. Hungarian separates a verb's prefix
/// when negated ("nem érem el", "nem férek hozzá"), so those forms are listed as such.
const ACCESS: &[&str] = &[
    "log in",
    "login",
    "log-in",
    "log on",
    "logged out",
    "sign in",
    "sign-in",
    "signin",
    "access my",
    "access our",
    "access the",
    "登录",
    "登陆",
    "登入",
    "登不",
    "进不去",
    "进不了",
    "belép",
    "bejelentkez",
    "kiléptet",
    "hozzáfér",
    "férek hozzá",
    "férünk hozzá",
    "fér hozzá",
    "férnek hozzá",
    "érem el",
    "érjük el",
    "éri el",
    "érik el",
];
/// Not being able to: with an [`ACCESS`] word, a failed login.
const CANNOT: &[&str] = &[
    "can't",
    "cannot",
    "can not",
    "unable",
    "not able",
    "couldn't",
    "won't let",
    "fail",
    "doesn't work",
    "not working",
    "no longer",
    "anymore",
    "denied",
    "不了",
    "不上",
    "不进",
    "不去",
    "无法",
    "不能",
    "失败",
    "nem ",
    " sem ",
    "sikertelen",
    "képtelen",
];
/// Words that are an outage only when [`WIDE`] words come with them: "offline" is a printer's
/// trouble, or the whole shop's.
const OUTAGE_IF_WIDE: &[&str] = &["offline", "not responding", "离线", "掉线", "nem elérhető"];
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
    "isn't working",
    "incorrect",
    "exception",
    "freez",
    "hangs",
    "stuck",
    "missing",
    "gone",
    "lost",
    "disappeared",
    "does nothing",
    "nothing happens",
    "glitch",
    "duplicate",
    "崩溃",
    "报错",
    "错误",
    "出错",
    "不对",
    "不正确",
    "空的",
    "空白",
    "丢失",
    "不见了",
    "没了",
    "失败",
    "异常",
    "闪退",
    "卡死",
    "卡住",
    "没有反应",
    "无响应",
    "乱码",
    "坏了",
    "坏的",
    "缺少",
    "少了",
    "重复",
    "összeomlik",
    "összeomlott",
    "hiba",
    "hibás",
    "rossz",
    "üres",
    "nem működik",
    "eltűnt",
    "elveszett",
    "adatvesztés",
    "sikertelen",
    "lefagy",
    "elromlott",
    "hiányzik",
    "nem csinál semmit",
    "nem reagál",
    "eltér",
];
const FEATURE: &[&str] = &[
    "could you add",
    "can you add",
    "please add",
    "would be nice",
    "would be great",
    "would love",
    "we'd like",
    "we would like",
    "i'd like to be able",
    "feature request",
    "feature",
    "support for",
    "plans to support",
    "any plans",
    "i wish",
    "suggestion",
    "it would help",
    "option to",
    "ability to",
    "能不能增加",
    "能否增加",
    "能否提供",
    "增加一个",
    "添加一个",
    "希望",
    "建议",
    "请支持",
    "会支持",
    "新功能",
    "lehetne",
    "jó lenne",
    "funkciókérés",
    "adjanak hozzá",
    "javaslat",
    "szeretnénk",
    "szeretném, ha",
    "bővíten",
    "tervezik",
    "bevezet",
];
/// Words that make a failure everyone's problem.
const WIDE: &[&str] = &[
    "production",
    " prod ",
    "everyone",
    "everybody",
    "every user",
    "all users",
    "all customers",
    "all our",
    "all of us",
    "all requests",
    "none of",
    "nobody",
    "no one",
    "whole team",
    "whole company",
    "entire",
    "everything",
    "生产",
    "所有",
    "全部",
    "整个",
    "全面",
    "全公司",
    "大家",
    "éles",
    "mindenki",
    "minden ügyf",
    "minden felhaszn",
    "minden kérés",
    "összes",
    "senki",
    "egész",
    "teljes csapat",
    "semmi sem",
    "semmi nem",
];
/// The customer says it cannot wait.
const URGENT: &[&str] = &[
    "urgent",
    "asap",
    "emergency",
    "critical",
    "immediately",
    "紧急",
    "尽快",
    "马上",
    "立刻",
    "sürgős",
    "azonnal",
    "kritikus",
];
/// The customer says it can wait: these cancel [`URGENT`], and are taken out of the text
/// before any other cue is looked for ("not urgent" is no "urgent").
const CALM: &[&str] = &[
    "not urgent",
    "no rush",
    "no hurry",
    "not critical",
    "不着急",
    "不紧急",
    "不急",
    "nem sürgős",
    "nem kritikus",
    "ráér",
];
/// Bug words that are worse than a nuisance: data gone, or someone sees what they must not.
const SEVERE_BUG: &[&str] = &[
    "lost data",
    "data loss",
    "disappeared",
    "deleted",
    "are gone",
    "is gone",
    "security",
    "privacy",
    "leak",
    "数据丢失",
    "丢失",
    "不见了",
    "没了",
    "安全",
    "泄露",
    "隐私",
    "adatvesztés",
    "eltűnt",
    "elveszett",
    "törlődött",
    "biztonsági",
    "adatszivárgás",
];

/// The kind and priority the message's words suggest. A message without cues is a question.
pub fn suggest(text: &str) -> Suggestion {
    read(text).0
}

/// Whether a new message should reach a person at once rather than be offered articles: a
/// failure that hits everyone, or one the customer calls urgent. One person's failed login
/// still gets the FAQ first (a password-reset article may be all they need).
pub fn pressing(text: &str) -> bool {
    let (s, wide, urgent) = read(text);
    matches!(s.kind, TicketKind::Incident | TicketKind::Bug) && (wide || urgent)
}

/// The suggestion, and whether the message spoke of everyone and of urgency.
fn read(text: &str) -> (Suggestion, bool, bool) {
    let mut t = padded(text);
    let calm = CALM.iter().any(|c| t.contains(c));
    for c in CALM {
        t = t.replace(c, " ");
    }
    let has = |cues: &[&str]| cues.iter().any(|c| t.contains(c));
    let hits = |cues: &[&str]| cues.iter().filter(|c| t.contains(*c)).count();
    let (bug, feature) = (hits(BUG), hits(FEATURE));
    let wide = has(WIDE);
    let urgent = !calm && has(URGENT);
    // Not getting in is an incident: the customer cannot work at all.
    let incident = has(OUTAGE) || (has(ACCESS) && has(CANNOT)) || (wide && has(OUTAGE_IF_WIDE));
    // A failure that hits everyone is an incident whatever word describes it.
    let kind = if incident || (bug > 0 && wide && feature == 0) {
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
        TicketKind::Incident if wide || urgent => Priority::P1,
        TicketKind::Incident => Priority::P2,
        TicketKind::Bug if urgent || has(SEVERE_BUG) => Priority::P2,
        TicketKind::Bug | TicketKind::Question => Priority::P3,
        TicketKind::Feature => Priority::P4,
    };
    (Suggestion { kind, priority }, wide, urgent)
}

/// Lowercase, with spaces for punctuation around ASCII words, padded at both ends, so cues
/// like " down " match at the start and end of a message too.
fn padded(text: &str) -> String {
    let mut s = String::from(" ");
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            '\n' | '\t' => s.push(' '),
            ':' | ';' | '!' | '?' | '(' | ')' | '"' | '“' | '”' | '„' => {
                s.push(' ');
            }
            // Curly apostrophes, as phones type them, read like straight ones.
            '’' => s.push('\''),
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
    const FRESH: &str = include_str!("../../tests/fixtures/intake_fresh.tsv");

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

    #[test]
    fn a_failed_login_is_an_incident_in_every_language_and_urgency_raises_it() {
        for text in [
            "nem működik a bejelentkezés, sürgős!",
            "URGENT: I can’t sign in",
            "紧急！我登录不了",
        ] {
            let s = suggest(text);
            assert_eq!(
                (s.kind, s.priority),
                (TicketKind::Incident, Priority::P1),
                "{text}"
            );
        }
        // Inflected and separated Hungarian forms.
        for text in ["Nem tudok bejelentkezni", "Nem férek hozzá a fiókomhoz"] {
            assert_eq!(suggest(text).kind, TicketKind::Incident, "{text}");
        }
    }

    #[test]
    fn only_a_wide_or_urgent_failure_is_pressing() {
        for text in [
            "nem működik a bejelentkezés, sürgős!",
            "production is down",
            "所有用户都无法登录",
            "urgent: the export lost our data",
        ] {
            assert!(pressing(text), "{text}");
        }
        for text in [
            "I cannot log in",
            "my printer is offline",
            "Not urgent: the export is wrong",
            "urgent question: where is my invoice?",
        ] {
            assert!(!pressing(text), "{text}");
        }
        assert_eq!(suggest("my printer is offline").kind, TicketKind::Question);
        assert_eq!(suggest("Everything is offline").kind, TicketKind::Incident);
    }

    #[test]
    fn saying_it_can_wait_is_not_urgency() {
        for text in [
            "Not urgent: the export has a wrong date",
            "nem sürgős, de rossz a dátum",
        ] {
            let s = suggest(text);
            assert_eq!(
                (s.kind, s.priority),
                (TicketKind::Bug, Priority::P3),
                "{text}"
            );
        }
        let s = suggest("不着急：怎么导出数据？");
        assert_eq!((s.kind, s.priority), (TicketKind::Question, Priority::P3));
        // "total" of an invoice is no scope word.
        assert_eq!(suggest("The invoice total is wrong").kind, TicketKind::Bug);
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

    /// Accuracy on messages written after the first cues were fixed (30, ten per language),
    /// never used to change them. First revision: 18/30 (en 6/10, zh 8/10, hu 4/10). Second
    /// revision (access-failure and outage patterns, urgency and its negation): 27/30 (9/10
    /// each); the list had been read before that revision, so it is no longer blind.
    #[test]
    fn accuracy_on_the_held_out_list() {
        check_floor("held-out", HELD_OUT, 27);
    }

    /// Accuracy on a second held-out list (72 messages, 24 per language), written before the
    /// second revision and not run while the cues were changed: 59/72 (en 20, zh 20, hu 19).
    /// The misses are bugs told without a failure word ("the order is reversed", "shows 3
    /// unread but there is nothing new") and a security leak told as "others can see".
    #[test]
    fn accuracy_on_the_fresh_list() {
        let (_, n, per, _) = score(FRESH);
        assert!(n >= 60, "the list has {n} messages");
        assert!(per.iter().all(|p| p.2 >= 20), "{per:?}");
        check_floor("fresh", FRESH, 59);
    }

    /// Fails when fewer than `floor` messages of `list` are right (the count measured when
    /// the cues were last changed), so a regression shows; prints the misses for whoever
    /// tunes next.
    fn check_floor(name: &str, list: &'static str, floor: usize) {
        let (right, n, per, misses) = score(list);
        println!("{name} list: {right}/{n}; per language {per:?}");
        for m in &misses {
            println!("  miss: {m}");
        }
        assert!(right >= floor, "{right}/{n}, below {floor}: {misses:#?}");
    }
}
