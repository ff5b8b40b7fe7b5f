//! After the work: a resolution always says something to the requester, the requester may reopen
//! it within a week and rate the help, and colleagues copied on a request (CC) follow it.

use super::catalog::find_person;
use super::ctx::AppState;
use super::reading::{facts, load_visible, REOPEN_WINDOW_MS};
use super::store::{Change, RequestRow, PARTICIPANTS_MAX};
use crate::domain::access;
use crate::domain::error::{AppError, Problems};
use crate::domain::form::PersonName;
use crate::domain::request::{parse_text, Rating, RequestState, COMMENT_MAX};
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::RatedRequest;

pub const RATING_COMMENT_MAX: usize = 2_000;

/// The reply a resolution carries: every resolution says something to the requester.
pub fn resolution_reply(reply: &str) -> Result<String, AppError> {
    parse_text(
        "reply",
        "the resolution reply: what was done, and anything the requester should do now",
        reply,
        COMMENT_MAX,
    )
}

/// The reply that goes to the requester with a move to `to`: required to resolve (a resolution
/// always says something), optional otherwise; `None` when there is none.
pub fn reply_with_move(to: RequestState, reply: &str) -> Result<Option<String>, AppError> {
    if to == RequestState::Resolved {
        resolution_reply(reply).map(Some)
    } else if reply.trim().is_empty() {
        Ok(None)
    } else {
        parse_text("reply", "a reply", reply, COMMENT_MAX).map(Some)
    }
}

/// Until when the requester may reopen a resolved request; `None` once it is anything else.
pub fn reopen_until(r: &RequestRow) -> Option<i64> {
    (r.state() == RequestState::Resolved)
        .then(|| r.resolved_at.unwrap_or(r.updated_at) + REOPEN_WINDOW_MS)
}

/// Refuses a reopening after the week DOMAIN allows.
pub fn check_reopen_window(st: &AppState, r: &RequestRow) -> Result<(), AppError> {
    match reopen_until(r) {
        Some(until) if st.db.now() > until => Err(AppError::conflict(
            "This request was resolved more than 7 days ago and is closed. Open a new request instead.",
        )),
        _ => Ok(()),
    }
}

/// The requester reopens a resolved request, saying why; it goes back to the queue in progress.
pub async fn reopen(st: &AppState, v: &Viewer, key: &str, reason: &str) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    if r.requester_id != v.id {
        return Err(AppError::Forbidden);
    }
    if r.state() != RequestState::Resolved {
        return Err(AppError::conflict(format!(
            "Only a resolved request can be reopened; this one is {}.",
            r.state().label().to_lowercase()
        )));
    }
    check_reopen_window(st, &r)?;
    let reason = parse_text("reason", "what is still wrong", reason, COMMENT_MAX)?;
    st.db
        .apply_changes(
            v.id,
            &[Change {
                id: r.id,
                comment: Some((reason, false)),
                state: Some((RequestState::Resolved, RequestState::InProgress)),
                ..Change::default()
            }],
        )
        .await?;
    Ok(())
}

/// Text a person may leave empty; checked like any other when given.
fn optional_text(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        parse_text(field, "a comment", raw, max)
    }
}

/// The requester rates the help of a resolved or closed request: `good` or `bad`, with an
/// optional comment. Rating again replaces the earlier rating.
pub async fn rate(
    st: &AppState,
    v: &Viewer,
    key: &str,
    rating: &str,
    comment: &str,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    if r.requester_id != v.id {
        return Err(AppError::Forbidden);
    }
    if !matches!(r.state(), RequestState::Resolved | RequestState::Closed) {
        return Err(AppError::conflict(
            "You can rate the help once the request is resolved.",
        ));
    }
    let mut problems = Problems::default();
    let rating = problems.check(
        rating
            .parse::<Rating>()
            .map_err(|_| AppError::invalid("rating", "Choose good or bad.")),
    );
    let comment = problems.check(optional_text("comment", comment, RATING_COMMENT_MAX));
    problems.finish()?;
    let (Some(rating), Some(comment)) = (rating, comment) else {
        return Err(AppError::Internal);
    };
    st.db
        .rate_request(r.id, v.id, rating.as_str(), &comment)
        .await?;
    Ok(())
}

/// The latest ratings, for people who work the queue.
pub async fn latest_ratings(
    st: &AppState,
    v: &Viewer,
    limit: i64,
) -> Result<Vec<RatedRequest>, AppError> {
    access::require_queue(v)?;
    ratings(st, limit).await
}

/// The latest `limit` ratings, for whoever may see them (the caller checks).
pub(crate) async fn ratings(st: &AppState, limit: i64) -> Result<Vec<RatedRequest>, AppError> {
    Ok(st
        .db
        .latest_ratings(limit)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(RatedRequest {
                key: crate::domain::request::RequestKey::new(r.id).to_string(),
                title: r.title,
                requester: r.requester_name,
                assignee: r.assignee_name,
                rating: r.rating.parse().ok()?,
                comment: r.rating_comment.unwrap_or_default(),
                at: Timestamp::from_millis(r.rated_at),
            })
        })
        .collect())
}

/// Copies a colleague (by e-mail address or handle) on a request: its requester and queue staff
/// may, while it still takes replies.
pub async fn add_participant(
    st: &AppState,
    v: &Viewer,
    key: &str,
    person: &str,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    if !access::can_manage_participants(v, &f) {
        return Err(AppError::Forbidden);
    }
    if !access::can_reply(true, &f) {
        return Err(AppError::conflict(
            "This request is finished; nobody more can be copied on it.",
        ));
    }
    if person.trim().is_empty() {
        return Err(AppError::invalid(
            "person",
            "Enter a colleague\u{2019}s e-mail address or @handle.",
        ));
    }
    let name = PersonName::parse("person", person)?;
    let p = find_person(st, "person", &name).await?;
    if p.id == r.requester_id {
        return Err(AppError::invalid(
            "person",
            format!("{} asked for this request and already follows it.", p.name),
        ));
    }
    let current = st.db.participants(r.id).await?;
    if current.iter().any(|c| c.id == p.id) {
        return Err(AppError::invalid(
            "person",
            format!("{} is already copied on this request.", p.name),
        ));
    }
    if current.len() as i64 >= PARTICIPANTS_MAX {
        return Err(AppError::invalid(
            "person",
            format!("A request can have at most {PARTICIPANTS_MAX} participants."),
        ));
    }
    st.db.add_participant(r.id, p.id, v.id).await?;
    tracing::info!(request = %r.key(), person = p.id, by = v.id, "participant added");
    Ok(())
}

/// Takes a colleague off a request: its requester and queue staff may, and anyone may take
/// themselves off. Answers where to go next: the request, or "My requests" for someone who no
/// longer sees it.
pub async fn remove_participant(
    st: &AppState,
    v: &Viewer,
    key: &str,
    handle: &str,
) -> Result<String, AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let handle = handle.trim().trim_start_matches('@');
    let current = st.db.participants(r.id).await?;
    let Some(p) = current
        .iter()
        .find(|c| c.handle.eq_ignore_ascii_case(handle))
    else {
        return Err(AppError::invalid(
            "handle",
            "That person is not copied on this request.",
        ));
    };
    if !(access::can_manage_participants(v, &f) || p.id == v.id) {
        return Err(AppError::Forbidden);
    }
    st.db.remove_participant(r.id, p.id, v.id).await?;
    let still_sees = p.id != v.id || load_visible(st, v, key).await.is_ok();
    Ok(if still_sees {
        format!("/requests/{}", r.key())
    } else {
        "/requests".to_string()
    })
}
