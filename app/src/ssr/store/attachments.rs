//! Files: uploaded ahead of their form (pending), then attached to a request, a reply or note, or
//! a guide in the same transaction as what they belong to. Lists never read the bytes.

use super::{q, BeginWrite, Db, Result};

/// A file's facts without its bytes.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct AttachmentRow {
    pub id: String,
    pub uploader_id: i64,
    pub request_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub guide_id: Option<i64>,
    pub internal: bool,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, uploader_id, request_id, comment_id, guide_id, internal, file_name, \
    content_type, size, created_at";

/// A file about to be kept.
pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub uploader_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
}

/// Where pending files go.
#[derive(Clone, Copy, Debug)]
pub enum AttachTo {
    /// The request itself (its description), or one reply or note on it.
    Request {
        request_id: i64,
        comment_id: Option<i64>,
        internal: bool,
    },
    Guide {
        guide_id: i64,
    },
}

/// Attaches pending files of `$uploader` inside transaction `$tx`; a file that is not pending or
/// not theirs makes the whole transaction fail as stale, so nothing is half attached.
macro_rules! attach_pending {
    ($tx:ident, $ids:expr, $uploader:expr, $to:expr) => {{
        let (request_id, comment_id, guide_id, internal) = match $to {
            $crate::ssr::store::AttachTo::Request {
                request_id,
                comment_id,
                internal,
            } => (Some(request_id), comment_id, None::<i64>, internal),
            $crate::ssr::store::AttachTo::Guide { guide_id } => {
                (None::<i64>, None::<i64>, Some(guide_id), false)
            }
        };
        for id in $ids {
            let done = q(sqlx::query(
                "UPDATE attachments SET request_id = $1, comment_id = $2, guide_id = $3, internal = $4 \
                 WHERE id = $5 AND uploader_id = $6 AND request_id IS NULL AND guide_id IS NULL",
            )
            .bind(request_id)
            .bind(comment_id)
            .bind(guide_id)
            .bind(internal)
            .bind(id.as_str())
            .bind($uploader)
            .execute(&mut *$tx)
            .await)?;
            if done.rows_affected() != 1 {
                return Err($crate::ssr::store::StoreError::Stale);
            }
        }
    }};
}

impl Db {
    /// Keeps an upload that no form has carried yet; uploads older than `older_than` that no
    /// form took go on the way.
    pub async fn save_pending_attachment(
        &self,
        a: &NewAttachment<'_>,
        older_than: i64,
    ) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            q(sqlx::query(
                "DELETE FROM attachments WHERE request_id IS NULL AND guide_id IS NULL AND created_at < $1")
                .bind(older_than).execute(p).await)?;
            q(sqlx::query(
                "INSERT INTO attachments (id, uploader_id, file_name, content_type, size, sha256, data, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(a.id).bind(a.uploader_id).bind(a.file_name).bind(a.content_type)
                .bind(a.data.len() as i64).bind(a.sha256).bind(a.data).bind(now)
                .execute(p).await)?;
            Ok(())
        })
    }

    /// The uploads `uploader_id` made that no form has carried yet, among `ids`.
    pub async fn pending_attachments(
        &self,
        uploader_id: i64,
        ids: &[String],
    ) -> Result<Vec<AttachmentRow>> {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<AttachmentRow> = on_pool!(self, p => q(sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM attachments \
                 WHERE id = $1 AND uploader_id = $2 AND request_id IS NULL AND guide_id IS NULL"))
                .bind(id).bind(uploader_id).fetch_optional(p).await))?;
            rows.extend(row);
        }
        Ok(rows)
    }

    /// Attaches pending uploads to a guide (the request side does it inside its own writes).
    pub async fn attach_to_guide(
        &self,
        uploader_id: i64,
        ids: &[String],
        guide_id: i64,
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let outcome: Result<()> = async {
                attach_pending!(tx, ids, uploader_id, AttachTo::Guide { guide_id });
                Ok(())
            }.await;
            match outcome {
                Ok(()) => q(tx.commit().await),
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            }
        })
    }

    /// One file's facts, whatever it is attached to.
    pub async fn attachment(&self, id: &str) -> Result<Option<AttachmentRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("SELECT {COLUMNS} FROM attachments WHERE id = $1"))
            .bind(id).fetch_optional(p).await))
    }

    /// One file's bytes.
    pub async fn attachment_data(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT data FROM attachments WHERE id = $1")
            .bind(id).fetch_optional(p).await))?;
        Ok(row.map(|(d,)| d))
    }

    /// The files of a request, its replies and (when asked for) its internal notes, oldest first.
    pub async fn request_attachments(
        &self,
        request_id: i64,
        include_internal: bool,
    ) -> Result<Vec<AttachmentRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE request_id = $1 AND (internal = FALSE OR $2) \
             ORDER BY seq"))
            .bind(request_id).bind(include_internal).fetch_all(p).await))
    }

    /// The files of a guide, newest first.
    pub async fn guide_attachments(&self, guide_id: i64) -> Result<Vec<AttachmentRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE guide_id = $1 ORDER BY seq DESC"))
            .bind(guide_id).fetch_all(p).await))
    }

    /// Whether a guide is public (`Some(true)`), internal, or gone (`None`).
    pub async fn guide_visibility(&self, guide_id: i64) -> Result<Option<bool>> {
        let row: Option<(String,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT visibility FROM guides WHERE id = $1")
            .bind(guide_id).fetch_optional(p).await))?;
        Ok(row.map(|(v,)| v == "public"))
    }
}
