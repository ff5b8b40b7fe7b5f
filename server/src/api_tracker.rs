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

#[utoipa::path(get, path = "/issues", tag = "tracker", params(IssueQuery),
    responses((status = 200, description = "Issues, filtered; most urgent first, 50 a page (staff).", body = IssueListView)))]
pub(crate) async fn list_issues(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<IssueQuery>, QueryRejection>,
) -> ApiResult<IssueListView> {
    ApiResult(async { tracker::issue_list(&st, &v, &query(q)?).await }.await)
}

#[utoipa::path(get, path = "/issues/board", tag = "tracker", params(IssueQuery),
    responses((status = 200, description = "Each state's 50 most urgent issues and its count (staff).", body = BoardView)))]
pub(crate) async fn board(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<IssueQuery>, QueryRejection>,
) -> ApiResult<BoardView> {
    ApiResult(async { tracker::issue_board(&st, &v, &query(q)?).await }.await)
}

#[utoipa::path(get, path = "/issues/{key}", tag = "tracker", params(("key" = String, Path, description = "The issue's key, `ENG-42`.", example = "ENG-1")),
    responses((status = 200, description = "The issue, its discussion and history (staff).", body = IssueDetail)))]
pub(crate) async fn show_issue(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
) -> ApiResult<IssueDetail> {
    ApiResult(tracker::issue_detail(&st, &v, &key).await)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct NewIssueBody {
    /// A template's id.
    #[schema(example = 1)]
    template: Option<i64>,
    /// A registry system's title.
    #[schema(example = "Slack")]
    system: Option<String>,
    #[schema(example = "Slack SSO fails for new joiners")]
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

#[utoipa::path(post, path = "/issues", tag = "tracker", request_body = NewIssueBody,
    responses((status = 201, description = "Opened (engineers and admins).", body = IssueDetail)))]
pub(crate) async fn create_issue(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    open(&st, &v, "", &b).await
}

#[utoipa::path(post, path = "/requests/{key}/escalations", tag = "tracker",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = NewIssueBody,
    responses((status = 201, description = "Escalated: an issue opened, linked to the request (those who work the queue, while it is open).", body = IssueDetail)))]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct EditBody {
    title: Option<String>,
    description: Option<String>,
    #[schema(example = "p1")]
    priority: Option<String>,
    /// `YYYY-MM-DD`, or empty to remove it.
    #[schema(example = "2027-01-15")]
    due_on: Option<String>,
}

/// Changes the fields given and keeps the others.
#[utoipa::path(patch, path = "/issues/{key}", tag = "tracker", params(("key" = String, Path, description = "The issue's key, `ENG-42`.", example = "ENG-1")), request_body = EditBody,
    responses((status = 200, description = "Changed the fields given, kept the others (engineers and admins).", body = IssueDetail)))]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct CommentBody {
    body: Option<String>,
}

#[utoipa::path(post, path = "/issues/{key}/comments", tag = "tracker", params(("key" = String, Path, description = "The issue's key, `ENG-42`.", example = "ENG-1")), request_body = CommentBody,
    responses((status = 201, description = "Commented (staff).", body = IssueDetail)))]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MoveBody {
    #[schema(example = "backlog")]
    to: Option<String>,
}

#[utoipa::path(post, path = "/issues/{key}/transitions", tag = "tracker", params(("key" = String, Path, description = "The issue's key, `ENG-42`.", example = "ENG-1")), request_body = MoveBody,
    responses((status = 200, description = "Moved (engineers and admins); an illegal move is a 409 naming both states.", body = IssueDetail)))]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct LabelsBody {
    #[schema(example = json!(["corpsys-slack"]))]
    labels: Vec<String>,
}

#[utoipa::path(put, path = "/issues/{key}/labels", tag = "tracker", params(("key" = String, Path, description = "The issue's key, `ENG-42`.", example = "ENG-1")), request_body = LabelsBody,
    responses((status = 200, description = "The labels replaced (engineers and admins).", body = IssueDetail)))]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct AssigneesBody {
    #[schema(example = json!(["@engineer", "IT Operations"]))]
    assignees: Vec<String>,
}

#[utoipa::path(put, path = "/issues/{key}/assignees", tag = "tracker", params(("key" = String, Path, description = "The issue's key, `ENG-42`.", example = "ENG-1")), request_body = AssigneesBody,
    responses((status = 200, description = "The assignees replaced: @handles and group names (engineers and admins).", body = IssueDetail)))]
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

#[utoipa::path(get, path = "/issue-templates", tag = "tracker",
    responses((status = 200, description = "Every issue template (staff).", body = Vec<IssueTemplateView>)))]
pub(crate) async fn list_templates(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Vec<IssueTemplateView>> {
    ApiResult(issue_templates::issue_templates(&st, &v).await)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct TemplateBody {
    #[schema(example = "corpsys")]
    name: Option<String>,
    #[schema(example = json!(["corpsys-{system}", "corpsec-team-it"]))]
    labels: Vec<String>,
    #[schema(example = "p2")]
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

#[utoipa::path(post, path = "/issue-templates", tag = "tracker", request_body = TemplateBody,
    responses((status = 201, description = "Created (admins).", body = IssueTemplateView)))]
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

#[utoipa::path(put, path = "/issue-templates/{id}", tag = "tracker", params(("id" = i64, Path, description = "The template's id.", example = 1)), request_body = TemplateBody,
    responses((status = 200, description = "Replaced (admins).", body = IssueTemplateView)))]
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

#[utoipa::path(delete, path = "/issue-templates/{id}", tag = "tracker", params(("id" = i64, Path, description = "The template's id.", example = 1)),
    responses((status = 204, description = "Deleted (admins); issues opened with it keep their labels.")))]
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
