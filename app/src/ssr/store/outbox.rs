//! The outbox: every side effect waits here, written in the transaction of the change that
//! caused it, until a worker leases it, does it and marks it done.
//!
//! An entry is leased by one worker at a time (`FOR UPDATE SKIP LOCKED` on Postgres; on SQLite
//! the single writer makes the same `UPDATE … RETURNING` atomic). A lease runs out: what a dead
//! worker held goes to another. An action inside the database is done in the transaction that
//! marks its entry done ([`CLAIM`], only while the worker still holds the lease), so it happens
//! once; e-mail and webhooks leave the machine and are delivered at least once, their outbox id
//! the receiver's idempotency key. A failure comes back after a backoff; after
//! [`rule::MAX_ATTEMPTS`] it is a dead letter until an admin retries it.

use super::{q, BeginWrite, Db, Result, StoreError};
use crate::domain::rule;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub topic: String,
    pub request_id: Option<i64>,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub due_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// An outbox count by topic and state, for the admin page and `/metrics`.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxCount {
    pub topic: String,
    pub state: String,
    pub n: i64,
}

const OUTBOX_COLUMNS: &str =
    "id, topic, request_id, payload, state, attempts, due_at, last_error, created_at";

impl Db {
    // ----- the outbox -----------------------------------------------------------------------

