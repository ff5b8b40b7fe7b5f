//! The analyst queue: views, filters and counts over open requests, changes to many requests in
//! one transaction, the service-level calendar (holidays), shifts, round-robin, saved views and
//! macros.
//!
//! Every view and count reads only open requests through partial indexes whose `WHERE` is
//! [`OPEN`] word for word (SQLite uses a partial index only when the query repeats its condition),
//! and pages are keyset-paginated, so neither grows with the number of finished requests.

use super::requests::{RequestRow, REQUEST_SELECT};
use super::{now_ms, q, BeginWrite, Db, Result, StoreError};
use crate::domain::guide::search_terms;
use crate::domain::queue::{
    key_in, AssigneeFilter, Cursor, Filter, SlaFilter, Sort, StateFilter, View, NO_DUE,
};
use crate::domain::request::{Priority, RequestState};
use crate::domain::sla::{self, Calendar, ClockFacts};
use crate::domain::time::{Day, Timestamp};
use sqlx::FromRow;

/// The setting that switches round-robin off ("off") or on (anything else, or unset).
pub const ROUND_ROBIN: &str = "round_robin";

/// The open states, exactly as the partial indexes of migration 0007 spell them.
pub const OPEN: &str =
    "r.state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester')";
/// The due-order key, exactly as the index `requests_open_due` spells it.
const DUE_KEY: &str = "COALESCE(r.due_at, 9223372036854775807)";

/// What the clocks are computed from, as stored on a request.
#[derive(Debug, Clone, FromRow)]
pub struct ClockRow {
    pub priority: String,
    pub state: String,
    pub created_at: i64,
    pub paused_ms: i64,
    pub paused_since: Option<i64>,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

impl ClockRow {
    pub fn settle(&self, calendar: &Calendar, now: i64) -> sla::Settled {
        let facts = ClockFacts {
            priority: self.priority.parse().unwrap_or(Priority::Normal),
            state: self.state.parse().unwrap_or(RequestState::New),
            created: Timestamp::from_millis(self.created_at),
            paused_ms: self.paused_ms,
            paused_since: self.paused_since.map(Timestamp::from_millis),
            responded: self.responded_at.is_some(),
            resolved_at: self.resolved_at.map(Timestamp::from_millis),
        };
        sla::settle(calendar, facts, Timestamp::from_millis(now))
    }
}

/// The calendar from the holiday rows; a row that does not parse is skipped with a log line.
pub fn calendar_of(days: &[(String,)]) -> Calendar {
    Calendar::new(days.iter().filter_map(|(d,)| {
        let day = Day::parse(d);
        if day.is_none() {
            tracing::error!(day = %d, "unparsable holiday in database");
        }
        day
    }))
}

/// A bind value of a query built at run time.
#[derive(Debug, Clone)]
enum Arg {
    I(i64),
    S(String),
}

/// A `WHERE` clause under construction, with its numbered arguments.
#[derive(Default)]
struct Where {
    terms: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn and(&mut self, term: String) {
        self.terms.push(term);
    }

    fn sql(&self) -> String {
        if self.terms.is_empty() {
            "TRUE".into()
        } else {
            self.terms.join(" AND ")
        }
    }
}

/// Binds `$args` in order onto `$query` (either backend).
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for a in $args {
            query = match a {
                Arg::I(v) => query.bind(*v),
                Arg::S(v) => query.bind(v.clone()),
            };
        }
        query
    }};
}

/// The members of the viewer's teams, including the viewer.
const MY_TEAM: &str = "SELECT tm2.user_id FROM team_members tm1 \
     JOIN team_members tm2 ON tm2.team = tm1.team WHERE tm1.user_id = ";

/// Marks the first response: a public reply or a state change by someone other than the
/// requester, and other than the scheduler's own reminders.
const RESPONDED: &str =
    "UPDATE requests SET responded_at = COALESCE(responded_at, $1) WHERE id = $2 \
     AND NOT EXISTS (SELECT 1 FROM users WHERE id = $3 AND handle = 'tierdesk')";

