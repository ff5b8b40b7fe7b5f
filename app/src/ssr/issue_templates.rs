//! Issue templates, kept by admins: what an escalation to engineering starts with (labels, a
//! priority, the system's owners as assignees, a description outline).

use super::ctx::AppState;
use super::store::IssueTemplateRow;
use crate::domain::access::{require_admin, require_tracker};
use crate::domain::error::{AppError, Problems};
use crate::domain::request::parse_text;
use crate::domain::tracker::{
    parse_description, parse_template_labels, IssuePriority, Template, TEMPLATE_NAME_MAX,
};
use crate::domain::user::Viewer;
use crate::model::tracker::IssueTemplateView;

fn priority_of(raw: &str) -> IssuePriority {
    IssuePriority::parse("priority", raw).unwrap_or(IssuePriority::P2)
}

/// Templates, for those who escalate (staff) and the admins who keep them.
pub async fn issue_templates(
    st: &AppState,
    v: &Viewer,
) -> Result<Vec<IssueTemplateView>, AppError> {
    require_tracker(v)?;
    Ok(st
        .db
        .issue_templates()
        .await?
        .into_iter()
        .map(template_view)
        .collect())
}

#[allow(clippy::too_many_arguments)]
pub async fn save_issue_template(
    st: &AppState,
    v: &Viewer,
    id: &str,
    name: &str,
    labels: &str,
    priority: &str,
    assign_owners: bool,
    description: &str,
) -> Result<i64, AppError> {
    require_admin(v)?;
    let mut problems = Problems::default();
    let id = match id.trim() {
        "" => None,
        raw => problems.check(
            raw.parse::<i64>()
                .map_err(|_| AppError::invalid("id", "This is not a template the page gave out.")),
        ),
    };
    let name = problems.check(parse_text(
        "name",
        "the template's name",
        name,
        TEMPLATE_NAME_MAX,
    ));
    let labels = problems.check(parse_template_labels("labels", labels));
    let priority = problems.check(IssuePriority::parse("priority", priority));
    let description = problems
        .check(parse_description("description", description))
        .unwrap_or_default();
    problems.finish()?;
    let (Some(name), Some(labels), Some(priority)) = (name, labels, priority) else {
        return Err(AppError::Internal);
    };
    let t = Template {
        name,
        labels,
        priority,
        assign_owners,
        description: description.to_string(),
    };
    let saved = st
        .db
        .save_issue_template(id, &t)
        .await
        .map_err(|e| match e {
            super::store::StoreError::Constraint(_) => {
                AppError::invalid("name", "Another template has this name; choose another.")
            }
            super::store::StoreError::NotFound => AppError::not_found("That template"),
            e => e.into(),
        })?;
    tracing::info!(by = v.id, template = saved, "issue template saved");
    Ok(saved)
}

pub async fn delete_issue_template(st: &AppState, v: &Viewer, id: &str) -> Result<(), AppError> {
    require_admin(v)?;
    let id = id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::not_found("That template"))?;
    if st.db.delete_issue_template(id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That template"))
    }
}

pub(super) fn template_of(t: &IssueTemplateRow) -> Template {
    Template {
        name: t.name.clone(),
        labels: t.labels(),
        priority: priority_of(&t.priority),
        assign_owners: t.assign_owners,
        description: t.description.clone(),
    }
}

pub(super) fn template_view(t: IssueTemplateRow) -> IssueTemplateView {
    IssueTemplateView {
        labels: t.labels(),
        priority: priority_of(&t.priority),
        id: t.id,
        name: t.name,
        assign_owners: t.assign_owners,
        description: t.description,
    }
}
