//! Server functions for requests: thin wrappers that find who is asking and call the services.

use crate::domain::error::AppError;
use crate::model::{PersonView, RequestDetail, RequestSummary, SystemChoice, WaitingView};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use std::collections::BTreeMap;

/// Any kind of request: `fields[name]` carries each of the kind's fields, as the form names them.
#[server(prefix = "/fn", endpoint = "submit_request")]
pub async fn submit_request(
    kind: String,
    #[server(default)] fields: BTreeMap<String, String>,
    #[server(default)] attachments: String,
    #[server(default)] attachment_problem: String,
) -> Result<String, AppError> {
    use crate::ssr::{attachments::Carried, ctx, service};
    let v = ctx::require_viewer()?;
    let files = Carried {
        ids: &attachments,
        problem: &attachment_problem,
    };
    let key = service::submit_request(&ctx::state()?, &v, &kind, &fields, files).await?;
    ctx::redirect_form(&format!("/requests/{key}"));
    Ok(key.to_string())
}

/// Approve or deny one approval step; `narrow[line id]` gives a narrower role for a line.
#[server(prefix = "/fn", endpoint = "decide_approval")]
pub async fn decide_approval(
    key: String,
    approval: String,
    decision: String,
    #[server(default)] note: String,
    #[server(default)] narrow: BTreeMap<String, String>,
) -> Result<(), AppError> {
    use crate::domain::request::parse_id;
    use crate::ssr::{approvals, ctx};
    let mut lines = BTreeMap::new();
    for (line, role) in narrow {
        lines.insert(parse_id(&format!("narrow[{line}]"), &line)?, role);
    }
    approvals::decide(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &key,
        parse_id("approval", &approval)?,
        &decision,
        &note,
        &lines,
    )
    .await
}

/// Close a task as `done` or `not-applicable`, with a note; with the last open task, `reply` is the
/// resolution reply that resolves the request.
#[server(prefix = "/fn", endpoint = "close_task")]
pub async fn close_task(
    key: String,
    task: String,
    outcome: String,
    #[server(default)] note: String,
    #[server(default)] reply: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, tasks};
    tasks::close_task(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &key,
        crate::domain::request::parse_id("task", &task)?,
        &outcome,
        &note,
        &reply,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "record_identity_check")]
pub async fn record_identity_check(
    key: String,
    method: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, tasks};
    tasks::record_identity_check(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &key,
        &method,
        &note,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "waiting_for_me")]
pub async fn waiting_for_me() -> Result<WaitingView, AppError> {
    use crate::ssr::{ctx, people};
    people::waiting_for(&ctx::state()?, &ctx::require_viewer()?).await
}

#[server(prefix = "/fn", endpoint = "get_person")]
pub async fn get_person(handle: String) -> Result<PersonView, AppError> {
    use crate::ssr::{ctx, people};
    people::person_view(&ctx::state()?, &ctx::require_viewer()?, &handle).await
}

/// A contractor's sponsor (or an admin) allows them to ask for a system.
#[server(prefix = "/fn", endpoint = "allow_contractor_system")]
pub async fn allow_contractor_system(handle: String, system: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, people};
    people::allow_system(&ctx::state()?, &ctx::require_viewer()?, &handle, &system).await
}

/// Takes a system off what a contractor may ask for.
#[server(prefix = "/fn", endpoint = "disallow_contractor_system")]
pub async fn disallow_contractor_system(handle: String, system_id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, people};
    let system_id = crate::domain::request::parse_id("system_id", &system_id)?;
    people::disallow_system(&ctx::state()?, &ctx::require_viewer()?, &handle, system_id).await
}

/// Registry titles for the system pickers (signed-in people only).
#[server(prefix = "/fn", endpoint = "system_titles")]
pub async fn system_titles() -> Result<Vec<String>, AppError> {
    use crate::ssr::{catalog, ctx};
    ctx::require_viewer()?;
    catalog::system_titles(&ctx::state()?).await
}

/// What the form says about a chosen system (managed or not, owner and channel).
#[server(prefix = "/fn", endpoint = "choose_system")]
pub async fn choose_system(title: String) -> Result<Option<SystemChoice>, AppError> {
    use crate::ssr::{catalog, ctx};
    ctx::require_viewer()?;
    catalog::system_choice(&ctx::state()?, &title).await
}

