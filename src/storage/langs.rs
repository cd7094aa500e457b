//! The language each person is spoken to in (`user_langs`, migration 0009).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{SqlStore, db_err};
use crate::domain::i18n::Lang;
use crate::domain::ids::UserRef;
use crate::domain::ports::{StoreError, StoredLang};

impl SqlStore {
    pub(crate) async fn lang_of(&self, user: &UserRef) -> Result<Option<StoredLang>, StoreError> {
        let row =
            sqlx::query("SELECT lang, chosen FROM user_langs WHERE platform = $1 AND user_id = $2")
                .bind(user.platform.as_str())
                .bind(&user.id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let code: String = r.try_get("lang").map_err(db_err)?;
        let chosen: i64 = r.try_get("chosen").map_err(db_err)?;
        // A code from a newer build that this one has no catalog for counts as unset.
        Ok(Lang::parse(&code).map(|lang| StoredLang {
            lang,
            chosen: chosen != 0,
        }))
    }

    pub(crate) async fn put_lang(
        &self,
        user: &UserRef,
        lang: StoredLang,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // The WHERE keeps a choice from being overwritten by a detection, in one statement,
        // so two instances racing cannot undo a /lang either.
        sqlx::query(
            "INSERT INTO user_langs (platform, user_id, lang, chosen, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (platform, user_id) DO UPDATE SET lang = excluded.lang, chosen = excluded.chosen, updated_at = excluded.updated_at \
             WHERE excluded.chosen = 1 OR user_langs.chosen = 0",
        )
        .bind(user.platform.as_str())
        .bind(&user.id)
        .bind(lang.lang.code())
        .bind(i64::from(lang.chosen))
        .bind(at.timestamp_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}
