//! The analyst queue: views, filters and counts over open requests, and changes to many requests
//! in one transaction. The desk's settings (holidays, shifts, saved views, macros) are in `rota`.
//!
//! Every view and count reads only open requests through partial indexes whose `WHERE` is
//! [`OPEN`] word for word (SQLite uses a partial index only when the query repeats its condition),
//! and pages are keyset-paginated, so neither grows with the number of finished requests.

use super::requests::{RequestRow, REQUEST_SELECT};
use super::{q, Db, Pool, Result};
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
    pub priority: Priority,
    pub state: RequestState,
    pub created_at: i64,
    pub paused_ms: i64,
    pub paused_since: Option<i64>,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

impl ClockRow {
    pub fn settle(&self, calendar: &Calendar, now: i64) -> sla::Settled {
        let facts = ClockFacts {
            priority: self.priority,
            state: self.state,
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
    /// Words are matched against the full-text table joined as `f` (see [`Db::queue_page`]).
    fts_outer: bool,
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

/// Marks the first response: a public reply or a state change by the helpdesk's staff, never by
/// the scheduler's own reminders nor by the people a request involves (approvers, provisioners,
/// colleagues copied on it), who answer for themselves, not for the helpdesk.
pub(super) const RESPONDED: &str =
    "UPDATE requests SET responded_at = COALESCE(responded_at, $1) WHERE id = $2 \
     AND EXISTS (SELECT 1 FROM user_roles WHERE user_id = $3 AND role IN ('analyst', 'engineer', 'admin')) \
     AND NOT EXISTS (SELECT 1 FROM users WHERE id = $3 AND handle = 'tierdesk')";

/// The open requests counted by kind and assignee in one statement (`$1` now): every view's
/// count for every person follows from it (see [`ViewCounts::tally`]), so all analysts share one
/// computation. One pass over the open requests' kind index, which carries every column tested.
fn count_groups_sql() -> String {
    format!(
        "SELECT r.kind AS kind, r.assignee_id AS assignee_id, COUNT(*) AS open, \
         COUNT(*) FILTER (WHERE r.risk_at <= $1 AND r.due_at > $1) AS at_risk, \
         COUNT(*) FILTER (WHERE r.due_at <= $1) AS breached, \
         COUNT(*) FILTER (WHERE r.state = 'awaiting-approval') AS awaiting_approval \
         FROM requests r WHERE {OPEN} GROUP BY r.kind, r.assignee_id"
    )
}

/// Open requests of one kind and one assignee (or nobody): how many, at risk, breached and
/// awaiting approval.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CountGroup {
    pub kind: String,
    pub assignee_id: Option<i64>,
    pub open: i64,
    pub at_risk: i64,
    pub breached: i64,
    pub awaiting_approval: i64,
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

impl ViewCounts {
    /// Every built-in view's count for `viewer`, whose teams hold `team` (the viewer included),
    /// and the open requests per kind, by kind.
    pub fn tally(groups: &[CountGroup], viewer: i64, team: &[i64]) -> ViewCounts {
        let mut t = [0i64; 7];
        let mut kinds = std::collections::BTreeMap::<&str, i64>::new();
        for g in groups {
            let mine = g.assignee_id == Some(viewer);
            let ours = mine || g.assignee_id.is_some_and(|a| team.contains(&a));
            let add = [
                g.open,
                if g.assignee_id.is_none() { g.open } else { 0 },
                if mine { g.open } else { 0 },
                if ours { g.open } else { 0 },
                g.at_risk,
                g.breached,
                g.awaiting_approval,
            ];
            for (sum, n) in t.iter_mut().zip(add) {
                *sum += n;
            }
            *kinds.entry(&g.kind).or_default() += g.open;
        }
        let [all, unassigned, mine, team, at_risk, breached, approval] = t;
        ViewCounts {
            counts: vec![
                (View::Unassigned, unassigned),
                (View::Mine, mine),
                (View::Team, team),
                (View::AtRisk, at_risk),
                (View::Breached, breached),
                (View::AwaitingApproval, approval),
                (View::Open, all),
            ],
            kinds: kinds.into_iter().map(|(k, n)| (k.to_string(), n)).collect(),
        }
    }
}

impl Db {
    /// The `WHERE` of a queue query for `viewer` at `now`. With `fts_outer_ok`, SQLite's words
    /// are matched against the full-text table joined as `f` (see [`Db::queue_page`]) rather
    /// than through a list of every match, and the answer says so.
    fn filter_where(&self, f: &Filter, viewer: i64, now: i64, fts_outer_ok: bool) -> Where {
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
                    if fts_outer_ok {
                        w.fts_outer = true;
                        w.and(format!("f.requests_fts MATCH {a}"));
                    } else {
                        w.and(format!(
                            "r.id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH {a})"
                        ));
                    }
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
        // Words on SQLite, newest or oldest first: the full-text index yields its matches in
        // request order, so reading it first and stopping after a page never visits the other
        // matches (a common word matches half the requests; listing them all took seconds).
        let mut w = self.filter_where(
            f,
            viewer,
            now,
            matches!(f.sort, Sort::Newest | Sort::Oldest),
        );
        let fts_outer = w.fts_outer;
        // The order the outer table is read in (the same number either way).
        let id = if fts_outer { "f.rowid" } else { "r.id" };
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
                    w.and(format!("{id} < {a}"));
                }
                format!("{id} DESC")
            }
            Sort::Oldest => {
                if let Some(c) = f.cursor {
                    let a = w.arg(Arg::I(c.id));
                    w.and(format!("{id} > {a}"));
                }
                id.to_string()
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
            _ if fts_outer => REQUEST_SELECT.replace(
                "FROM requests r ",
                "FROM requests_fts f CROSS JOIN requests r ON r.id = f.rowid ",
            ),
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
        let mut rows: Vec<RequestRow> = match &self.pool {
            Pool::Sqlite(p) => q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_all(p).await)?,
            Pool::Postgres(p) if ordered_scan => {
                let mut tx = page_transaction(p, true).await?;
                let rows = q(bind_all!(sqlx::query_as(&sql), &w.args)
                    .fetch_all(&mut *tx)
                    .await)?;
                q(tx.commit().await)?;
                rows
            }
            Pool::Postgres(p) => q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_all(p).await)?,
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
        let w = self.filter_where(f, viewer, now, false);
        let page = format!(
            "{REQUEST_SELECT} WHERE {} ORDER BY {DUE_KEY}, r.id LIMIT 51",
            w.sql()
        );
        let counts = count_groups_sql();
        let mut plan = Vec::new();
        match &self.pool {
            Pool::Sqlite(p) => {
                let sql = format!("EXPLAIN QUERY PLAN {page}");
                let rows: Vec<(i64, i64, i64, String)> =
                    q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_all(p).await)?;
                plan.extend(rows.into_iter().map(|r| r.3));
                let rows: Vec<(i64, i64, i64, String)> =
                    q(sqlx::query_as(&format!("EXPLAIN QUERY PLAN {counts}"))
                        .bind(now)
                        .fetch_all(p)
                        .await)?;
                plan.push("-- counts:".into());
                plan.extend(rows.into_iter().map(|r| r.3));
            }
            Pool::Postgres(p) => {
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
        let w = self.filter_where(f, viewer, now, false);
        let sql = format!("SELECT COUNT(*) FROM requests r WHERE {}", w.sql());
        let (n,): (i64,) =
            on_pool!(self, p => q(bind_all!(sqlx::query_as(&sql), &w.args).fetch_one(p).await))?;
        Ok(n)
    }

    /// The open requests by kind and assignee at `now` (see [`count_groups_sql`]).
    pub async fn count_groups(&self, now: i64) -> Result<Vec<CountGroup>> {
        let sql = count_groups_sql();
        on_pool!(self, p => q(sqlx::query_as(&sql).bind(now).fetch_all(p).await))
    }

    /// The people in any of `viewer`'s teams, the viewer included.
    pub async fn team_of(&self, viewer: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, p => q(sqlx::query_as(&format!(
            "{MY_TEAM}$1 UNION SELECT CAST($2 AS BIGINT)"))
            .bind(viewer).bind(viewer).fetch_all(p).await))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Every built-in view's count for `viewer` and the open requests per kind.
    pub async fn view_counts(&self, viewer: i64, now: i64) -> Result<ViewCounts> {
        let groups = self.count_groups(now).await?;
        let team = self.team_of(viewer).await?;
        Ok(ViewCounts::tally(&groups, viewer, &team))
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
}
