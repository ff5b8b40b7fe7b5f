//! The JSON API under `/api/v1`, authenticated by `Authorization: Bearer` or the session cookie.
//! Handlers parse, call the same services as the pages, and answer errors as JSON.

use crate::api_after as after;
use crate::api_parts::body;
pub use crate::api_parts::{ApiResult, ApiUser, MaybeApiUser};
use crate::api_tracker as tracker;
use crate::middleware::error_response;
use app::domain::error::AppError;
use app::model::{RequestDetail, RequestSummary};
use app::ssr::attachments::Carried;
use app::ssr::{service, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Every route of the API, once: the router is built from this list, and the authorization
/// matrix test reads it, so a route cannot be added without the test knowing.
fn endpoints() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/requests", get(list_requests)),
        (Method::POST, "/requests", post(create_request)),
        (Method::GET, "/requests/{key}", get(show_request)),
        (Method::POST, "/requests/{key}/comments", post(add_comment)),
        (
            Method::POST,
            "/requests/{key}/transitions",
            post(add_transition),
        ),
        (
            Method::POST,
            "/requests/{key}/approvals",
            post(decide_approval),
        ),
        (Method::POST, "/requests/{key}/tasks/{id}", post(close_task)),
        (Method::POST, "/requests/{key}/reopen", post(after::reopen)),
        (Method::POST, "/requests/{key}/rating", post(after::rate)),
        (
            Method::POST,
            "/requests/{key}/participants",
            post(after::add_participant),
        ),
        (
            Method::DELETE,
            "/requests/{key}/participants/{handle}",
            axum::routing::delete(after::remove_participant),
        ),
        (
            Method::POST,
            "/requests/{key}/identity-checks",
            post(add_identity_check),
        ),
        (
            Method::POST,
            "/requests/{key}/escalations",
            post(tracker::escalate),
        ),
        (Method::GET, "/issues", get(tracker::list_issues)),
        (Method::POST, "/issues", post(tracker::create_issue)),
        (Method::GET, "/issues/board", get(tracker::board)),
        (Method::GET, "/issues/{key}", get(tracker::show_issue)),
        (
            Method::PATCH,
            "/issues/{key}",
            axum::routing::patch(tracker::edit_issue),
        ),
        (
            Method::POST,
            "/issues/{key}/comments",
            post(tracker::comment),
        ),
        (
            Method::POST,
            "/issues/{key}/transitions",
            post(tracker::transition),
        ),
        (
            Method::PUT,
            "/issues/{key}/labels",
            axum::routing::put(tracker::set_labels),
        ),
        (
            Method::PUT,
            "/issues/{key}/assignees",
            axum::routing::put(tracker::set_assignees),
        ),
        (
            Method::GET,
            "/issue-templates",
            get(tracker::list_templates),
        ),
        (
            Method::POST,
            "/issue-templates",
            post(tracker::create_template),
        ),
        (
            Method::PUT,
            "/issue-templates/{id}",
            axum::routing::put(tracker::update_template),
        ),
        (
            Method::DELETE,
            "/issue-templates/{id}",
            axum::routing::delete(tracker::delete_template),
        ),
        (Method::GET, "/guides", get(list_guides)),
        (Method::GET, "/guides/{slug}", get(show_guide)),
        (Method::GET, "/systems", get(list_systems)),
        (Method::GET, "/systems/{slug}", get(show_system)),
    ]
}

/// The API's routes as `(method, path under /api/v1)`.
pub fn route_list() -> Vec<(Method, &'static str)> {
    endpoints().into_iter().map(|(m, p, _)| (m, p)).collect()
}

pub fn routes() -> Router<AppState> {
    endpoints()
        .into_iter()
        .fold(Router::new(), |r, (_, path, handler)| {
            r.route(path, handler)
        })
        .fallback(|| async { error_response(&AppError::not_found("That API endpoint")) })
}

pub async fn readyz(State(st): State<AppState>) -> Response {
    match st.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

async fn list_requests(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Page<RequestSummary>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    AppError::invalid("cursor", "This cursor is not one the API gave out.")
                })?),
            };
            let items = service::list_requests(&st, &v, before).await?;
            let next_cursor = (items.len() as i64 == service::PAGE_SIZE)
                .then(|| {
                    items
                        .last()
                        .and_then(|r| r.key.parse::<app::domain::request::RequestKey>().ok())
                })
                .flatten()
                .map(|k| k.number().to_string());
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

/// Turns a JSON request body into the names the forms use: text, numbers and booleans as they
/// are (`true` → `yes`), a list of text one item per line, and a list of objects into numbered
/// names (`"systems": [{"system": "Slack"}]` → `system_0`). One parser then checks both.
fn flatten(body: serde_json::Value) -> Result<(String, app::domain::form::Input), AppError> {
    use serde_json::Value as J;
    let J::Object(map) = body else {
        return Err(AppError::invalid("body", "The body must be a JSON object."));
    };
    let scalar = |field: &str, v: &J| -> Result<Option<String>, AppError> {
        Ok(match v {
            J::Null => None,
            J::String(s) => Some(s.clone()),
            J::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
            J::Number(n) => Some(n.to_string()),
            _ => {
                return Err(AppError::invalid(
                    field,
                    "Expected text, a number or true/false.",
                ))
            }
        })
    };
    let mut kind = String::new();
    let mut out = app::domain::form::Input::new();
    for (k, v) in map {
        match (k.as_str(), v) {
            ("kind", v) => kind = scalar("kind", &v)?.unwrap_or_default(),
            (_, J::Array(items)) => {
                if items.iter().all(|i| i.is_object()) {
                    for (i, item) in items.iter().enumerate() {
                        for (ik, iv) in item.as_object().into_iter().flatten() {
                            if let Some(s) = scalar(&format!("{ik}_{i}"), iv)? {
                                out.insert(format!("{ik}_{i}"), s);
                            }
                        }
                    }
                } else {
                    let mut lines = Vec::new();
                    for item in &items {
                        lines.extend(scalar(&k, item)?);
                    }
                    out.insert(k, lines.join("\n"));
                }
            }
            (_, v) => {
                if let Some(s) = scalar(&k, &v)? {
                    out.insert(k, s);
                }
            }
        }
    }
    Ok((kind, out))
}

