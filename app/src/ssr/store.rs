//! One store API over SQLite and Postgres, chosen at run time from the database URL.
//!
//! Each query is written once with `$N` placeholders and runs on either pool through [`on_pool!`],
//! which expands the same body once per backend so each is type-checked against its driver.

use crate::domain::error::AppError;
use crate::domain::request::{NewRequest, Priority, RequestKey, RequestKind, RequestState};
use crate::domain::user::{Role, Viewer};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique or check constraint refused the write; the name says which.
    #[error("constraint {0} violated")]
    Constraint(String),
    #[error("state changed meanwhile")]
    Stale,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    fn from_sqlx(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() || db.is_check_violation() => {
                // Postgres names the constraint; SQLite names the columns in its message.
                let name = db.constraint().map(str::to_string).unwrap_or_else(|| db.message().to_string());
                StoreError::Constraint(name)
            }
            _ => StoreError::Sqlx(e),
        }
    }
}

impl From<StoreError> for AppError {
    /// Logs what the client must not see and hands back something safe to show.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found("That item"),
            StoreError::Stale => AppError::conflict(
                "Someone changed this request meanwhile. Reload the page and try again.",
            ),
            StoreError::Constraint(name) => {
                tracing::warn!(constraint = %name, "constraint refused a write");
                AppError::conflict("That conflicts with something that already exists.")
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

fn q<T>(r: std::result::Result<T, sqlx::Error>) -> Result<T> {
    r.map_err(StoreError::from_sqlx)
}

pub fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

/// The SQLite file used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tierdesk.db";

impl Db {
    /// Connects to `url` (`sqlite:...` or `postgres://...`), creating an SQLite file and its folder
    /// if missing. Fails with a clear error when the server is down; never panics.
    pub async fn connect(url: &str) -> Result<Db, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .map_err(|e| format!("cannot connect to Postgres: {e}"))?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| format!("bad SQLite URL {url:?}: {e}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            if let Some(dir) = opts.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await
                .map_err(|e| format!("cannot open SQLite database {url}: {e}"))?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite: or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Applies the migrations of this backend's dialect (embedded in the binary).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("../migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("SELECT 1").execute(p).await.map(|_| ())))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    // ----- people -------------------------------------------------------------------------

    /// Creates a person with their roles in one transaction.
    pub async fn create_user(
        &self,
        email: &str,
        handle: &str,
        name: &str,
        password_hash: &str,
        roles: &[Role],
    ) -> Result<i64> {
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin().await)?;
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO users (email, handle, name, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(email).bind(handle).bind(name).bind(password_hash).bind(now)
            .fetch_one(&mut *tx).await)?;
            for role in roles {
                q(sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id).bind(role.as_str()).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(id)
        })
    }

    /// Replaces a person's password, name and roles (used by `tierdesk demo` to stay idempotent).
    pub async fn update_user(&self, id: i64, name: &str, password_hash: &str, roles: &[Role]) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin().await)?;
            q(sqlx::query("UPDATE users SET name = $1, password_hash = $2 WHERE id = $3")
                .bind(name).bind(password_hash).bind(id).execute(&mut *tx).await)?;
            q(sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut *tx).await)?;
            for role in roles {
                q(sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id).bind(role.as_str()).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    /// The id and password hash of an active person, for sign-in.
    pub async fn credentials(&self, email: &str) -> Result<Option<(i64, String)>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, password_hash FROM users WHERE email = $1 AND active")
            .bind(email).fetch_optional(p).await))
    }

    pub async fn user_id_by_email(&self, email: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    pub async fn viewer(&self, id: i64) -> Result<Option<Viewer>> {
        let row: Option<UserRow> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, name, email, handle FROM users WHERE id = $1 AND active")
            .bind(id).fetch_optional(p).await))?;
        match row {
            Some(u) => Ok(Some(self.with_roles(u).await?)),
            None => Ok(None),
        }
    }

    async fn with_roles(&self, u: UserRow) -> Result<Viewer> {
        let roles: Vec<(String,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT role FROM user_roles WHERE user_id = $1").bind(u.id).fetch_all(p).await))?;
        let mut roles: Vec<Role> = roles.iter().filter_map(|(r,)| r.parse().ok()).collect();
        roles.sort();
        Ok(Viewer { id: u.id, name: u.name, email: u.email, handle: u.handle, roles })
    }

    // ----- sessions and tokens -------------------------------------------------------------

    pub async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: i64) -> Result<()> {
        let now = now_ms();
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash).bind(user_id).bind(now).bind(expires_at).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    /// The person a live session belongs to.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now_ms()).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    pub async fn create_api_token(&self, user_id: i64, token_hash: &str, label: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id).bind(token_hash).bind(label).bind(now_ms()).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 RETURNING user_id")
            .bind(now_ms()).bind(token_hash).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    // ----- sign-in throttling --------------------------------------------------------------

    pub async fn record_sign_in_failure(&self, email: &str, ip: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO sign_in_failures (email, ip, at) VALUES ($1, $2, $3)")
            .bind(email).bind(ip).bind(now_ms()).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    /// Failures since `since` for this e-mail and for this address.
    pub async fn sign_in_failures(&self, email: &str, ip: &str, since: i64) -> Result<(i64, i64)> {
        on_pool!(self, p => {
            let (by_email,): (i64,) = q(sqlx::query_as(
                "SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND at > $2")
                .bind(email).bind(since).fetch_one(p).await)?;
            let (by_ip,): (i64,) = q(sqlx::query_as(
                "SELECT COUNT(*) FROM sign_in_failures WHERE ip = $1 AND at > $2")
                .bind(ip).bind(since).fetch_one(p).await)?;
            Ok((by_email, by_ip))
        })
    }

    /// After a good sign-in, forget this e-mail's failures; also drop failures too old to matter.
    pub async fn clear_sign_in_failures(&self, email: &str, older_than: i64) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "DELETE FROM sign_in_failures WHERE email = $1 OR at < $2")
            .bind(email).bind(older_than).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    // ----- requests ------------------------------------------------------------------------

    /// Saves a new request and its first history line in one transaction.
    pub async fn insert_request(&self, r: &NewRequest, requester_id: i64) -> Result<RequestKey> {
        let now = now_ms();
        let state = RequestState::New;
        on_pool!(self, p => {
            let mut tx = q(p.begin().await)?;
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO requests (kind, title, description, priority, state, requester_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id")
                .bind(r.kind().as_str()).bind(r.title()).bind(r.description())
                .bind(r.priority().as_str()).bind(state.as_str()).bind(requester_id).bind(now)
                .fetch_one(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'created', NULL, $4)")
                .bind(id).bind(requester_id).bind(now).bind(state.as_str()).execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(RequestKey::new(id))
        })
    }

    pub async fn request(&self, key: RequestKey) -> Result<Option<RequestRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
            .bind(key.number()).fetch_optional(p).await))
    }

    /// A requester's own requests, newest first, `limit` at a time before the cursor (a request
    /// number), so paging never scans with OFFSET.
    pub async fn requests_of(&self, requester_id: i64, before: Option<i64>, limit: i64) -> Result<Vec<RequestRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE r.requester_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3"))
            .bind(requester_id).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(p).await))
    }

    /// The open requests: unassigned first, then newest first.
    pub async fn queue(&self, limit: i64) -> Result<Vec<RequestRow>> {
        let closed = [RequestState::Resolved, RequestState::Closed, RequestState::Denied, RequestState::Cancelled];
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{REQUEST_SELECT} WHERE r.state NOT IN ($1, $2, $3, $4) \
             ORDER BY CASE WHEN r.assignee_id IS NULL THEN 0 ELSE 1 END, r.id DESC LIMIT $5"))
            .bind(closed[0].as_str()).bind(closed[1].as_str()).bind(closed[2].as_str()).bind(closed[3].as_str())
            .bind(limit).fetch_all(p).await))
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
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin().await)?;
            let done = q(sqlx::query(
                "UPDATE requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
                .bind(to.as_str()).bind(now).bind(key.number()).bind(from.as_str())
                .execute(&mut *tx).await)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
            if from != to {
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, 'state', $4, $5)")
                    .bind(key.number()).bind(actor_id).bind(now).bind(from.as_str()).bind(to.as_str())
                    .execute(&mut *tx).await)?;
            }
            if let Some((before, after)) = assignee {
                let done = q(sqlx::query(
                    "UPDATE requests SET assignee_id = $1 WHERE id = $2 AND assignee_id IS NOT DISTINCT FROM $3")
                    .bind(after).bind(key.number()).bind(before).execute(&mut *tx).await)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Stale);
                }
                q(sqlx::query(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) \
                     VALUES ($1, $2, $3, 'assignee', \
                       (SELECT name FROM users WHERE id = $4), (SELECT name FROM users WHERE id = $5))")
                    .bind(key.number()).bind(actor_id).bind(now).bind(before).bind(after)
                    .execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    /// Adds a reply or internal note, with a history line, in one transaction.
    pub async fn add_comment(&self, key: RequestKey, author_id: i64, body: &str, internal: bool) -> Result<i64> {
        let now = now_ms();
        let field = if internal { "internal-note" } else { "reply" };
        on_pool!(self, p => {
            let mut tx = q(p.begin().await)?;
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(key.number()).bind(author_id).bind(body).bind(internal).bind(now)
                .fetch_one(&mut *tx).await)?;
            q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                .bind(now).bind(key.number()).execute(&mut *tx).await)?;
            q(sqlx::query(
                "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ($1, $2, $3, $4, NULL, NULL)")
                .bind(key.number()).bind(author_id).bind(now).bind(field).execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok(id)
        })
    }

    /// The conversation; internal notes only when asked for (staff).
    pub async fn comments(&self, key: RequestKey, include_internal: bool) -> Result<Vec<CommentRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT c.id, u.name AS author_name, c.body, c.internal, c.created_at \
             FROM comments c JOIN users u ON u.id = c.author_id \
             WHERE c.request_id = $1 AND (c.internal = FALSE OR $2) ORDER BY c.id")
            .bind(key.number()).bind(include_internal).fetch_all(p).await))
    }

    /// The history, oldest first. Internal notes appear as "added an internal note" only for staff.
    pub async fn events(&self, key: RequestKey, include_internal: bool) -> Result<Vec<EventRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT e.id, u.name AS actor_name, e.at, e.field, e.before, e.after \
             FROM request_events e JOIN users u ON u.id = e.actor_id \
             WHERE e.request_id = $1 AND (e.field <> 'internal-note' OR $2) ORDER BY e.id")
            .bind(key.number()).bind(include_internal).fetch_all(p).await))
    }

    pub async fn count_requests(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, p => q(sqlx::query_as("SELECT COUNT(*) FROM requests").fetch_one(p).await))?;
        Ok(n)
    }
}

