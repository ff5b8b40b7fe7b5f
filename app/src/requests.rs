//! Server functions for requests: thin wrappers that find who is asking and call the services.

use crate::domain::error::AppError;
use crate::model::{RequestDetail, RequestSummary};
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "submit_request")]
pub async fn submit_request(
    kind: String,
    title: String,
    description: String,
    priority: String,
) -> Result<String, AppError> {
    use crate::ssr::{ctx, service};
    let v = ctx::require_viewer()?;
    let key =
        service::submit_request(&ctx::state()?, &v, &kind, &title, &description, &priority).await?;
    leptos_axum::redirect(&format!("/requests/{key}"));
    Ok(key.to_string())
}

#[server(prefix = "/fn", endpoint = "list_my_requests")]
pub async fn list_my_requests() -> Result<Vec<RequestSummary>, AppError> {
    use crate::ssr::{ctx, service};
    service::my_requests(&ctx::state()?, &ctx::require_viewer()?, None).await
}

#[server(prefix = "/fn", endpoint = "list_queue")]
pub async fn list_queue() -> Result<Vec<RequestSummary>, AppError> {
    use crate::ssr::{ctx, service};
    service::queue(&ctx::state()?, &ctx::require_viewer()?).await
}

#[server(prefix = "/fn", endpoint = "get_request")]
pub async fn get_request(key: String) -> Result<RequestDetail, AppError> {
    use crate::ssr::{ctx, service};
    service::request_detail(&ctx::state()?, &ctx::require_viewer()?, &key).await
}

#[server(prefix = "/fn", endpoint = "claim_request")]
pub async fn claim_request(key: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, service};
    service::claim(&ctx::state()?, &ctx::require_viewer()?, &key).await
}

/// `visibility` is `public` (a reply the requester sees) or `internal` (a note for staff only).
#[server(prefix = "/fn", endpoint = "post_comment")]
pub async fn post_comment(key: String, body: String, visibility: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, service};
    let internal = match visibility.as_str() {
        "public" => false,
        "internal" => true,
        _ => {
            return Err(AppError::invalid(
                "visibility",
                "Choose public or internal.",
            ))
        }
    };
    service::comment(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &key,
        &body,
        internal,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "change_state")]
pub async fn change_state(key: String, to: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, service};
    service::transition(&ctx::state()?, &ctx::require_viewer()?, &key, &to).await
}
