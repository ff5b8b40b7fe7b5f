//! The JSON API of the analysts' queue: the queue with its filters and sort, assignment, batch
//! changes and macros. Same conventions as `api`: parse, call the services the pages call,
//! errors as JSON.

use crate::api_parts::{body, ApiResult, ApiUser, Page};
use crate::middleware::error_response;
use app::domain::error::AppError;
use app::model::{MacroView, RequestDetail, RequestSummary};
use app::ssr::{macros, queue, service, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// The queue's filters, as the dashboard's address carries them. Empty means any.
#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `unassigned`, `mine`, `team`, `at-risk`, `breached`, `awaiting-approval` or `open`.
    view: String,
    /// A state, `open` (the default) or `any`.
    state: String,
    /// A request kind's slug.
    kind: String,
    /// `high`, `normal` or `low`.
    priority: String,
    label: String,
    /// `me`, `team`, `none` or an analyst's handle.
    assignee: String,
    /// A requester's handle.
    requester: String,
    /// A system's slug.
    system: String,
    /// `at-risk` or `breached`.
    sla: String,
    /// Words in titles and descriptions, or a request key.
    q: String,
    /// `due`, `newest`, `oldest` or `priority`; by default `due`, or `newest` with `q`.
    sort: String,
    /// The `next_cursor` of the previous page.
    cursor: String,
}

impl QueueQuery {
    fn into_map(self) -> BTreeMap<String, String> {
        [
            ("view", self.view),
            ("state", self.state),
            ("kind", self.kind),
            ("priority", self.priority),
            ("label", self.label),
            ("assignee", self.assignee),
            ("requester", self.requester),
            ("system", self.system),
            ("sla", self.sla),
            ("q", self.q),
            ("sort", self.sort),
            ("cursor", self.cursor),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

#[utoipa::path(get, path = "/queue", tag = "queue", params(QueueQuery),
    responses((status = 200, description = "One page (50) of the queue: the dashboard's rows for these filters and this sort (those who work the queue).", body = Page<RequestSummary>)))]
pub(crate) async fn list_queue(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> ApiResult<Page<RequestSummary>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let (items, next_cursor) = queue::list(&st, &v, &q.into_map()).await?;
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct AssigneeBody {
    /// `me`, `none`, or an analyst's handle.
    #[schema(example = "me")]
    assignee: Option<String>,
}

#[utoipa::path(put, path = "/requests/{key}/assignee", tag = "queue",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")),
    request_body = AssigneeBody,
    responses((status = 200, description = "Assigned; the request as it is now.", body = RequestDetail)))]
pub(crate) async fn assign(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: AssigneeBody = body(&b)?;
            queue::assign(&st, &v, &key, b.assignee.as_deref().unwrap_or("")).await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct BatchBody {
    /// The requests to change, `REQ-12` (at most 100).
    #[schema(example = json!(["REQ-1", "REQ-2"]))]
    keys: Vec<String>,
    /// `assign`, `label` or `state`.
    #[schema(example = "label")]
    action: Option<String>,
    /// The assignee (`me`, `none`, a handle), the label, or the state to move to.
    #[schema(example = "vpn")]
    value: Option<String>,
    /// With `state`: the reply each requester gets; required to resolve.
    reply: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResult {
    /// How many requests changed: all of them, since a batch changes all or none.
    changed: usize,
}

#[utoipa::path(post, path = "/queue/batch", tag = "queue", request_body = BatchBody,
    responses((status = 200, description = "Every request changed, in one transaction; or none, and the error names the first that could not.", body = BatchResult)))]
pub(crate) async fn batch(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> ApiResult<BatchResult> {
    ApiResult(
        async {
            let b: BatchBody = body(&b)?;
            let action = queue::BatchAction::parse(
                b.action.as_deref().unwrap_or(""),
                b.value.as_deref().unwrap_or(""),
                b.reply.as_deref().unwrap_or(""),
            )?;
            let changed = queue::batch(&st, &v, &b.keys, action).await?;
            Ok(BatchResult { changed })
        }
        .await,
    )
}

#[utoipa::path(get, path = "/macros", tag = "queue",
    responses((status = 200, description = "Every macro (those who work the queue).", body = Vec<MacroView>)))]
pub(crate) async fn list_macros(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Vec<MacroView>> {
    ApiResult(macros::macros_page(&st, &v).await.map(|p| p.macros))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct MacroBody {
    #[schema(example = "VPN steps")]
    name: Option<String>,
    /// The reply, with placeholders such as `{{ requester.first_name }}`.
    #[schema(example = "Hi {{ requester.first_name }}, please reinstall the VPN client.")]
    body: Option<String>,
    /// A state to move the request to, or empty.
    set_state: Option<String>,
    /// Labels to add.
    #[schema(example = json!(["vpn"]))]
    add_labels: Vec<String>,
}

#[utoipa::path(post, path = "/macros", tag = "queue", request_body = MacroBody,
    responses((status = 201, description = "Saved: a new macro, or the one of that name replaced.", body = MacroView)))]
pub(crate) async fn create_macro(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    let result = async {
        let b: MacroBody = body(&b)?;
        let id = macros::save_macro(
            &st,
            &v,
            b.name.as_deref().unwrap_or(""),
            b.body.as_deref().unwrap_or(""),
            b.set_state.as_deref().unwrap_or(""),
            &b.add_labels.join(" "),
        )
        .await?;
        macros::macros_page(&st, &v)
            .await?
            .macros
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| AppError::not_found("That macro"))
    }
    .await;
    match result {
        Ok(m) => (StatusCode::CREATED, Json(m)).into_response(),
        Err(e) => error_response(&e),
    }
}

#[utoipa::path(delete, path = "/macros/{id}", tag = "queue",
    params(("id" = i64, Path, description = "The macro's id.", example = 1)),
    responses((status = 204, description = "Deleted.")))]
pub(crate) async fn delete_macro(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = app::domain::request::parse_id("id", &id)
            .map_err(|_| AppError::not_found("That macro"))?;
        macros::delete_macro(&st, &v, id).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ApplyMacroBody {
    /// The macro's id.
    #[schema(example = 1)]
    r#macro: Option<i64>,
}

#[utoipa::path(post, path = "/requests/{key}/macros", tag = "queue",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")),
    request_body = ApplyMacroBody,
    responses((status = 200, description = "Applied: its reply sent, its state and labels set, in one transaction.", body = RequestDetail)))]
pub(crate) async fn apply_macro(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: ApplyMacroBody = body(&b)?;
            let id = b
                .r#macro
                .ok_or_else(|| AppError::invalid("macro", "Choose a macro."))?;
            macros::apply_macro(&st, &v, &key, id).await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}
