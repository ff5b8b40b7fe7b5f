#![recursion_limit = "256"]
//! The `tierdesk` server: configuration, the HTTP stack (pages, server functions, JSON API,
//! health checks), middleware, and the command-line tasks.

pub mod admin;
pub mod allocator;
pub mod api;
mod api_after;
mod api_automation;
mod api_parts;
mod api_queue;
mod api_tracker;
pub mod assets;
pub mod attachments;
pub mod config;
pub mod demo;
mod demo_requests;
mod demo_tracker;
mod demo_words;
pub mod form_drafts;
pub mod import;
mod inbound;
pub mod kept_gzip;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbox;
pub mod read_cache;

use app::ssr::store::Db;
use app::ssr::AppState;
use axum::routing::get;
use axum::Router;
use config::Config;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;

/// Connects and migrates, with a clear error (not a panic) when the database is unreachable.
pub async fn open_database(url: &str) -> Result<Db, String> {
    let db = Db::connect(url).await?;
    db.migrate()
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

/// Leptos's settings, from the environment where cargo-leptos sets them, else our defaults: the
/// site built by `scripts/lib.sh` under `target/site`, its files named by its manifest.
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let site_root = env("LEPTOS_SITE_ROOT", "target/site");
    let pkg_dir = env("LEPTOS_SITE_PKG_DIR", "pkg");
    let manifest = assets::Manifest::load(&site_root, &pkg_dir);
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", &manifest.output_name))
        .site_pkg_dir(manifest.files_dir(&pkg_dir))
        .site_root(site_root)
        .site_addr(addr)
        .build()
}

/// Paths the server answers outside Leptos and the API.
pub const HEALTH: &str = "/healthz";
pub const READY: &str = "/readyz";
pub const REGISTRY_UPLOAD: &str = "/admin/registry/import";
pub const FILES: &str = "/files";
pub const FILE: &str = "/files/{id}/{name}";
pub const OPENAPI: &str = "/openapi.json";
pub const METRICS: &str = "/metrics";
pub const INBOUND_MAIL: &str = "/mail/inbound";

/// Every endpoint the server answers, as `METHOD /path`: pages, server functions, the JSON API,
/// health checks and the registry upload. The authorization matrix test holds a row for each,
/// so a new endpoint without a row fails it.
pub fn endpoint_list() -> Vec<String> {
    let mut out: Vec<String> = vec![
        format!("GET {HEALTH}"),
        format!("GET {READY}"),
        format!("POST {REGISTRY_UPLOAD}"),
        format!("POST {FILES}"),
        format!("GET {FILE}"),
        format!("GET {OPENAPI}"),
        format!("GET {METRICS}"),
        format!("POST {INBOUND_MAIL}"),
    ];
    out.extend(app_routes().iter().map(|r| format!("GET {}", r.path())));
    out.extend(
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| format!("{method} {path}")),
    );
    out.extend(
        api::route_list()
            .into_iter()
            .map(|(method, path)| format!("{method} /api/v1{path}")),
    );
    out.sort();
    out.dedup();
    out
}

/// The app's page routes, listed once per process.
///
/// Listing them runs the whole app with resource loading switched off through a flag that is
/// global to the process (leptos_server's `SuppressResourceLoad`); a page that starts loading a
/// resource on another thread meanwhile waits forever (leptos-rs/leptos#4773). A server lists
/// its routes once before it serves, but the tests start a server per test in one process, and
/// with tests in parallel a page of one test hung while another test listed the routes.
fn app_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The whole HTTP application, with `/metrics` for signed-in admins only.
pub fn router(state: AppState, options: LeptosOptions) -> Router {
    router_with(
        state,
        options,
        metrics::Monitor::new(metrics::ScrapeToken::default()),
    )
}

