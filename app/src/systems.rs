//! Server functions for the tech-stack registry: "who owns X?". What they send is in
//! `crate::model::systems`.

use crate::domain::error::AppError;
use crate::model::systems::{RegistryAdminView, SystemView, SystemsQuery, SystemsView};
use leptos::prelude::*;

/// The admin import page: the registry's size, recent uploads and, if asked, one report.
#[server(prefix = "/fn", endpoint = "get_registry_admin")]
pub async fn get_registry_admin(
    #[server(default)] import: String,
) -> Result<RegistryAdminView, AppError> {
    use crate::ssr::{ctx, systems};
    let v = ctx::require_viewer()?;
    let import = match import.trim() {
        "" => None,
        raw => Some(crate::domain::request::parse_id("import", raw)?),
    };
    systems::registry_admin(&ctx::state()?, &v, import).await
}

#[server(prefix = "/fn", endpoint = "list_systems")]
pub async fn list_systems(query: SystemsQuery) -> Result<SystemsView, AppError> {
    use crate::ssr::{ctx, systems};
    systems::list(&ctx::state()?, ctx::viewer()?.as_ref(), &query).await
}

#[server(prefix = "/fn", endpoint = "get_system")]
pub async fn get_system(slug: String) -> Result<SystemView, AppError> {
    use crate::ssr::{ctx, systems};
    systems::read(&ctx::state()?, ctx::viewer()?.as_ref(), &slug).await
}

/// An admin's list of the system's roles (lowest first) and groups, one per line (see
/// `domain::entitlement::SystemAccess::parse`).
#[server(prefix = "/fn", endpoint = "save_system_access")]
pub async fn save_system_access(slug: String, access: String) -> Result<String, AppError> {
    use crate::ssr::{ctx, systems};
    let v = ctx::require_viewer()?;
    systems::set_access(&ctx::state()?, &v, &slug, &access).await?;
    let path = format!("/systems/{slug}?saved=1");
    ctx::redirect_form(&path);
    Ok(path)
}

/// An admin's edit: the editable fields by name, and whether the helpdesk manages the system.
#[server(prefix = "/fn", endpoint = "edit_system")]
pub async fn edit_system(
    slug: String,
    fields: std::collections::BTreeMap<String, String>,
    managed: Option<String>,
) -> Result<String, AppError> {
    use crate::ssr::{ctx, systems};
    let v = ctx::require_viewer()?;
    systems::edit(&ctx::state()?, &v, &slug, &fields, managed.is_some()).await?;
    let path = format!("/systems/{slug}?saved=1");
    ctx::redirect_form(&path);
    Ok(path)
}
