//! What the Chinese and Hungarian conversation tests share: the customer's words in each
//! language, the article they find, and the checks that a text is really in that language.
//! The Telegram and Discord conversations (`telegram_i18n.rs`, `discord_i18n.rs`) run once
//! per [`Tongue`].

use std::sync::Arc;

use supportbot::domain::i18n::{Key, Lang};
use supportbot::domain::ports::{KbHit, KnowledgeBase};
use supportbot::tr;

use crate::harness::StubKb;

/// One language's side of a conversation: what the customer writes and what the agent answers.
pub(crate) struct Tongue {
    /// The customer's language.
    pub lang: Lang,
    /// The language `/lang` switches to mid-ticket (and back from).
    pub other: Lang,
    /// Telegram `language_code` of the customer's client.
    pub telegram_code: &'static str,
    /// Discord `locale` of the customer's client.
    pub discord_locale: &'static str,
    /// Small talk that must not open a ticket.
    pub greeting: &'static str,
    /// The question; the stub knowledge base finds [`Tongue::needle`] in it. On Discord a DM
    /// carries no locale, so its script must give the language away.
    pub question: &'static str,
    /// What the stub knowledge base looks for.
    pub needle: &'static str,
    /// The article found.
    pub title: &'static str,
    /// Its excerpt.
    pub excerpt: &'static str,
    /// The agent's first answer, and the corrected version of it.
    pub agent_text: &'static str,
    /// The agent's edit of that answer.
    pub agent_edit: &'static str,
    /// The agent's answer while the customer reads the other language.
    pub agent_later: &'static str,
    /// The reason the agent closes with.
    pub reason: &'static str,
    /// The customer's comment after rating.
    pub comment: &'static str,
}

/// A Chinese customer; switches to Hungarian mid-ticket.
pub(crate) const ZH: Tongue = Tongue {
    lang: Lang::Zh,
    other: Lang::Hu,
    telegram_code: "zh-hans",
    discord_locale: "zh-CN",
    greeting: "你好",
    question: "我忘了密码，怎么重置？",
    needle: "密码",
    title: "如何重置密码",
    excerpt: "在登录页点击“忘记密码”，按邮件中的链接设置新密码。",
    agent_text: "请使用邮件里的重置链接",
    agent_edit: "请使用邮件里的新重置链接",
    agent_later: "kérem, nézze meg a levelét",
    reason: "已重置密码",
    comment: "又快又好",
};

/// A Hungarian customer; switches to Chinese mid-ticket.
pub(crate) const HU: Tongue = Tongue {
    lang: Lang::Hu,
    other: Lang::Zh,
    telegram_code: "hu",
    discord_locale: "hu",
    greeting: "Szia!",
    question: "Nem működik a jelszó visszaállítása, mit tegyek?",
    needle: "jelszó",
    title: "Jelszó visszaállítása",
    excerpt: "A belépési oldalon kattintson az „Elfelejtett jelszó” linkre, és kövesse a levelet.",
    agent_text: "Kérem, használja a levélben kapott linket",
    agent_edit: "Kérem, használja a levélben kapott új linket",
    agent_later: "请查看您的邮件",
    reason: "jelszó visszaállítva",
    comment: "gyors és kedves segítség",
};

impl Tongue {
    /// A knowledge base that answers this language's question confidently.
    pub(crate) fn kb(&self) -> Arc<dyn KnowledgeBase> {
        Arc::new(StubKb(vec![(
            self.needle.to_string(),
            KbHit {
                id: format!("{}-reset-password", self.lang.code()),
                title: self.title.into(),
                excerpt: self.excerpt.into(),
                confidence: 0.9,
                lang: self.lang.code().into(),
            },
        )]))
    }

    /// The FAQ answer's "did this help?" line.
    pub(crate) fn did_this_help(&self) -> String {
        tr!(self.lang, Key::FaqDidThisHelp)
    }

    /// Labels of the FAQ answer's buttons.
    pub(crate) fn answer_buttons(&self) -> [String; 2] {
        [
            tr!(self.lang, Key::BtnYesHelped),
            tr!(self.lang, Key::BtnNoPerson),
        ]
    }
}

/// Whether `text` is written in `lang`: Chinese has Han characters, Hungarian its accented
/// letters; and neither carries English words around them. Commands (`/help`) are names.
pub(crate) fn is_in(lang: Lang, text: &str) -> bool {
    let script = match lang {
        Lang::Zh => text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        Lang::Hu => text.chars().any(|c| "áéíóöőúüűÁÉÍÓÖŐÚÜŰ".contains(c)),
        Lang::En => true,
    };
    script && (lang == Lang::En || english_words(text).is_empty())
}

/// English words in `text` that no Chinese or Hungarian sentence of the bot contains ("a"
/// and "is" are Hungarian words too, so they are not on the list).
pub(crate) fn english_words(text: &str) -> Vec<String> {
    const ENGLISH: &[&str] = &[
        "the",
        "you",
        "your",
        "ticket",
        "thanks",
        "thank",
        "please",
        "sorry",
        "support",
        "message",
        "edited",
        "sent",
        "help",
        "customer",
        "agent",
        "rated",
        "rating",
        "was",
        "file",
        "attachment",
        "survey",
        "claimed",
        "closed",
        "already",
        "only",
        "with",
    ];
    text.split_whitespace()
        .filter(|w| !w.starts_with('/'))
        .flat_map(|w| w.split(|c: char| !c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .collect()
}

/// Asserts every text is in the language it should be: `lang`, or `other` for the texts
/// received while the customer had switched (`switched` says which those are).
pub(crate) fn assert_all_in(texts: &[String], t: &Tongue, switched: impl Fn(&str) -> bool) {
    assert!(texts.len() >= 8, "too few texts to judge: {texts:#?}");
    for text in texts {
        let lang = if switched(text) { t.other } else { t.lang };
        assert!(
            is_in(lang, text),
            "not {lang} (English words {:?}): {text}",
            english_words(text)
        );
    }
}

#[test]
fn the_language_check_tells_the_languages_apart() {
    assert!(is_in(Lang::Zh, "已为您创建工单 #1。"));
    assert!(!is_in(Lang::Zh, "Sorry, 工单 #1 is closed"));
    assert!(is_in(
        Lang::Hu,
        "Köszönjük az értékelést (4/5)! A /help segít."
    ));
    assert!(!is_in(Lang::Hu, "Köszönjük! You already rated ticket #1."));
    assert!(!is_in(Lang::Hu, "All right."));
    assert_eq!(
        english_words("📎 a.png (a file sent on telegram)"),
        ["file", "sent"]
    );
}
