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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReopenBody {
    reason: Option<String>,
}

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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RatingBody {
    rating: Option<String>,
    comment: Option<String>,
}

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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParticipantBody {
    /// An e-mail address or @handle.
    person: Option<String>,
}

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
