//! The operations people perform, shared by server functions and the JSON API: parse, check who
//! is asking, call the domain and the store.

use super::ctx::AppState;
use super::store::{CommentRow, EventRow, RequestRow};
use crate::domain::access::{self, RequestFacts};
use crate::domain::approval::StepKind;
use crate::domain::catalog::Input;
use crate::domain::error::AppError;
use crate::domain::request::{parse_text, RequestKey, RequestKind, RequestState, COMMENT_MAX};
use crate::domain::task::TaskState;
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::{
    ApprovalView, CommentView, HistoryEntry, IdentityCheckView, LineView, PersonLink,
    RequestActions, RequestDetail, RequestSummary, TaskView,
};

pub const PAGE_SIZE: i64 = 50;

fn facts(r: &RequestRow) -> RequestFacts {
    RequestFacts {
        requester_id: r.requester_id,
        assignee_id: r.assignee_id,
        state: r.state(),
    }
}

pub fn summary(r: &RequestRow) -> RequestSummary {
    RequestSummary {
        key: r.key().to_string(),
        kind: r.kind(),
        title: r.title.clone(),
        priority: r.priority(),
        state: r.state(),
        requester: r.requester_name.clone(),
        assignee: r.assignee_name.clone(),
        created_at: Timestamp::from_millis(r.created_at),
        updated_at: Timestamp::from_millis(r.updated_at),
    }
}

pub async fn submit_request(
    st: &AppState,
    v: &Viewer,
    kind: &str,
    input: &Input,
) -> Result<RequestKey, AppError> {
    super::catalog::submit(st, v, kind, input).await
}

/// Loads a request the viewer may see: their own, staff, or one they are part of (its people,
/// an approver, a provisioner). Anything else, including a malformed key, is "not found".
pub(crate) async fn load_visible(
    st: &AppState,
    v: &Viewer,
    key: &str,
) -> Result<RequestRow, AppError> {
    let key: RequestKey = key.parse()?;
    match st.db.request(key).await? {
        Some(r) if access::can_view(v, &facts(&r)) => Ok(r),
        Some(r) if st.db.involved(r.key(), v.id).await? => Ok(r),
        _ => Err(AppError::not_found("That request")),
    }
}

