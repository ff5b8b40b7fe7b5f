//! After the work: the requester's rating of the help, and the colleagues copied on a request
//! (participants, CC), who see it and its public replies as its requester does.

use super::{q, BeginWrite, Db, Result, StoreError};
use sqlx::FromRow;

/// A rated request, newest rating first: what the queue and reports show.
#[derive(Debug, Clone, FromRow)]
pub struct RatedRow {
    pub id: i64,
    pub title: String,
    pub requester_name: String,
    pub assignee_name: Option<String>,
    pub rating: String,
    pub rating_comment: Option<String>,
    pub rated_at: i64,
}

/// A colleague copied on a request.
#[derive(Debug, Clone, FromRow)]
pub struct ParticipantRow {
    pub id: i64,
    pub handle: String,
    pub name: String,
    pub manager_id: Option<i64>,
    pub added_by: i64,
}

/// At most this many colleagues on one request.
pub const PARTICIPANTS_MAX: i64 = 20;

impl Db {
    /// The requester's rating of a resolved or closed request; a second rating replaces the
    /// first. Refused ([`StoreError::Stale`]) unless `rater` asked for it and it is finished.
    pub async fn rate_request(
        &self,
        id: i64,
        rater: i64,
        rating: &str,
        comment: &str,
    ) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query(
                "UPDATE requests SET rating = $1, rating_comment = $2, rated_at = $3 \
                 WHERE id = $4 AND requester_id = $5 AND state IN ('resolved', 'closed')")
                .bind(rating).bind(comment).bind(now).bind(id).bind(rater)
                .execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'rating', NULL, $4)")
                .bind(id).bind(rater).bind(now).bind(rating).execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(())
        })
    }

    /// The latest ratings, newest first.
    pub async fn latest_ratings(&self, limit: i64) -> Result<Vec<RatedRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT r.id, r.title, rq.name AS requester_name, a.name AS assignee_name, r.rating, \
             r.rating_comment, r.rated_at FROM requests r JOIN users rq ON rq.id = r.requester_id \
             LEFT JOIN users a ON a.id = r.assignee_id \
             WHERE r.rated_at IS NOT NULL ORDER BY r.rated_at DESC, r.id DESC LIMIT $1")
            .bind(limit).fetch_all(p).await))
    }

    /// A request's participants, in the order they were added.
    pub async fn participants(&self, request_id: i64) -> Result<Vec<ParticipantRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT u.id, u.handle, u.name, u.manager_id, rp.added_by FROM request_participants rp \
             JOIN users u ON u.id = rp.user_id WHERE rp.request_id = $1 ORDER BY rp.added_at, u.id")
            .bind(request_id).fetch_all(p).await))
    }

    /// Copies `user` on a request, with a history line. Refused with [`StoreError::Stale`] when
    /// they already are, or the request already has [`PARTICIPANTS_MAX`].
    pub async fn add_participant(&self, request_id: i64, user: i64, actor: i64) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (n, already): (i64, bool) = q(sqlx::query_as(
                "SELECT COUNT(*), COALESCE(MAX(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) = 1 \
                 FROM request_participants WHERE request_id = $1")
                .bind(request_id).bind(user).fetch_one(&mut *tx).await)?;
            if already || n >= PARTICIPANTS_MAX {
                return Err(StoreError::Stale);
            }
            q(sqlx::query(
                "INSERT INTO request_participants (request_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
                .bind(request_id).bind(user).bind(actor).bind(now).execute(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'participant', NULL, (SELECT name FROM users WHERE id = $4))")
                .bind(request_id).bind(actor).bind(now).bind(user).execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(())
        })
    }

    /// Takes `user` off a request's participants, with a history line; [`StoreError::Stale`]
    /// when they were not on it.
    pub async fn remove_participant(&self, request_id: i64, user: i64, actor: i64) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query(
                "DELETE FROM request_participants WHERE request_id = $1 AND user_id = $2")
                .bind(request_id).bind(user).execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'participant', (SELECT name FROM users WHERE id = $4), NULL)")
                .bind(request_id).bind(actor).bind(now).bind(user).execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(())
        })
    }
}
