//! Records kept beside the requests: reports from the sign-in-free lockout form, the systems a
//! sponsor lets their contractor ask for, the marks that make date-driven jobs run once, and role
//! templates; and the upkeep of the store itself (clocks made before clocks existed, closing what
//! was resolved long ago, the planner's statistics).

use super::queue::OPEN;
use super::{q, BeginWrite, Db, Pool, Result};
use sqlx::FromRow;

/// A report from the sign-in-free lockout form, as typed.
#[derive(Debug, Clone)]
pub struct LockoutReport<'a> {
    pub email: &'a str,
    pub ip: &'a str,
    pub system: &'a str,
    pub what: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct LockoutReportRow {
    pub id: i64,
    pub email: String,
    pub system: String,
    pub what: String,
}

impl Db {
    // ----- the sign-in-free lockout form -----------------------------------------------------

    /// Records a report unless this address or this network address already made `max` reports
    /// since `since`, in one transaction; true when it was taken. Reports are counted whether or
    /// not the address has an account, so the limit reveals nothing.
    pub async fn record_lockout_report(
        &self,
        r: &LockoutReport<'_>,
        since: i64,
        max_per_email: i64,
        max_per_ip: i64,
    ) -> Result<bool> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query("DELETE FROM lockout_reports WHERE at < $1 AND processed_at IS NOT NULL")
                .bind(since).execute(&mut *tx).await)?;
            let (by_email,): (i64,) = q(sqlx::query_as("SELECT COUNT(*) FROM lockout_reports WHERE email = $1 AND at >= $2")
                .bind(r.email).bind(since).fetch_one(&mut *tx).await)?;
            let (by_ip,): (i64,) = q(sqlx::query_as("SELECT COUNT(*) FROM lockout_reports WHERE ip = $1 AND at >= $2")
                .bind(r.ip).bind(since).fetch_one(&mut *tx).await)?;
            let taken = by_email < max_per_email && by_ip < max_per_ip;
            // A refused report still counts against the limits, but is never worked.
            q(sqlx::query(
                "INSERT INTO lockout_reports (email, ip, at, system, what, processed_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(r.email).bind(r.ip).bind(now)
                .bind(taken.then_some(r.system)).bind(taken.then_some(r.what))
                .bind((!taken).then_some(now))
                .execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(taken)
        })
    }

    /// Reports not yet turned into requests, oldest first.
    pub async fn waiting_lockout_reports(&self, limit: i64) -> Result<Vec<LockoutReportRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, email, COALESCE(system, '') AS system, COALESCE(what, '') AS what \
             FROM lockout_reports WHERE processed_at IS NULL ORDER BY id LIMIT $1")
            .bind(limit).fetch_all(p).await))
    }

    /// Marks a report done without a request (no account has its address) and forgets its text.
    pub async fn discard_lockout_report(&self, id: i64) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "UPDATE lockout_reports SET processed_at = $1, system = NULL, what = NULL WHERE id = $2 AND processed_at IS NULL")
            .bind(self.now()).bind(id).execute(p).await.map(|_| ())))
    }

    // ----- what contractors may ask for ------------------------------------------------------

    /// The systems a contractor's sponsor allows them to ask for: id and title.
    pub async fn contractor_systems(&self, contractor: i64) -> Result<Vec<(i64, String)>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id, s.title FROM contractor_systems c JOIN systems s ON s.id = c.system_id \
             WHERE c.contractor_id = $1 ORDER BY s.title_key")
            .bind(contractor).fetch_all(p).await))
    }

    /// Allows a system; true when it was not allowed before.
    pub async fn allow_contractor_system(
        &self,
        contractor: i64,
        system: i64,
        by: i64,
    ) -> Result<bool> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO contractor_systems (contractor_id, system_id, added_by, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING")
            .bind(contractor).bind(system).bind(by).bind(self.now()).execute(p).await
            .map(|r| r.rows_affected() == 1)))
    }

    /// Takes a system off the list; true when it was on it.
    pub async fn disallow_contractor_system(&self, contractor: i64, system: i64) -> Result<bool> {
        on_pool!(self, p => q(sqlx::query(
            "DELETE FROM contractor_systems WHERE contractor_id = $1 AND system_id = $2")
            .bind(contractor).bind(system).execute(p).await.map(|r| r.rows_affected() == 1)))
    }

    // ----- background jobs -------------------------------------------------------------------

    /// The account jobs act as (made by migration 0006).
    pub async fn jobs_user(&self) -> Result<i64> {
        let (id,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "SELECT id FROM users WHERE handle = 'tierdesk' AND email = 'jobs@tierdesk.invalid'").fetch_one(p).await))?;
        Ok(id)
    }

    /// Closes open access requests untouched since `cutoff`, unless labelled `access-review`.
    /// Each close is conditional on the request still being idle, so two runs close it once.
    pub async fn close_idle_access_requests(&self, cutoff: i64, actor: i64) -> Result<Vec<i64>> {
        let now = self.now();
        let open = [
            "new",
            "triaged",
            "awaiting-approval",
            "in-progress",
            "waiting-on-requester",
        ];
        on_pool!(self, p => {
            let idle: Vec<(i64, String)> = q(sqlx::query_as(
                "SELECT id, state FROM requests WHERE kind = 'access' AND updated_at < $1 \
                 AND state IN ($2, $3, $4, $5, $6) \
                 AND NOT EXISTS (SELECT 1 FROM request_labels l WHERE l.request_id = requests.id AND l.label = 'access-review') \
                 ORDER BY id")
                .bind(cutoff).bind(open[0]).bind(open[1]).bind(open[2]).bind(open[3]).bind(open[4])
                .fetch_all(p).await)?;
            let mut closed = Vec::new();
            for (id, state) in idle {
                let mut tx = q(p.begin_write().await)?;
                let done = q(sqlx::query("UPDATE requests SET state = 'closed', updated_at = $1 WHERE id = $2 AND state = $3 AND updated_at < $4")
                    .bind(now).bind(id).bind(&state).bind(cutoff).execute(&mut *tx).await)?;
                if done.rows_affected() == 1 {
                    q(sqlx::query("UPDATE approvals SET state = 'skipped' WHERE request_id = $1 AND state = 'pending'")
                        .bind(id).execute(&mut *tx).await)?;
                    q(sqlx::query(
                        "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'idle-close', $4, 'closed')")
                        .bind(id).bind(actor).bind(now).bind(&state).execute(&mut *tx).await)?;
                    settle_clocks!(tx, id, now);
                    closed.push(id);
                }
                q(tx.commit().await)?;
            }
            Ok(closed)
        })
    }

    /// Requests of these kinds that are not denied or cancelled, for date-driven jobs.
    pub async fn live_requests_of_kinds(&self, kinds: &[&str]) -> Result<Vec<super::RequestRow>> {
        let list = kinds
            .iter()
            .map(|k| format!("'{}'", k.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ");
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{} WHERE r.kind IN ({list}) AND r.state NOT IN ('denied', 'cancelled') ORDER BY r.id", super::requests::REQUEST_SELECT))
            .fetch_all(p).await))
    }

    // ----- role templates --------------------------------------------------------------------

    /// Creates or replaces the template for a department's job role, in one transaction.
    pub async fn save_role_template(
        &self,
        department: &str,
        job_role: &str,
        key: &str,
        systems: &[(i64, String)],
    ) -> Result<i64> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO role_templates (department, job_role, key, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET department = excluded.department, job_role = excluded.job_role, updated_at = excluded.updated_at \
                 RETURNING id")
                .bind(department).bind(job_role).bind(key).bind(now).fetch_one(&mut *tx).await)?;
            q(sqlx::query("DELETE FROM role_template_systems WHERE template_id = $1").bind(id).execute(&mut *tx).await)?;
            for (system, role) in systems {
                q(sqlx::query("INSERT INTO role_template_systems (template_id, system_id, role) VALUES ($1, $2, $3)")
                    .bind(id).bind(system).bind(role).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(id)
        })
    }

    pub async fn delete_role_template(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, p => q(sqlx::query("DELETE FROM role_templates WHERE id = $1").bind(id).execute(p).await)
            .map(|d| d.rows_affected()))?;
        Ok(n == 1)
    }

    /// Every template with its systems: (id, department, job role, [(system id, title, role)]).
    pub async fn role_templates(&self) -> Result<Vec<RoleTemplateRow>> {
        let rows: Vec<(
            i64,
            String,
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
        )> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT t.id, t.department, t.job_role, s.id, s.title, ts.role FROM role_templates t \
             LEFT JOIN role_template_systems ts ON ts.template_id = t.id LEFT JOIN systems s ON s.id = ts.system_id \
             ORDER BY t.key, s.title_key").fetch_all(p).await))?;
        let mut out: Vec<RoleTemplateRow> = Vec::new();
        for (id, department, job_role, sid, title, role) in rows {
            if out.last().map(|t| t.id) != Some(id) {
                out.push(RoleTemplateRow {
                    id,
                    department,
                    job_role,
                    systems: Vec::new(),
                });
            }
            if let (Some(sid), Some(title), Some(role), Some(t)) =
                (sid, title, role, out.last_mut())
            {
                t.systems.push((sid, title, role));
            }
        }
        Ok(out)
    }

    /// The systems of the template with this key, or `None` when there is no such template.
    pub async fn template_systems(&self, key: &str) -> Result<Option<Vec<(i64, String, String)>>> {
        let found: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as("SELECT id FROM role_templates WHERE key = $1")
            .bind(key).fetch_optional(p).await))?;
        let Some((id,)) = found else { return Ok(None) };
        let rows: Vec<(i64, String, String)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id, s.title, ts.role FROM role_template_systems ts JOIN systems s ON s.id = ts.system_id \
             WHERE ts.template_id = $1 ORDER BY s.title_key").bind(id).fetch_all(p).await))?;
        Ok(Some(rows))
    }
}

