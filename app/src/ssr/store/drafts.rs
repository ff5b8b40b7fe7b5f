//! Forms refused while posted without JavaScript, kept for the page they go back to.

use super::{q, Db, Result};

impl Db {
    /// Keeps a refused form's fields (JSON) under the hash of its id; drafts made before
    /// `older_than` go on the way.
    pub async fn save_form_draft(
        &self,
        id_hash: &str,
        user_id: Option<i64>,
        action: &str,
        fields_json: &str,
        older_than: i64,
    ) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            q(sqlx::query("DELETE FROM form_drafts WHERE created_at < $1")
                .bind(older_than).execute(p).await)?;
            q(sqlx::query(
                "INSERT INTO form_drafts (id_hash, user_id, action, fields, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id_hash).bind(user_id).bind(action).bind(fields_json).bind(now)
                .execute(p).await)?;
            Ok(())
        })
    }

    /// The action and fields (JSON) of a draft made since `since` by `user_id` (a visitor's
    /// only for a visitor).
    pub async fn form_draft(
        &self,
        id_hash: &str,
        user_id: Option<i64>,
        since: i64,
    ) -> Result<Option<(String, String)>> {
        on_pool!(self, p => {
            q(sqlx::query_as(
                "SELECT action, fields FROM form_drafts \
                 WHERE id_hash = $1 AND created_at >= $2 AND user_id IS NOT DISTINCT FROM $3")
                .bind(id_hash).bind(since).bind(user_id)
                .fetch_optional(p).await)
        })
    }
}
