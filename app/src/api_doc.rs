//! The server function of the API page: the JSON API's reference, for anyone (the description
//! at `/openapi.json` is public too).

use crate::domain::error::AppError;
use crate::model::api_doc::ApiDocView;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(prefix = "/fn", endpoint = "api_reference", input = GetUrl)]
pub async fn api_reference() -> Result<ApiDocView, AppError> {
    use crate::ssr::ctx;
    Ok(ctx::state()?.api_doc.as_ref().clone())
}