#[derive(Serialize)]
pub struct Created {
    key: String,
}

async fn create_request(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    let result = async {
        let (kind, input) = flatten(body::<serde_json::Value>(&b)?)?;
        service::submit_request(&st, &v, &kind, &input, Carried::default()).await
    }
    .await;
    match result {
        Ok(key) => (
            StatusCode::CREATED,
            Json(Created {
                key: key.to_string(),
            }),
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

async fn show_request(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
) -> ApiResult<RequestDetail> {
    ApiResult(service::request_detail(&st, &v, &key).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentBody {
    body: Option<String>,
    internal: Option<bool>,
}

async fn add_comment(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> Response {
    let result = async {
        let b: CommentBody = body(&b)?;
        service::comment(
            &st,
            &v,
            &key,
            b.body.as_deref().unwrap_or(""),
            b.internal.unwrap_or(false),
            Carried::default(),
        )
        .await?;
        service::request_detail(&st, &v, &key).await
    }
    .await;
    match result {
        Ok(detail) => (StatusCode::CREATED, Json(detail)).into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransitionBody {
    to: Option<String>,
    /// A reply to the requester with the move; required to resolve.
    reply: Option<String>,
}

async fn add_transition(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: TransitionBody = body(&b)?;
            service::transition(
                &st,
                &v,
                &key,
                b.to.as_deref().unwrap_or(""),
                b.reply.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GuideQuery {
    q: String,
    category: String,
    cursor: String,
}

async fn list_guides(
    State(st): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    q: Result<Query<GuideQuery>, QueryRejection>,
) -> ApiResult<Page<app::model::guides::GuideHit>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let (items, next_cursor) =
                app::ssr::guides::api_list(&st, v.as_ref(), &q.q, &q.category, &q.cursor).await?;
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

async fn show_guide(
    State(st): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    Path(slug): Path<String>,
) -> ApiResult<app::model::guides::GuideView> {
    ApiResult(app::ssr::guides::read(&st, v.as_ref(), &slug).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SystemQuery {
    q: String,
    classification: String,
    tier: String,
    baseline: String,
    compliance: String,
    group: String,
    sort: String,
    cursor: String,
}

/// Systems for anyone signed in, filtered as on the page; the cursor is opaque to clients.
async fn list_systems(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<SystemQuery>, QueryRejection>,
) -> ApiResult<Page<app::model::systems::SystemSummary>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let offset = match q.cursor.as_str() {
                "" => 0,
                c => c
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..1_000_000).contains(n))
                    .ok_or_else(|| {
                        AppError::invalid("cursor", "This cursor is not one the API gave out.")
                    })?,
            };
            let query = app::model::systems::SystemsQuery {
                q: q.q,
                classification: q.classification,
                tier: q.tier,
                baseline: q.baseline,
                compliance: q.compliance,
                group: q.group,
                sort: q.sort,
                page: String::new(),
            };
            let (items, more) = app::ssr::systems::api_list(&st, &v, &query, offset).await?;
            let next_cursor = more.then(|| (offset + items.len() as i64).to_string());
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

async fn show_system(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<app::model::systems::SystemView> {
    ApiResult(app::ssr::systems::read(&st, Some(&v), &slug).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionBody {
    approval: Option<i64>,
    decision: Option<String>,
    note: Option<String>,
    /// Line id → the narrower role to approve instead.
    narrow: std::collections::BTreeMap<i64, String>,
}

async fn decide_approval(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: DecisionBody = body(&b)?;
            let approval = b
                .approval
                .ok_or_else(|| AppError::invalid("approval", "Give the approval's id."))?;
            app::ssr::approvals::decide(
                &st,
                &v,
                &key,
                approval,
                b.decision.as_deref().unwrap_or(""),
                b.note.as_deref().unwrap_or(""),
                &b.narrow,
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TaskBody {
    outcome: Option<String>,
    note: Option<String>,
    /// With the last open task: the resolution reply, which resolves the request.
    reply: Option<String>,
}

async fn close_task(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path((key, id)): Path<(String, String)>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: TaskBody = body(&b)?;
            let id: i64 = id.parse().map_err(|_| AppError::not_found("That task"))?;
            app::ssr::tasks::close_task(
                &st,
                &v,
                &key,
                id,
                b.outcome.as_deref().unwrap_or(""),
                b.note.as_deref().unwrap_or(""),
                b.reply.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IdentityBody {
    method: Option<String>,
    note: Option<String>,
}

async fn add_identity_check(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: IdentityBody = body(&b)?;
            app::ssr::tasks::record_identity_check(
                &st,
                &v,
                &key,
                b.method.as_deref().unwrap_or(""),
                b.note.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}
