//! Which language to answer in: a stored `/lang` choice, then the platform's locale, then the
//! script of the message (or the words of a Hungarian greeting), then what was detected
//! before, then the community's preferred locale (a Discord server's), then
//! `customers.default_lang`.
//! Staff read `staff.lang`, or their own `lang`.

use super::{Ctx, Desk, DeskError, Outcome};
use crate::domain::event::{
    Button, ButtonAction, Inbound, InboundBody, Message, Outbound, Space, Target,
};
use crate::domain::i18n::{Key, Lang};
use crate::domain::ids::UserRef;
use crate::domain::ports::StoredLang;
use crate::tr;

/// The language for a customer, from what is known, in the order of the rules.
pub(crate) fn choose(
    stored: Option<StoredLang>,
    locale: Option<&str>,
    text: Option<&str>,
    default: Lang,
) -> Lang {
    if let Some(s) = stored.filter(|s| s.chosen) {
        return s.lang;
    }
    locale
        .and_then(Lang::parse)
        .or_else(|| text.and_then(Lang::from_script))
        .or_else(|| text.and_then(crate::domain::small_talk::phrase_lang))
        .or(stored.map(|s| s.lang))
        .unwrap_or(default)
}

impl Desk {
    /// The default for a customer who tells nothing else: their community's preferred
    /// locale when there is a catalog for it, else `customers.default_lang`. It ranks below
    /// the script and an earlier detection because a Discord server says `en-US` unless its
    /// admins changed it, which says nothing about a member who writes Chinese.
    fn community_default(&self, community: Option<&str>) -> Lang {
        community
            .and_then(Lang::parse)
            .unwrap_or(self.settings.customers.default_lang)
    }

    /// The language to answer the sender of this event in. For a customer the first call
    /// reads the store, and remembers a newly detected language so that agents' replies
    /// reach them in it too; the relay of a message in an open ticket never asks.
    pub(super) async fn lang(&self, ctx: &Ctx<'_>) -> Result<Lang, DeskError> {
        if let Some(l) = ctx.lang.get() {
            return Ok(*l);
        }
        let lang = match (&ctx.staff, ctx.inb.space) {
            (Some(member), Space::Staff) => member.lang,
            (None, Space::Staff) => self.settings.staff.lang,
            (member, Space::Customer) => {
                let default = member.as_ref().map_or(
                    self.community_default(ctx.inb.community_locale.as_deref()),
                    |m| m.lang,
                );
                let stored = self.store.user_lang(&ctx.inb.from).await?;
                let lang = choose(
                    stored,
                    ctx.inb.locale.as_deref(),
                    message_text(&ctx.inb.body),
                    default,
                );
                // Written once per change, so agents' later replies find it.
                if stored.map(|s| s.lang) != Some(lang) {
                    let detected = StoredLang {
                        lang,
                        chosen: false,
                    };
                    self.store
                        .set_user_lang(&ctx.inb.from, detected, ctx.now)
                        .await?;
                }
                lang
            }
        };
        Ok(*ctx.lang.get_or_init(|| lang))
    }

    /// The language of an error reply when the flow failed before choosing one: the stored
    /// choice if the store answers, else what the event itself tells.
    pub(super) async fn error_lang(&self, inb: &Inbound) -> Lang {
        if inb.space == Space::Staff {
            return self.quick_lang(inb);
        }
        let stored = self.store.user_lang(&inb.from).await.ok().flatten();
        choose(stored, inb.locale.as_deref(), None, self.quick_lang(inb))
    }

    /// The language of a reply when the store cannot be asked.
    pub(super) fn quick_lang(&self, inb: &Inbound) -> Lang {
        match (self.settings.staff.member(&inb.from, &inb.roles), inb.space) {
            (Some(m), Space::Staff) => m.lang,
            (None, Space::Staff) => self.settings.staff.lang,
            (m, Space::Customer) => choose(
                None,
                inb.locale.as_deref(),
                None,
                m.map_or(
                    self.community_default(inb.community_locale.as_deref()),
                    |m| m.lang,
                ),
            ),
        }
    }

