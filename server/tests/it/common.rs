//! Fresh databases per test, and the real router called in this process.

pub use crate::client::{Client, Response};
use app::domain::user::Role;
use app::ssr::auth;
use app::ssr::store::Db;
use app::ssr::AppState;
use sqlx::Connection;
use std::net::SocketAddr;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite::NAME` and `postgres::NAME` tests from `async fn NAME(Backend)`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { $crate::common::guard(super::$name($crate::common::Backend::Sqlite)).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { $crate::common::guard(super::$name($crate::common::Backend::Postgres)).await }
            )*
        }
    };
}
pub(crate) use on_both;

/// A test that hangs fails by name after two minutes instead of stalling the whole run.
pub async fn guard(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(std::time::Duration::from_secs(120), test)
        .await
        .expect("test timed out after 120 s");
}

pub const PASSWORD: &str = "correct horse battery staple";

fn random_suffix() -> String {
    app::ssr::auth::new_secret("")[..12].to_string()
}

pub fn pg_admin_url() -> String {
    std::env::var("TIERDESK_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// The migrations' text, hashed: the name of the template database they produce, so that a
/// template is made once and used until a migration changes.
fn migrations_hash(backend: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // FNV-1a over names and contents: stable across runs and Rust versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in files {
        let bytes = [
            f.file_name().unwrap().as_encoded_bytes().to_vec(),
            std::fs::read(&f).unwrap(),
        ]
        .concat();
        for b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The migrated template for SQLite: a file each test copies.
async fn sqlite_template() -> std::path::PathBuf {
    static TEMPLATE: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!(
                "tierdesk-template-{}.db",
                migrations_hash("sqlite")
            ));
            if !path.exists() {
                let building = path.with_extension(format!("{}.db", random_suffix()));
                let url = format!("sqlite://{}", building.display());
                tierdesk::open_database(&url)
                    .await
                    .expect("sqlite opens")
                    .close()
                    .await;
                // One file, no write-ahead log beside it, so that a copy is the whole database.
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                sqlx::query("PRAGMA journal_mode=DELETE")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                std::fs::rename(&building, &path).unwrap();
            }
            path
        })
        .await
        .clone()
}

/// The migrated template for Postgres, made once per set of migrations; older ones are dropped.
async fn postgres_template(admin: &mut sqlx::PgConnection) -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let name = format!("tierdesk_tpl_{}", migrations_hash("postgres"));
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut *admin)
        .await
        .unwrap();
    if TEMPLATE.initialized() && exists.is_some() {
        return name;
    }
    let stale: Vec<String> = sqlx::query_scalar(
        // Not the ones being built: another test of this run may be building the same one.
        "SELECT datname FROM pg_database WHERE datname LIKE 'tierdesk_tpl_%' AND datname <> $1 \
         AND datname NOT LIKE 'tierdesk_tpl_building_%'",
    )
    .bind(&name)
    .fetch_all(&mut *admin)
    .await
    .unwrap();
    for old in stale {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"))
            .execute(&mut *admin)
            .await;
    }
    if exists.is_none() {
        // Built under another name and renamed, so that a half-made template is never used.
        let building = format!("tierdesk_tpl_building_{}", random_suffix());
        sqlx::query(&format!("CREATE DATABASE {building}"))
            .execute(&mut *admin)
            .await
            .expect("create template database");
        let admin_url = pg_admin_url();
        let (base, _) = admin_url.rsplit_once('/').expect("URL has a database path");
        tierdesk::open_database(&format!("{base}/{building}"))
            .await
            .expect("postgres opens")
            .close()
            .await;
        let renamed = sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(&mut *admin)
            .await;
        if renamed.is_err() {
            // Another test made it first.
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
    let _ = TEMPLATE.set(name.clone());
    name
}

/// A migrated, empty database, copied from a template made once. [`TestDb::drop_db`] removes it,
/// and so does dropping it when a test panics.
/// Every test's clock starts on the latest Tuesday at 10:00 UTC and runs from there, so business
/// time, "today" and "at risk" are the same whatever the hour the suite runs, and no test races
/// midnight.
pub fn test_clock() -> app::ssr::clock::Clock {
    let system = app::ssr::clock::Clock::system().now_ms();
    app::ssr::clock::Clock::starting_at(app::ssr::clock::last_tuesday_morning(system))
}

pub struct TestDb {
    pub db: Db,
    /// Where it is, for servers in processes of their own.
    pub url: String,
    pg_name: Option<String>,
    sqlite_path: Option<std::path::PathBuf>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("tierdesk-test-{}.db", random_suffix()));
                std::fs::copy(sqlite_template().await, &path).expect("copy the template");
                let url = format!("sqlite://{}", path.display());
                let db = tierdesk::open_database(&url)
                    .await
                    .expect("sqlite opens")
                    .with_clock(test_clock());
                TestDb {
                    db,
                    url,
                    pg_name: None,
                    sqlite_path: Some(path),
                }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("tierdesk_test_{}", random_suffix());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("Postgres at {admin} is needed for these tests: {e}")
                    });
                let template = postgres_template(&mut conn).await;
                sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                conn.close().await.ok();
                let (base, _) = admin.rsplit_once('/').expect("URL has a database path");
                let url = format!("{base}/{name}");
                let db = tierdesk::open_database(&url)
                    .await
                    .expect("postgres opens")
                    .with_clock(test_clock());
                TestDb {
                    db,
                    url,
                    pg_name: Some(name),
                    sqlite_path: None,
                }
            }
        }
    }

    pub async fn drop_db(mut self) {
        self.db.close().await;
        if let Some(name) = self.pg_name.take() {
            drop_postgres(&name).await;
        }
        if let Some(path) = self.sqlite_path.take() {
            remove_sqlite(&path);
        }
    }

    /// A real `tierdesk serve` process on this database at `addr` (`127.0.0.1:0` for any
    /// port), with the scheduler asleep, quiet, and `env` set besides.
    pub fn serve(&self, addr: &str, env: &[(&str, &str)]) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_tierdesk"))
            .arg("serve")
            .env("DATABASE_URL", &self.url)
            .env("TIERDESK_ADDR", addr)
            .env("TIERDESK_JOBS_EVERY_SECS", "3600")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("tierdesk serve starts")
    }

    pub async fn person(&self, email: &str, name: &str, roles: &[Role]) -> i64 {
        let hash = auth::hash_password(PASSWORD.to_string()).await.unwrap();
        let handle = email.split('@').next().unwrap();
        self.db
            .create_user(email, handle, name, &hash, roles)
            .await
            .unwrap()
    }
}

async fn drop_postgres(name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A test that panicked (or forgot [`TestDb::drop_db`]) still leaves no database behind.
impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = self.sqlite_path.take() {
            remove_sqlite(&path);
        }
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async code, maybe while a runtime unwinds: a thread of its own.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_postgres(&name));
                }
            })
            .join();
        }
    }
}

/// The real router with a fresh database, called in this process through [`Client`] (no socket;
/// [`TestApp::listen`] puts it on a port for the tests of the network itself).
pub struct TestApp {
    pub base: String,
    pub test_db: TestDb,
    router: axum::Router,
    cache: std::sync::Arc<app::ssr::cache::ReadCache>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::serve(TestDb::new(backend).await, |_| {}).await
    }

    /// A server whose `/metrics` also opens to a scraper presenting `secret`.
    pub async fn spawn_with_scrape_token(backend: Backend, secret: &str) -> TestApp {
        TestApp::serve_with(
            TestDb::new(backend).await,
            |_| {},
            tierdesk::metrics::Monitor::new(tierdesk::metrics::ScrapeToken::new(Some(secret))),
        )
        .await
    }

    /// A server whose read cache keeps answers for `ttl` (the default is the production one).
    pub async fn spawn_with_read_cache(backend: Backend, ttl: std::time::Duration) -> TestApp {
        TestApp::serve(TestDb::new(backend).await, move |st| {
            st.cache = std::sync::Arc::new(app::ssr::cache::ReadCache::new(ttl));
        })
        .await
    }

    /// A server whose state is set up by `configure` (https, trusted proxies ...).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut AppState)) -> TestApp {
        TestApp::serve(TestDb::new(backend).await, configure).await
    }

    /// A second server on the same database, as after a restart or beside another instance.
    /// Leave it with [`TestApp::finish_instance`]: the database belongs to the first.
    pub async fn another_instance(&self) -> TestApp {
        TestApp::serve(
            TestDb {
                db: self.test_db.db.clone(),
                url: self.test_db.url.clone(),
                pg_name: None,
                sqlite_path: None,
            },
            |_| {},
        )
        .await
    }

    pub fn finish_instance(self) {}

    async fn serve(test_db: TestDb, configure: impl FnOnce(&mut AppState)) -> TestApp {
        TestApp::serve_with(
            test_db,
            configure,
            tierdesk::metrics::Monitor::new(Default::default()),
        )
        .await
    }

    async fn serve_with(
        test_db: TestDb,
        configure: impl FnOnce(&mut AppState),
        monitor: tierdesk::metrics::Monitor,
    ) -> TestApp {
        // `TIERDESK_TEST_LOG=warn` (or any filter) shows the servers' logs while debugging.
        if let Ok(filter) = std::env::var("TIERDESK_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let mut state = AppState::new(test_db.db.clone(), false);
        configure(&mut state);
        let cache = state.cache.clone();
        // A port of its own, never listened on: it names this app in its URLs, so that a client
        // of one app used with another's URL fails instead of quietly asking the wrong server.
        static NEXT_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(20_000);
        let port = NEXT_PORT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let router = tierdesk::router_with(state, tierdesk::leptos_options(addr), monitor);
        TestApp {
            base: format!("http://{addr}"),
            test_db,
            router,
            cache,
        }
    }

    /// The same router on a free port of this machine; its base URL. For the few tests about the
    /// network itself (a real client, a real connection).
    pub async fn listen(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = self.router.clone();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        format!("http://{addr}")
    }

    /// The read cache's generation: it moves on each time the cache forgets everything.
    pub fn cache_generation(&self) -> u64 {
        self.cache.generation()
    }

    /// How many answers the read cache has served from memory.
    pub fn cache_hits(&self) -> u64 {
        self.cache.hits()
    }

    pub fn db(&self) -> &Db {
        &self.test_db.db
    }

    /// Waits until the lockout worker has turned every report into a request or let it go (it
    /// runs after the visitor has had the answer).
    pub async fn lockout_reports_worked(&self) {
        for _ in 0..200 {
            if self
                .db()
                .waiting_lockout_reports(1)
                .await
                .unwrap()
                .is_empty()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("lockout reports still waiting after 5 s");
    }

    /// A new API token for `user_id` with `scopes` (`read` or `read write`), ending in an hour.
    pub async fn token(&self, user_id: i64, scopes: &str) -> String {
        let token = auth::new_secret("tdk_");
        self.db()
            .create_api_token(&app::ssr::store::NewApiToken {
                user_id,
                token_hash: &auth::secret_hash(&token),
                label: "test",
                scopes,
                expires_at: self.db().now() + 3_600_000,
            })
            .await
            .unwrap();
        token
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> Client {
        Client::new(self.router.clone(), &self.base)
    }

    /// `browser`, with its cookies, now sent to this instance (as behind a load balancer).
    pub fn same_browser(&self, browser: &Client) -> Client {
        browser.to(self.router.clone(), &self.base)
    }

    /// A client that sends only the cookies set on each request by hand.
    pub fn client_without_cookies(&self) -> Client {
        Client::without_cookies(self.router.clone(), &self.base)
    }

    /// Signs in with a plain form post, as a browser without JavaScript does.
    pub async fn signed_in(&self, email: &str) -> Client {
        let c = self.client();
        let res = self
            .form(
                &c,
                "/fn/sign_in",
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("next", "/requests"),
                ],
                "/sign-in",
            )
            .await;
        assert_eq!(res.status(), 302, "sign-in of {email} should redirect");
        assert_eq!(res.headers()["location"], "/requests");
        c
    }

    /// A no-JavaScript form post: `Accept: text/html` and a same-origin `Referer`.
    pub async fn form(
        &self,
        c: &Client,
        path: &str,
        fields: &[(&str, &str)],
        from: &str,
    ) -> Response {
        c.post(self.url(path))
            .header("accept", "text/html")
            .header("referer", self.url(from))
            .header("sec-fetch-site", "same-origin")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// A server-function call as the hydrated app makes it (form-encoded, JSON answer).
    pub async fn call(&self, c: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        c.post(self.url(path))
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// A page's HTML as `c` gets it (the status is the test's to check elsewhere).
    pub async fn html(&self, c: &Client, path: &str) -> String {
        c.get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A read-only server-function call (`GET`, arguments in the query string).
    pub async fn read(&self, c: &Client, path: &str, args: &[(&str, &str)]) -> Response {
        c.get(self.url(path))
            .header("accept", "application/json")
            .query(args)
            .send()
            .await
            .unwrap()
    }

    pub async fn finish(self) {
        self.test_db.drop_db().await;
    }
}

/// A page's HTML and the nonce of its policy, once every script on it is seen to carry it.
pub async fn html_and_nonce(res: crate::client::Response) -> (String, String) {
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|n| n.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {csp}"))
        .to_string();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts);
    (html, nonce)
}