const REQUEST_SELECT: &str = "SELECT r.id, r.kind, r.title, r.description, r.priority, r.state, \
    r.requester_id, rq.name AS requester_name, r.assignee_id, a.name AS assignee_name, \
    r.created_at, r.updated_at \
    FROM requests r JOIN users rq ON rq.id = r.requester_id LEFT JOIN users a ON a.id = r.assignee_id";

#[derive(Debug, FromRow)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    handle: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub priority: String,
    pub state: String,
    pub requester_id: i64,
    pub requester_name: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RequestRow {
    pub fn key(&self) -> RequestKey {
        RequestKey::new(self.id)
    }

    /// Rows are only ever written from parsed domain values; a value that no longer parses means
    /// the database was edited by hand, which is worth a loud log rather than a crash.
    pub fn state(&self) -> RequestState {
        self.state.parse().unwrap_or_else(|e| {
            tracing::error!(request = self.id, error = %e, "unknown state in database");
            RequestState::New
        })
    }
    pub fn kind(&self) -> RequestKind {
        self.kind.parse().unwrap_or_else(|e| {
            tracing::error!(request = self.id, error = %e, "unknown kind in database");
            RequestKind::Other
        })
    }
    pub fn priority(&self) -> Priority {
        self.priority.parse().unwrap_or(Priority::Normal)
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
}