pub async fn request_detail(
    st: &AppState,
    v: &Viewer,
    key: &str,
) -> Result<RequestDetail, AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let staff = v.is_staff();
    let comments = st.db.comments(r.key(), staff).await?;
    let events = st.db.events(r.key(), staff).await?;
    let checks = st.db.identity_checks(r.key()).await?;
    let is_reset = matches!(r.kind(), RequestKind::Reset | RequestKind::Lockout);
    let mine = r.requester_id == v.id;
    let awaiting = r.state() == RequestState::AwaitingApproval;
    let approvals = st
        .db
        .approvals(r.key(), v.id)
        .await?
        .into_iter()
        .map(|a| {
            let step = StepKind::parse(&a.step);
            let can_decide = a.eligible && !mine && awaiting && a.state == "pending";
            ApprovalView {
                id: a.id,
                step: a.step.clone(),
                step_label: step.map(|s| s.label()).unwrap_or("Approval").to_string(),
                reason: a.reason,
                approver: match (a.approver_name, a.team, a.system_title) {
                    (Some(n), _, _) => n,
                    (_, Some(t), _) => crate::domain::approval::Team::parse(&t)
                        .map(|t| t.label().to_string())
                        .unwrap_or(t),
                    (_, _, Some(s)) => format!("Owners of {s}"),
                    _ => String::new(),
                },
                state: a.state,
                decided_by: a.decided_by_name,
                decided_at: a.decided_at.map(Timestamp::from_millis),
                note: a.note,
                can_decide,
                can_narrow: can_decide && step.is_some_and(StepKind::may_narrow),
            }
        })
        .collect();
    let open = r.state().is_open() && r.state() != RequestState::AwaitingApproval;
    let tasks = st
        .db
        .tasks(r.key(), v.id)
        .await?
        .into_iter()
        .map(|t| {
            let state = TaskState::parse(&t.state).unwrap_or(TaskState::Open);
            let needs_check = t.action == "reset" && checks.is_empty() && state == TaskState::Open;
            TaskView {
                id: t.id,
                action: t.action,
                title: t.title,
                system_slug: t.system_slug,
                system: t.system_title,
                person: t.person_name,
                role: t.role,
                due_at: t.due_at.map(Timestamp::from_millis),
                urgent: t.urgent,
                state: state.as_str().to_string(),
                state_label: state.label().to_string(),
                note: t.note,
                closed_by: t.closed_by_name,
                closed_at: t.closed_at.map(Timestamp::from_millis),
                can_close: open && state == TaskState::Open && (t.eligible || v.works_queue()),
                needs_identity_check: needs_check,
            }
        })
        .collect();
    Ok(RequestDetail {
        summary: summary(&r),
        description: r.description.clone(),
        details: super::catalog::detail_items(&r.details),
        labels: st.db.request_labels(r.key()).await?,
        people: st
            .db
            .request_people(r.key())
            .await?
            .into_iter()
            .map(|p| PersonLink {
                handle: p.handle,
                name: p.name,
            })
            .collect(),
        lines: st
            .db
            .request_lines(r.key())
            .await?
            .into_iter()
            .map(|l| LineView {
                id: l.id,
                system_slug: l.system_slug,
                system: l.system_title,
                role: l.role,
                justification: l.justification,
                grant: l.grant_kind,
            })
            .collect(),
        approvals,
        tasks,
        identity_checks: if staff || mine {
            checks
                .into_iter()
                .map(|c| IdentityCheckView {
                    method: c.method,
                    note: if staff { c.note } else { String::new() },
                    checked_by: c.checked_by_name,
                    at: Timestamp::from_millis(c.at),
                })
                .collect()
        } else {
            Vec::new()
        },
        comments: comments.into_iter().map(comment_view).collect(),
        history: events.into_iter().map(history_entry).collect(),
        actions: RequestActions {
            claim: access::can_claim(v, &f),
            reply: access::can_reply(v, &f),
            note: access::can_note(v, &f),
            moves: access::allowed_moves(v, &f),
            identity_check: is_reset && v.works_queue() && r.state().is_open(),
        },
    })
}

fn comment_view(c: CommentRow) -> CommentView {
    CommentView {
        id: c.id,
        author: c.author_name,
        body: c.body,
        internal: c.internal,
        at: Timestamp::from_millis(c.created_at),
    }
}

fn state_label(s: &Option<String>) -> String {
    s.as_deref()
        .map(|s| {
            s.parse::<RequestState>()
                .map(|st| st.label().to_string())
                .unwrap_or_else(|_| s.to_string())
        })
        .unwrap_or_default()
}

fn history_entry(e: EventRow) -> HistoryEntry {
    let change = match e.field.as_str() {
        "created" => "submitted the request".to_string(),
        "state" => format!(
            "changed the state from {} to {}",
            state_label(&e.before),
            state_label(&e.after)
        ),
        "assignee" => match (&e.before, &e.after) {
            (_, Some(to)) if *to == e.actor_name => "claimed it".to_string(),
            (_, Some(to)) => format!("assigned it to {to}"),
            (Some(from), None) => format!("unassigned {from}"),
            (None, None) => "changed the assignee".to_string(),
        },
        "reply" => "replied".to_string(),
        "idle-close" => "closed it after 30 days without activity".to_string(),
        "approval" => {
            let after = e.after.clone().unwrap_or_default();
            let (step, outcome) = after.split_once(':').unwrap_or((after.as_str(), ""));
            let step = StepKind::parse(step).map(|s| s.label()).unwrap_or("an");
            format!("{outcome} the {} approval", step.to_lowercase())
        }
        "task" => format!(
            "closed the task \u{201c}{}\u{201d} as {}",
            e.before.clone().unwrap_or_default(),
            TaskState::parse(e.after.as_deref().unwrap_or(""))
                .map(|s| s.label().to_lowercase())
                .unwrap_or_default()
        ),
        "identity-check" => format!(
            "recorded an identity check ({})",
            e.after.clone().unwrap_or_default().replace('-', " ")
        ),
        f if f.starts_with("role:") => format!(
            "narrowed the role on {} from {} to {}",
            &f[5..],
            e.before.clone().unwrap_or_default(),
            e.after.clone().unwrap_or_default()
        ),
        "internal-note" => "added an internal note".to_string(),
        other => format!("changed {other}"),
    };
    HistoryEntry {
        id: e.id,
        actor: e.actor_name,
        at: Timestamp::from_millis(e.at),
        change,
    }
}

