//! The request catalog's records: people and teams and systems as the forms see them, and a
//! request with its people, system lines, approval steps and tasks, saved in one transaction.

use super::work::{with_user, APPROVAL_ELIGIBLE, TASK_ELIGIBLE};
use super::{q, AttachTo, BeginWrite, Db, Pool, Result, StoreError, ROUND_ROBIN};
use crate::domain::request::RequestKey;
use crate::domain::task::TaskDraft;
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
    /// The outbox entry (id, the worker's lease) whose action this request is: marked done in
    /// the same transaction, and the request is not made if the lease was lost.
    pub from_outbox: Option<(i64, String)>,
    /// Files the requester uploaded with the form, attached to the request itself.
    pub attachments: Vec<String>,
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

impl From<TaskDraft> for NewTask {
    /// A task a kind planned, as it is saved.
    fn from(t: TaskDraft) -> NewTask {
        NewTask {
            action: t.action.as_str().to_string(),
            title: t.title,
            system_id: t.system_id,
            person_id: t.person_id,
            line: t.line,
            line_id: None,
            role: t.role,
            team: t.team.map(|t| t.as_str().to_string()),
            due_at: t.due_at,
            urgent: t.urgent,
        }
    }
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

/// Round-robin's hand-out (`$1` weekday, `$2` minute of the day, `$3` now): the analyst on
/// support hours who was handed a request longest ago, chosen and stamped in one statement,
/// from the shifts now (a few rows by their index). The stamp is strictly later than every
/// earlier hand-out, even within one millisecond: a tie would be broken by id and give the same
/// analyst two in a row. Callers make concurrent hand-outs take turns (see [`Turn`]).
const HAND_OUT: &str = "UPDATE users SET last_assigned_at = (SELECT CASE WHEN $3 > COALESCE(MAX(x.last_assigned_at), 0) \
       THEN $3 ELSE MAX(x.last_assigned_at) + 1 END FROM users x) \
     WHERE id = (SELECT u.id FROM shifts s JOIN users u ON u.id = s.user_id \
       WHERE s.weekday = $1 AND s.duty = 'support' AND s.start_min <= $2 AND s.end_min > $2 \
         AND u.active = TRUE \
       ORDER BY COALESCE(u.last_assigned_at, 0), u.id LIMIT 1) \
     RETURNING id";

/// Where a submission takes its round-robin turn.
enum Turn {
    /// Round-robin is off: the request waits for someone to claim it.
    Off,
    /// SQLite: inside the submission's own transaction, which holds the file's write lock
    /// from its first insert, so hand-outs take turns with nothing more.
    InThisTransaction,
    /// Postgres: taken before, in a short transaction of its own that holds a lock only for
    /// the hand-out. Held to the submission's commit, that lock let one submission commit at
    /// a time (~400 a second at 64 writers); now their commits overlap. A submission that
    /// fails after its turn leaves that analyst's turn spent, which costs fairness one step.
    TakenBefore(Option<i64>),
}

/// Takes the next round-robin turn on Postgres (see [`Turn::TakenBefore`]). Concurrent turns
/// queue for a transaction-scoped lock, so no two read the same "longest ago". The stamp
/// need not wait for the disk: lost in a crash, it only gives the same analyst the next turn.
async fn take_turn(p: &sqlx::PgPool, weekday: i16, minute: i32, now: i64) -> Result<Option<i64>> {
    let mut tx = q(p.begin().await)?;
    q(sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await)?;
    q(sqlx::query("SELECT pg_advisory_xact_lock(6006)")
        .execute(&mut *tx)
        .await)?;
    let next: Option<(i64,)> = q(sqlx::query_as(HAND_OUT)
        .bind(weekday)
        .bind(minute)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await)?;
    q(tx.commit().await)?;
    Ok(next.map(|(a,)| a))
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
        let now = self.now();
        let (weekday, minute) = super::week_minute(now);
        let hand_out = self.setting(ROUND_ROBIN).await?.as_deref() != Some("off");
        let turn = match &self.pool {
            _ if !hand_out => Turn::Off,
            Pool::Postgres(p) => Turn::TakenBefore(take_turn(p, weekday, minute, now).await?),
            Pool::Sqlite(_) => Turn::InThisTransaction,
        };
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
            if let Some((entry, owner)) = &r.from_outbox {
                let claimed = q(sqlx::query(super::outbox::CLAIM)
                    .bind(now).bind(*entry).bind(owner).execute(&mut *tx).await)?;
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
            attach_pending!(tx, &r.attachments, r.requester_id, AttachTo::Request {
                request_id: id,
                comment_id: None,
                internal: false,
            });
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
            // The clocks first: they do not depend on the assignee, and on SQLite everything
            // from the hand-out on runs while other submissions wait.
            settle_clocks!(tx, id, now);
            let turn = match turn {
                Turn::TakenBefore(analyst) => analyst,
                Turn::Off => None,
                Turn::InThisTransaction => q(sqlx::query_as::<_, (i64,)>(HAND_OUT)
                    .bind(weekday).bind(minute).bind(now).fetch_optional(&mut *tx).await)?
                    .map(|(a,)| a),
            };
            if let Some(analyst) = turn {
                q(sqlx::query("UPDATE requests SET assignee_id = $1 WHERE id = $2")
                    .bind(analyst).bind(id).execute(&mut *tx).await)?;
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                     VALUES ($1, (SELECT id FROM users WHERE handle = 'tierdesk'), $2, 'assignee', NULL, (SELECT name FROM users WHERE id = $3))")
                    .bind(id).bind(now).bind(analyst).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(RequestKey::new(id))
        })
    }

    /// Adds a label (with a history line); adding one already there changes nothing.
    pub async fn add_label(&self, key: RequestKey, label: &str, actor: i64) -> Result<bool> {
        let now = self.now();
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
             OR EXISTS (SELECT 1 FROM request_participants WHERE request_id = $1 AND user_id = $2) \
             OR EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = $1 AND {}) \
             OR EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = $1 AND {})) AS involved",
            with_user(APPROVAL_ELIGIBLE, "$2"),
            with_user(TASK_ELIGIBLE, "$2")
        );
        let (b,): (bool,) = on_pool!(self, p => q(sqlx::query_as(&sql)
            .bind(key.number()).bind(user).fetch_one(p).await))?;
        Ok(b)
    }
}
