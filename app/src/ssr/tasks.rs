//! Closing a request's tasks, and the identity check a reset or an unlock needs first.

use super::ctx::AppState;
use super::reading::{details_of, load_visible, subjects};
use super::store::TaskRow;
use crate::domain::access;
use crate::domain::error::AppError;
use crate::domain::form::IDENTITY_METHODS;
use crate::domain::request::parse_text;
use crate::domain::task::{Closing, TaskAction, TaskState};
use crate::domain::time::Day;
use crate::domain::user::Viewer;

/// Closes a task as done or not applicable. Its system's provisioners (or its team) and queue
/// staff may; never before the approvals are in, and a reset never before the identity check.
pub async fn close_task(
    st: &AppState,
    v: &Viewer,
    key: &str,
    task_id: i64,
    outcome: &str,
    note: &str,
    reply: &str,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let t: TaskRow = st
        .db
        .task(task_id, v.id)
        .await?
        .filter(|t| t.request_id == r.id)
        .ok_or_else(|| AppError::not_found("That task"))?;
    if !(t.eligible || v.works_queue()) {
        return Err(AppError::Forbidden);
    }
    let mut subjects = subjects(st, &r).await?;
    subjects.extend(t.person_id);
    if access::is_own(v, r.requester_id, &subjects) {
        return Err(AppError::conflict(
            "Nobody works a task on their own request or their own access; another provisioner or analyst does.",
        ));
    }
    if st.db.pending_approvals(r.key()).await? > 0 {
        return Err(AppError::conflict(
            "Work cannot start before the approvals are in.",
        ));
    }
    if t.state != TaskState::Open {
        return Err(AppError::conflict("This task is already closed."));
    }
    if !r.state().is_open() {
        return Err(AppError::conflict("This request is finished."));
    }
    let closing = Closing::parse(outcome, note)?;
    // With the last task, the closer may write the resolution reply; without one the request
    // waits for it in progress.
    let reply = if reply.trim().is_empty() {
        None
    } else {
        Some(super::resolution::resolution_reply(reply)?)
    };
    if reply.is_some() {
        super::reading::check_escalations_closed(st, &r).await?;
    }
    let action = TaskAction::parse(&t.action);
    let done = closing.state == TaskState::Done;
    if action == Some(TaskAction::Reset) && done && st.db.identity_checks(r.key()).await?.is_empty()
    {
        return Err(AppError::conflict(
            "Record the identity check before closing the reset.",
        ));
    }
    let grant = if done && action == Some(TaskAction::Grant) {
        let end = details_of(&r.details)
            .into_iter()
            .find(|d| d.name == "end_date")
            .and_then(|d| Day::parse(&d.raw))
            .map(|d| d.add_days(1).start_ms());
        Some((t.role.clone().unwrap_or_default(), end))
    } else {
        None
    };
    let revoke = done && action == Some(TaskAction::Revoke);
    let resolved = st
        .db
        .close_task(
            r.key(),
            t.id,
            v.id,
            closing.state.as_str(),
            &closing.note,
            grant.as_ref().map(|(role, end)| (role.as_str(), *end)),
            revoke,
            reply.as_deref(),
        )
        .await?;
    tracing::info!(request = %r.key(), task = t.id, by = v.id, outcome = closing.state.as_str(), resolved, "task closed");
    Ok(())
}

pub async fn record_identity_check(
    st: &AppState,
    v: &Viewer,
    key: &str,
    method: &str,
    note: &str,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    if !v.works_queue() {
        return Err(AppError::Forbidden);
    }
    let subjects = subjects(st, &r).await?;
    if access::is_own(v, r.requester_id, &subjects) {
        return Err(AppError::conflict(
            "Nobody checks their own identity; another analyst records the check.",
        ));
    }
    if !r.kind().def().identity_check {
        return Err(AppError::conflict(
            "Identity checks belong to reset and lockout requests.",
        ));
    }
    if !IDENTITY_METHODS.iter().any(|(m, _)| *m == method) {
        return Err(AppError::invalid(
            "method",
            "Choose how you checked: video call or manager vouch.",
        ));
    }
    let note = parse_text("note", "what you checked and how", note, 2_000)?;
    st.db
        .record_identity_check(r.key(), v.id, method, &note)
        .await?;
    Ok(())
}
