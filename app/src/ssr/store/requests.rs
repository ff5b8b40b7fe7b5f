//! Requests, their conversation and their history.

use super::{q, Change, Db, Result};
use crate::domain::kinds::RequestKind;
use crate::domain::request::{Priority, RequestKey, RequestState};
use sqlx::FromRow;

impl Db {
    // ----- requests ------------------------------------------------------------------------

    pub async fn request(&self, key: RequestKey) -> Result<Option<RequestRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
            .bind(key.number()).fetch_optional(p).await))
    }

    /// A requester's own requests, newest first, `limit` at a time before the cursor (a request
    /// number), so paging never scans with OFFSET.
    pub async fn requests_of(
        &self,
        requester_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE {MINE} AND r.id < $2 ORDER BY r.id DESC LIMIT $3"))
            .bind(requester_id).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(p).await))
    }

    /// A requester's own requests, newest first: only open ones, only finished ones, or all
    /// (`open`: `Some(true)`, `Some(false)`, `None`), whose title or key contains `text`.
    pub async fn requests_of_matching(
        &self,
        requester_id: i64,
        open: Option<bool>,
        text: &str,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        const FINISHED: &str = "('resolved', 'closed', 'denied', 'cancelled')";
        let state = match open {
            Some(true) => format!(" AND r.state NOT IN {FINISHED}"),
            Some(false) => format!(" AND r.state IN {FINISHED}"),
            None => String::new(),
        };
        let text = text.trim().to_lowercase();
        let number = text.trim_start_matches("req-").parse::<i64>().unwrap_or(-1);
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE {MINE}{state} \
             AND ($2 = '' OR LOWER(r.title) LIKE $3 ESCAPE '\\' OR r.id = $4) \
             ORDER BY r.id DESC LIMIT $5"))
            .bind(requester_id).bind(&text).bind(&pattern).bind(number).bind(limit)
            .fetch_all(p).await))
    }

    /// Every request, newest first, before the cursor (for staff API listing).
    pub async fn all_requests(&self, before: Option<i64>, limit: i64) -> Result<Vec<RequestRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE r.id < $1 ORDER BY r.id DESC LIMIT $2"))
            .bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(p).await))
    }

    /// Moves a request from `from` to `to`, setting the assignee too when given, and writes the
    /// history; refuses with [`StoreError::Stale`] if someone moved it first.
    pub async fn change_request(
        &self,
        key: RequestKey,
        actor_id: i64,
        from: RequestState,
        to: RequestState,
        assignee: Option<(Option<i64>, Option<i64>)>,
    ) -> Result<()> {
        self.apply_changes(
            actor_id,
            &[Change {
                id: key.number(),
                state: Some((from, to)),
                assignee,
                ..Change::default()
            }],
        )
        .await
    }

    /// Adds a reply or internal note, with a history line, in one transaction.
    pub async fn add_comment(
        &self,
        key: RequestKey,
        author_id: i64,
        body: &str,
        internal: bool,
    ) -> Result<()> {
        self.apply_changes(
            author_id,
            &[Change {
                id: key.number(),
                comment: Some((body.to_string(), internal)),
                ..Change::default()
            }],
        )
        .await
    }

    /// The conversation; internal notes only when asked for (staff).
    pub async fn comments(
        &self,
        key: RequestKey,
        include_internal: bool,
    ) -> Result<Vec<CommentRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT c.id, u.name AS author_name, c.body, c.internal, c.created_at \
             FROM comments c JOIN users u ON u.id = c.author_id \
             WHERE c.request_id = $1 AND (c.internal = FALSE OR $2) ORDER BY c.id")
            .bind(key.number()).bind(include_internal).fetch_all(p).await))
    }

    /// The history, oldest first. Internal notes appear as "added an internal note" only for staff.
    pub async fn events(&self, key: RequestKey, include_internal: bool) -> Result<Vec<EventRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT e.id, u.name AS actor_name, e.at, e.field, e.before, e.after, e.rule_id, ru.name AS rule_name \
             FROM request_events e JOIN users u ON u.id = e.actor_id LEFT JOIN rules ru ON ru.id = e.rule_id \
             WHERE e.request_id = $1 AND (e.field <> 'internal-note' OR $2) ORDER BY e.id")
            .bind(key.number()).bind(include_internal).fetch_all(p).await))
    }

    pub async fn count_requests(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, p => q(sqlx::query_as("SELECT COUNT(*) FROM requests").fetch_one(p).await))?;
        Ok(n)
    }
}

/// The requests that are `$1`'s: asked for by them, or with them copied on it.
const MINE: &str = "(r.requester_id = $1 OR r.id IN (SELECT rp.request_id FROM request_participants rp WHERE rp.user_id = $1))";

pub(super) const REQUEST_SELECT: &str = "SELECT r.id, r.kind, r.title, r.description, r.priority, r.state, \
    r.requester_id, rq.name AS requester_name, r.assignee_id, a.name AS assignee_name, \
    r.created_at, r.updated_at, r.details, r.priority_rank, r.responded_at, r.paused_ms, r.paused_since, \
    r.first_due_at, r.resolve_due_at, r.due_at, r.risk_at, r.resolved_at, r.rating, r.rating_comment, r.rated_at, \
    (r.state IN ('in-progress', 'waiting-on-requester') \
     AND EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id) \
     AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id AND t.state = 'open')) AS tasks_done \
    FROM requests r JOIN users rq ON rq.id = r.requester_id LEFT JOIN users a ON a.id = r.assignee_id";

#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub kind: RequestKind,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub state: RequestState,
    pub requester_id: i64,
    pub requester_name: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The kind's own fields as saved (JSON).
    pub details: String,
    pub priority_rank: i16,
    /// Service-level clocks, as last settled (see `domain::sla::settle`).
    pub responded_at: Option<i64>,
    /// Business time spent waiting on the requester, not counting a pause still running.
    pub paused_ms: i64,
    pub paused_since: Option<i64>,
    pub first_due_at: Option<i64>,
    pub resolve_due_at: Option<i64>,
    /// The next deadline and its at-risk instant; `None` while paused or finished.
    pub due_at: Option<i64>,
    pub risk_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// The requester's rating of the help (`good` or `bad`), once given.
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<i64>,
    /// Every task is closed yet the request is still being worked: it waits for its resolution
    /// reply.
    pub tasks_done: bool,
}

impl RequestRow {
    pub fn key(&self) -> RequestKey {
        RequestKey::new(self.id)
    }

    pub fn state(&self) -> RequestState {
        self.state
    }
    pub fn kind(&self) -> RequestKind {
        self.kind
    }
    pub fn priority(&self) -> Priority {
        self.priority
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub author_name: String,
    pub body: String,
    pub internal: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub actor_name: String,
    pub at: i64,
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The rule that made this change, if one did (its name `None` once it is deleted).
    pub rule_id: Option<i64>,
    pub rule_name: Option<String>,
}
