//! The answer-or-escalate decision on top of the `KnowledgeBase` port.

use serde::{Deserialize, Serialize};

/// `[faq]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqConfig {
    /// At or above this confidence the bot answers directly.
    pub answer_threshold: f32,
    /// At or above this (and below `answer_threshold`) it offers the top 3 as suggestions.
    pub suggest_threshold: f32,
}

use super::ports::KbHit;

/// What to do with a question, given the knowledge base's hits.
#[derive(Debug, Clone, PartialEq)]
pub enum FaqDecision {
    /// Confident: answer with this article and ask "did this help?".
    Answer(KbHit),
    /// Unsure: offer these articles (at most 3) and the hand-off button.
    Suggest(Vec<KbHit>),
    /// Nothing useful: open a ticket.
    Escalate,
}

impl FaqConfig {
    /// Applies the thresholds to ranked hits (best first).
    pub fn decide(&self, hits: &[KbHit]) -> FaqDecision {
        match hits.first() {
            Some(top) if top.confidence >= self.answer_threshold => {
                FaqDecision::Answer(top.clone())
            }
            Some(top) if top.confidence >= self.suggest_threshold => FaqDecision::Suggest(
                hits.iter()
                    .take(3)
                    .filter(|h| h.confidence >= self.suggest_threshold)
                    .cloned()
                    .collect(),
            ),
            _ => FaqDecision::Escalate,
        }
    }
}

/// Shortens an excerpt to at most `max` characters at a word boundary.
pub fn trim_excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at = cut.rfind(' ').filter(|i| *i > max / 2).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, c: f32) -> KbHit {
        KbHit {
            id: id.into(),
            title: id.into(),
            excerpt: String::new(),
            confidence: c,
            lang: "en".into(),
        }
    }

    #[test]
    fn thresholds_split_answer_suggest_escalate() {
        let cfg = FaqConfig {
            answer_threshold: 0.6,
            suggest_threshold: 0.3,
        };
        assert!(
            matches!(cfg.decide(&[hit("a", 0.7), hit("b", 0.5)]), FaqDecision::Answer(h) if h.id == "a")
        );
        match cfg.decide(&[hit("a", 0.5), hit("b", 0.4), hit("c", 0.1), hit("d", 0.35)]) {
            FaqDecision::Suggest(h) => assert_eq!(
                h.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
                ["a", "b"]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(cfg.decide(&[hit("a", 0.2)]), FaqDecision::Escalate);
        assert_eq!(cfg.decide(&[]), FaqDecision::Escalate);
    }

    #[test]
    fn excerpts_are_trimmed_at_words() {
        assert_eq!(trim_excerpt("a  b\n c", 10), "a b c");
        let t = trim_excerpt("alpha beta gamma delta epsilon", 14);
        assert_eq!(t, "alpha beta…");
    }
}
