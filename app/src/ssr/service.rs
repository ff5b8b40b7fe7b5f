//! The operations people perform, shared by server functions and the JSON API: parse, check who
//! is asking, call the domain and the store.

use super::ctx::AppState;
use super::store::{CommentRow, EventRow, RequestRow};
use crate::domain::access::{self, RequestFacts};
use crate::domain::error::AppError;
use crate::domain::request::{parse_text, NewRequest, RequestKey, RequestState, COMMENT_MAX};
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::{CommentView, HistoryEntry, RequestActions, RequestDetail, RequestSummary};

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
    title: &str,
    description: &str,
    priority: &str,
) -> Result<RequestKey, AppError> {
    let new = NewRequest::parse(kind, title, description, priority)?;
    let key = st.db.insert_request(&new, v.id).await?;
    tracing::info!(request = %key, requester = v.id, kind = %new.kind(), "request submitted");
    Ok(key)
}

/// Loads a request the viewer may see; anything else, including a malformed key, is "not found".
async fn load_visible(st: &AppState, v: &Viewer, key: &str) -> Result<RequestRow, AppError> {
    let key: RequestKey = key.parse()?;
    match st.db.request(key).await? {
        Some(r) if access::can_view(v, &facts(&r)) => Ok(r),
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
    Ok(RequestDetail {
        summary: summary(&r),
        description: r.description.clone(),
        comments: comments.into_iter().map(comment_view).collect(),
        history: events.into_iter().map(history_entry).collect(),
        actions: RequestActions {
            claim: access::can_claim(v, &f),
            reply: access::can_reply(v, &f),
            note: access::can_note(v, &f),
            moves: access::allowed_moves(v, &f),
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
    st.db
        .change_request(r.key(), v.id, f.state, to, None)
        .await?;
    Ok(())
}
