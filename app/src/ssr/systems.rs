//! Registry operations shared by server functions and the JSON API.

use super::ctx::AppState;
use super::markdown;
use super::store::{SystemFilter, SystemPerson, SystemRow};
use crate::domain::access;
use crate::domain::error::AppError;
use crate::domain::guide::search_terms;
use crate::domain::registry::{
    field_label, is_group_handle, text, Classification, Fields, EDITABLE_FIELDS, FIELD_MAX,
    KNOWN_FIELDS,
};
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::systems::{
    ChangeView, FieldView, PersonRef, SystemEventView, SystemSummary, SystemView, SystemsQuery,
    SystemsView,
};
use serde_json::Value;
use std::collections::BTreeMap;

pub const PAGE_SIZE: i64 = 50;

/// Links in GitLab's file are relative to its handbook.
pub const LINK_BASE: &str = "https://handbook.gitlab.com/";

fn blurb(description: &str) -> String {
    let plain = markdown::plain_text(description).replace('\n', " ");
    if plain.chars().count() <= 160 {
        return plain;
    }
    let cut: String = plain.chars().take(157).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}\u{2026}", &cut[..i]),
        None => format!("{cut}\u{2026}"),
    }
}

pub fn summary(s: &SystemRow) -> SystemSummary {
    SystemSummary {
        slug: s.slug.clone(),
        title: s.title.clone(),
        blurb: blurb(&s.description),
        group_owner: s.group_owner.clone(),
        owner_channel: s.owner_channel.clone(),
        classification: s.classification.as_deref().and_then(Classification::parse),
        tier: s.tier.and_then(|t| u8::try_from(t).ok()),
        compliance: s.compliance.clone(),
        baseline: s.baseline,
        managed: s.managed,
    }
}

/// Turns URL parameters into a store filter, dropping values that are not one of the choices
/// (they come from URLs people edit) rather than failing.
pub fn filter(q: &SystemsQuery) -> SystemFilter {
    let pick = |v: &str, ok: &[&str]| {
        if ok.contains(&v) {
            v.to_string()
        } else {
            String::new()
        }
    };
    SystemFilter {
        words: search_terms(&q.q),
        classification: pick(
            &q.classification,
            &["red", "orange", "yellow", "green", "unknown"],
        ),
        tier: pick(&q.tier, &["1", "2", "3", "4", "unknown"]),
        baseline: pick(&q.baseline, &["yes", "no"]),
        compliance: pick(&q.compliance, &["SOX", "SOC2", "none"]),
        group: q.group.chars().take(200).collect(),
        sort: pick(&q.sort, &["title", "tier", "classification", "updated"]),
    }
}