/// The whole HTTP application, its figures kept by `monitor` (whose scrape secret, if any, also
/// opens `/metrics`).
pub fn router_with(state: AppState, options: LeptosOptions, monitor: metrics::Monitor) -> Router {
    let routes = app_routes();
    let (api_routes, spec) = api::routes();
    let mut state = state;
    state.api_doc = std::sync::Arc::new(app::ssr::api_doc::view_of(
        &serde_json::to_value(&spec).unwrap_or_default(),
    ));
    let spec = std::sync::Arc::new(spec);
    let context_state = state.clone();
    let fallback_state = state.clone();
    // Files are served from the whole of `/pkg`, of which the pages name the build's directory.
    let pkg_root = options.site_pkg_dir.split('/').next().unwrap_or("pkg");
    let assets = assets::routes(&options.site_root, pkg_root);
    let pages = Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(context_state.clone());
                app::ssr::ctx::provide_page_nonce();
            },
            {
                let options = options.clone();
                move || app::shell(options.clone())
            },
        )
        // The not-found page renders the header (who is signed in) too: it needs the state.
        .fallback(leptos_axum::file_and_error_handler_with_context(
            move || {
                provide_context(fallback_state.clone());
                app::ssr::ctx::provide_page_nonce();
            },
            app::shell,
        ))
        .with_state(options);

    // No form or API body is anywhere near 1 MiB; anything larger is refused with 413 before a
    // handler reads it into memory.
    let limited = Router::new()
        .route(HEALTH, get(|| async { "ok" }))
        .route(READY, get(api::readyz))
        .route(FILE, get(attachments::download))
        .route(INBOUND_MAIL, axum::routing::post(inbound::receive))
        .merge(api_routes)
        .route(
            OPENAPI,
            get(move || {
                let spec = spec.clone();
                async move { axum::Json(spec.as_ref().clone()) }
            }),
        )
        .with_state(state.clone())
        .merge(pages)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024));
    // The registry upload enforces its own limit while it streams the file, so that it can say
    // what was wrong instead of cutting the connection.
    let uploads = Router::new()
        .route(REGISTRY_UPLOAD, axum::routing::post(admin::import_registry))
        .layer(axum::extract::DefaultBodyLimit::max(admin::UPLOAD_LIMIT))
        .route(FILES, axum::routing::post(attachments::upload))
        .with_state(state.clone())
        .route(
            METRICS,
            get(metrics::render).with_state((state.clone(), monitor.clone())),
        );

    // Outermost last: a request meets the trace, the security headers, CSRF refusal, the session,
    // the files of no-JavaScript forms, the keeping of refused no-JavaScript forms, the
    // control-character boundary, the read cache, then the pages' sign-in rule.
    Router::new()
        .merge(assets)
        .merge(uploads)
        .merge(limited)
        .layer(axum::middleware::from_fn(middleware::server_fn_status))
        .layer(axum::middleware::from_fn(api_parts::api_errors_as_json))
        .layer(axum::middleware::from_fn(middleware::protect_pages))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), read_cache::Refresher::start()),
            read_cache::read_cache,
        ))
        .layer(axum::middleware::from_fn(
            middleware::refuse_control_characters,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            form_drafts::keep_refused_forms,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            attachments::carry_form_files,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::session,
        ))
        .layer(axum::middleware::from_fn(middleware::csrf))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::security_headers,
        ))
        // Pages and JSON leave gzipped, at level 2: zlib-rs's level 1 uses fixed Huffman codes
        // only, and the request form's page went out 1.2 KB larger (6.3 KB against 5.1) on the
        // first page a person on a slow connection waits for. (Its cost under bench/load is not
        // yet measured apart from the VM's noise.) The build's files are compressed already and pass as they are.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Precise(2)),
        )
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_request(())
                .on_response(middleware::log_response),
        )
        .layer(axum::middleware::from_fn_with_state(
            monitor,
            metrics::track,
        ))
}