/// The viewer's requests: `show` is `open` (the default), `closed` or `all`; `q` searches titles
/// and keys.
#[server(prefix = "/fn", endpoint = "list_my_requests", input = GetUrl)]
pub async fn list_my_requests(
    #[server(default)] show: String,
    #[server(default)] q: String,
) -> Result<Vec<RequestSummary>, AppError> {
    use crate::ssr::{ctx, service};
    service::my_requests_filtered(&ctx::state()?, &ctx::require_viewer()?, &show, &q).await
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
/// `attachments` names files uploaded for it (see `ssr::attachments`).
#[server(prefix = "/fn", endpoint = "post_comment")]
pub async fn post_comment(
    key: String,
    body: String,
    visibility: String,
    #[server(default)] attachments: String,
    #[server(default)] attachment_problem: String,
) -> Result<(), AppError> {
    use crate::ssr::{attachments::Carried, ctx, service};
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
        Carried {
            ids: &attachments,
            problem: &attachment_problem,
        },
    )
    .await
}

/// How many approval steps and tasks wait for the viewer: the navigation's "Waiting for me".
#[server(prefix = "/fn", endpoint = "waiting_count", input = GetUrl)]
pub async fn waiting_count() -> Result<u32, AppError> {
    use crate::ssr::{ctx, people};
    match ctx::viewer()? {
        Some(v) => people::waiting_count(&ctx::state()?, &v).await,
        None => Ok(0),
    }
}

/// The viewer's own uploads among `ids` that no form has taken yet: what a refused form still
/// carries.
#[server(prefix = "/fn", endpoint = "pending_attachments", input = GetUrl)]
pub async fn pending_attachments(
    #[server(default)] ids: String,
) -> Result<Vec<crate::model::Attachment>, AppError> {
    use crate::ssr::{attachments, ctx};
    attachments::pending(&ctx::state()?, &ctx::require_viewer()?, &ids).await
}

/// Moves a request to `to`; `reply` goes to the requester with it, and resolving needs one.
#[server(prefix = "/fn", endpoint = "change_state")]
pub async fn change_state(
    key: String,
    to: String,
    #[server(default)] reply: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, service};
    service::transition(&ctx::state()?, &ctx::require_viewer()?, &key, &to, &reply).await
}

/// The requester reopens a resolved request (within 7 days), saying what is still wrong.
#[server(prefix = "/fn", endpoint = "reopen_request")]
pub async fn reopen_request(
    key: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, resolution};
    resolution::reopen(&ctx::state()?, &ctx::require_viewer()?, &key, &reason).await
}

/// The requester rates the help: `rating` is `good` or `bad` (the button pressed), with an
/// optional comment.
#[server(prefix = "/fn", endpoint = "rate_request")]
pub async fn rate_request(
    key: String,
    #[server(default)] rating: String,
    #[server(default)] comment: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, resolution};
    resolution::rate(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &key,
        &rating,
        &comment,
    )
    .await
}

/// Copies a colleague on a request: `person` is an e-mail address or @handle.
#[server(prefix = "/fn", endpoint = "add_participant")]
pub async fn add_participant(
    key: String,
    #[server(default)] person: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, resolution};
    resolution::add_participant(&ctx::state()?, &ctx::require_viewer()?, &key, &person).await
}

/// Takes someone off a request; answers where to go next (the request, or "My requests" for
/// someone who took themselves off and no longer sees it).
#[server(prefix = "/fn", endpoint = "remove_participant")]
pub async fn remove_participant(key: String, handle: String) -> Result<String, AppError> {
    use crate::ssr::{ctx, resolution};
    let next =
        resolution::remove_participant(&ctx::state()?, &ctx::require_viewer()?, &key, &handle)
            .await?;
    ctx::redirect_form(&next);
    Ok(next)
}

/// The sign-in-free "I'm locked out" form. Same answer whether or not the address has an account.
#[server(prefix = "/fn", endpoint = "report_lockout")]
pub async fn report_lockout(
    email: String,
    system: String,
    what: String,
) -> Result<String, AppError> {
    use crate::ssr::{ctx, lockout};
    let answer =
        lockout::report_lockout(&ctx::state()?, &email, &system, &what, &ctx::client_ip()).await?;
    ctx::redirect_form("/help/locked-out?sent=1");
    Ok(answer.to_string())
}

#[server(prefix = "/fn", endpoint = "list_role_templates")]
pub async fn list_role_templates() -> Result<Vec<crate::model::RoleTemplateView>, AppError> {
    use crate::ssr::{ctx, templates};
    templates::role_templates(&ctx::state()?, &ctx::require_viewer()?).await
}

/// Create or replace a template: `systems` is one `System = role` per line.
#[server(prefix = "/fn", endpoint = "save_role_template")]
pub async fn save_role_template(
    department: String,
    job_role: String,
    systems: String,
) -> Result<(), AppError> {
    use crate::ssr::{ctx, templates};
    templates::save_role_template(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &department,
        &job_role,
        &systems,
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_role_template")]
pub async fn delete_role_template(id: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, templates};
    templates::delete_role_template(
        &ctx::state()?,
        &ctx::require_viewer()?,
        crate::domain::request::parse_id("id", &id)?,
    )
    .await
}
