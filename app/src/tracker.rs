//! Server functions for the engineering tracker (Tier 3): thin wrappers that find who is asking
//! and call `ssr::tracker`, which checks what they may do.

use crate::domain::error::AppError;
use crate::model::tracker::{BoardView, IssueDetail, IssueListView, IssueTemplateView};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// A page of the issue list under the filters (see `model::tracker::IssueQuery`).
#[server(prefix = "/fn", endpoint = "list_issues", input = GetUrl)]
pub async fn list_issues(
    #[server(default)] state: String,
    #[server(default)] label: String,
    #[server(default)] assignee: String,
    #[server(default)] system: String,
    #[server(default)] q: String,
    #[server(default)] before: String,
) -> Result<IssueListView, AppError> {
    use crate::ssr::{ctx, tracker};
    let query = crate::model::tracker::IssueQuery {
        state,
        label,
        assignee,
        system,
        q,
        before,
    };
    tracker::issue_list(&ctx::state()?, &ctx::require_viewer()?, &query).await
}

/// The board under the same filters as the list.
#[server(prefix = "/fn", endpoint = "issue_board", input = GetUrl)]
pub async fn issue_board(
    #[server(default)] state: String,
    #[server(default)] label: String,
    #[server(default)] assignee: String,
    #[server(default)] system: String,
    #[server(default)] q: String,
) -> Result<BoardView, AppError> {
    use crate::ssr::{ctx, tracker};
    let query = crate::model::tracker::IssueQuery {
        state,
        label,
        assignee,
        system,
        q,
        before: String::new(),
    };
    tracker::issue_board(&ctx::state()?, &ctx::require_viewer()?, &query).await
}

#[server(prefix = "/fn", endpoint = "get_issue")]
pub async fn get_issue(key: String) -> Result<IssueDetail, AppError> {
    use crate::ssr::{ctx, tracker};
    tracker::issue_detail(&ctx::state()?, &ctx::require_viewer()?, &key).await
}

/// Opens an issue; with `request`, escalates that request. Answers the new issue's key.
#[server(prefix = "/fn", endpoint = "open_issue")]
pub async fn open_issue(
    #[server(default)] template: String,
    #[server(default)] system: String,
    #[server(default)] title: String,
    #[server(default)] description: String,
    #[server(default)] request: String,
) -> Result<String, AppError> {
    use crate::ssr::{ctx, tracker};
    let input = tracker::IssueInput {
        template: &template,
        system: &system,
        title: &title,
        description: &description,
        request: &request,
    };
    let key = tracker::create_issue(&ctx::state()?, &ctx::require_viewer()?, &input).await?;
    ctx::redirect_form(&format!("/issues/{key}"));
    Ok(key.to_string())
}

#[server(prefix = "/fn", endpoint = "move_issue")]
pub async fn move_issue(key: String, to: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, tracker};
    tracker::move_issue(&ctx::state()?, &ctx::require_viewer()?, &key, &to).await
}

#[server(prefix = "/fn", endpoint = "comment_issue")]
pub async fn comment_issue(key: String, #[server(default)] body: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, tracker};
    tracker::comment_issue(&ctx::state()?, &ctx::require_viewer()?, &key, &body).await
}

/// Replaces the labels: separated by commas, spaces or lines.
#[server(prefix = "/fn", endpoint = "relabel_issue")]
pub async fn relabel_issue(key: String, #[server(default)] labels: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, tracker};
    tracker::set_labels(&ctx::state()?, &ctx::require_viewer()?, &key, &labels).await
}

/// Replaces the assignees: @handles or group names, one per line or separated by commas.
#[server(prefix = "/fn", endpoint = "reassign_issue")]
pub async fn reassign_issue(
    key: String,
    #[server(default)] assignees: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, tracker};
    tracker::set_assignees(&ctx::state()?, &ctx::require_viewer()?, &key, &assignees).await
}

#[server(prefix = "/fn", endpoint = "edit_issue")]
pub async fn edit_issue(
    key: String,
    #[server(default)] title: String,
    #[server(default)] description: String,
    #[server(default)] priority: String,
    #[server(default)] due_on: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, tracker};
    tracker::edit_issue(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &key,
        &title,
        &description,
        &priority,
        &due_on,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "list_issue_templates")]
pub async fn list_issue_templates() -> Result<Vec<IssueTemplateView>, AppError> {
    use crate::ssr::{ctx, issue_templates};
    issue_templates::issue_templates(&ctx::state()?, &ctx::require_viewer()?).await
}

/// Creates a template (`id` empty) or replaces one. `assign_owners` is a checkbox: present when
/// ticked.
#[server(prefix = "/fn", endpoint = "save_issue_template")]
pub async fn save_issue_template(
    #[server(default)] id: String,
    #[server(default)] name: String,
    #[server(default)] labels: String,
    #[server(default)] priority: String,
    #[server(default)] assign_owners: Option<String>,
    #[server(default)] description: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, issue_templates};
    issue_templates::save_issue_template(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &id,
        &name,
        &labels,
        &priority,
        assign_owners.is_some(),
        &description,
    )
    .await
    .map(|_| ())
}

#[server(prefix = "/fn", endpoint = "delete_issue_template")]
pub async fn delete_issue_template(id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, issue_templates};
    issue_templates::delete_issue_template(&ctx::state()?, &ctx::require_viewer()?, &id).await
}
