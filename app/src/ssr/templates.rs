//! Role templates, kept by admins: what a job role in a department starts with.

use super::ctx::AppState;
use crate::domain::access::require_admin;
use crate::domain::error::AppError;
use crate::domain::form::LINE_MAX;
use crate::domain::request::parse_text;
use crate::domain::role_template::{parse_template_lines, template_key};
use crate::domain::user::Viewer;

pub async fn role_templates(
    st: &AppState,
    v: &Viewer,
) -> Result<Vec<crate::model::RoleTemplateView>, AppError> {
    require_admin(v)?;
    Ok(st
        .db
        .role_templates()
        .await?
        .into_iter()
        .map(|t| crate::model::RoleTemplateView {
            id: t.id,
            department: t.department,
            job_role: t.job_role,
            systems: t
                .systems
                .into_iter()
                .map(|(_, title, role)| (title, role))
                .collect(),
        })
        .collect())
}

/// Creates or replaces a template. Every system must be in the registry; nothing is saved otherwise.
pub async fn save_role_template(
    st: &AppState,
    v: &Viewer,
    department: &str,
    job_role: &str,
    systems: &str,
) -> Result<(), AppError> {
    require_admin(v)?;
    let department = parse_text("department", "the department", department, LINE_MAX)?;
    let job_role = parse_text("job_role", "the job role", job_role, LINE_MAX)?;
    let mut resolved = Vec::new();
    for (title, role) in parse_template_lines(systems)? {
        let key = crate::domain::registry::title_key(&title);
        let s = st.db.system_brief(&key).await?.ok_or_else(|| {
            AppError::invalid(
                "systems",
                format!("There is no system called \u{201c}{title}\u{201d} in the registry."),
            )
        })?;
        resolved.push((s.id, role));
    }
    st.db
        .save_role_template(
            &department,
            &job_role,
            &template_key(&department, &job_role),
            &resolved,
        )
        .await?;
    tracing::info!(by = v.id, department = %department, job_role = %job_role, "role template saved");
    Ok(())
}

pub async fn delete_role_template(st: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    require_admin(v)?;
    if st.db.delete_role_template(id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That template"))
    }
}
