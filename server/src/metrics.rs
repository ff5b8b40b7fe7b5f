//! `/metrics` in the Prometheus text format: requests by route and status, their latency as
//! histograms, the database pool, requests and issues by state, and the scheduler's runs. The
//! `metrics` crate records; its Prometheus exporter renders (no listener of its own).
//!
//! Who may read it: a scraper presenting the secret of `TIERDESK_METRICS_TOKEN` as a bearer
//! token, or a signed-in admin. Figures name routes, never people or keys.

use crate::middleware::error_response;
use app::domain::error::AppError;
use app::domain::user::Role;
use app::ssr::ctx::CurrentViewer;
use app::ssr::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use std::sync::Arc;
use std::time::Instant;

pub const REQUESTS: &str = "tierdesk_http_requests_total";
pub const LATENCY: &str = "tierdesk_http_request_duration_seconds";
pub const JOB_RUNS: &str = "tierdesk_job_runs_total";
pub const JOB_ACTIONS: &str = "tierdesk_job_actions_total";

/// Latency buckets, in seconds: the pages' targets are tens of milliseconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// One server's figures: its own recorder (never the process-wide one, so that two servers in
/// one process, as in the tests, keep theirs apart) and who may read them.
#[derive(Clone)]
pub struct Monitor {
    recorder: Arc<PrometheusRecorder>,
    scrape: ScrapeToken,
}

impl Monitor {
    pub fn new(scrape: ScrapeToken) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(LATENCY.to_string()), &BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        Monitor {
            recorder: Arc::new(recorder),
            scrape,
        }
    }

    /// Runs `f` with this server's recorder: the `metrics` macros inside record here.
    pub fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), f)
    }
}

/// A method as a label: the standard ones by name, anything else as `other` (a label never
/// takes a value a client invents).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times every request under the route it matched (`/requests/{key}`, never the
/// address itself); files and unknown addresses are `unmatched`.
pub async fn track(State(m): State<Monitor>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let took = start.elapsed().as_secs_f64();
    m.record(|| {
        metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
            .increment(1);
        metrics::histogram!(LATENCY, "method" => method, "route" => route).record(took);
    });
    res
}

/// The secret a Prometheus scraper presents (see [`BearerSecret`]).
pub use crate::api_parts::BearerSecret as ScrapeToken;

/// `GET /metrics`.
pub async fn render(State((st, m)): State<(AppState, Monitor)>, req: Request) -> Response {
    let viewer = req
        .extensions()
        .get::<CurrentViewer>()
        .and_then(|v| v.0.clone());
    if !m.scrape.admits(req.headers()) {
        match viewer {
            None => return error_response(&AppError::Unauthenticated),
            Some(v) if !v.has(Role::Admin) => return error_response(&AppError::Forbidden),
            Some(_) => {}
        }
    }
    let outbox = st.db.outbox_counts().await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "metrics: could not count the outbox");
        Vec::new()
    });
    let counts = match st.db.counts_by_state().await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: could not count requests by state");
            Vec::new()
        }
    };
    let (open, idle, max) = st.db.pool_stats();
    let held = st.cache.holdings();
    let hits = st.cache.hits();
    m.record(|| {
        // What the read cache holds now, and how often it answered.
        for (shelf, n) in [
            ("sessions", held.sessions),
            ("responses", held.responses),
            ("shared", held.shared),
            ("searches", held.searches),
        ] {
            metrics::gauge!("tierdesk_read_cache_entries", "shelf" => shelf).set(n as f64);
        }
        metrics::gauge!("tierdesk_read_cache_response_bytes").set(held.response_bytes as f64);
        metrics::counter!("tierdesk_read_cache_hits_total").absolute(hits);
        metrics::gauge!("tierdesk_db_pool_connections", "state" => "open").set(f64::from(open));
        metrics::gauge!("tierdesk_db_pool_connections", "state" => "idle").set(idle as f64);
        metrics::gauge!("tierdesk_db_pool_max_connections").set(f64::from(max));
        for (table, state, n) in counts {
            let name = if table == "issues" {
                "tierdesk_issues"
            } else {
                "tierdesk_requests"
            };
            metrics::gauge!(name, "state" => state).set(n as f64);
        }
        // What waits in the outbox, and the dead letters an admin should look at.
        for c in &outbox {
            metrics::gauge!("tierdesk_outbox_entries", "topic" => c.topic.clone(), "state" => c.state.clone())
                .set(c.n as f64);
        }
    });
    let h = m.recorder.handle();
    h.run_upkeep();
    let mut res = h.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

/// What one scheduler round did, for `/metrics`.
pub fn record_jobs(m: &Monitor, outcome: &Result<app::ssr::jobs::JobReport, AppError>) {
    m.record(|| match outcome {
        Ok(r) => {
            metrics::counter!(JOB_RUNS, "outcome" => "ok").increment(1);
            for (job, n) in [
                ("close_idle", r.closed_idle.len()),
                ("end_reminder", r.end_reminders.len()),
                ("offboard", r.offboarded.len()),
                ("rotation_reminder", r.rotation_reminders.len()),
                ("close_resolved", r.closed_resolved as usize),
                ("lockout", r.lockouts),
            ] {
                metrics::counter!(JOB_ACTIONS, "job" => job).increment(n as u64);
            }
        }
        Err(_) => metrics::counter!(JOB_RUNS, "outcome" => "failed").increment(1),
    });
}