    /// Adds an entry unless one with the same `dedupe` key exists; true when added.
    pub async fn enqueue(
        &self,
        topic: &str,
        request_id: Option<i64>,
        payload: &str,
        dedupe: Option<&str>,
    ) -> Result<bool> {
        let now = self.now();
        let done = on_pool!(self, p => q(sqlx::query(
            "INSERT INTO outbox (topic, request_id, dedupe, payload, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT DO NOTHING")
            .bind(topic).bind(request_id).bind(dedupe).bind(payload).bind(now).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    /// Adds a scheduled job's action `(job, subject, occasion)` once: not when it is in the outbox
    /// already, nor when an earlier version of the scheduler marked it done (`job_marks`).
    pub async fn enqueue_job(
        &self,
        job: &str,
        request_id: i64,
        occasion: &str,
        payload: &str,
    ) -> Result<bool> {
        let now = self.now();
        let dedupe = format!("job:{job}:{request_id}:{occasion}");
        let done = on_pool!(self, p => q(sqlx::query(
            "INSERT INTO outbox (topic, request_id, dedupe, payload, due_at, created_at) \
             SELECT 'job', $1, $2, $3, $4, $4 WHERE NOT EXISTS \
               (SELECT 1 FROM job_marks WHERE job = $5 AND subject = $1 AND occasion = $6) \
             ON CONFLICT DO NOTHING")
            .bind(request_id).bind(&dedupe).bind(payload).bind(now).bind(job).bind(occasion)
            .execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    /// Does job entry `entry`'s reply on its request as `actor`, in one transaction with marking
    /// it done; false when the lease was lost (nothing is written).
    pub async fn run_job_comment(
        &self,
        entry: &OutboxRow,
        owner: &str,
        actor: i64,
        body: &str,
    ) -> Result<bool> {
        let now = self.now();
        let Some(request) = entry.request_id else {
            return Ok(false);
        };
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let claimed = q(sqlx::query(CLAIM).bind(now).bind(entry.id).bind(owner).execute(&mut *tx).await)?;
            if claimed.rows_affected() != 1 {
                let _ = tx.rollback().await;
                return Ok(false);
            }
            q(sqlx::query("INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES ($1, $2, $3, FALSE, $4)")
                .bind(request).bind(actor).bind(body).bind(now).execute(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'reply', NULL, NULL)")
                .bind(request).bind(actor).bind(now).execute(&mut *tx).await)?;
            q(sqlx::query(super::queue::RESPONDED).bind(now).bind(request).bind(actor).execute(&mut *tx).await)?;
            q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2").bind(now).bind(request).execute(&mut *tx).await)?;
            settle_clocks!(tx, request, now);
            q(tx.commit().await)?;
            Ok(true)
        })
    }

    /// Leases up to `limit` due entries to `owner` for `lease_ms`: entries that are pending and
    /// not leased, or whose lease ran out (their worker died or stalled). Each lease counts as an
    /// attempt.
    pub async fn lease(&self, owner: &str, lease_ms: i64, limit: i64) -> Result<Vec<OutboxRow>> {
        self.lease_topic(owner, None, lease_ms, limit).await
    }

    /// [`Db::lease`], of one topic only when `topic` is given.
    pub async fn lease_topic(
        &self,
        owner: &str,
        topic: Option<&str>,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let now = self.now();
        let pick = if self.is_postgres() {
            "SELECT id FROM outbox WHERE state = 'pending' AND due_at <= $3 AND (leased_until IS NULL OR leased_until < $3) \
             AND ($5::text IS NULL OR topic = $5) ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED"
        } else {
            "SELECT id FROM outbox WHERE state = 'pending' AND due_at <= $3 AND (leased_until IS NULL OR leased_until < $3) \
             AND ($5 IS NULL OR topic = $5) ORDER BY due_at, id LIMIT $4"
        };
        let sql = format!(
            "UPDATE outbox SET lease_owner = $1, leased_until = $2, attempts = attempts + 1 WHERE id IN ({pick}) \
             RETURNING {OUTBOX_COLUMNS}"
        );
        let mut rows: Vec<OutboxRow> = on_pool!(self, p => q(sqlx::query_as(&sql)
            .bind(owner).bind(now + lease_ms).bind(now).bind(limit).bind(topic).fetch_all(p).await))?;
        rows.sort_by_key(|r| (r.due_at, r.id));
        Ok(rows)
    }

    /// Extends `owner`'s lease on entry `id` by `lease_ms` from now; false when it is no longer
    /// theirs (it ran out and another worker took it, or it is done).
    pub async fn renew(&self, id: i64, owner: &str, lease_ms: i64) -> Result<bool> {
        let now = self.now();
        let done = on_pool!(self, p => q(sqlx::query(
            "UPDATE outbox SET leased_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'pending'")
            .bind(now + lease_ms).bind(id).bind(owner).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    /// Marks a delivered entry done, if `owner` still holds it; true when it did.
    pub async fn finish(&self, id: i64, owner: &str) -> Result<bool> {
        let now = self.now();
        let done = on_pool!(self, p => q(sqlx::query(
            "UPDATE outbox SET state = 'done', done_at = $1, lease_owner = NULL, leased_until = NULL, last_error = NULL \
             WHERE id = $2 AND lease_owner = $3 AND state = 'pending'")
            .bind(now).bind(id).bind(owner).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    /// Records a failed attempt: the entry comes back after a backoff, or, after
    /// [`rule::MAX_ATTEMPTS`], goes to the dead letters.
    pub async fn fail(&self, entry: &OutboxRow, owner: &str, error: &str) -> Result<()> {
        let now = self.now();
        let dead = entry.attempts >= rule::MAX_ATTEMPTS;
        let error: String = error.chars().take(500).collect();
        on_pool!(self, p => q(sqlx::query(
            "UPDATE outbox SET state = $1, due_at = $2, last_error = $3, lease_owner = NULL, leased_until = NULL \
             WHERE id = $4 AND lease_owner = $5 AND state = 'pending'")
            .bind(if dead { "dead" } else { "pending" })
            .bind(now + rule::backoff_ms(entry.attempts - 1, entry.id))
            .bind(error).bind(entry.id).bind(owner).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(())
    }

    /// The dead letters, newest first.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT $1"))
            .bind(limit).fetch_all(p).await))
    }

    /// Puts a dead letter back in line with fresh attempts; true when there was one.
    pub async fn retry_dead(&self, id: i64) -> Result<bool> {
        let now = self.now();
        let done = on_pool!(self, p => q(sqlx::query(
            "UPDATE outbox SET state = 'pending', attempts = 0, due_at = $1, leased_until = NULL, lease_owner = NULL \
             WHERE id = $2 AND state = 'dead'")
            .bind(now).bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn outbox_counts(&self) -> Result<Vec<OutboxCount>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT topic, state, COUNT(*) AS n FROM outbox GROUP BY topic, state ORDER BY topic, state")
            .fetch_all(p).await))
    }

    /// Forgets delivered entries older than `before`.
    pub async fn prune_outbox(&self, before: i64) -> Result<u64> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM outbox WHERE state = 'done' AND done_at < $1")
            .bind(before).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done)
    }

    /// The newest outbox entry's id (0 when empty).
    pub async fn last_outbox_id(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, p => q(sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM outbox").fetch_one(p).await))?;
        Ok(n)
    }

    /// Marks the pending events after entry `after` done without running them: for demo data,
    /// whose history is a story told at once, not changes made now.
    pub async fn settle_events_after(&self, after: i64) -> Result<u64> {
        let now = self.now();
        let done = on_pool!(self, p => q(sqlx::query(
            "UPDATE outbox SET state = 'done', done_at = $1 WHERE state = 'pending' AND topic = 'event' AND id > $2")
            .bind(now).bind(after).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done)
    }

    /// Raises the service-level events that are due: one per request and deadline (the dedupe
    /// key holds the deadline, so a new deadline can warn again). Answers how many were raised.
    pub async fn raise_sla_events(&self) -> Result<u64> {
        let now = self.now();
        let mut raised = 0;
        for (field, column) in [("sla-at-risk", "risk_at"), ("sla-breached", "due_at")] {
            let sql = format!(
                "INSERT INTO outbox (topic, request_id, dedupe, payload, due_at, created_at) \
                 SELECT 'event', id, '{field}:' || id || ':' || {column}, '{{\"field\":\"{field}\"}}', $1, $1 FROM requests \
                 WHERE {column} IS NOT NULL AND {column} <= $1 AND state NOT IN ('resolved', 'closed', 'denied', 'cancelled') \
                 ON CONFLICT DO NOTHING"
            );
            let done = on_pool!(self, p => q(sqlx::query(&sql).bind(now).execute(p).await).map(|d| d.rows_affected()))?;
            raised += done;
        }
        Ok(raised)
    }

    /// Raises this hour's `schedule` event for every open request, when an enabled rule runs on
    /// the schedule.
    pub async fn raise_schedule_events(&self) -> Result<u64> {
        let now = self.now();
        let (n,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "SELECT COUNT(*) FROM rules WHERE enabled = TRUE AND trigger = 'schedule'").fetch_one(p).await))?;
        if n == 0 {
            return Ok(0);
        }
        let hour = now / 3_600_000;
        let done = on_pool!(self, p => q(sqlx::query(
            "INSERT INTO outbox (topic, request_id, dedupe, payload, due_at, created_at) \
             SELECT 'event', id, 'schedule:' || id || ':' || $2, '{\"field\":\"schedule\"}', $1, $1 FROM requests \
             WHERE state NOT IN ('resolved', 'closed', 'denied', 'cancelled') ON CONFLICT DO NOTHING")
            .bind(now).bind(hour).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done)
    }

    /// The reply-address secret all instances share, made on first use (read first: every
    /// e-mail sent and every reply received asks for it).
    pub async fn mail_secret(&self) -> Result<String> {
        const READ: &str = "SELECT value FROM settings WHERE key = 'mail-secret'";
        let kept: Option<(String,)> =
            on_pool!(self, p => q(sqlx::query_as(READ).fetch_optional(p).await))?;
        if let Some((v,)) = kept {
            return Ok(v);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| StoreError::Stale)?;
        let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        on_pool!(self, p => {
            // Another instance may have made one meanwhile: its secret is kept, not this one.
            q(sqlx::query("INSERT INTO settings (key, value) VALUES ('mail-secret', $1) ON CONFLICT DO NOTHING")
                .bind(&fresh).execute(p).await)?;
            let (v,): (String,) = q(sqlx::query_as(READ).fetch_one(p).await)?;
            Ok(v)
        })
    }
}

/// Marks entry `$2` done for its holder `$3` at `$1`; no row when the lease was lost.
pub(crate) const CLAIM: &str = "UPDATE outbox SET state = 'done', done_at = $1, lease_owner = NULL, leased_until = NULL, last_error = NULL \
     WHERE id = $2 AND lease_owner = $3 AND state = 'pending'";