/// Every view's count in one statement: `$1` the viewer, `$2` now.
fn counts_sql() -> String {
    // One pass over the open requests' kind index, which carries every column tested here; the
    // team is a set computed once. Totals are the sums over kinds.
    format!(
        "SELECT r.kind, COUNT(*), \
         COUNT(*) FILTER (WHERE r.assignee_id IS NULL), \
         COUNT(*) FILTER (WHERE r.assignee_id = $1), \
         COUNT(*) FILTER (WHERE r.assignee_id IN ({MY_TEAM}$1 UNION SELECT CAST($1 AS BIGINT))), \
         COUNT(*) FILTER (WHERE r.risk_at <= $2 AND r.due_at > $2), \
         COUNT(*) FILTER (WHERE r.due_at <= $2), \
         COUNT(*) FILTER (WHERE r.state = 'awaiting-approval') \
         FROM requests r WHERE {OPEN} GROUP BY r.kind ORDER BY r.kind"
    )
}

/// A transaction for one queue page on Postgres; with `ordered_scan`, sorting is forbidden in
/// it. Postgres has no index hints, and its estimates for "open and unassigned" or "open and
/// past due" are far too low (those columns are correlated with the state), so it would sort
/// thousands of rows to return fifty; without a sort it reads the open requests' ordered index
/// and stops after one page, as `INDEXED BY` makes SQLite do.
async fn page_transaction(
    p: &sqlx::PgPool,
    ordered_scan: bool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = q(p.begin().await)?;
    if ordered_scan {
        q(sqlx::query("SET LOCAL enable_sort = off")
            .execute(&mut *tx)
            .await)?;
    }
    Ok(tx)
}

/// Per-view counts for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewCounts {
    pub counts: Vec<(View, i64)>,
    pub kinds: Vec<(String, i64)>,
}

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
}

#[derive(Debug, Clone, FromRow)]
pub struct ShiftRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub region: String,
    pub duty: String,
    pub weekday: i16,
    pub start_min: i32,
    pub end_min: i32,
}

