//! The JSON API's requests after the work: reopening, rating, and the colleagues copied on a
//! request. Same conventions as `api`: parse, call the services, errors as JSON.

use crate::api_parts::{body, ApiResult, ApiUser};
use crate::middleware::error_response;
use app::model::RequestDetail;
use app::ssr::{resolution, service, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ReopenBody {
    #[schema(example = "It broke again this morning.")]
    reason: Option<String>,
}

#[utoipa::path(post, path = "/requests/{key}/reopen", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = ReopenBody,
    responses((status = 200, description = "Reopened (the requester, within a week of its resolution).", body = RequestDetail)))]
pub(crate) async fn reopen(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: ReopenBody = body(&b)?;
            resolution::reopen(&st, &v, &key, b.reason.as_deref().unwrap_or("")).await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RatingBody {
    #[schema(example = "good")]
    rating: Option<String>,
    comment: Option<String>,
}

#[utoipa::path(post, path = "/requests/{key}/rating", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = RatingBody,
    responses((status = 200, description = "Rated (the requester, once resolved or closed).", body = RequestDetail)))]
pub(crate) async fn rate(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: RatingBody = body(&b)?;
            resolution::rate(
                &st,
                &v,
                &key,
                b.rating.as_deref().unwrap_or(""),
                b.comment.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ParticipantBody {
    /// An e-mail address or @handle.
    #[schema(example = "cole@tierdesk.test")]
    person: Option<String>,
}

#[utoipa::path(post, path = "/requests/{key}/participants", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = ParticipantBody,
    responses((status = 200, description = "Copied on the request.", body = RequestDetail)))]
pub(crate) async fn add_participant(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: ParticipantBody = body(&b)?;
            resolution::add_participant(&st, &v, &key, b.person.as_deref().unwrap_or("")).await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

/// Takes someone off a request; answers `204`, since a person who took themselves off no longer
/// sees it.
#[utoipa::path(delete, path = "/requests/{key}/participants/{handle}", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1"), ("handle" = String, Path, description = "The person's @handle, without the @.", example = "member")),
    responses((status = 204, description = "Taken off the request.")))]
pub(crate) async fn remove_participant(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path((key, handle)): Path<(String, String)>,
) -> Response {
    match resolution::remove_participant(&st, &v, &key, &handle).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}