/// Serves until the process is told to stop.
pub async fn serve(config: &Config) -> Result<(), String> {
    let db = config.open_database().await?;
    // Requests made before service-level clocks existed get theirs once.
    let settled = db
        .settle_missing_clocks()
        .await
        .map_err(|e| format!("cannot settle service-level clocks: {e}"))?;
    if settled > 0 {
        tracing::info!(requests = settled, "settled service-level clocks");
    }
    if let Err(e) = db.optimize().await {
        tracing::warn!(error = %e, "could not refresh planner statistics");
    }
    let mut state = AppState::new(db, config.https());
    state.proxies = std::sync::Arc::new(config.trusted_proxies.clone());
    state.inbound_mail_secret = config.delivery.inbound_secret.as_deref().map(Into::into);
    let options = leptos_options(config.addr);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(addr = %local, backend = state.db.backend(), "Tierdesk is listening on http://{local}");
    let monitor = metrics::Monitor::new(metrics::ScrapeToken::new(config.metrics_token.as_deref()));
    let app = router_with(state.clone(), options, monitor.clone());
    let jobs = tokio::spawn(run_jobs(state.clone(), config.jobs_every, monitor));
    // This instance's name on the leases it takes: host, process and a random part, so that a
    // restarted process never finds its predecessor's leases its own.
    let owner = format!(
        "{}:{}:{:08x}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "tierdesk".into()),
        std::process::id(),
        {
            let mut b = [0u8; 4];
            let _ = getrandom::fill(&mut b);
            u32::from_le_bytes(b)
        }
    );
    let worker = tokio::spawn(outbox::work(state.clone(), config.delivery.clone(), owner));
    let sweeper = tokio::spawn(sweep_cache(state.cache.clone()));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    jobs.abort();
    worker.abort();
    sweeper.abort();
    state.db.close().await;
    Ok(())
}

/// Lets the read cache go of the answers nobody may be served any more, every time to live:
/// memory follows what people ask for now.
async fn sweep_cache(cache: std::sync::Arc<app::ssr::cache::ReadCache>) {
    let Some(every) = cache.sweep_every() else {
        return;
    };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        cache.sweep();
    }
}

/// The scheduler: runs the date-driven jobs now and then every `every`. Safe with several
/// instances on one database (see `app::ssr::jobs`).
async fn run_jobs(state: AppState, every: std::time::Duration, monitor: metrics::Monitor) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let outcome = app::ssr::jobs::run(&state, state.db.now()).await;
        metrics::record_jobs(&monitor, &outcome);
        // The jobs change requests outside any HTTP request (see `changed_by_automation`).
        if outcome.as_ref().is_ok_and(|r| !r.is_empty()) {
            state.cache.changed_by_automation();
        }
        match outcome {
            Ok(r) if r.is_empty() => {}
            Ok(r) => tracing::info!(
                closed_idle = r.closed_idle.len(),
                end_reminders = r.end_reminders.len(),
                offboarded = r.offboarded.len(),
                rotation_reminders = r.rotation_reminders.len(),
                closed_resolved = r.closed_resolved,
                lockouts = r.lockouts,
                "jobs ran"
            ),
            Err(e) => tracing::warn!(error = %e, "jobs failed; retrying next round"),
        }
        // Service-level warnings and the hourly rules become events; old deliveries are
        // forgotten after a week.
        let raised = async {
            let sla = state.db.raise_sla_events().await?;
            let scheduled = state.db.raise_schedule_events().await?;
            let pruned = state
                .db
                .prune_outbox(state.db.now() - 7 * 86_400_000)
                .await?;
            Ok::<_, app::ssr::store::StoreError>((sla, scheduled, pruned))
        }
        .await;
        match raised {
            Ok((0, 0, 0)) => {}
            Ok((sla, scheduled, pruned)) => tracing::info!(sla, scheduled, pruned, "outbox upkeep"),
            Err(e) => tracing::warn!(error = %e, "outbox upkeep failed; retrying next round"),
        }
        // SQLite refreshes planner statistics only when asked (Postgres' autovacuum does).
        if !state.db.is_postgres() {
            if let Err(e) = state.db.optimize().await {
                tracing::warn!(error = %e, "could not refresh planner statistics");
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