#[derive(Debug, Clone, FromRow)]
pub struct HolidayRow {
    pub day: String,
    pub name: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SavedViewRow {
    pub id: i64,
    pub name: String,
    pub query: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct MacroRow {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub set_state: Option<String>,
    pub add_labels: String,
}

/// Weekday (0 = Monday) and minute of the UTC day of `now`.
pub fn week_minute(now: i64) -> (i16, i32) {
    let day = Day::of(Timestamp::from_millis(now));
    let minute = ((now - day.start_ms()) / 60_000) as i32;
    (day.weekday().number_days_from_monday() as i16, minute)
}

impl Db {
    fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// The `WHERE` of a queue query for `viewer` at `now`.
    fn filter_where(&self, f: &Filter, viewer: i64, now: i64) -> Where {
        let f = f.effective();
        let mut w = Where::default();
        match f.state {
            StateFilter::Open => w.and(OPEN.into()),
            StateFilter::Any => {}
            StateFilter::Is(s) => {
                let a = w.arg(Arg::S(s.as_str().into()));
                w.and(format!("r.state = {a}"));
                if s.is_open() {
                    w.and(OPEN.into());
                }
            }
        }
        if let Some(k) = f.kind {
            let a = w.arg(Arg::S(k.as_str().into()));
            w.and(format!("r.kind = {a}"));
        }
        if let Some(p) = f.priority {
            let a = w.arg(Arg::S(p.as_str().into()));
            w.and(format!("r.priority = {a}"));
        }
        if let Some(l) = &f.label {
            let a = w.arg(Arg::S(l.clone()));
            w.and(format!(
                "EXISTS (SELECT 1 FROM request_labels l WHERE l.request_id = r.id AND l.label = {a})"
            ));
        }
        match &f.assignee {
            None => {}
            Some(AssigneeFilter::Nobody) => w.and("r.assignee_id IS NULL".into()),
            Some(AssigneeFilter::Me) => {
                let a = w.arg(Arg::I(viewer));
                w.and(format!("r.assignee_id = {a}"));
            }
            Some(AssigneeFilter::MyTeam) => {
                let a = w.arg(Arg::I(viewer));
                let b = w.arg(Arg::I(viewer));
                w.and(format!(
                    "r.assignee_id IN ({MY_TEAM}{b} UNION SELECT CAST({a} AS BIGINT))"
                ));
            }
            Some(AssigneeFilter::Person(h)) => {
                let a = w.arg(Arg::S(h.clone()));
                w.and(format!(
                    "r.assignee_id = (SELECT id FROM users WHERE handle = {a} OR email = {a})"
                ));
            }
        }
        if let Some(h) = &f.requester {
            let a = w.arg(Arg::S(h.clone()));
            w.and(format!(
                "r.requester_id = (SELECT id FROM users WHERE handle = {a} OR email = {a})"
            ));
        }
        if let Some(s) = &f.system {
            let a = w.arg(Arg::S(s.clone()));
            w.and(format!(
                "EXISTS (SELECT 1 FROM request_lines rl JOIN systems s ON s.id = rl.system_id \
                 WHERE rl.request_id = r.id AND s.slug = {a})"
            ));
        }
        match f.sla {
            None => {}
            Some(SlaFilter::AtRisk) => {
                let a = w.arg(Arg::I(now));
                let b = w.arg(Arg::I(now));
                w.and(format!("r.risk_at <= {a} AND r.due_at > {b}"));
            }
            Some(SlaFilter::Breached) => {
                let a = w.arg(Arg::I(now));
                let b = w.arg(Arg::I(now));
                w.and(format!("r.risk_at <= {a} AND r.due_at <= {b}"));
            }
        }
        if let Some(text) = &f.text {
            if let Some(n) = key_in(text) {
                let a = w.arg(Arg::I(n));
                w.and(format!("r.id = {a}"));
            } else {
                let terms = search_terms(text);
                if terms.is_empty() {
                    // Only filler words or punctuation: nothing can match them.
                    w.and("FALSE".into());
                } else if self.is_postgres() {
                    let a = w.arg(Arg::S(terms.join(" ")));
                    w.and(format!("r.search @@ plainto_tsquery('english', {a})"));
                } else {
                    let phrase = terms
                        .iter()
                        .map(|t| format!("\"{t}\""))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let a = w.arg(Arg::S(phrase));
                    w.and(format!(
                        "r.id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH {a})"
                    ));
                }
            }
        }
        w
    }

    /// One page of a queue query, and the cursor of the next page if there is one.
    pub async fn queue_page(
        &self,
        f: &Filter,
        viewer: i64,
        now: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, Option<Cursor>)> {
        let mut w = self.filter_where(f, viewer, now);
        let order = match f.sort {
            Sort::Due => {
                if let Some(c) = f.cursor {
                    let (a, b) = (w.arg(Arg::I(c.key)), w.arg(Arg::I(c.id)));
                    w.and(format!("({DUE_KEY}, r.id) > ({a}, {b})"));
                }
                format!("{DUE_KEY}, r.id")
            }
            Sort::Newest => {
                if let Some(c) = f.cursor {
                    let a = w.arg(Arg::I(c.id));
                    w.and(format!("r.id < {a}"));
                }
                "r.id DESC".into()
            }
            Sort::Oldest => {
                if let Some(c) = f.cursor {
                    let a = w.arg(Arg::I(c.id));
                    w.and(format!("r.id > {a}"));
                }
                "r.id".into()
            }
            Sort::Priority => {
                if let Some(c) = f.cursor {
                    let (a, b) = (w.arg(Arg::I(c.key)), w.arg(Arg::I(c.id)));
                    w.and(format!("(r.priority_rank, r.id) > ({a}, {b})"));
                }
                "r.priority_rank, r.id".into()
            }
        };
        // SQLite's planner prefers a state-first index and sorts what it finds; reading the
        // open requests' own index in the page's order and stopping after one page is never
        // worse than a scan of the open requests, and usually far better.
        let select = match (self.is_postgres(), f.effective().state, f.sort) {
            (false, StateFilter::Open, Sort::Due) => REQUEST_SELECT.replace(
                "FROM requests r ",
                "FROM requests r INDEXED BY requests_open_due ",
            ),
            (false, StateFilter::Open, Sort::Newest | Sort::Oldest) => REQUEST_SELECT.replace(
                "FROM requests r ",
                "FROM requests r INDEXED BY requests_open_id ",
            ),
            (false, StateFilter::Open, Sort::Priority) => REQUEST_SELECT.replace(
                "FROM requests r ",
                "FROM requests r INDEXED BY requests_open_priority ",
            ),
            _ => REQUEST_SELECT.to_string(),
        };
        let sql = format!(
            "{select} WHERE {} ORDER BY {order} LIMIT {}",
            w.sql(),
            limit + 1
        );
        let ordered_scan = f.effective().state == StateFilter::Open;
        let mut rows: Vec<RequestRow> = match self {
            Db::Sqlite(p) => q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_all(p).await)?,
            Db::Postgres(p) if ordered_scan => {
                let mut tx = page_transaction(p, true).await?;
                let rows = q(bind_all!(sqlx::query_as(&sql), &w.args)
                    .fetch_all(&mut *tx)
                    .await)?;
                q(tx.commit().await)?;
                rows
            }
            Db::Postgres(p) => q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_all(p).await)?,
        };
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| Cursor {
                key: match f.sort {
                    Sort::Due => r.due_at.unwrap_or(NO_DUE),
                    Sort::Priority => r.priority_rank as i64,
                    Sort::Newest | Sort::Oldest => r.id,
                },
                id: r.id,
            })
        } else {
            None
        };
        Ok((rows, next))
    }

    /// The plans of a queue page's query and of the view counts, for benchmarks.
    pub async fn queue_plan(&self, f: &Filter, viewer: i64, now: i64) -> Result<Vec<String>> {
        let w = self.filter_where(f, viewer, now);
        let page = format!(
            "{REQUEST_SELECT} WHERE {} ORDER BY {DUE_KEY}, r.id LIMIT 51",
            w.sql()
        );
        let counts = counts_sql();
        let mut plan = Vec::new();
        match self {
            Db::Sqlite(p) => {
                let sql = format!("EXPLAIN QUERY PLAN {page}");
                let rows: Vec<(i64, i64, i64, String)> =
                    q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_all(p).await)?;
                plan.extend(rows.into_iter().map(|r| r.3));
                let rows: Vec<(i64, i64, i64, String)> =
                    q(sqlx::query_as(&format!("EXPLAIN QUERY PLAN {counts}"))
                        .bind(viewer)
                        .bind(now)
                        .fetch_all(p)
                        .await)?;
                plan.push("-- counts:".into());
                plan.extend(rows.into_iter().map(|r| r.3));
            }
            Db::Postgres(p) => {
                let sql = format!("EXPLAIN (ANALYZE, BUFFERS) {page}");
                let mut tx = page_transaction(p, f.effective().state == StateFilter::Open).await?;
                let rows: Vec<(String,)> = q(bind_all!(sqlx::query_as(&sql), &w.args)
                    .fetch_all(&mut *tx)
                    .await)?;
                q(tx.commit().await)?;
                plan.extend(rows.into_iter().map(|r| r.0));
                let rows: Vec<(String,)> = q(sqlx::query_as(&format!(
                    "EXPLAIN (ANALYZE, BUFFERS) {counts}"
                ))
                .bind(viewer)
                .bind(now)
                .fetch_all(p)
                .await)?;
                plan.push("-- counts:".into());
                plan.extend(rows.into_iter().map(|r| r.0));
            }
        }
        Ok(plan)
    }

    /// How many requests a filter finds (its cursor and sort are ignored).
    pub async fn queue_count(&self, f: &Filter, viewer: i64, now: i64) -> Result<i64> {
        let w = self.filter_where(f, viewer, now);
        let sql = format!("SELECT COUNT(*) FROM requests r WHERE {}", w.sql());
        let (n,): (i64,) =
            on_pool!(self, p => q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_one(p).await))?;
        Ok(n)
    }

    /// Every built-in view's count and the open requests per kind, from one pass over the open
    /// requests' kind index (see [`counts_sql`]).
    pub async fn view_counts(&self, viewer: i64, now: i64) -> Result<ViewCounts> {
        let sql = counts_sql();
        type PerKind = (String, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<PerKind> =
            on_pool!(self, p => q(sqlx::query_as(&sql).bind(viewer).bind(now).fetch_all(p).await))?;
        let mut t = [0i64; 7];
        for r in &rows {
            for (sum, n) in t.iter_mut().zip([r.1, r.2, r.3, r.4, r.5, r.6, r.7]) {
                *sum += n;
            }
        }
        let [all, unassigned, mine, team, at_risk, breached, approval] = t;
        let kinds = rows.into_iter().map(|r| (r.0, r.1)).collect();
        Ok(ViewCounts {
            counts: vec![
                (View::Unassigned, unassigned),
                (View::Mine, mine),
                (View::Team, team),
                (View::AtRisk, at_risk),
                (View::Breached, breached),
                (View::AwaitingApproval, approval),
                (View::Open, all),
            ],
            kinds,
        })
    }

    /// Changes to some number of requests in one transaction, each with its history lines; if
    /// any request is no longer as expected, nothing is changed ([`StoreError::Stale`]).
    pub async fn apply_changes(&self, actor: i64, changes: &[Change]) -> Result<()> {
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            // Roll back at once on any refusal: an SQLite write lock must not wait in the pool
            // for the connection's next use.
            let outcome: Result<()> = async {
            for c in changes {
                let (requester,): (i64,) = q(sqlx::query_as("SELECT requester_id FROM requests WHERE id = $1")
                    .bind(c.id).fetch_optional(&mut *tx).await)?.ok_or(StoreError::NotFound)?;
                if let Some((text, internal)) = &c.comment {
                    q(sqlx::query(
                        "INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(c.id).bind(actor).bind(text).bind(*internal).bind(now).execute(&mut *tx).await)?;
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

    /// Settles clocks of open requests that have none yet (made before clocks existed).
    pub async fn settle_missing_clocks(&self) -> Result<u64> {
        let now = now_ms();
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
        let now = now_ms();
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
        match self {
            Db::Sqlite(p) => {
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
            Db::Postgres(p) => {
                // VACUUM also marks pages all-visible, so the queue's counts stay index-only.
                q(sqlx::query("VACUUM (ANALYZE) requests").execute(p).await)?;
            }
        }
        Ok(())
    }

    /// The latest change to any request: the dashboard refreshes when it moves.
    pub async fn queue_version(&self) -> Result<i64> {
        let (v,): (Option<i64>,) = on_pool!(self, p => q(sqlx::query_as("SELECT MAX(updated_at) FROM requests").fetch_one(p).await))?;
        Ok(v.unwrap_or(0))
    }

    /// People who work the queue (analysts and admins), by name.
    pub async fn queue_workers(&self) -> Result<Vec<(i64, String, String)>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT DISTINCT u.id, u.handle, u.name FROM users u JOIN user_roles ur ON ur.user_id = u.id \
             WHERE u.active = TRUE AND ur.role IN ('analyst', 'admin') ORDER BY u.name")
            .fetch_all(p).await))
    }

    /// Requests by number, for a batch change (missing ones are simply absent).
    pub async fn requests_by_ids(&self, ids: &[i64]) -> Result<Vec<RequestRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        on_pool!(self, p => q(sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id IN ({list}) ORDER BY r.id"))
            .fetch_all(p).await))
    }

    // ----- holidays ------------------------------------------------------------------------

    pub async fn holidays(&self) -> Result<Vec<HolidayRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT day, name FROM holidays ORDER BY day").fetch_all(p).await))
    }

    pub async fn calendar(&self) -> Result<Calendar> {
        let days: Vec<(String,)> =
            on_pool!(self, p => q(sqlx::query_as("SELECT day FROM holidays").fetch_all(p).await))?;
        Ok(calendar_of(&days))
    }

    /// Adds or renames a holiday; open requests' clocks follow in the same transaction.
    pub async fn put_holiday(&self, day: Day, name: &str, actor: i64) -> Result<()> {
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query("INSERT INTO holidays (day, name, created_by, created_at) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (day) DO UPDATE SET name = excluded.name")
                .bind(day.to_string()).bind(name).bind(actor).bind(now).execute(&mut *tx).await)?;
            let ids: Vec<(i64,)> = q(sqlx::query_as(&format!("SELECT r.id FROM requests r WHERE {OPEN}"))
                .fetch_all(&mut *tx).await)?;
            for (id,) in &ids {
                settle_clocks!(tx, *id, now);
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn delete_holiday(&self, day: Day) -> Result<bool> {
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query("DELETE FROM holidays WHERE day = $1").bind(day.to_string()).execute(&mut *tx).await)?;
            let ids: Vec<(i64,)> = q(sqlx::query_as(&format!("SELECT r.id FROM requests r WHERE {OPEN}"))
                .fetch_all(&mut *tx).await)?;
            for (id,) in &ids {
                settle_clocks!(tx, *id, now);
            }
            q(tx.commit().await)?;
            Ok(done.rows_affected() == 1)
        })
    }

    // ----- shifts and round-robin ------------------------------------------------------------

    pub async fn shifts(&self) -> Result<Vec<ShiftRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id, s.user_id, u.name, s.region, s.duty, s.weekday, s.start_min, s.end_min \
             FROM shifts s JOIN users u ON u.id = s.user_id ORDER BY s.region, s.weekday, s.start_min, u.name")
            .fetch_all(p).await))
    }

    /// Who is on shift at `now`, with their region and duty.
    pub async fn on_shift(&self, now: i64) -> Result<Vec<ShiftRow>> {
        let (weekday, minute) = week_minute(now);
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id, s.user_id, u.name, s.region, s.duty, s.weekday, s.start_min, s.end_min \
             FROM shifts s JOIN users u ON u.id = s.user_id \
             WHERE s.weekday = $1 AND s.start_min <= $2 AND s.end_min > $2 AND u.active = TRUE \
             ORDER BY s.duty DESC, s.region, u.name")
            .bind(weekday).bind(minute).fetch_all(p).await))
    }

    /// Adds one stretch per weekday given, in one transaction.
    pub async fn add_shifts(
        &self,
        user_id: i64,
        region: &str,
        duty: &str,
        weekdays: &[i16],
        start_min: i32,
        end_min: i32,
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for d in weekdays {
                q(sqlx::query("INSERT INTO shifts (user_id, region, duty, weekday, start_min, end_min) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(user_id).bind(region).bind(duty).bind(*d).bind(start_min).bind(end_min)
                    .execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn delete_shift(&self, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM shifts WHERE id = $1").bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, p => q(sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(p).await))?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key).bind(value).execute(p).await).map(|_| ()))?;
        Ok(())
    }

    // ----- saved views -----------------------------------------------------------------------

    pub async fn saved_views(&self, user_id: i64) -> Result<Vec<SavedViewRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT id, name, query FROM saved_views WHERE user_id = $1 ORDER BY name")
            .bind(user_id).fetch_all(p).await))
    }

    /// Saves (or replaces, by name) one of a person's views.
    pub async fn save_view(&self, user_id: i64, name: &str, query: &str) -> Result<i64> {
        let (id,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "INSERT INTO saved_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query RETURNING id")
            .bind(user_id).bind(name).bind(query).bind(now_ms()).fetch_one(p).await))?;
        Ok(id)
    }

    pub async fn delete_view(&self, user_id: i64, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user_id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    // ----- macros ----------------------------------------------------------------------------

    pub async fn macros(&self) -> Result<Vec<MacroRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT id, name, body, set_state, add_labels FROM macros ORDER BY name")
            .fetch_all(p).await))
    }

    pub async fn macro_by_id(&self, id: i64) -> Result<Option<MacroRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT id, name, body, set_state, add_labels FROM macros WHERE id = $1")
            .bind(id).fetch_optional(p).await))
    }

    /// Saves a macro by name (replacing one of the same name).
    pub async fn save_macro(
        &self,
        name: &str,
        body: &str,
        set_state: Option<&str>,
        add_labels: &str,
        actor: i64,
    ) -> Result<i64> {
        let (id,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "INSERT INTO macros (name, body, set_state, add_labels, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, set_state = excluded.set_state, \
               add_labels = excluded.add_labels, updated_by = excluded.updated_by, updated_at = excluded.updated_at \
             RETURNING id")
            .bind(name).bind(body).bind(set_state).bind(add_labels).bind(actor).bind(now_ms()).fetch_one(p).await))?;
        Ok(id)
    }

    pub async fn delete_macro(&self, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM macros WHERE id = $1").bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }
}