fn require_reader(v: Option<&Viewer>) -> Result<&Viewer, AppError> {
    let v = v.ok_or(AppError::Unauthenticated)?;
    if access::can_read_systems(Some(v)) {
        Ok(v)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn list(
    st: &AppState,
    v: Option<&Viewer>,
    q: &SystemsQuery,
) -> Result<SystemsView, AppError> {
    let v = require_reader(v)?;
    let page = q.page_number();
    let rows = st
        .db
        .systems(&filter(q), page * PAGE_SIZE, PAGE_SIZE + 1)
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    Ok(SystemsView {
        systems: rows.iter().take(PAGE_SIZE as usize).map(summary).collect(),
        page,
        more,
        groups: st.db.system_groups().await?,
        can_import: access::can_edit_systems(Some(v)),
    })
}

/// A page of systems for the API, from `offset`; true when more follow.
pub async fn api_list(
    st: &AppState,
    v: &Viewer,
    q: &SystemsQuery,
    offset: i64,
) -> Result<(Vec<SystemSummary>, bool), AppError> {
    require_reader(Some(v))?;
    let rows = st.db.systems(&filter(q), offset, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    Ok((
        rows.iter().take(PAGE_SIZE as usize).map(summary).collect(),
        more,
    ))
}

/// Systems whose name has a word starting with one of the search's words, for "who owns X?"
/// in the header search: the best few, for people signed in.
pub async fn named_in(
    st: &AppState,
    v: Option<&Viewer>,
    q: &str,
) -> Result<Vec<SystemSummary>, AppError> {
    if !access::can_read_systems(v) {
        return Ok(Vec::new());
    }
    let words: Vec<String> = search_terms(q)
        .into_iter()
        .filter(|w| w.chars().count() >= 2)
        .collect();
    let rows = st.db.systems_named(&words, 3).await?;
    Ok(rows.iter().map(summary).collect())
}

pub async fn registry_admin(
    st: &AppState,
    v: &Viewer,
    import: Option<i64>,
) -> Result<crate::model::systems::RegistryAdminView, AppError> {
    if !access::can_edit_systems(Some(v)) {
        return Err(AppError::Forbidden);
    }
    let imports = st.db.registry_imports(None, 10).await?;
    let shown = match import {
        Some(id) => {
            let row = st
                .db
                .registry_imports(Some(id), 1)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| AppError::not_found("That import"))?;
            let mut s: crate::model::systems::ImportSummary =
                serde_json::from_str(&row.report).unwrap_or_default();
            s.at = Timestamp::from_millis(row.at).to_string();
            s.who = row.who;
            s.file_name = row.file_name;
            s.status = row.status;
            Some(s)
        }
        None => None,
    };
    Ok(crate::model::systems::RegistryAdminView {
        count: st.db.count_systems().await?,
        imports: imports
            .into_iter()
            .map(|r| crate::model::systems::ImportListItem {
                id: r.id,
                at: Timestamp::from_millis(r.at),
                who: r.who,
                file_name: r.file_name,
                status: r.status,
            })
            .collect(),
        shown,
    })
}

fn people(list: &[SystemPerson], roles: &[&str]) -> Vec<PersonRef> {
    let mut out: Vec<PersonRef> = Vec::new();
    for p in list.iter().filter(|p| roles.contains(&p.role.as_str())) {
        if out.iter().any(|o| o.handle == p.handle) {
            continue;
        }
        out.push(PersonRef {
            handle: p.handle.clone(),
            name: p.user_name.clone(),
            email: p.user_email.clone(),
            group: is_group_handle(&p.handle),
        });
    }
    out
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn system(st: &AppState, slug: &str) -> Result<SystemRow, AppError> {
    st.db
        .system(slug)
        .await?
        .ok_or_else(|| AppError::not_found("That system"))
}

pub async fn read(st: &AppState, v: Option<&Viewer>, slug: &str) -> Result<SystemView, AppError> {
    let v = require_reader(v)?;
    let s = system(st, slug).await?;
    let f = s.fields();
    let t = |n: &str| text(&f, n).unwrap_or_default();
    let list = st.db.system_people(s.id).await?;
    let mut fields: Vec<FieldView> = KNOWN_FIELDS
        .iter()
        .filter(|(n, _)| f.contains_key(*n))
        .map(|(n, l)| FieldView {
            name: n.to_string(),
            label: l.to_string(),
            raw: text(&f, n),
        })
        .collect();
    // Fields this portal does not know (a newer copy of the file) are shown, not dropped.
    for (n, _) in f
        .iter()
        .filter(|(n, _)| !KNOWN_FIELDS.iter().any(|(k, _)| k == n))
    {
        fields.push(FieldView {
            name: n.clone(),
            label: n.clone(),
            raw: text(&f, n),
        });
    }
    let links = [t("handbook_link"), t("external_link")]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let can_edit = access::can_edit_systems(Some(v));
    let history = if can_edit {
        let events = st.db.system_events(s.id).await?;
        Some(
            events
                .into_iter()
                .map(|e| {
                    let changes: Vec<super::store::FieldChange> =
                        serde_json::from_str(&e.changes).unwrap_or_default();
                    SystemEventView {
                        at: Timestamp::from_millis(e.at),
                        who: e.actor_name.unwrap_or_else(|| "Import".into()),
                        import: e.source == "import",
                        changes: changes
                            .into_iter()
                            .map(|c| ChangeView {
                                field: if c.field == "access" {
                                    "Roles and groups".to_string()
                                } else {
                                    field_label(&c.field).to_string()
                                },
                                before: show(&c.before),
                                after: show(&c.after),
                            })
                            .collect(),
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(SystemView {
        description_html: markdown::render_with_base(&t("description"), LINK_BASE),
        access_to: t("access_to"),
        business_owner: t("business_owner"),
        technical_owner: t("technical_owner"),
        owners: people(&list, &["business_owner", "technical_owner"]),
        provisioners: people(&list, &["provisioner"]),
        deprovisioners: people(&list, &["deprovisioner"]),
        provisioner_text: t("provisioner"),
        deprovisioner_text: t("deprovisioner"),
        labels: s.labels(),
        authentication: t("authentication_method"),
        links_html: markdown::render_with_base(&links, LINK_BASE),
        fields,
        access: s.access(),
        can_edit,
        history,
        summary: summary(&s),
    })
}

/// Replaces the roles and groups admins keep for a system. Which lines of an access request
/// are groups (and skip the manager), and how far an approver may narrow a role, come from here.
pub async fn set_access(st: &AppState, v: &Viewer, slug: &str, text: &str) -> Result<(), AppError> {
    if !access::can_edit_systems(Some(v)) {
        return Err(AppError::Forbidden);
    }
    let s = system(st, slug).await?;
    let list = crate::domain::entitlement::SystemAccess::parse(text)?;
    if st.db.set_system_access(s.id, &list, v.id).await? {
        tracing::info!(system = %s.slug, by = v.id, "roles and groups saved");
    }
    Ok(())
}

/// Applies an admin's edit of the editable fields. Fields not offered for editing keep their
/// values; a blank field becomes null, as a missing value in the file is.
pub async fn edit(
    st: &AppState,
    v: &Viewer,
    slug: &str,
    input: &BTreeMap<String, String>,
    managed: bool,
) -> Result<Vec<String>, AppError> {
    if !access::can_edit_systems(Some(v)) {
        return Err(AppError::Forbidden);
    }
    let s = system(st, slug).await?;
    let mut fields: Fields = s.fields();
    for (name, value) in input {
        if !EDITABLE_FIELDS.contains(&name.as_str()) {
            return Err(AppError::invalid(name, "This field cannot be edited here."));
        }
        if value.chars().count() > FIELD_MAX {
            return Err(AppError::invalid(
                name,
                format!(
                    "{} is longer than {FIELD_MAX} characters.",
                    field_label(name)
                ),
            ));
        }
        let value = value.trim();
        let new = if value.is_empty() {
            Value::Null
        } else if name == "team_member_baseline_entitlement" {
            match value {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(AppError::invalid(name, "Choose yes, no or unknown.")),
            }
        } else {
            Value::String(value.to_string())
        };
        // A field the file never had stays absent when left blank.
        if new.is_null() && !fields.contains_key(name) {
            continue;
        }
        fields.insert(name.clone(), new);
    }
    Ok(st.db.edit_system(s.id, &fields, managed, v.id).await?)
}