pub async fn my_requests(
    st: &AppState,
    v: &Viewer,
    before: Option<i64>,
) -> Result<Vec<RequestSummary>, AppError> {
    let rows = st.db.requests_of(v.id, before, PAGE_SIZE).await?;
    Ok(rows.iter().map(summary).collect())
}

pub async fn queue(st: &AppState, v: &Viewer) -> Result<Vec<RequestSummary>, AppError> {
    if !v.works_queue() {
        return Err(AppError::Forbidden);
    }
    let rows = st.db.queue(PAGE_SIZE * 2).await?;
    Ok(rows.iter().map(summary).collect())
}

/// Staff list every request; everyone else their own.
pub async fn list_requests(
    st: &AppState,
    v: &Viewer,
    before: Option<i64>,
) -> Result<Vec<RequestSummary>, AppError> {
    if v.works_queue() {
        Ok(st
            .db
            .all_requests(before, PAGE_SIZE)
            .await?
            .iter()
            .map(summary)
            .collect())
    } else {
        my_requests(st, v, before).await
    }
}

pub async fn claim(st: &AppState, v: &Viewer, key: &str) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    if !v.works_queue() {
        return Err(AppError::Forbidden);
    }
    if !access::can_claim(v, &f) {
        return Err(AppError::conflict(if !f.state.is_open() {
            "This request is no longer open."
        } else {
            "You already have this request."
        }));
    }
    // Claiming a new request starts its flow; otherwise it only changes hands.
    let to = if f.state == RequestState::New {
        r.kind().state_after_claim()
    } else {
        f.state
    };
    if to != f.state {
        f.state.check_move(to)?;
    }
    st.db
        .change_request(
            r.key(),
            v.id,
            f.state,
            to,
            Some((f.assignee_id, Some(v.id))),
        )
        .await?;
    Ok(())
}

pub async fn comment(
    st: &AppState,
    v: &Viewer,
    key: &str,
    body: &str,
    internal: bool,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let allowed = if internal {
        access::can_note(v, &f)
    } else {
        access::can_reply(v, &f)
    };
    if !allowed {
        return Err(if internal && !v.is_staff() {
            AppError::Forbidden
        } else {
            AppError::conflict(
                "This request is finished and takes no more comments. Open a new request instead.",
            )
        });
    }
    let body = parse_text("body", "a message", body, COMMENT_MAX)?;
    st.db.add_comment(r.key(), v.id, &body, internal).await?;
    // The requester answering is what the request was waiting for.
    if !internal && f.requester_id == v.id && f.state == RequestState::WaitingOnRequester {
        st.db
            .change_request(r.key(), v.id, f.state, RequestState::InProgress, None)
            .await?;
    }
    Ok(())
}

pub async fn transition(st: &AppState, v: &Viewer, key: &str, to: &str) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let to: RequestState = to.parse().map_err(|m| AppError::invalid("to", m))?;
    f.state.check_move(to)?;
    if !access::allowed_moves(v, &f).contains(&to) {
        return Err(AppError::Forbidden);
    }
    // The flow's own gates, whatever the browser sends.
    if to == RequestState::InProgress && st.db.pending_approvals(r.key()).await? > 0 {
        return Err(AppError::conflict(
            "Work cannot start before the approvals are in.",
        ));
    }
    if to == RequestState::Resolved {
        let open = st.db.open_tasks(r.key()).await?;
        if open > 0 {
            return Err(AppError::conflict(format!(
                "{open} task{} still open; close each as done or not applicable first.",
                if open == 1 { " is" } else { "s are" }
            )));
        }
    }
    st.db
        .change_request(r.key(), v.id, f.state, to, None)
        .await?;
    Ok(())
}