    /// The language an adapter words its own few texts in for a customer (a Discord private
    /// thread's name, the note pointing to it) before any event reaches the desk: the same
    /// order as for replies, without writing anything. A store that cannot answer is skipped.
    pub async fn adapter_lang(
        &self,
        user: &UserRef,
        locale: Option<&str>,
        community: Option<&str>,
        text: Option<&str>,
    ) -> Lang {
        let stored = self.store.user_lang(user).await.ok().flatten();
        let default = self
            .settings
            .staff
            .member(user, &[])
            .map_or(self.community_default(community), |m| m.lang);
        choose(stored, locale, text, default)
    }

    /// The language a ticket's customer reads, when the event came from someone else.
    pub(super) async fn customer_lang(&self, user: &UserRef) -> Result<Lang, DeskError> {
        Ok(self
            .store
            .user_lang(user)
            .await?
            .map_or(self.settings.customers.default_lang, |s| s.lang))
    }

    /// The language of the staff spaces.
    pub(super) fn staff_lang(&self) -> Lang {
        self.settings.staff.lang
    }

    /// `/lang`: alone, offers the three languages as buttons; with a code, stores the choice.
    pub(super) async fn choose_lang(&self, ctx: &Ctx<'_>, choice: Option<Lang>) -> Outcome {
        let Some(lang) = choice else {
            let lang = self.lang(ctx).await?;
            return Ok(vec![Outbound::Send {
                to: Target::Conversation(ctx.inb.conversation.clone()),
                message: Message {
                    text: tr!(lang, Key::LangUsage),
                    in_reply_to: ctx.inb.interaction.clone(),
                    buttons: lang_buttons(),
                    ..Message::default()
                },
            }]);
        };
        self.set_lang(ctx, lang).await
    }

    /// Stores `lang` as the sender's choice and confirms in it.
    pub(super) async fn set_lang(&self, ctx: &Ctx<'_>, lang: Lang) -> Outcome {
        let chosen = StoredLang { lang, chosen: true };
        self.store
            .set_user_lang(&ctx.inb.from, chosen, ctx.now)
            .await?;
        Ok(vec![ctx.reply(tr!(lang, Key::LangSet))])
    }
}

/// One button per language, each labelled in its own language.
pub(super) fn lang_buttons() -> Vec<Button> {
    Lang::ALL
        .into_iter()
        .map(|l| Button {
            label: crate::domain::replies::lang_name(l, l),
            action: ButtonAction::SetLang(l),
        })
        .collect()
}

fn message_text(body: &InboundBody) -> Option<&str> {
    match body {
        InboundBody::Text { text } => Some(text),
        InboundBody::Attachment { caption, .. } => caption.as_deref(),
        InboundBody::Edited { text, .. } => Some(text),
        InboundBody::Button { .. } | InboundBody::Unsupported { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHOSEN_HU: StoredLang = StoredLang {
        lang: Lang::Hu,
        chosen: true,
    };
    const SEEN_ZH: StoredLang = StoredLang {
        lang: Lang::Zh,
        chosen: false,
    };

    #[test]
    fn a_choice_beats_everything() {
        assert_eq!(
            choose(Some(CHOSEN_HU), Some("zh-CN"), Some("你好"), Lang::En),
            Lang::Hu
        );
    }

    #[test]
    fn then_locale_then_script_then_history_then_default() {
        assert_eq!(choose(None, Some("hu"), Some("你好"), Lang::En), Lang::Hu);
        assert_eq!(choose(None, Some("de"), Some("你好"), Lang::En), Lang::Zh);
        assert_eq!(choose(None, None, Some("你好"), Lang::En), Lang::Zh);
        assert_eq!(choose(Some(SEEN_ZH), None, Some("ok"), Lang::En), Lang::Zh);
        assert_eq!(choose(None, None, Some("hello"), Lang::Hu), Lang::Hu);
        assert_eq!(choose(None, None, None, Lang::En), Lang::En);
    }
}
