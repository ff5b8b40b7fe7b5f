//! The JSON API of the engineering tracker (Tier 3): issues, their board, comments, moves,
//! labels and assignees, escalations from requests, and the templates. Same conventions as
//! `api`: parse, call the services the pages call, errors as JSON.

use crate::api_parts::{body, ApiResult, ApiUser};
use crate::middleware::error_response;
use app::domain::error::AppError;
use app::model::tracker::{BoardView, IssueDetail, IssueListView, IssueQuery, IssueTemplateView};
use app::ssr::{issue_templates, tracker, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

fn query(q: Result<Query<IssueQuery>, QueryRejection>) -> Result<IssueQuery, AppError> {
    q.map(|Query(q)| q)
        .map_err(|e| AppError::invalid("query", e.body_text()))
}

pub(crate) async fn list_issues(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<IssueQuery>, QueryRejection>,
) -> ApiResult<IssueListView> {
    ApiResult(async { tracker::issue_list(&st, &v, &query(q)?).await }.await)
}

pub(crate) async fn board(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<IssueQuery>, QueryRejection>,
) -> ApiResult<BoardView> {
    ApiResult(async { tracker::issue_board(&st, &v, &query(q)?).await }.await)
}

pub(crate) async fn show_issue(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
) -> ApiResult<IssueDetail> {
    ApiResult(tracker::issue_detail(&st, &v, &key).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewIssueBody {
    /// A template's id.
    template: Option<i64>,
    /// A registry system's title.
    system: Option<String>,
    title: Option<String>,
    description: Option<String>,
}

/// Opens an issue, or with `request` escalates that request; 201 with the issue.
async fn open(st: &AppState, v: &app::domain::user::Viewer, request: &str, b: &[u8]) -> Response {
    let result = async {
        let b: NewIssueBody = body(b)?;
        let template = b.template.map(|t| t.to_string()).unwrap_or_default();
        let input = tracker::IssueInput {
            template: &template,
            system: b.system.as_deref().unwrap_or(""),
            title: b.title.as_deref().unwrap_or(""),
            description: b.description.as_deref().unwrap_or(""),
            request,
        };
        let key = tracker::create_issue(st, v, &input).await?;
        tracker::issue_detail(st, v, &key.to_string()).await
    }
    .await;
    match result {
        Ok(detail) => (StatusCode::CREATED, Json(detail)).into_response(),
        Err(e) => error_response(&e),
    }
}

pub(crate) async fn create_issue(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    open(&st, &v, "", &b).await
}

pub(crate) async fn escalate(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> Response {
    // An empty key would open an issue of its own: the request must be named.
    if key.trim().is_empty() {
        return error_response(&AppError::not_found("That request"));
    }
    open(&st, &v, &key, &b).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditBody {
    title: Option<String>,
    description: Option<String>,
    priority: Option<String>,
    /// `YYYY-MM-DD`, or empty to remove it.
    due_on: Option<String>,
}

/// Changes the fields given and keeps the others.
pub(crate) async fn edit_issue(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<IssueDetail> {
    ApiResult(
        async {
            let b: EditBody = body(&b)?;
            let now = tracker::issue_detail(&st, &v, &key).await?;
            tracker::edit_issue(
                &st,
                &v,
                &key,
                b.title.as_deref().unwrap_or(&now.card.title),
                b.description.as_deref().unwrap_or(&now.description),
                b.priority.as_deref().unwrap_or(now.card.priority.as_str()),
                b.due_on
                    .as_deref()
                    .unwrap_or(now.card.due_on.as_deref().unwrap_or("")),
            )
            .await?;
            tracker::issue_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentBody {
    body: Option<String>,
}

pub(crate) async fn comment(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> Response {
    let result = async {
        let b: CommentBody = body(&b)?;
        tracker::comment_issue(&st, &v, &key, b.body.as_deref().unwrap_or("")).await?;
        tracker::issue_detail(&st, &v, &key).await
    }
    .await;
    match result {
        Ok(detail) => (StatusCode::CREATED, Json(detail)).into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveBody {
    to: Option<String>,
}

pub(crate) async fn transition(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<IssueDetail> {
    ApiResult(
        async {
            let b: MoveBody = body(&b)?;
            tracker::move_issue(&st, &v, &key, b.to.as_deref().unwrap_or("")).await?;
            tracker::issue_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LabelsBody {
    labels: Vec<String>,
}

pub(crate) async fn set_labels(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<IssueDetail> {
    ApiResult(
        async {
            let b: LabelsBody = body(&b)?;
            tracker::set_labels(&st, &v, &key, &b.labels.join("\n")).await?;
            tracker::issue_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssigneesBody {
    assignees: Vec<String>,
}

pub(crate) async fn set_assignees(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<IssueDetail> {
    ApiResult(
        async {
            let b: AssigneesBody = body(&b)?;
            // One per line: a comma inside one name would otherwise split it.
            if b.assignees.iter().any(|a| a.contains(['\n', ','])) {
                return Err(AppError::invalid(
                    "assignees",
                    "Each assignee is one @handle or group name.",
                ));
            }
            tracker::set_assignees(&st, &v, &key, &b.assignees.join("\n")).await?;
            tracker::issue_detail(&st, &v, &key).await
        }
        .await,
    )
}

pub(crate) async fn list_templates(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Vec<IssueTemplateView>> {
    ApiResult(issue_templates::issue_templates(&st, &v).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TemplateBody {
    name: Option<String>,
    labels: Vec<String>,
    priority: Option<String>,
    assign_owners: Option<bool>,
    description: Option<String>,
}

async fn save_template(
    st: &AppState,
    v: &app::domain::user::Viewer,
    id: &str,
    b: &[u8],
) -> Result<IssueTemplateView, AppError> {
    let b: TemplateBody = body(b)?;
    let saved = issue_templates::save_issue_template(
        st,
        v,
        id,
        b.name.as_deref().unwrap_or(""),
        &b.labels.join(" "),
        b.priority.as_deref().unwrap_or("p2"),
        b.assign_owners.unwrap_or(true),
        b.description.as_deref().unwrap_or(""),
    )
    .await?;
    issue_templates::issue_templates(st, v)
        .await?
        .into_iter()
        .find(|t| t.id == saved)
        .ok_or_else(|| AppError::not_found("That template"))
}

pub(crate) async fn create_template(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    match save_template(&st, &v, "", &b).await {
        Ok(t) => (StatusCode::CREATED, Json(t)).into_response(),
        Err(e) => error_response(&e),
    }
}

pub(crate) async fn update_template(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<IssueTemplateView> {
    ApiResult(
        async {
            // Only a template that exists is replaced; an id in the path is never a new one.
            let id = id
                .parse::<i64>()
                .map_err(|_| AppError::not_found("That template"))?;
            save_template(&st, &v, &id.to_string(), &b).await
        }
        .await,
    )
}

pub(crate) async fn delete_template(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
) -> Response {
    match issue_templates::delete_issue_template(&st, &v, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}