#[derive(Debug, Clone)]
pub struct RoleTemplateRow {
    pub id: i64,
    pub department: String,
    pub job_role: String,
    /// (system id, title, role)
    pub systems: Vec<(i64, String, String)>,
}

impl Db {
    /// Settles clocks of open requests that have none yet (made before clocks existed).
    pub async fn settle_missing_clocks(&self) -> Result<u64> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let ids: Vec<(i64,)> = q(sqlx::query_as(&format!(
                "SELECT r.id FROM requests r WHERE r.resolve_due_at IS NULL AND {OPEN}"))
                .fetch_all(&mut *tx).await)?;
            for (id,) in &ids {
                settle_clocks!(tx, *id, now);
            }
            q(tx.commit().await)?;
            Ok(ids.len() as u64)
        })
    }

    /// Closes requests resolved more than `days` ago: a reply can no longer reopen them.
    pub async fn close_resolved_before(&self, before: i64, actor: i64) -> Result<u64> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let ids: Vec<(i64,)> = q(sqlx::query_as(
                "SELECT id FROM requests WHERE state = 'resolved' AND resolved_at < $1")
                .bind(before).fetch_all(&mut *tx).await)?;
            for (id,) in &ids {
                q(sqlx::query("UPDATE requests SET state = 'closed', updated_at = $1 WHERE id = $2 AND state = 'resolved'")
                    .bind(now).bind(*id).execute(&mut *tx).await)?;
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', 'resolved', 'closed')")
                    .bind(*id).bind(actor).bind(now).execute(&mut *tx).await)?;
                settle_clocks!(tx, *id, now);
            }
            q(tx.commit().await)?;
            Ok(ids.len() as u64)
        })
    }

    /// Keeps the query planner's statistics fresh. SQLite has none until asked (and without
    /// them it prefers the wrong index for the queue's counts); Postgres gathers its own, but
    /// not promptly after a bulk load.
    pub async fn optimize(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let (stats,): (i64,) = q(sqlx::query_as(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'",
                )
                .fetch_one(p)
                .await)?;
                let sql = if stats == 0 {
                    "ANALYZE"
                } else {
                    "PRAGMA optimize"
                };
                q(sqlx::query(sql).execute(p).await)?;
            }
            Pool::Postgres(p) => {
                // VACUUM also marks pages all-visible, so the queue's counts stay index-only.
                q(sqlx::query("VACUUM (ANALYZE) requests").execute(p).await)?;
                // And the rest, the people above all: with a hundred rows guessed where there
                // were thousands, every queue page joined its names in a quadratic loop.
                q(sqlx::query("ANALYZE").execute(p).await)?;
            }
        }
        Ok(())
    }
}
