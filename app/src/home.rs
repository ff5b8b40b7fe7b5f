//! Server functions for the front page: what it shows, and the outage notice admins set.

use crate::domain::error::AppError;
use crate::model::HomeView;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The front page for whoever asks: the notice, the most used guides and, signed in, their open
/// requests.
#[server(prefix = "/fn", endpoint = "home_page", input = GetUrl)]
pub async fn home_page() -> Result<HomeView, AppError> {
    use crate::ssr::{ctx, home};
    home::view(&ctx::state()?, ctx::viewer()?.as_ref()).await
}

/// Sets (or, empty, takes down) the notice every front page shows: admins only.
#[server(prefix = "/fn", endpoint = "set_notice")]
pub async fn set_notice(#[server(default)] notice: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, home};
    home::set_notice(&ctx::state()?, &ctx::require_viewer()?, &notice).await
}