/// A generated request for demo data and benchmarks, written as if it had lived its life.
#[derive(Debug, Clone)]
pub struct GeneratedRequest {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub priority: String,
    pub state: String,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub label: Option<String>,
}

impl Db {
    /// Writes generated requests in large multi-row inserts (with their "created" history line
    /// and label), then settles the clocks of the open ones. For demo data and benchmarks.
    pub async fn insert_generated_requests(&self, rows: &[GeneratedRequest]) -> Result<()> {
        const CHUNK: usize = 400;
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for chunk in rows.chunks(CHUNK) {
                let mut sql = String::from(
                    "INSERT INTO requests (kind, title, description, priority, state, requester_id, assignee_id, \
                     details, created_at, updated_at, responded_at, resolved_at) VALUES ");
                for i in 0..chunk.len() {
                    let b = i * 11;
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, '[]', ${}, ${}, ${}, ${})",
                        b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11));
                }
                sql.push_str(" RETURNING id");
                let mut query = sqlx::query_as::<_, (i64,)>(&sql);
                for r in chunk {
                    query = query.bind(&r.kind).bind(&r.title).bind(&r.description).bind(&r.priority)
                        .bind(&r.state).bind(r.requester_id).bind(r.assignee_id).bind(r.created_at)
                        .bind(r.updated_at).bind(r.responded_at).bind(r.resolved_at);
                }
                let mut ids: Vec<(i64,)> = q(query.fetch_all(&mut *tx).await)?;
                ids.sort();
                let mut events = String::from(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ");
                for (i, ((id,), r)) in ids.iter().zip(chunk).enumerate() {
                    if i > 0 {
                        events.push_str(", ");
                    }
                    events.push_str(&format!("({id}, {}, {}, 'created', NULL, 'new')", r.requester_id, r.created_at));
                }
                q(sqlx::query(&events).execute(&mut *tx).await)?;
                let labelled: Vec<String> = ids.iter().zip(chunk)
                    .filter_map(|((id,), r)| r.label.as_ref().map(|l| format!("({id}, '{}')", l.replace('\'', ""))))
                    .collect();
                if !labelled.is_empty() {
                    q(sqlx::query(&format!(
                        "INSERT INTO request_labels (request_id, label) VALUES {}", labelled.join(", ")))
                        .execute(&mut *tx).await)?;
                }
            }
            q(tx.commit().await)?;
            Ok::<(), StoreError>(())
        })?;
        self.settle_missing_clocks().await?;
        self.optimize().await
    }
}
