//! Tier 3's tracker: issues with their labels, assignees, comments and history, the templates
//! escalations start from, and the link between an issue and the request it came from.

use super::{q, BeginWrite, Db, Result, StoreError};
use sqlx::FromRow;

/// Writes one line of an issue's history inside the open transaction `$tx`.
macro_rules! issue_event {
    ($tx:ident, $id:expr, $actor:expr, $now:expr, $field:expr, $before:expr, $after:expr) => {
        q(sqlx::query(
            "INSERT INTO issue_events (issue_id, actor_id, at, field, before, after) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($id)
        .bind($actor)
        .bind($now)
        .bind($field)
        .bind($before)
        .bind($after)
        .execute(&mut *$tx)
        .await)?
    };
}

/// Marks an issue changed now, inside the open transaction `$tx`.
macro_rules! touch_issue {
    ($tx:ident, $id:expr, $now:expr) => {
        q(
            sqlx::query("UPDATE issues SET updated_at = $1 WHERE id = $2")
                .bind($now)
                .bind($id)
                .execute(&mut *$tx)
                .await,
        )?
    };
}

/// One issue with what its page shows beside it.
#[derive(Debug, Clone, FromRow)]
pub struct IssueRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub state: String,
    pub priority: String,
    pub due_on: Option<String>,
    pub system_slug: Option<String>,
    pub system_title: Option<String>,
    pub request_id: Option<i64>,
    pub request_title: Option<String>,
    pub template_name: Option<String>,
    pub created_by_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

/// An issue as lists, the board and a request's page show it.
#[derive(Debug, Clone, FromRow)]
pub struct IssueCardRow {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub priority: String,
    pub due_on: Option<String>,
    pub system_title: Option<String>,
    pub request_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Someone working an issue: a person (`user_id`) or a group by name.
#[derive(Debug, Clone, FromRow)]
pub struct AssigneeRow {
    pub issue_id: i64,
    pub name: String,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct IssueCommentRow {
    pub id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct IssueEventRow {
    pub id: i64,
    pub actor_name: String,
    pub at: i64,
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct IssueTemplateRow {
    pub id: i64,
    pub name: String,
    /// JSON array.
    pub labels: String,
    pub priority: String,
    pub assign_owners: bool,
    pub description: String,
}

impl IssueTemplateRow {
    pub fn labels(&self) -> Vec<String> {
        serde_json::from_str(&self.labels).unwrap_or_default()
    }
}

/// A request whose escalations are all closed: its analyst has the next move.
#[derive(Debug, Clone, FromRow)]
pub struct EscalationBackRow {
    pub request_id: i64,
    pub request_title: String,
    pub issue_id: i64,
    pub issue_title: String,
}

/// What the list and the board filter by. Empty text means "any".
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    /// A state, `open` (anything but closed), or empty.
    pub state: String,
    pub label: String,
    /// An assignee's name or handle, lower-case.
    pub assignee: String,
    /// Only issues assigned to this person, directly or through a group they are in.
    pub mine: Option<i64>,
    pub system: String,
    pub text: String,
}

/// A new issue, as a template and the person escalating made it.
pub struct NewIssue<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub priority: &'a str,
    pub due_on: Option<&'a str>,
    pub system_id: Option<i64>,
    pub request_id: Option<i64>,
    pub template_id: Option<i64>,
    pub labels: &'a [String],
    pub assignees: &'a [String],
}

/// The changes an edit of an issue's details makes (`None`: unchanged).
#[derive(Default)]
pub struct IssueEdit<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub due_on: Option<Option<&'a str>>,
}

const ISSUE_SELECT: &str = "SELECT i.id, i.title, i.description, i.state, i.priority, i.due_on, \
     s.slug AS system_slug, s.title AS system_title, i.request_id, r.title AS request_title, \
     t.name AS template_name, u.name AS created_by_name, i.created_at, i.updated_at, i.closed_at \
     FROM issues i LEFT JOIN systems s ON s.id = i.system_id \
     LEFT JOIN requests r ON r.id = i.request_id \
     LEFT JOIN issue_templates t ON t.id = i.template_id JOIN users u ON u.id = i.created_by";

const CARD_COLUMNS: &str = "i.id, i.title, i.state, i.priority, i.due_on, \
     (SELECT s.title FROM systems s WHERE s.id = i.system_id) AS system_title, i.request_id, \
     i.created_at, i.updated_at";

/// The filter as SQL over `issues i`, binding `$1`–`$8` (see [`bind_filter`]).
const FILTER_SQL: &str = "($1 = '' OR ($1 = 'open' AND i.state <> 'closed') OR i.state = $1) \
     AND ($2 = '' OR EXISTS (SELECT 1 FROM issue_labels l WHERE l.issue_id = i.id AND l.label = $2)) \
     AND ($3 = '' OR EXISTS (SELECT 1 FROM issue_assignees a WHERE a.issue_id = i.id AND a.name_key = $3)) \
     AND ($4 = 0 OR EXISTS (SELECT 1 FROM issue_assignees a WHERE a.issue_id = i.id \
          AND (a.user_id = $4 OR a.name_key IN (SELECT lower(tm.team) FROM team_members tm WHERE tm.user_id = $4)))) \
     AND ($5 = '' OR i.system_id = (SELECT s.id FROM systems s WHERE s.slug = $5)) \
     AND ($6 = '' OR lower(i.title) LIKE $7 ESCAPE '\\' OR i.id = $8)";

/// Binds an [`IssueFilter`] as `$1`–`$8` of [`FILTER_SQL`].
macro_rules! bind_filter {
    ($query:expr, $f:expr) => {{
        let f: &IssueFilter = $f;
        let text = f.text.trim().to_lowercase();
        let number = text.trim_start_matches("eng-").parse::<i64>().unwrap_or(-1);
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        $query
            .bind(f.state.clone())
            .bind(f.label.clone())
            .bind(f.assignee.to_lowercase())
            .bind(f.mine.unwrap_or(0))
            .bind(f.system.clone())
            .bind(text)
            .bind(pattern)
            .bind(number)
    }};
}

/// Orders issues most urgent first, then newest.
const BY_URGENCY: &str = "i.priority, i.id DESC";

impl Db {
    pub async fn issue(&self, id: i64) -> Result<Option<IssueRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{ISSUE_SELECT} WHERE i.id = $1"))
            .bind(id).fetch_optional(p).await))
    }

    /// A page of the list: newest first, before the cursor (an issue number).
    pub async fn issue_list(
        &self,
        f: &IssueFilter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<IssueCardRow>> {
        on_pool!(self, p => {
            let sql = format!(
                "SELECT {CARD_COLUMNS} FROM issues i WHERE {FILTER_SQL} AND i.id < $9 \
                 ORDER BY i.id DESC LIMIT $10");
            q(bind_filter!(sqlx::query_as(&sql), f)
                .bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(p).await)
        })
    }

    /// The board: up to `per_column` cards of each state, most urgent first, and how many
    /// issues each state holds under the filter.
    pub async fn issue_board(
        &self,
        f: &IssueFilter,
        per_column: i64,
    ) -> Result<(Vec<IssueCardRow>, Vec<(String, i64)>)> {
        on_pool!(self, p => {
            // Ranked on the narrow columns first; the cards' own columns (a system's title
            // among them) only for the few kept, not for every issue on the board.
            let sql = format!(
                "SELECT {CARD_COLUMNS} \
                 FROM (SELECT i.id, ROW_NUMBER() OVER (PARTITION BY i.state ORDER BY {BY_URGENCY}) AS rn \
                       FROM issues i WHERE {FILTER_SQL}) x \
                 JOIN issues i ON i.id = x.id \
                 WHERE x.rn <= $9 ORDER BY i.state, x.rn");
            let cards = q(bind_filter!(sqlx::query_as(&sql), f)
                .bind(per_column).fetch_all(p).await)?;
            let sql = format!("SELECT i.state, COUNT(*) FROM issues i WHERE {FILTER_SQL} GROUP BY i.state");
            let counts = q(bind_filter!(sqlx::query_as(&sql), f).fetch_all(p).await)?;
            Ok((cards, counts))
        })
    }

    /// The labels of these issues, as `(issue, label)`, in label order.
    pub async fn labels_of_issues(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = id_list(ids);
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "SELECT issue_id, label FROM issue_labels WHERE issue_id IN ({list}) ORDER BY issue_id, label"))
            .fetch_all(p).await))
    }

    /// The assignees of these issues, people by their names.
    pub async fn assignees_of_issues(&self, ids: &[i64]) -> Result<Vec<AssigneeRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = id_list(ids);
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "SELECT a.issue_id, a.name, a.user_id, u.name AS user_name FROM issue_assignees a \
             LEFT JOIN users u ON u.id = a.user_id WHERE a.issue_id IN ({list}) \
             ORDER BY a.issue_id, a.name_key"))
            .fetch_all(p).await))
    }

    /// The people in a group named as an assignee (registry groups and teams).
    pub async fn group_members(&self, group: &str) -> Result<Vec<(String, String)>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT u.handle, u.name FROM team_members tm JOIN users u ON u.id = tm.user_id \
             WHERE lower(tm.team) = lower($1) ORDER BY u.name")
            .bind(group).fetch_all(p).await))
    }

    pub async fn issue_comments(&self, id: i64) -> Result<Vec<IssueCommentRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT c.id, u.name AS author_name, c.body, c.created_at FROM issue_comments c \
             JOIN users u ON u.id = c.author_id WHERE c.issue_id = $1 ORDER BY c.id")
            .bind(id).fetch_all(p).await))
    }

    pub async fn issue_events(&self, id: i64) -> Result<Vec<IssueEventRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT e.id, u.name AS actor_name, e.at, e.field, e.before, e.after FROM issue_events e \
             JOIN users u ON u.id = e.actor_id WHERE e.issue_id = $1 ORDER BY e.id")
            .bind(id).fetch_all(p).await))
    }

    /// The issues escalated from a request, oldest first.
    pub async fn issues_of_request(&self, request_id: i64) -> Result<Vec<IssueCardRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "SELECT {CARD_COLUMNS} FROM issues i WHERE i.request_id = $1 ORDER BY i.id"))
            .bind(request_id).fetch_all(p).await))
    }

    /// Open requests this person works (assigned, or escalated by them while unassigned) whose
    /// escalations have all closed: engineering is done, the request is theirs to finish.
    pub async fn escalations_back(&self, user: i64, limit: i64) -> Result<Vec<EscalationBackRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT r.id AS request_id, r.title AS request_title, i.id AS issue_id, i.title AS issue_title \
             FROM requests r JOIN issues i ON i.request_id = r.id \
             WHERE r.state NOT IN ('resolved', 'closed', 'denied', 'cancelled') \
               AND (r.assignee_id = $1 OR (r.assignee_id IS NULL AND i.created_by = $1)) \
               AND NOT EXISTS (SELECT 1 FROM issues o WHERE o.request_id = r.id AND o.state <> 'closed') \
               AND i.id = (SELECT MAX(l.id) FROM issues l WHERE l.request_id = r.id) \
             ORDER BY i.closed_at DESC, r.id DESC LIMIT $2")
            .bind(user).bind(limit).fetch_all(p).await))
    }

    /// Opens an issue with its labels and assignees (people linked by handle), and, for an
    /// escalation, a line in the request's history; all in one transaction.
    pub async fn create_issue(&self, n: &NewIssue<'_>, actor: i64) -> Result<i64> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO issues (title, description, state, priority, due_on, system_id, request_id, \
                 template_id, created_by, created_at, updated_at) \
                 VALUES ($1, $2, 'inbox', $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
                .bind(n.title).bind(n.description).bind(n.priority).bind(n.due_on)
                .bind(n.system_id).bind(n.request_id).bind(n.template_id).bind(actor).bind(now)
                .fetch_one(&mut *tx).await)?;
            for l in n.labels {
                q(sqlx::query("INSERT INTO issue_labels (issue_id, label) VALUES ($1, $2)")
                    .bind(id).bind(l).execute(&mut *tx).await)?;
            }
            for a in n.assignees {
                q(sqlx::query(
                    "INSERT INTO issue_assignees (issue_id, name, name_key, user_id) \
                     VALUES ($1, $2, $3, (SELECT id FROM users WHERE lower(handle) = $3))")
                    .bind(id).bind(a).bind(a.to_lowercase()).execute(&mut *tx).await)?;
            }
            q(sqlx::query(
                "INSERT INTO issue_events (issue_id, actor_id, at, field, before, after) \
                 VALUES ($1, $2, $3, 'created', NULL, NULL)")
                .bind(id).bind(actor).bind(now).execute(&mut *tx).await)?;
            if let Some(request) = n.request_id {
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                     VALUES ($1, $2, $3, 'escalation', NULL, $4)")
                    .bind(request).bind(actor).bind(now).bind(format!("ENG-{id}"))
                    .execute(&mut *tx).await)?;
                q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                    .bind(now).bind(request).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(id)
        })
    }

    /// Moves an issue from `from` to `to` with a history line; an escalation's request hears of
    /// it when the issue closes or reopens. [`StoreError::Stale`] if it moved meanwhile.
    pub async fn move_issue(&self, id: i64, from: &str, to: &str, actor: i64) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query(
                "UPDATE issues SET state = $1, updated_at = $2, \
                 closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE NULL END \
                 WHERE id = $3 AND state = $4")
                .bind(to).bind(now).bind(id).bind(from).execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            issue_event!(tx, id, actor, now, "state", Some(from), Some(to));
            if to == "closed" || from == "closed" {
                let request: Option<(Option<i64>,)> = q(sqlx::query_as(
                    "SELECT request_id FROM issues WHERE id = $1")
                    .bind(id).fetch_optional(&mut *tx).await)?;
                if let Some((Some(request),)) = request {
                    q(sqlx::query(
                        "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                         VALUES ($1, $2, $3, 'escalation', $4, $5)")
                        .bind(request).bind(actor).bind(now).bind(format!("ENG-{id}"))
                        .bind(if to == "closed" { "closed" } else { "reopened" })
                        .execute(&mut *tx).await)?;
                    q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                        .bind(now).bind(request).execute(&mut *tx).await)?;
                }
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn comment_issue(&self, id: i64, actor: i64, body: &str) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query(
                "INSERT INTO issue_comments (issue_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(actor).bind(body).bind(now).execute(&mut *tx).await)?;
            issue_event!(tx, id, actor, now, "comment", None::<&str>, None::<&str>);
            q(tx.commit().await)?;
            Ok(())
        })
    }

    /// Replaces an issue's labels, writing one history line per label added or taken off.
    /// Returns whether anything changed.
    pub async fn set_issue_labels(&self, id: i64, labels: &[String], actor: i64) -> Result<bool> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let old: Vec<(String,)> = q(sqlx::query_as(
                "SELECT label FROM issue_labels WHERE issue_id = $1")
                .bind(id).fetch_all(&mut *tx).await)?;
            let old: Vec<String> = old.into_iter().map(|(l,)| l).collect();
            let mut changed = false;
            for l in old.iter().filter(|l| !labels.contains(l)) {
                q(sqlx::query("DELETE FROM issue_labels WHERE issue_id = $1 AND label = $2")
                    .bind(id).bind(l).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "label", Some(l.as_str()), None::<&str>);
                changed = true;
            }
            for l in labels.iter().filter(|l| !old.contains(l)) {
                q(sqlx::query("INSERT INTO issue_labels (issue_id, label) VALUES ($1, $2)")
                    .bind(id).bind(l).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "label", None::<&str>, Some(l.as_str()));
                changed = true;
            }
            if changed {
                touch_issue!(tx, id, now);
            }
            q(tx.commit().await)?;
            Ok(changed)
        })
    }

    /// Replaces an issue's assignees (matched by name, any letter case), one history line each.
    pub async fn set_issue_assignees(&self, id: i64, names: &[String], actor: i64) -> Result<bool> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let old: Vec<(String, String)> = q(sqlx::query_as(
                "SELECT name, name_key FROM issue_assignees WHERE issue_id = $1")
                .bind(id).fetch_all(&mut *tx).await)?;
            let keys: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
            let mut changed = false;
            for (name, key) in old.iter().filter(|(_, k)| !keys.contains(k)) {
                q(sqlx::query("DELETE FROM issue_assignees WHERE issue_id = $1 AND name_key = $2")
                    .bind(id).bind(key).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "assignee", Some(name.as_str()), None::<&str>);
                changed = true;
            }
            for (name, key) in names.iter().zip(&keys) {
                if old.iter().any(|(_, k)| k == key) {
                    continue;
                }
                q(sqlx::query(
                    "INSERT INTO issue_assignees (issue_id, name, name_key, user_id) \
                     VALUES ($1, $2, $3, (SELECT id FROM users WHERE lower(handle) = $3))")
                    .bind(id).bind(name).bind(key).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "assignee", None::<&str>, Some(name.as_str()));
                changed = true;
            }
            if changed {
                touch_issue!(tx, id, now);
            }
            q(tx.commit().await)?;
            Ok(changed)
        })
    }

    /// Changes an issue's title, description, priority or due day, one history line per field.
    pub async fn edit_issue(&self, id: i64, e: &IssueEdit<'_>, actor: i64) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (title, priority, due_on): (String, String, Option<String>) = q(sqlx::query_as(
                "SELECT title, priority, due_on FROM issues WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await)?.ok_or(StoreError::NotFound)?;
            if let Some(t) = e.title.filter(|t| *t != title) {
                q(sqlx::query("UPDATE issues SET title = $1 WHERE id = $2")
                    .bind(t).bind(id).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "title", Some(title.as_str()), Some(t));
            }
            if let Some(d) = e.description {
                let done = q(sqlx::query("UPDATE issues SET description = $1 WHERE id = $2 AND description <> $1")
                    .bind(d).bind(id).execute(&mut *tx).await)?;
                if done.rows_affected() == 1 {
                    issue_event!(tx, id, actor, now, "description", None::<&str>, None::<&str>);
                }
            }
            if let Some(pr) = e.priority.filter(|pr| *pr != priority) {
                q(sqlx::query("UPDATE issues SET priority = $1 WHERE id = $2")
                    .bind(pr).bind(id).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "priority", Some(priority.as_str()), Some(pr));
            }
            if let Some(d) = e.due_on.filter(|d| *d != due_on.as_deref()) {
                q(sqlx::query("UPDATE issues SET due_on = $1 WHERE id = $2")
                    .bind(d).bind(id).execute(&mut *tx).await)?;
                issue_event!(tx, id, actor, now, "due_on", due_on.as_deref(), d);
            }
            touch_issue!(tx, id, now);
            q(tx.commit().await)?;
            Ok(())
        })
    }

    // ----- templates ------------------------------------------------------------------------

    pub async fn issue_templates(&self) -> Result<Vec<IssueTemplateRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, name, labels, priority, assign_owners, description FROM issue_templates ORDER BY name_key")
            .fetch_all(p).await))
    }

    pub async fn issue_template(&self, id: i64) -> Result<Option<IssueTemplateRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, name, labels, priority, assign_owners, description FROM issue_templates WHERE id = $1")
            .bind(id).fetch_optional(p).await))
    }

    /// Creates a template (`id` `None`) or replaces one; a name taken by another template is a
    /// [`StoreError::Constraint`], an unknown id [`StoreError::NotFound`].
    pub async fn save_issue_template(
        &self,
        id: Option<i64>,
        t: &crate::domain::tracker::Template,
    ) -> Result<i64> {
        let now = self.now();
        let labels = serde_json::to_string(&t.labels).unwrap_or_else(|_| "[]".into());
        let key = t.name.trim().to_lowercase();
        on_pool!(self, p => {
            match id {
                None => {
                    let (id,): (i64,) = q(sqlx::query_as(
                        "INSERT INTO issue_templates (name, name_key, labels, priority, assign_owners, description, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                        .bind(&t.name).bind(&key).bind(&labels).bind(t.priority.as_str())
                        .bind(t.assign_owners).bind(&t.description).bind(now)
                        .fetch_one(p).await)?;
                    Ok(id)
                }
                Some(id) => {
                    let done = q(sqlx::query(
                        "UPDATE issue_templates SET name = $1, name_key = $2, labels = $3, priority = $4, \
                         assign_owners = $5, description = $6, updated_at = $7 WHERE id = $8")
                        .bind(&t.name).bind(&key).bind(&labels).bind(t.priority.as_str())
                        .bind(t.assign_owners).bind(&t.description).bind(now).bind(id)
                        .execute(p).await)?;
                    if done.rows_affected() == 1 { Ok(id) } else { Err(StoreError::NotFound) }
                }
            }
        })
    }

    /// Deletes a template; issues made from it keep everything they got.
    pub async fn delete_issue_template(&self, id: i64) -> Result<bool> {
        on_pool!(self, p => {
            let done = q(sqlx::query("DELETE FROM issue_templates WHERE id = $1")
                .bind(id).execute(p).await)?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn count_issues(&self) -> Result<i64> {
        on_pool!(self, p => {
            let (n,): (i64,) = q(sqlx::query_as("SELECT COUNT(*) FROM issues").fetch_one(p).await)?;
            Ok(n)
        })
    }
}

/// Issue numbers for an `IN (…)` list; they are numbers the store handed out, never text.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}
