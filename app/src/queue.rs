//! Server functions of the analyst queue, its macros and its admin side. Each checks the viewer
//! on the server (in `ssr::queue`); the pages only hide what a person cannot use.

use crate::domain::error::AppError;
use crate::model::{CoveragePage, MacrosPage, QueuePageView};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use std::collections::BTreeMap;

/// The dashboard for a query string (`view=mine&kind=access&sort=newest&cursor=...`). A read, so
/// a `GET`: the server may answer a person's repeated call from its read cache.
#[server(prefix = "/fn", endpoint = "queue_dashboard", input = GetUrl)]
pub async fn queue_dashboard(query: String) -> Result<QueuePageView, AppError> {
    use crate::ssr::{ctx, queue};
    queue::dashboard(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &queue::query_map(&query),
        crate::routes::queue_rows::rows_html,
    )
    .await
}

/// The latest change to any request; the dashboard polls it and refreshes when it moves.
#[server(prefix = "/fn", endpoint = "queue_version", input = GetUrl)]
pub async fn queue_version() -> Result<i64, AppError> {
    use crate::ssr::{ctx, queue};
    queue::version(&ctx::state()?, &ctx::require_viewer()?).await
}

/// Changes every selected request (`selected[REQ-12]=on`) in one transaction. `action` is the
/// button pressed: `assign` (to `assignee`), `label` (adds `label`) or `state` (moves to `state`,
/// with `reply` to each requester, which resolving needs).
#[server(prefix = "/fn", endpoint = "batch_update")]
pub async fn batch_update(
    #[server(default)] selected: BTreeMap<String, String>,
    action: String,
    #[server(default)] assignee: String,
    #[server(default)] label: String,
    #[server(default)] state: String,
    #[server(default)] reply: String,
) -> Result<usize, AppError> {
    use crate::ssr::{ctx, queue};
    let keys: Vec<String> = selected
        .into_iter()
        .filter(|(_, v)| v == "on")
        .map(|(k, _)| k)
        .collect();
    let value = match action.as_str() {
        "assign" => assignee,
        "label" => label,
        _ => state,
    };
    queue::batch(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &keys,
        queue::BatchAction::parse(&action, &value, &reply)?,
    )
    .await
}

/// Assigns one request: `assignee` is `me`, `none` or an analyst's handle.
#[server(prefix = "/fn", endpoint = "assign_request")]
pub async fn assign_request(key: String, assignee: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, queue};
    queue::assign(&ctx::state()?, &ctx::require_viewer()?, &key, &assignee).await
}

#[server(prefix = "/fn", endpoint = "apply_macro")]
pub async fn apply_macro(key: String, macro_id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, macros};
    let id = macro_id
        .parse()
        .map_err(|_| AppError::invalid("macro_id", "Choose a macro."))?;
    macros::apply_macro(&ctx::state()?, &ctx::require_viewer()?, &key, id).await
}

#[server(prefix = "/fn", endpoint = "save_queue_view")]
pub async fn save_queue_view(name: String, query: String) -> Result<i64, AppError> {
    use crate::ssr::{ctx, queue};
    queue::save_view(&ctx::state()?, &ctx::require_viewer()?, &name, &query).await
}

#[server(prefix = "/fn", endpoint = "delete_queue_view")]
pub async fn delete_queue_view(id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, queue};
    queue::delete_view(
        &ctx::state()?,
        &ctx::require_viewer()?,
        crate::domain::request::parse_id("id", &id)?,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "list_macros")]
pub async fn list_macros() -> Result<MacrosPage, AppError> {
    use crate::ssr::{ctx, macros};
    macros::macros_page(&ctx::state()?, &ctx::require_viewer()?).await
}

#[server(prefix = "/fn", endpoint = "save_macro")]
pub async fn save_macro(
    name: String,
    body: String,
    #[server(default)] set_state: String,
    #[server(default)] add_labels: String,
) -> Result<i64, AppError> {
    use crate::ssr::{ctx, macros};
    macros::save_macro(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &name,
        &body,
        &set_state,
        &add_labels,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_macro")]
pub async fn delete_macro(id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, macros};
    macros::delete_macro(
        &ctx::state()?,
        &ctx::require_viewer()?,
        crate::domain::request::parse_id("id", &id)?,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "coverage")]
pub async fn coverage() -> Result<CoveragePage, AppError> {
    use crate::ssr::{ctx, rota};
    rota::coverage(&ctx::state()?, &ctx::require_viewer()?).await
}

#[server(prefix = "/fn", endpoint = "put_holiday")]
pub async fn put_holiday(day: String, name: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, rota};
    rota::put_holiday(&ctx::state()?, &ctx::require_viewer()?, &day, &name).await
}

#[server(prefix = "/fn", endpoint = "delete_holiday")]
pub async fn delete_holiday(day: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, rota};
    rota::delete_holiday(&ctx::state()?, &ctx::require_viewer()?, &day).await
}

/// `weekdays[0]=on` … `weekdays[6]=on` (0 = Monday).
#[server(prefix = "/fn", endpoint = "add_shift")]
pub async fn add_shift(
    analyst: String,
    region: String,
    duty: String,
    #[server(default)] weekdays: BTreeMap<String, String>,
    start: String,
    end: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, rota};
    let days: Vec<String> = weekdays
        .into_iter()
        .filter(|(_, v)| v == "on")
        .map(|(k, _)| k)
        .collect();
    rota::add_shift(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &analyst,
        &region,
        &duty,
        &days,
        &start,
        &end,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_shift")]
pub async fn delete_shift(id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, rota};
    rota::delete_shift(
        &ctx::state()?,
        &ctx::require_viewer()?,
        crate::domain::request::parse_id("id", &id)?,
    )
    .await
}

/// `on` is `on` or `off`.
#[server(prefix = "/fn", endpoint = "set_round_robin")]
pub async fn set_round_robin(on: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, rota};
    let on = match on.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("on", "Choose on or off.")),
    };
    rota::set_round_robin(&ctx::state()?, &ctx::require_viewer()?, on).await
}
