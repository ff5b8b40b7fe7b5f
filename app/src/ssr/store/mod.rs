//! One store API over SQLite and Postgres, chosen at run time from the database URL.
//!
//! Each query is written once with `$N` placeholders and runs on either pool through [`on_pool!`],
//! which expands the same body once per backend so each is type-checked against its driver.

use super::clock::Clock;
use crate::domain::error::AppError;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The store: a pool of one backend, and the clock every write is stamped with.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: Pool,
    clock: Clock,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqliteStore),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            $crate::ssr::store::Pool::Sqlite($pool) => $body,
            $crate::ssr::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Starts a transaction that will write. On SQLite it runs on the store's one writer
/// connection ([`SqliteStore`]): writers queue for it in the order they asked, without taking a
/// reader's connection meanwhile, and it takes the file's write lock at once (`BEGIN
/// IMMEDIATE`, for writers in other processes). Before, every writer took a pooled connection
/// and SQLite's busy handler slept and polled for the lock: 64 parallel writers starved readers
/// of connections, woke late, and a deferred transaction whose snapshot went stale while it
/// waited got "database is locked", a 500. Postgres needs nothing more.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = sqlx::Result<sqlx::Transaction<'static, Self::Db>>> + Send;
}

impl BeginWrite for SqliteStore {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>>> + Send
    {
        self.writer.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>>> + Send
    {
        self.begin()
    }
}

/// An SQLite database: a pool of connections that read, and one connection that writes, for
/// write transactions ([`BeginWrite`]) and single statements alike. It reads like its pool:
/// queries run on `&SqliteStore` as on `&SqlitePool`, and a statement that is not a `SELECT`
/// goes to the writer ([`writes`]). A single `UPDATE` on a reader used to wait for the file's
/// lock in SQLite's busy handler, polling while the writer took it again and again, and failed
/// with "database is locked" after five seconds: 64 writers with a token used for the first
/// time (its last use is written) got 500s.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    readers: SqlitePool,
    writer: SqlitePool,
}

impl std::ops::Deref for SqliteStore {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        &self.readers
    }
}

/// Whether a statement may write: anything but a query (`SELECT`, or `EXPLAIN` of one).
fn writes(sql: &str) -> bool {
    let head = sql.trim_start();
    let starts = |word: &str| {
        head.get(..word.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(word))
    };
    !(starts("SELECT") || starts("EXPLAIN"))
}

impl SqliteStore {
    /// Closes the writer and the readers (the pool it reads like is only the readers).
    pub async fn close(&self) {
        self.writer.close().await;
        self.readers.close().await;
    }

    /// The connections a statement runs on.
    fn for_sql(&self, sql: &str) -> &SqlitePool {
        if writes(sql) {
            &self.writer
        } else {
            &self.readers
        }
    }
}

