//! The request catalog's records: people and teams, a request with its people, system lines,
//! approval steps and tasks (saved in one transaction), decisions, task closing with the granted
//! access it records, and what each person holds.

use super::{now_ms, q, BeginWrite, Db, Result, StoreError, ROUND_ROBIN};
use crate::domain::request::{RequestKey, RequestState};
use sqlx::FromRow;

/// A request ready to save: everything the domain and the service decided, nothing left to check.
#[derive(Debug, Clone, Default)]
pub struct NewRequestRecord {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub priority: String,
    pub state: String,
    pub requester_id: i64,
    pub details: String,
    pub labels: Vec<String>,
    pub people: Vec<i64>,
    pub lines: Vec<NewLine>,
    pub approvals: Vec<NewApproval>,
    /// Tasks that start at once (no approval needed).
    pub tasks: Vec<NewTask>,
    /// The lockout report this request is made from: marked done in the same transaction, and
    /// the request is not made at all if another worker got to the report first.
    pub from_lockout_report: Option<i64>,
}

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

#[derive(Debug, Clone, Default)]
pub struct NewLine {
    pub system_id: i64,
    pub role: String,
    pub justification: String,
    pub grant_kind: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewApproval {
    pub step: String,
    pub reason: String,
    pub approver_id: Option<i64>,
    pub team: Option<String>,
    pub system_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub action: String,
    pub title: String,
    pub system_id: Option<i64>,
    pub person_id: Option<i64>,
    /// Index into the request's lines (in the order given), for grant tasks made at submission.
    pub line: Option<usize>,
    /// The saved line, for grant tasks made later.
    pub line_id: Option<i64>,
    pub role: Option<String>,
    pub team: Option<String>,
    pub due_at: Option<i64>,
    pub urgent: bool,
}

#[derive(Debug, Clone, FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub email: String,
    pub handle: String,
    pub name: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
}

/// What a request form needs to know about a system.
#[derive(Debug, Clone, FromRow)]
pub struct SystemBrief {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub group_owner: String,
    pub owner_channel: String,
    pub classification: Option<String>,
    pub tier: Option<i32>,
    pub compliance: Option<String>,
    pub baseline: Option<bool>,
    pub managed: bool,
    /// The admin's list of roles and groups (JSON of `domain::entitlement::SystemAccess`).
    pub access: String,
    /// Someone with an account here is named (or in a group named) as an owner.
    pub owners_known: bool,
}

impl SystemBrief {
    /// The roles and groups admins keep for this system.
    pub fn access(&self) -> crate::domain::entitlement::SystemAccess {
        crate::domain::entitlement::SystemAccess {
            options: serde_json::from_str(&self.access).unwrap_or_default(),
        }
    }

