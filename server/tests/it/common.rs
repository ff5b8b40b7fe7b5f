//! Fresh databases per test, and the real server on port 0.

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

/// A migrated, empty database that [`TestDb::drop_db`] removes again.
pub struct TestDb {
    pub db: Db,
    pg_name: Option<String>,
    sqlite_path: Option<std::path::PathBuf>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("tierdesk-test-{}.db", random_suffix()));
                let db = tierdesk::open_database(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("sqlite opens");
                TestDb {
                    db,
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
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                conn.close().await.ok();
                let (base, _) = admin.rsplit_once('/').expect("URL has a database path");
                let db = tierdesk::open_database(&format!("{base}/{name}"))
                    .await
                    .expect("postgres opens");
                TestDb {
                    db,
                    pg_name: Some(name),
                    sqlite_path: None,
                }
            }
        }
    }

    pub async fn drop_db(self) {
        self.db.close().await;
        if let Some(name) = self.pg_name {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        }
        if let Some(path) = self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
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

/// The real server on a free port, with a fresh database.
pub struct TestApp {
    pub base: String,
    pub test_db: TestDb,
    cache: std::sync::Arc<app::ssr::cache::ReadCache>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::serve(TestDb::new(backend).await, |_| {}).await
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
                pg_name: None,
                sqlite_path: None,
            },
            |_| {},
        )
        .await
    }

    pub fn finish_instance(self) {}

    async fn serve(test_db: TestDb, configure: impl FnOnce(&mut AppState)) -> TestApp {
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = tierdesk::router(state, tierdesk::leptos_options(addr));
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            test_db,
            cache,
        }
    }

    /// The read cache's generation: it moves on each time the cache forgets everything.
    pub fn cache_generation(&self) -> u64 {
        self.cache.generation()
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
                expires_at: app::ssr::store::now_ms() + 3_600_000,
            })
            .await
            .unwrap();
        token
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Signs in with a plain form post, as a browser without JavaScript does.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
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
        c: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
        from: &str,
    ) -> reqwest::Response {
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
    pub async fn call(
        &self,
        c: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        c.post(self.url(path))
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// A read-only server-function call (`GET`, arguments in the query string).
    pub async fn read(
        &self,
        c: &reqwest::Client,
        path: &str,
        args: &[(&str, &str)],
    ) -> reqwest::Response {
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
