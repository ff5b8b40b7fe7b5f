//! Working a request once it is saved: approval steps and their decisions, tasks and their
//! closing with the access it records, identity checks, and what each person holds.

use super::{q, BeginWrite, Db, NewTask, Result, StoreError};
use crate::domain::request::{RequestKey, RequestState};
use crate::domain::task::TaskState;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ApprovalRow {
    pub id: i64,
    pub request_id: i64,
    pub step: String,
    pub reason: String,
    pub approver_id: Option<i64>,
    pub approver_name: Option<String>,
    pub team: Option<String>,
    pub system_id: Option<i64>,
    pub system_title: Option<String>,
    pub state: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub note: Option<String>,
    /// Whether the person asked about may decide it (owner, team member or the named person).
    pub eligible: bool,
}

#[derive(Debug, Clone, FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub request_id: i64,
    pub action: String,
    pub title: String,
    pub system_id: Option<i64>,
    pub system_slug: Option<String>,
    pub system_title: Option<String>,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub line_id: Option<i64>,
    pub role: Option<String>,
    pub team: Option<String>,
    pub due_at: Option<i64>,
    pub urgent: bool,
    pub state: TaskState,
    pub note: Option<String>,
    pub closed_by_name: Option<String>,
    pub closed_at: Option<i64>,
    /// Whether the person asked about is a provisioner (or team member) for it.
    pub eligible: bool,
}

#[derive(Debug, Clone, FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub system_id: i64,
    pub system_slug: String,
    pub system_title: String,
    pub role: String,
    pub granted_by_name: String,
    pub granted_at: i64,
    pub expires_at: Option<i64>,
    pub request_id: Option<i64>,
    pub revoked_by_name: Option<String>,
    pub revoked_at: Option<i64>,
}

/// A system a person holds, with what offboarding needs.
#[derive(Debug, Clone, FromRow)]
pub struct HeldSystem {
    pub system_id: i64,
    pub title: String,
    pub tier: Option<i32>,
    pub compliance: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct IdentityCheckRow {
    pub method: String,
    pub note: String,
    pub checked_by_name: String,
    pub at: i64,
}

/// `$U` may decide approval `a`: named, in the team, or named (or in a group named) as the
/// system's owner.
pub(super) const APPROVAL_ELIGIBLE: &str = "(a.approver_id = $U \
    OR a.team IN (SELECT tm.team FROM team_members tm WHERE tm.user_id = $U) \
    OR EXISTS (SELECT 1 FROM system_people sp WHERE sp.system_id = a.system_id \
        AND sp.role IN ('business_owner','technical_owner') \
        AND (lower(sp.handle) = (SELECT lower(handle) FROM users WHERE id = $U) \
             OR lower(sp.handle) IN (SELECT lower(tm.team) FROM team_members tm WHERE tm.user_id = $U))))";

/// `$U` provisions for task `t`: in its team, or named (or in a group named) as the system's
/// provisioner or deprovisioner.
pub(super) const TASK_ELIGIBLE: &str = "(t.team IN (SELECT tm.team FROM team_members tm WHERE tm.user_id = $U) \
    OR EXISTS (SELECT 1 FROM system_people sp WHERE sp.system_id = t.system_id \
        AND sp.role IN ('provisioner','deprovisioner') \
        AND (lower(sp.handle) = (SELECT lower(handle) FROM users WHERE id = $U) \
             OR lower(sp.handle) IN (SELECT lower(tm.team) FROM team_members tm WHERE tm.user_id = $U))))";

pub(super) fn with_user(sql: &str, placeholder: &str) -> String {
    sql.replace("$U", placeholder)
}

impl Db {
    // ----- approvals -------------------------------------------------------------------------

    fn approval_select() -> String {
        format!(
            "SELECT a.id, a.request_id, a.step, a.reason, a.approver_id, ap.name AS approver_name, a.team, \
             a.system_id, s.title AS system_title, a.state, d.name AS decided_by_name, a.decided_at, a.note, \
             COALESCE({}, FALSE) AS eligible \
             FROM approvals a LEFT JOIN users ap ON ap.id = a.approver_id LEFT JOIN systems s ON s.id = a.system_id \
             LEFT JOIN users d ON d.id = a.decided_by",
            with_user(APPROVAL_ELIGIBLE, "$1")
        )
    }

