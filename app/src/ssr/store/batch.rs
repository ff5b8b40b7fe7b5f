//! Changes to many requests in one transaction, each with its history lines: the queue's batch
//! actions and macros.

use super::queue::RESPONDED;
use super::{q, AttachTo, BeginWrite, Db, Result, StoreError};
use crate::domain::request::RequestState;

/// One request's change in a batch; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub id: i64,
    /// The state it must be in, and the one it moves to.
    pub state: Option<(RequestState, RequestState)>,
    /// The assignee it must have, and the new one.
    pub assignee: Option<(Option<i64>, Option<i64>)>,
    pub labels: Vec<String>,
    /// A reply (false) or internal note (true).
    pub comment: Option<(String, bool)>,
    /// Files the actor uploaded ahead of the comment, attached to it (and internal with it).
    pub attachments: Vec<String>,
}

impl Db {
    /// Changes to some number of requests in one transaction, each with its history lines; if
    /// any request is no longer as expected, nothing is changed ([`StoreError::Stale`]).
    pub async fn apply_changes(&self, actor: i64, changes: &[Change]) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            // Roll back at once on any refusal: an SQLite write lock must not wait in the pool
            // for the connection's next use.
            let outcome: Result<()> = async {
            for c in changes {
                let (requester,): (i64,) = q(sqlx::query_as("SELECT requester_id FROM requests WHERE id = $1")
                    .bind(c.id).fetch_optional(&mut *tx).await)?.ok_or(StoreError::NotFound)?;
                if let Some((text, internal)) = &c.comment {
                    let (comment_id,): (i64,) = q(sqlx::query_as(
                        "INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                        .bind(c.id).bind(actor).bind(text).bind(*internal).bind(now).fetch_one(&mut *tx).await)?;
                    attach_pending!(tx, &c.attachments, actor, AttachTo::Request {
                        request_id: c.id,
                        comment_id: Some(comment_id),
                        internal: *internal,
                    });
                    q(sqlx::query(
                        "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, $4, NULL, NULL)")
                        .bind(c.id).bind(actor).bind(now).bind(if *internal { "internal-note" } else { "reply" })
                        .execute(&mut *tx).await)?;
                    if !*internal && actor != requester {
                        q(sqlx::query(RESPONDED).bind(now).bind(c.id).bind(actor).execute(&mut *tx).await)?;
                    }
                }
                if let Some((from, to)) = c.state {
                    let done = q(sqlx::query(
                        "UPDATE requests SET state = $1 WHERE id = $2 AND state = $3")
                        .bind(to.as_str()).bind(c.id).bind(from.as_str()).execute(&mut *tx).await)?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Stale);
                    }
                    if from != to {
                        q(sqlx::query(
                            "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', $4, $5)")
                            .bind(c.id).bind(actor).bind(now).bind(from.as_str()).bind(to.as_str())
                            .execute(&mut *tx).await)?;
                        if actor != requester {
                            q(sqlx::query(RESPONDED).bind(now).bind(c.id).bind(actor).execute(&mut *tx).await)?;
                        }
                    }
                }
                if let Some((before, after)) = c.assignee {
                    let done = q(sqlx::query(
                        "UPDATE requests SET assignee_id = $1 WHERE id = $2 AND assignee_id IS NOT DISTINCT FROM $3")
                        .bind(after).bind(c.id).bind(before).execute(&mut *tx).await)?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Stale);
                    }
                    if before != after {
                        q(sqlx::query(
                            "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                             VALUES ($1, $2, $3, 'assignee', \
                               (SELECT name FROM users WHERE id = $4), (SELECT name FROM users WHERE id = $5))")
                            .bind(c.id).bind(actor).bind(now).bind(before).bind(after)
                            .execute(&mut *tx).await)?;
                    }
                }
                for label in &c.labels {
                    let added = q(sqlx::query("INSERT INTO request_labels (request_id, label) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(c.id).bind(label).execute(&mut *tx).await)?;
                    if added.rows_affected() == 1 {
                        q(sqlx::query(
                            "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'label', NULL, $4)")
                            .bind(c.id).bind(actor).bind(now).bind(label).execute(&mut *tx).await)?;
                    }
                }
                q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                    .bind(now).bind(c.id).execute(&mut *tx).await)?;
                settle_clocks!(tx, c.id, now);
            }
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
}