impl<'p> sqlx::Executor<'p> for &'p SqliteStore {
    type Database = sqlx::Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_core::stream::BoxStream<
        'e,
        sqlx::Result<sqlx::Either<sqlx::sqlite::SqliteQueryResult, sqlx::sqlite::SqliteRow>>,
    >
    where
        'p: 'e,
        E: 'q + sqlx::Execute<'q, sqlx::Sqlite>,
    {
        self.for_sql(query.sql()).fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_core::future::BoxFuture<'e, sqlx::Result<Option<sqlx::sqlite::SqliteRow>>>
    where
        'p: 'e,
        E: 'q + sqlx::Execute<'q, sqlx::Sqlite>,
    {
        self.for_sql(query.sql()).fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [sqlx::sqlite::SqliteTypeInfo],
    ) -> futures_core::future::BoxFuture<'e, sqlx::Result<sqlx::sqlite::SqliteStatement<'q>>>
    where
        'p: 'e,
    {
        (&self.readers).prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> futures_core::future::BoxFuture<'e, sqlx::Result<sqlx::Describe<sqlx::Sqlite>>>
    where
        'p: 'e,
    {
        (&self.readers).describe(sql)
    }
}

/// Settles request `$id`'s service-level clocks inside the open transaction `$tx` (see
/// `domain::sla::settle`). Every write that changes a request's state, priority or first
/// response ends with it, so the stored due times are never stale. Expands once per backend,
/// inside an `on_pool!` body.
macro_rules! settle_clocks {
    ($tx:ident, $id:expr, $now:expr) => {{
        let id: i64 = $id;
        let now: i64 = $now;
        let row: $crate::ssr::store::ClockRow = q(sqlx::query_as(
            "SELECT priority, state, created_at, paused_ms, paused_since, responded_at, resolved_at \
             FROM requests WHERE id = $1")
            .bind(id).fetch_one(&mut *$tx).await)?;
        let days: Vec<(String,)> = q(sqlx::query_as("SELECT day FROM holidays").fetch_all(&mut *$tx).await)?;
        let s = row.settle(&$crate::ssr::store::calendar_of(&days), now);
        q(sqlx::query(
            "UPDATE requests SET paused_ms = $1, paused_since = $2, \
               first_due_at = CASE WHEN responded_at IS NOT NULL AND first_due_at IS NOT NULL THEN first_due_at ELSE $3 END, \
               resolve_due_at = $4, \
               due_at = $5, risk_at = $6, resolved_at = $7 WHERE id = $8")
            .bind(s.paused_ms)
            .bind(s.paused_since.map(|t| t.millis()))
            .bind(s.first_due.millis())
            .bind(s.resolve_due.millis())
            .bind(s.next.map(|n| n.0.millis()))
            .bind(s.next.map(|n| n.1.millis()))
            .bind(s.resolved_at.map(|t| t.millis()))
            .bind(id)
            .execute(&mut *$tx).await)?;
    }};
}

#[macro_use]
mod attachments;
mod automation;
mod batch;
mod catalog;
mod columns;
mod drafts;
mod generated;
mod guides;
mod outbox;
mod people;
mod queue;
mod requests;
mod resolution;
mod rota;
mod systems;
mod tracker;
mod upkeep;
mod work;

pub use attachments::*;
pub use automation::*;
pub use batch::*;
pub use catalog::*;
pub use generated::*;
pub use guides::*;
pub use outbox::*;
pub use people::{ApiTokenRow, NewApiToken};
pub use queue::*;
pub use requests::*;
pub use resolution::*;
pub use rota::*;
pub use systems::*;
pub use tracker::*;
pub use upkeep::*;
pub use work::*;

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
                let name = db
                    .constraint()
                    .map(str::to_string)
                    .unwrap_or_else(|| db.message().to_string());
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

pub(crate) fn q<T>(r: std::result::Result<T, sqlx::Error>) -> Result<T> {
    r.map_err(StoreError::from_sqlx)
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
            Ok(Db {
                pool: Pool::Postgres(pool),
                clock: Clock::system(),
            })
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| format!("bad SQLite URL {url:?}: {e}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                // 1 MiB of pages per connection (SQLite's default is 2 MiB): nine connections'
                // caches are a large share of the server's memory, and the file's pages stay in
                // the kernel's cache either way.
                .pragma("cache_size", "-1024");
            if let Some(dir) = opts.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
            }
            // Two readers per core (4 to 16): more only wait for the cores, each with its own
            // page cache and thread.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let readers = SqlitePoolOptions::new()
                .max_connections(u32::try_from((2 * cores).clamp(4, 16)).unwrap_or(8))
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts.clone())
                .await
                .map_err(|e| format!("cannot open SQLite database {url}: {e}"))?;
            // Writers wait for this one connection in turn, longer than readers wait for theirs.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await
                .map_err(|e| format!("cannot open SQLite database {url}: {e}"))?;
            let pool = SqliteStore { readers, writer };
            Ok(Db {
                pool: Pool::Sqlite(pool),
                clock: Clock::system(),
            })
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite: or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    /// The same store read with `clock` (tests and demos start one on a business morning).
    pub fn with_clock(self, clock: Clock) -> Db {
        Db { clock, ..self }
    }

    /// Now, in UTC milliseconds, by this store's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Applies the migrations of this backend's dialect (embedded in the binary).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::migrate!("../migrations/sqlite")
                    .run(&p.writer)
                    .await?
            }
            Pool::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// The pool as `/metrics` shows it: connections open, of them idle, and the most allowed.
    pub fn pool_stats(&self) -> (u32, usize, u32) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Pool::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        }
    }

    /// How many requests and issues stand in each state, for `/metrics`: one grouped count
    /// each, `(table, state, count)`.
    pub async fn counts_by_state(&self) -> Result<Vec<(String, String, i64)>> {
        on_pool!(self, p => {
            let rows: Vec<(String, String, i64)> = q(sqlx::query_as(
                "SELECT 'requests', state, COUNT(*) FROM requests GROUP BY state \
                 UNION ALL SELECT 'issues', state, COUNT(*) FROM issues GROUP BY state",
            )
            .fetch_all(p)
            .await)?;
            Ok(rows)
        })
    }

    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("SELECT 1").execute(p).await.map(|_| ())))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queries_go_to_the_readers() {
        for sql in [
            "SELECT 1",
            "  select * from t",
            "\nEXPLAIN QUERY PLAN SELECT 1",
        ] {
            assert!(!writes(sql), "{sql}");
        }
        for sql in [
            "UPDATE t SET a = 1",
            "insert into t values (1)",
            "DELETE FROM t",
            "WITH x AS (SELECT 1) UPDATE t SET a = 1",
            "PRAGMA optimize",
            "ANALYZE",
            "",
            "SEL",
        ] {
            assert!(writes(sql), "{sql}");
        }
    }

    /// A single statement that writes while a write transaction holds the file waits for it,
    /// longer than SQLite's five-second busy timeout, instead of failing "database is locked".
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_single_write_waits_for_the_writer_instead_of_failing() {
        let path = std::env::temp_dir().join(format!(
            "tierdesk-writer-{}-{}.db",
            std::process::id(),
            Clock::system().now_ms()
        ));
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let Pool::Sqlite(p) = &db.pool else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE t (n INTEGER)")
            .execute(p)
            .await
            .unwrap();
        let mut tx = p.begin_write().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .unwrap();
        let other = {
            let p = p.clone();
            tokio::spawn(async move { sqlx::query("INSERT INTO t VALUES (2)").execute(&p).await })
        };
        tokio::time::sleep(Duration::from_millis(5_500)).await;
        tx.commit().await.unwrap();
        other
            .await
            .unwrap()
            .expect("the second write waited its turn");
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(n, 2);
        db.close().await;
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
}