    /// A request's approval steps in order, each marked with whether `viewer` may decide it.
    pub async fn approvals(&self, key: RequestKey, viewer: i64) -> Result<Vec<ApprovalRow>> {
        let sql = format!(
            "{} WHERE a.request_id = $2 ORDER BY a.position",
            Self::approval_select()
        );
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(viewer).bind(key.number()).fetch_all(p).await))
    }

    pub async fn approval(&self, id: i64, viewer: i64) -> Result<Option<ApprovalRow>> {
        let sql = format!("{} WHERE a.id = $2", Self::approval_select());
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(viewer).bind(id).fetch_optional(p).await))
    }

    /// Pending steps `user` may decide, on requests they did not make themselves, oldest first.
    pub async fn approvals_waiting_for(&self, user: i64, limit: i64) -> Result<Vec<ApprovalRow>> {
        let sql = format!(
            "{} JOIN requests r ON r.id = a.request_id \
             WHERE a.state = 'pending' AND r.state = 'awaiting-approval' AND r.requester_id <> $1 AND {} \
             ORDER BY a.request_id, a.position LIMIT $2",
            Self::approval_select(),
            with_user(APPROVAL_ELIGIBLE, "$1")
        );
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(user).bind(limit).fetch_all(p).await))
    }

    /// Approves a pending step, first narrowing line roles as given (recorded in the history).
    /// When it was the last pending step, the tasks are created and the request moves to in
    /// progress, in the same transaction. Refuses with [`StoreError::Stale`] if the step was
    /// decided meanwhile.
    pub async fn approve(
        &self,
        key: RequestKey,
        approval_id: i64,
        actor: i64,
        note: &str,
        narrowed: &[(i64, String, String)],
        tasks_when_last: &[NewTask],
    ) -> Result<bool> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query(
                "UPDATE approvals SET state = 'approved', decided_by = $1, decided_at = $2, note = $3 \
                 WHERE id = $4 AND request_id = $5 AND state = 'pending'")
                .bind(actor).bind(now).bind(note).bind(approval_id).bind(key.number())
                .execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            for (line_id, from, to) in narrowed {
                let done = q(sqlx::query("UPDATE request_lines SET role = $1 WHERE id = $2 AND request_id = $3 AND role = $4")
                    .bind(to).bind(line_id).bind(key.number()).bind(from).execute(&mut *tx).await)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Stale);
                }
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                     VALUES ($1, $2, $3, 'role:' || (SELECT s.title FROM request_lines l JOIN systems s ON s.id = l.system_id WHERE l.id = $4), $5, $6)")
                    .bind(key.number()).bind(actor).bind(now).bind(line_id).bind(from).bind(to)
                    .execute(&mut *tx).await)?;
            }
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'approval', 'pending', (SELECT step FROM approvals WHERE id = $4) || ':approved')")
                .bind(key.number()).bind(actor).bind(now).bind(approval_id).execute(&mut *tx).await)?;
            let (pending,): (i64,) = q(sqlx::query_as(
                "SELECT COUNT(*) FROM approvals WHERE request_id = $1 AND state = 'pending'")
                .bind(key.number()).fetch_one(&mut *tx).await)?;
            let last = pending == 0;
            if last {
                let (from, to) = (RequestState::AwaitingApproval.as_str(), RequestState::InProgress.as_str());
                let done = q(sqlx::query("UPDATE requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
                    .bind(to).bind(now).bind(key.number()).bind(from).execute(&mut *tx).await)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Stale);
                }
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', $4, $5)")
                    .bind(key.number()).bind(actor).bind(now).bind(from).bind(to).execute(&mut *tx).await)?;
                for t in tasks_when_last {
                    q(sqlx::query(
                        "INSERT INTO tasks (request_id, action, title, system_id, person_id, line_id, role, team, due_at, urgent, state, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)")
                        .bind(key.number()).bind(&t.action).bind(&t.title).bind(t.system_id).bind(t.person_id)
                        .bind(t.line_id).bind(&t.role).bind(&t.team).bind(t.due_at).bind(t.urgent).bind(now)
                        .execute(&mut *tx).await)?;
                }
            } else {
                q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                    .bind(now).bind(key.number()).execute(&mut *tx).await)?;
            }
            settle_clocks!(tx, key.number(), now);
            q(tx.commit().await)?;
            Ok(last)
        })
    }

    /// Denies a pending step with its reason: the other pending steps are skipped and the request
    /// is denied, in one transaction.
    pub async fn deny(
        &self,
        key: RequestKey,
        approval_id: i64,
        actor: i64,
        reason: &str,
    ) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query(
                "UPDATE approvals SET state = 'denied', decided_by = $1, decided_at = $2, note = $3 \
                 WHERE id = $4 AND request_id = $5 AND state = 'pending'")
                .bind(actor).bind(now).bind(reason).bind(approval_id).bind(key.number())
                .execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            q(sqlx::query("UPDATE approvals SET state = 'skipped' WHERE request_id = $1 AND state = 'pending'")
                .bind(key.number()).execute(&mut *tx).await)?;
            let (from, to) = (RequestState::AwaitingApproval.as_str(), RequestState::Denied.as_str());
            let done = q(sqlx::query("UPDATE requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
                .bind(to).bind(now).bind(key.number()).bind(from).execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'approval', 'pending', (SELECT step FROM approvals WHERE id = $4) || ':denied')")
                .bind(key.number()).bind(actor).bind(now).bind(approval_id).execute(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', $4, $5)")
                .bind(key.number()).bind(actor).bind(now).bind(from).bind(to).execute(&mut *tx).await)?;
            settle_clocks!(tx, key.number(), now);
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn pending_approvals(&self, key: RequestKey) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "SELECT COUNT(*) FROM approvals WHERE request_id = $1 AND state = 'pending'")
            .bind(key.number()).fetch_one(p).await))?;
        Ok(n)
    }

    // ----- tasks -----------------------------------------------------------------------------

    fn task_select() -> String {
        format!(
            "SELECT t.id, t.request_id, t.action, t.title, t.system_id, s.slug AS system_slug, s.title AS system_title, \
             t.person_id, pu.name AS person_name, t.line_id, t.role, t.team, t.due_at, t.urgent, t.state, t.note, \
             cb.name AS closed_by_name, t.closed_at, COALESCE({}, FALSE) AS eligible \
             FROM tasks t LEFT JOIN systems s ON s.id = t.system_id LEFT JOIN users pu ON pu.id = t.person_id \
             LEFT JOIN users cb ON cb.id = t.closed_by",
            with_user(TASK_ELIGIBLE, "$1")
        )
    }

    pub async fn tasks(&self, key: RequestKey, viewer: i64) -> Result<Vec<TaskRow>> {
        let sql = format!(
            "{} WHERE t.request_id = $2 ORDER BY t.id",
            Self::task_select()
        );
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(viewer).bind(key.number()).fetch_all(p).await))
    }

    pub async fn task(&self, id: i64, viewer: i64) -> Result<Option<TaskRow>> {
        let sql = format!("{} WHERE t.id = $2", Self::task_select());
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(viewer).bind(id).fetch_optional(p).await))
    }

    /// Open tasks `user` provisions, soonest due first.
    pub async fn tasks_waiting_for(&self, user: i64, limit: i64) -> Result<Vec<TaskRow>> {
        let sql = format!(
            "{} WHERE t.state = 'open' AND {} ORDER BY t.due_at IS NULL, t.due_at, t.id LIMIT $2",
            Self::task_select(),
            with_user(TASK_ELIGIBLE, "$1")
        );
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(user).bind(limit).fetch_all(p).await))
    }

    /// Closes an open task. A grant task closed as done records granted access for each person
    /// it covers; a revoke task closed as done ends what they hold of that system. When no open
    /// task is left the request resolves. All in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn close_task(
        &self,
        key: RequestKey,
        task_id: i64,
        actor: i64,
        state: &str,
        note: &str,
        grant: Option<(&str, Option<i64>)>,
        revoke: bool,
        resolution: Option<&str>,
    ) -> Result<bool> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query(
                "UPDATE tasks SET state = $1, note = $2, closed_by = $3, closed_at = $4 \
                 WHERE id = $5 AND request_id = $6 AND state = 'open'")
                .bind(state).bind(note).bind(actor).bind(now).bind(task_id).bind(key.number())
                .execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            // The people a task covers: its own person, or all of the request's people.
            const COVERED: &str = "SELECT COALESCE(t.person_id, rp.user_id) AS pid FROM tasks t \
                LEFT JOIN request_people rp ON rp.request_id = t.request_id AND t.person_id IS NULL \
                WHERE t.id = $1 AND COALESCE(t.person_id, rp.user_id) IS NOT NULL";
            if let Some((role, expires_at)) = grant {
                q(sqlx::query(&format!(
                    "INSERT INTO grants (person_id, system_id, role, granted_by, granted_at, expires_at, request_id) \
                     SELECT x.pid, (SELECT system_id FROM tasks WHERE id = $1), $2, $3, $4, $5, $6 \
                     FROM ({COVERED}) x"))
                    .bind(task_id).bind(role).bind(actor).bind(now).bind(expires_at).bind(key.number())
                    .execute(&mut *tx).await)?;
            }
            if revoke {
                q(sqlx::query(&format!(
                    "UPDATE grants SET revoked_by = $2, revoked_at = $3, revoke_request_id = $4 \
                     WHERE revoked_at IS NULL AND system_id = (SELECT system_id FROM tasks WHERE id = $1) \
                       AND person_id IN (SELECT x.pid FROM ({COVERED}) x)"))
                    .bind(task_id).bind(actor).bind(now).bind(key.number())
                    .execute(&mut *tx).await)?;
            }
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'task', (SELECT title FROM tasks WHERE id = $4), $5)")
                .bind(key.number()).bind(actor).bind(now).bind(task_id).bind(state).execute(&mut *tx).await)?;
            // The closer's reply to the requester; with the last task, the resolution.
            if let Some(text) = resolution {
                q(sqlx::query(
                    "INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES ($1, $2, $3, FALSE, $4)")
                    .bind(key.number()).bind(actor).bind(text).bind(now).execute(&mut *tx).await)?;
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'reply', NULL, NULL)")
                    .bind(key.number()).bind(actor).bind(now).execute(&mut *tx).await)?;
                q(sqlx::query(super::queue::RESPONDED).bind(now).bind(key.number()).bind(actor).execute(&mut *tx).await)?;
            }
            let (open,): (i64,) = q(sqlx::query_as(
                "SELECT COUNT(*) FROM tasks WHERE request_id = $1 AND state = 'open'")
                .bind(key.number()).fetch_one(&mut *tx).await)?;
            let (mut current,): (String,) = q(sqlx::query_as("SELECT state FROM requests WHERE id = $1")
                .bind(key.number()).fetch_one(&mut *tx).await)?;
            // Closing the first task of a request nobody triaged yet starts its work.
            if [RequestState::New.as_str(), RequestState::Triaged.as_str()].contains(&current.as_str()) {
                let to = RequestState::InProgress.as_str();
                q(sqlx::query("UPDATE requests SET state = $1 WHERE id = $2 AND state = $3")
                    .bind(to).bind(key.number()).bind(&current).execute(&mut *tx).await)?;
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', $4, $5)")
                    .bind(key.number()).bind(actor).bind(now).bind(&current).bind(to).execute(&mut *tx).await)?;
                current = to.to_string();
            }
            let resolvable = [RequestState::InProgress.as_str(), RequestState::WaitingOnRequester.as_str()];
            // Resolving always says something to the requester: without the closer's reply the
            // request stays in progress, marked as waiting for one (`RequestRow::tasks_done`).
            let resolved = open == 0 && resolvable.contains(&current.as_str()) && resolution.is_some();
            if resolved {
                let to = RequestState::Resolved.as_str();
                q(sqlx::query("UPDATE requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
                    .bind(to).bind(now).bind(key.number()).bind(&current).execute(&mut *tx).await)?;
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', $4, $5)")
                    .bind(key.number()).bind(actor).bind(now).bind(&current).bind(to).execute(&mut *tx).await)?;
            } else {
                q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                    .bind(now).bind(key.number()).execute(&mut *tx).await)?;
            }
            settle_clocks!(tx, key.number(), now);
            q(tx.commit().await)?;
            Ok(resolved)
        })
    }

    pub async fn open_tasks(&self, key: RequestKey) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "SELECT COUNT(*) FROM tasks WHERE request_id = $1 AND state = 'open'")
            .bind(key.number()).fetch_one(p).await))?;
        Ok(n)
    }

    // ----- identity checks -------------------------------------------------------------------

    pub async fn record_identity_check(
        &self,
        key: RequestKey,
        actor: i64,
        method: &str,
        note: &str,
    ) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query("INSERT INTO identity_checks (request_id, method, note, checked_by, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(key.number()).bind(method).bind(note).bind(actor).bind(now).execute(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'identity-check', NULL, $4)")
                .bind(key.number()).bind(actor).bind(now).bind(method).execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn identity_checks(&self, key: RequestKey) -> Result<Vec<IdentityCheckRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT i.method, i.note, u.name AS checked_by_name, i.at FROM identity_checks i \
             JOIN users u ON u.id = i.checked_by WHERE i.request_id = $1 ORDER BY i.id")
            .bind(key.number()).fetch_all(p).await))
    }

    // ----- granted access --------------------------------------------------------------------

    /// What a person holds and held: current grants first, then revoked ones, newest first.
    pub async fn grants_of(&self, person: i64) -> Result<Vec<GrantRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT g.id, g.system_id, s.slug AS system_slug, s.title AS system_title, g.role, gb.name AS granted_by_name, \
             g.granted_at, g.expires_at, g.request_id, rb.name AS revoked_by_name, g.revoked_at \
             FROM grants g JOIN systems s ON s.id = g.system_id JOIN users gb ON gb.id = g.granted_by \
             LEFT JOIN users rb ON rb.id = g.revoked_by \
             WHERE g.person_id = $1 ORDER BY g.revoked_at IS NOT NULL, s.title_key, g.id DESC")
            .bind(person).fetch_all(p).await))
    }

    /// The systems a person holds access to now, once each.
    pub async fn held_systems(&self, person: i64) -> Result<Vec<HeldSystem>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id AS system_id, s.title, s.tier, s.compliance FROM systems s \
             WHERE s.id IN (SELECT system_id FROM grants WHERE person_id = $1 AND revoked_at IS NULL) \
             ORDER BY s.title_key")
            .bind(person).fetch_all(p).await))
    }
}