    /// What the approval policy needs to know about it.
    pub fn facts(&self) -> crate::domain::approval::SystemFacts {
        crate::domain::approval::SystemFacts {
            id: self.id,
            title: self.title.clone(),
            baseline: self.baseline == Some(true),
            infrastructure: self
                .group_owner
                .to_ascii_lowercase()
                .contains("infrastructure"),
            red_data: self.classification.as_deref() == Some("red"),
            owners_known: self.owners_known,
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct LineRow {
    pub id: i64,
    pub system_id: i64,
    pub system_slug: String,
    pub system_title: String,
    pub role: String,
    pub justification: String,
    pub grant_kind: String,
}

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
    pub state: String,
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
const APPROVAL_ELIGIBLE: &str = "(a.approver_id = $U \
    OR a.team IN (SELECT tm.team FROM team_members tm WHERE tm.user_id = $U) \
    OR EXISTS (SELECT 1 FROM system_people sp WHERE sp.system_id = a.system_id \
        AND sp.role IN ('business_owner','technical_owner') \
        AND (lower(sp.handle) = (SELECT lower(handle) FROM users WHERE id = $U) \
             OR lower(sp.handle) IN (SELECT lower(tm.team) FROM team_members tm WHERE tm.user_id = $U))))";

/// `$U` provisions for task `t`: in its team, or named (or in a group named) as the system's
/// provisioner or deprovisioner.
const TASK_ELIGIBLE: &str = "(t.team IN (SELECT tm.team FROM team_members tm WHERE tm.user_id = $U) \
    OR EXISTS (SELECT 1 FROM system_people sp WHERE sp.system_id = t.system_id \
        AND sp.role IN ('provisioner','deprovisioner') \
        AND (lower(sp.handle) = (SELECT lower(handle) FROM users WHERE id = $U) \
             OR lower(sp.handle) IN (SELECT lower(tm.team) FROM team_members tm WHERE tm.user_id = $U))))";

fn with_user(sql: &str, placeholder: &str) -> String {
    sql.replace("$U", placeholder)
}

const PERSON_SELECT: &str =
    "SELECT u.id, u.email, u.handle, u.name, u.manager_id, m.name AS manager_name \
    FROM users u LEFT JOIN users m ON m.id = u.manager_id";

const SYSTEM_BRIEF_SELECT: &str = "SELECT s.id, s.slug, s.title, s.group_owner, s.owner_channel, \
    s.classification, s.tier, s.compliance, s.baseline, s.managed, s.access, \
    EXISTS (SELECT 1 FROM system_people sp WHERE sp.system_id = s.id \
        AND sp.role IN ('business_owner','technical_owner') \
        AND (lower(sp.handle) IN (SELECT lower(handle) FROM users WHERE active) \
             OR lower(sp.handle) IN (SELECT lower(team) FROM team_members))) AS owners_known \
    FROM systems s";

impl Db {
    // ----- people and teams ------------------------------------------------------------------

    pub async fn person_by_email(&self, email: &str) -> Result<Option<PersonRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{PERSON_SELECT} WHERE u.email = $1 AND u.active"))
            .bind(email.to_lowercase()).fetch_optional(p).await))
    }

