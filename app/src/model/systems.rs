//! What registry pages, their server functions and the JSON API send.

use crate::domain::registry::Classification;
use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemSummary {
    pub slug: String,
    pub title: String,
    /// The description as plain text, cut to a line or two.
    pub blurb: String,
    pub group_owner: String,
    pub owner_channel: String,
    pub classification: Option<Classification>,
    pub tier: Option<u8>,
    /// `SOX`, `SOC2`, both comma-separated, `""` for none, `None` for unknown.
    pub compliance: Option<String>,
    pub baseline: Option<bool>,
    /// Whether the helpdesk works requests for this system.
    pub managed: bool,
}

/// The list's filters, as in the page's query string; empty means any. Every value is text as
/// the address carries it (a page number too), so nothing in an address fails to be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SystemsQuery {
    pub q: String,
    pub classification: String,
    pub tier: String,
    pub baseline: String,
    pub compliance: String,
    pub group: String,
    pub sort: String,
    pub page: String,
}

impl SystemsQuery {
    /// The page asked for, from 0; anything that is not a page number is the first page.
    pub fn page_number(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .unwrap_or(0)
            .clamp(0, 10_000)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemsView {
    pub systems: Vec<SystemSummary>,
    pub page: i64,
    pub more: bool,
    pub groups: Vec<String>,
    pub can_import: bool,
}

/// A handle from a people field, with the person it names where one here has that handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonRef {
    pub handle: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub group: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub raw: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangeView {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemEventView {
    pub at: Timestamp,
    pub who: String,
    pub import: bool,
    pub changes: Vec<ChangeView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemView {
    pub summary: SystemSummary,
    /// Sanitized HTML from the description's Markdown.
    pub description_html: String,
    pub access_to: String,
    pub business_owner: String,
    pub technical_owner: String,
    pub owners: Vec<PersonRef>,
    pub provisioners: Vec<PersonRef>,
    pub deprovisioners: Vec<PersonRef>,
    /// The provisioning instructions as written.
    pub provisioner_text: String,
    pub deprovisioner_text: String,
    pub labels: Vec<String>,
    pub authentication: String,
    /// Sanitized HTML of the handbook and external links.
    pub links_html: String,
    /// Every field as imported or edited, known ones first.
    pub fields: Vec<FieldView>,
    /// Roles, lowest first, and chat and mail groups, as admins keep them.
    pub access: crate::domain::entitlement::SystemAccess,
    pub can_edit: bool,
    /// For admins: who changed what.
    pub history: Option<Vec<SystemEventView>>,
}

/// What an upload on the admin page did, kept with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    pub file_name: String,
    /// `imported`, `preview` (rolled back) or `refused`.
    pub status: String,
    /// Why nothing was imported, when that is the case.
    pub message: Option<String>,
    pub added: Vec<String>,
    pub changed: Vec<(String, Vec<String>)>,
    pub unchanged: usize,
    pub conflicts: Vec<(String, Vec<String>)>,
    pub errors: Vec<String>,
    pub overwrite: bool,
    /// Field names the import did not know (kept as written), with how many systems use each.
    #[serde(default)]
    pub unknown_fields: Vec<String>,
    /// Old field names read as their current ones.
    #[serde(default)]
    pub renamed_fields: Vec<String>,
    /// Filled in when read back.
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub who: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportListItem {
    pub id: i64,
    pub at: Timestamp,
    pub who: String,
    pub file_name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegistryAdminView {
    pub count: i64,
    pub imports: Vec<ImportListItem>,
    pub shown: Option<ImportSummary>,
}
