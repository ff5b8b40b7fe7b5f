//! The JSON API of Tier 4: rules (admins), the outbox's dead letters (admins), and each
//! person's e-mail choices. Same conventions as `api`: parse, call the services the pages call,
//! errors as JSON.

use crate::api_parts::{body, ApiResult, ApiUser};
use crate::middleware::error_response;
use app::domain::error::AppError;
use app::model::automation::{EmailPref, OutboxEntryView, RuleView, TryView};
use app::ssr::automation::{self, RuleInput};
use app::ssr::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RuleBody {
    #[schema(example = "Okta from Finance")]
    name: Option<String>,
    /// created, updated, state-changed, approval-decided, sla-at-risk, sla-breached or schedule.
    #[schema(example = "created")]
    trigger: Option<String>,
    /// `all` (the default) or `any`.
    #[serde(rename = "match")]
    #[schema(example = "all")]
    match_: Option<String>,
    /// One condition each, as on the rules page.
    #[schema(example = json!(["system is okta", "department is Finance"]))]
    conditions: Vec<String>,
    /// One action each, as on the rules page.
    #[schema(example = json!(["add label finsys", "set priority high"]))]
    actions: Vec<String>,
    /// Switched on (the default) or off.
    enabled: Option<bool>,
    /// For a try: the request to try it on, `REQ-12`.
    #[schema(example = "REQ-1")]
    request: Option<String>,
}

impl RuleBody {
    fn lines(&self) -> (String, String) {
        (self.conditions.join("\n"), self.actions.join("\n"))
    }
}

fn input<'a>(b: &'a RuleBody, lines: &'a (String, String)) -> RuleInput<'a> {
    RuleInput {
        name: b.name.as_deref().unwrap_or(""),
        trigger: b.trigger.as_deref().unwrap_or(""),
        match_all: b.match_.as_deref().unwrap_or("all"),
        conditions: &lines.0,
        actions: &lines.1,
        enabled: b.enabled.unwrap_or(true),
    }
}

async fn rules(st: &AppState, v: &app::domain::user::Viewer) -> Result<Vec<RuleView>, AppError> {
    Ok(automation::automation(st, v).await?.rules)
}

async fn save(
    st: &AppState,
    v: &app::domain::user::Viewer,
    id: &str,
    b: &[u8],
) -> Result<RuleView, AppError> {
    let b: RuleBody = body(b)?;
    let lines = b.lines();
    let saved = automation::save_rule(st, v, id, &input(&b, &lines)).await?;
    rules(st, v)
        .await?
        .into_iter()
        .find(|r| r.id == saved)
        .ok_or_else(|| AppError::not_found("That rule"))
}

#[utoipa::path(get, path = "/rules", tag = "automation",
    responses((status = 200, description = "Every rule, in the order they run (admins).", body = Vec<RuleView>)))]
pub(crate) async fn list_rules(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Vec<RuleView>> {
    ApiResult(rules(&st, &v).await)
}

#[utoipa::path(post, path = "/rules", tag = "automation", request_body = RuleBody,
    responses((status = 201, description = "Created, last in order (admins).", body = RuleView)))]
pub(crate) async fn create_rule(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    match save(&st, &v, "", &b).await {
        Ok(r) => (StatusCode::CREATED, Json(r)).into_response(),
        Err(e) => error_response(&e),
    }
}

#[utoipa::path(put, path = "/rules/{id}", tag = "automation", params(("id" = i64, Path, description = "The rule's id.", example = 1)), request_body = RuleBody,
    responses((status = 200, description = "Replaced (admins).", body = RuleView)))]
pub(crate) async fn update_rule(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RuleView> {
    ApiResult(
        async {
            let id = id
                .parse::<i64>()
                .map_err(|_| AppError::not_found("That rule"))?;
            save(&st, &v, &id.to_string(), &b).await
        }
        .await,
    )
}

#[utoipa::path(delete, path = "/rules/{id}", tag = "automation", params(("id" = i64, Path, description = "The rule's id.", example = 1)),
    responses((status = 204, description = "Deleted (admins); the history keeps what it did.")))]
pub(crate) async fn delete_rule(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
) -> Response {
    match automation::change_rule(&st, &v, &id, "delete").await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MoveBody {
    /// `up` or `down`.
    #[schema(example = "up")]
    direction: String,
}

#[utoipa::path(post, path = "/rules/{id}/moves", tag = "automation", params(("id" = i64, Path, description = "The rule's id.", example = 1)), request_body = MoveBody,
    responses((status = 204, description = "Moved one place (admins).")))]
pub(crate) async fn move_rule(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
    b: axum::body::Bytes,
) -> Response {
    let moved = async {
        app::domain::access::require_admin(&v)?;
        let b: MoveBody = body(&b)?;
        if !matches!(b.direction.as_str(), "up" | "down") {
            return Err(AppError::invalid("direction", "Move a rule up or down."));
        }
        automation::change_rule(&st, &v, &id, &b.direction).await
    }
    .await;
    match moved {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

#[utoipa::path(post, path = "/rules/tries", tag = "automation", request_body = RuleBody,
    responses((status = 200, description = "What the rule would do to `request`, done to nothing (admins).", body = TryView)))]
pub(crate) async fn try_rule(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> ApiResult<TryView> {
    ApiResult(
        async {
            let b: RuleBody = body(&b)?;
            let lines = b.lines();
            automation::try_rule(
                &st,
                &v,
                &input(&b, &lines),
                b.request.as_deref().unwrap_or(""),
            )
            .await
        }
        .await,
    )
}

#[utoipa::path(get, path = "/outbox/dead-letters", tag = "automation",
    responses((status = 200, description = "What failed for good, newest first (admins).", body = Vec<OutboxEntryView>)))]
pub(crate) async fn dead_letters(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Vec<OutboxEntryView>> {
    ApiResult(automation::automation(&st, &v).await.map(|a| a.dead))
}

#[utoipa::path(post, path = "/outbox/dead-letters/{id}/retries", tag = "automation", params(("id" = i64, Path, description = "The entry's id.", example = 1)),
    responses((status = 204, description = "Back in line with fresh attempts (admins).")))]
pub(crate) async fn retry_dead_letter(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<String>,
) -> Response {
    match automation::retry_dead(&st, &v, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

#[utoipa::path(get, path = "/me/email", tag = "automation",
    responses((status = 200, description = "Which e-mails the caller receives.", body = Vec<EmailPref>)))]
pub(crate) async fn email_prefs(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Vec<EmailPref>> {
    ApiResult(automation::email_prefs(&st, &v).await)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct EmailPrefsBody {
    /// The topics to receive; every other one is turned off.
    #[schema(example = json!(["replies", "state"]))]
    on: Vec<String>,
}

#[utoipa::path(put, path = "/me/email", tag = "automation", request_body = EmailPrefsBody,
    responses((status = 200, description = "Set; every topic's choice.", body = Vec<EmailPref>)))]
pub(crate) async fn set_email_prefs(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> ApiResult<Vec<EmailPref>> {
    ApiResult(
        async {
            let b: EmailPrefsBody = body(&b)?;
            automation::set_email_prefs(&st, &v, &b.on).await?;
            automation::email_prefs(&st, &v).await
        }
        .await,
    )
}