    pub async fn person_by_handle(&self, handle: &str) -> Result<Option<PersonRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{PERSON_SELECT} WHERE lower(u.handle) = $1 AND u.active"))
            .bind(handle.to_lowercase()).fetch_optional(p).await))
    }

    pub async fn person(&self, id: i64) -> Result<Option<PersonRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{PERSON_SELECT} WHERE u.id = $1"))
            .bind(id).fetch_optional(p).await))
    }

    pub async fn set_manager(&self, user_id: i64, manager_id: Option<i64>) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("UPDATE users SET manager_id = $1 WHERE id = $2")
            .bind(manager_id).bind(user_id).execute(p).await).map(|_| ()))
    }

    /// Replaces a person's teams.
    pub async fn set_teams(&self, user_id: i64, teams: &[&str]) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query("DELETE FROM team_members WHERE user_id = $1").bind(user_id).execute(&mut *tx).await)?;
            for t in teams {
                q(sqlx::query("INSERT INTO team_members (team, user_id) VALUES ($1, $2)")
                    .bind(t.to_lowercase()).bind(user_id).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    // ----- systems as the forms see them -----------------------------------------------------

    pub async fn system_brief(&self, title_key: &str) -> Result<Option<SystemBrief>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{SYSTEM_BRIEF_SELECT} WHERE s.title_key = $1"))
            .bind(title_key).fetch_optional(p).await))
    }

    pub async fn system_brief_by_id(&self, id: i64) -> Result<Option<SystemBrief>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{SYSTEM_BRIEF_SELECT} WHERE s.id = $1"))
            .bind(id).fetch_optional(p).await))
    }

    /// Managed systems every team member gets (registry flag), for onboarding.
    pub async fn baseline_systems(&self) -> Result<Vec<(i64, String)>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, title FROM systems WHERE baseline = TRUE AND managed = TRUE ORDER BY title_key").fetch_all(p).await))
    }

    /// Every system's title, for the pickers.
    pub async fn system_titles(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT title FROM systems ORDER BY title_key").fetch_all(p).await))?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    // ----- requests --------------------------------------------------------------------------

    /// Saves a request with its people, lines, approvals, tasks and labels, and its first history
    /// line, in one transaction: either all of it is there or none.
    pub async fn create_request(&self, r: &NewRequestRecord) -> Result<RequestKey> {
        let now = now_ms();
        let pg = matches!(self, Db::Postgres(_));
        let (weekday, minute) = super::week_minute(now);
        let hand_out = self.setting(ROUND_ROBIN).await?.as_deref() != Some("off");
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            if let Some(report) = r.from_lockout_report {
                let claimed = q(sqlx::query(
                    "UPDATE lockout_reports SET processed_at = $1, system = NULL, what = NULL \
                     WHERE id = $2 AND processed_at IS NULL")
                    .bind(now).bind(report).execute(&mut *tx).await)?;
                if claimed.rows_affected() != 1 {
                    return Err(StoreError::Stale);
                }
            }
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO requests (kind, title, description, priority, state, requester_id, details, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
                .bind(&r.kind).bind(&r.title).bind(&r.description).bind(&r.priority).bind(&r.state)
                .bind(r.requester_id).bind(&r.details).bind(now)
                .fetch_one(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'created', NULL, $4)")
                .bind(id).bind(r.requester_id).bind(now).bind(&r.state).execute(&mut *tx).await)?;
            for l in &r.labels {
                q(sqlx::query("INSERT INTO request_labels (request_id, label) VALUES ($1, $2)")
                    .bind(id).bind(l).execute(&mut *tx).await)?;
            }
            for person in &r.people {
                q(sqlx::query("INSERT INTO request_people (request_id, user_id) VALUES ($1, $2)")
                    .bind(id).bind(person).execute(&mut *tx).await)?;
            }
            let mut line_ids = Vec::new();
            for l in &r.lines {
                let (line_id,): (i64,) = q(sqlx::query_as(
                    "INSERT INTO request_lines (request_id, system_id, role, justification, grant_kind) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(id).bind(l.system_id).bind(&l.role).bind(&l.justification).bind(&l.grant_kind)
                    .fetch_one(&mut *tx).await)?;
                line_ids.push(line_id);
            }
            for (i, a) in r.approvals.iter().enumerate() {
                q(sqlx::query(
                    "INSERT INTO approvals (request_id, position, step, reason, approver_id, team, system_id, state) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')")
                    .bind(id).bind(i as i64).bind(&a.step).bind(&a.reason).bind(a.approver_id)
                    .bind(&a.team).bind(a.system_id).execute(&mut *tx).await)?;
            }
            for t in &r.tasks {
                let line_id = t.line_id.or_else(|| t.line.and_then(|i| line_ids.get(i).copied()));
                q(sqlx::query(
                    "INSERT INTO tasks (request_id, action, title, system_id, person_id, line_id, role, team, due_at, urgent, state, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)")
                    .bind(id).bind(&t.action).bind(&t.title).bind(t.system_id).bind(t.person_id).bind(line_id)
                    .bind(&t.role).bind(&t.team).bind(t.due_at).bind(t.urgent).bind(now)
                    .execute(&mut *tx).await)?;
            }
            if hand_out {
                // Round-robin: the analyst on support hours who was handed a request longest
                // ago. On Postgres a transaction-scoped lock makes concurrent submissions take
                // turns; SQLite's writer lock (held since the insert above) already does.
                if pg {
                    q(sqlx::query("SELECT pg_advisory_xact_lock(6006)").execute(&mut *tx).await)?;
                }
                let next: Option<(i64,)> = q(sqlx::query_as(
                    "SELECT u.id FROM users u WHERE u.active = TRUE AND EXISTS (SELECT 1 FROM shifts s \
                       WHERE s.user_id = u.id AND s.duty = 'support' AND s.weekday = $1 AND s.start_min <= $2 AND s.end_min > $2) \
                     ORDER BY COALESCE(u.last_assigned_at, 0), u.id LIMIT 1")
                    .bind(weekday).bind(minute).fetch_optional(&mut *tx).await)?;
                if let Some((analyst,)) = next {
                    q(sqlx::query("UPDATE users SET last_assigned_at = $1 WHERE id = $2")
                        .bind(now).bind(analyst).execute(&mut *tx).await)?;
                    q(sqlx::query("UPDATE requests SET assignee_id = $1 WHERE id = $2")
                        .bind(analyst).bind(id).execute(&mut *tx).await)?;
                    q(sqlx::query(
                        "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                         VALUES ($1, (SELECT id FROM users WHERE handle = 'tierdesk'), $2, 'assignee', NULL, (SELECT name FROM users WHERE id = $3))")
                        .bind(id).bind(now).bind(analyst).execute(&mut *tx).await)?;
                }
            }
            settle_clocks!(tx, id, now);
            q(tx.commit().await)?;
            Ok(RequestKey::new(id))
        })
    }

    /// Adds a label (with a history line); adding one already there changes nothing.
    pub async fn add_label(&self, key: RequestKey, label: &str, actor: i64) -> Result<bool> {
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query("INSERT INTO request_labels (request_id, label) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(key.number()).bind(label).execute(&mut *tx).await)?;
            let added = done.rows_affected() == 1;
            if added {
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'label', NULL, $4)")
                    .bind(key.number()).bind(actor).bind(now).bind(label).execute(&mut *tx).await)?;
                q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2").bind(now).bind(key.number()).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(added)
        })
    }

    pub async fn request_labels(&self, key: RequestKey) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT label FROM request_labels WHERE request_id = $1 ORDER BY label")
            .bind(key.number()).fetch_all(p).await))?;
        Ok(rows.into_iter().map(|(l,)| l).collect())
    }

    pub async fn request_people(&self, key: RequestKey) -> Result<Vec<PersonRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{PERSON_SELECT} JOIN request_people rp ON rp.user_id = u.id WHERE rp.request_id = $1 ORDER BY u.name"))
            .bind(key.number()).fetch_all(p).await))
    }

    pub async fn request_lines(&self, key: RequestKey) -> Result<Vec<LineRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT l.id, l.system_id, s.slug AS system_slug, s.title AS system_title, l.role, l.justification, l.grant_kind \
             FROM request_lines l JOIN systems s ON s.id = l.system_id WHERE l.request_id = $1 ORDER BY l.id")
            .bind(key.number()).fetch_all(p).await))
    }

    /// Whether `user` is part of the request other than as its requester: one of its people, an
    /// approver who may decide a step, or a provisioner of one of its tasks.
    pub async fn involved(&self, key: RequestKey, user: i64) -> Result<bool> {
        let sql = format!(
            "SELECT (EXISTS (SELECT 1 FROM request_people WHERE request_id = $1 AND user_id = $2) \
             OR EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = $1 AND {}) \
             OR EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = $1 AND {})) AS involved",
            with_user(APPROVAL_ELIGIBLE, "$2"),
            with_user(TASK_ELIGIBLE, "$2")
        );
        let (b,): (bool,) = on_pool!(self, p => q(sqlx::query_as(&sql)
            .bind(key.number()).bind(user).fetch_one(p).await))?;
        Ok(b)
    }

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
        let now = now_ms();
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
        let now = now_ms();
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
    ) -> Result<bool> {
        let now = now_ms();
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
            let resolved = open == 0 && resolvable.contains(&current.as_str());
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
        let now = now_ms();
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
        let now = now_ms();
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
            .bind(now_ms()).bind(id).execute(p).await.map(|_| ())))
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
            .bind(contractor).bind(system).bind(by).bind(now_ms()).execute(p).await
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

    /// Claims `(job, subject, occasion)`; true for the one caller that got it.
    pub async fn claim_job_mark(&self, job: &str, subject: i64, occasion: &str) -> Result<bool> {
        let inserted = on_pool!(self, p => q(sqlx::query(
            "INSERT INTO job_marks (job, subject, occasion, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(job).bind(subject).bind(occasion).bind(now_ms()).execute(p).await)
            .map(|done| done.rows_affected()))?;
        Ok(inserted == 1)
    }

    /// Gives a claim back when the work behind it failed, so a later run tries again.
    pub async fn release_job_mark(&self, job: &str, subject: i64, occasion: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("DELETE FROM job_marks WHERE job = $1 AND subject = $2 AND occasion = $3")
            .bind(job).bind(subject).bind(occasion).execute(p).await).map(|_| ()))
    }

    /// Closes open access requests untouched since `cutoff`, unless labelled `access-review`.
    /// Each close is conditional on the request still being idle, so two runs close it once.
    pub async fn close_idle_access_requests(&self, cutoff: i64, actor: i64) -> Result<Vec<i64>> {
        let now = now_ms();
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
        let now = now_ms();
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
