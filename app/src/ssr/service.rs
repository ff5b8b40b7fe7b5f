//! The operations people perform, shared by server functions and the JSON API: parse, check who
//! is asking, call the domain and the store.

use super::attachments::Carried;
use super::ctx::AppState;
use super::reading::{check_flow_gates, detail_items, facts, load_visible, summary, Clock};
use super::store::{Change, CommentRow, EventRow};
use crate::domain::access;
use crate::domain::approval::StepKind;
use crate::domain::error::{AppError, Problems};
use crate::domain::form::Input;
use crate::domain::request::{parse_text, RequestKey, RequestState, COMMENT_MAX};
use crate::domain::task::TaskState;
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::{
    ApprovalView, Attachment, CommentView, FeedbackView, HistoryEntry, IdentityCheckView, LineView,
    ParticipantView, PersonLink, RequestActions, RequestDetail, RequestSummary, TaskView,
};

pub const PAGE_SIZE: i64 = 50;

pub async fn submit_request(
    st: &AppState,
    v: &Viewer,
    kind: &str,
    input: &Input,
    files: Carried<'_>,
) -> Result<RequestKey, AppError> {
    super::catalog::submit(st, v, kind, input, files).await
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
    let files = st.db.request_attachments(r.id, staff).await?;
    let files_of = |comment: Option<i64>| -> Vec<Attachment> {
        files
            .iter()
            .filter(|f| f.comment_id == comment)
            .map(super::attachments::view)
            .collect()
    };
    let events = st.db.events(r.key(), staff).await?;
    let checks = st.db.identity_checks(r.key()).await?;
    let is_reset = r.kind().def().identity_check;
    let mine = r.requester_id == v.id;
    let people = st.db.request_people(r.key()).await?;
    let subjects: Vec<i64> = people.iter().map(|p| p.id).collect();
    // Nobody is the second pair of eyes on their own request or their own access.
    let own = access::is_own(v, r.requester_id, &subjects);
    let awaiting = r.state() == RequestState::AwaitingApproval;
    let approvals = st
        .db
        .approvals(r.key(), v.id)
        .await?
        .into_iter()
        .map(|a| {
            let step = StepKind::parse(&a.step);
            let can_decide = a.eligible && !own && awaiting && a.state == "pending";
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
            let state = t.state;
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
                can_close: open
                    && state == TaskState::Open
                    && (t.eligible || v.works_queue())
                    && !own
                    && t.person_id != Some(v.id),
                needs_identity_check: needs_check,
            }
        })
        .collect();
    let participants = st.db.participants(r.id).await?;
    let participant = participants.iter().any(|p| p.id == v.id);
    let manage = access::can_manage_participants(v, &f);
    let reopen_until = super::resolution::reopen_until(&r);
    let clock = Clock::load(st).await?;
    let on_shift = if staff || r.state().is_open() {
        st.db
            .on_shift(clock.now)
            .await?
            .into_iter()
            .filter(|s| s.duty == "support")
            .map(|s| s.name)
            .collect()
    } else {
        Vec::new()
    };
    let (macros, assignees) = if v.works_queue() && r.state().is_open() {
        (
            super::macros::macro_views(st).await?,
            st.db
                .queue_workers()
                .await?
                .into_iter()
                .map(|(_, handle, name)| PersonLink {
                    handle,
                    name,
                    link: false,
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(RequestDetail {
        summary: summary(&r, &clock),
        clocks: clock.both(&r),
        on_shift,
        macros,
        assignees,
        description: r.description.clone(),
        details: detail_items(&r.details),
        attachments: files_of(None),
        labels: st.db.request_labels(r.key()).await?,
        people: people
            .into_iter()
            .map(|p| PersonLink {
                link: access::can_view_person(v, p.id, p.manager_id),
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
        comments: comments
            .into_iter()
            .map(|c| {
                let attachments = files_of(Some(c.id));
                CommentView {
                    attachments,
                    ..comment_view(c)
                }
            })
            .collect(),
        history: events.into_iter().map(history_entry).collect(),
        participants: participants
            .into_iter()
            .map(|p| ParticipantView {
                can_remove: manage || p.id == v.id,
                person: PersonLink {
                    link: access::can_view_person(v, p.id, p.manager_id),
                    handle: p.handle,
                    name: p.name,
                },
            })
            .collect(),
        feedback: (staff || mine)
            .then(|| {
                Some(FeedbackView {
                    rating: r.rating.as_deref()?.parse().ok()?,
                    comment: r.rating_comment.clone().unwrap_or_default(),
                    at: Timestamp::from_millis(r.rated_at?),
                })
            })
            .flatten(),
        reopen_until: reopen_until.filter(|_| mine).map(Timestamp::from_millis),
        escalations: super::tracker::escalations_of(st, v, &r).await?,
        escalate: super::tracker::escalate_options(st, v, &r).await?,
        actions: RequestActions {
            claim: access::can_claim(v, &f),
            // Whoever gets this far may see the request (see `load_visible`).
            // A requester's reply would reopen a resolved request: they get the reopen form.
            reply: access::can_reply(true, &f) && !(mine && r.state() == RequestState::Resolved),
            note: access::can_note(v, &f),
            moves: access::allowed_moves(v, &f),
            identity_check: is_reset && v.works_queue() && r.state().is_open() && !own,
            mine,
            queue: v.works_queue(),
            participant,
            rate: mine && matches!(r.state(), RequestState::Resolved | RequestState::Closed),
            reopen: mine && reopen_until.is_some_and(|until| clock.now <= until),
            add_participant: manage && access::can_reply(true, &f),
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
        attachments: Vec::new(),
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
        "escalation" => match (e.before.as_deref(), e.after.as_deref()) {
            (None, Some(issue)) => format!("escalated it to engineering ({issue})"),
            (Some(issue), Some("closed")) => format!("closed {issue}: engineering's part is done"),
            (Some(issue), _) => format!("reopened {issue} with engineering"),
            _ => "changed an escalation".to_string(),
        },
        "rating" => format!("rated the help {}", e.after.clone().unwrap_or_default()),
        "label" => match (&e.before, &e.after) {
            (_, Some(added)) => format!("added the label {added}"),
            (Some(removed), None) => format!("removed the label {removed}"),
            _ => "changed the labels".to_string(),
        },
        "priority" => format!(
            "changed the priority from {} to {}",
            e.before.clone().unwrap_or_default(),
            e.after.clone().unwrap_or_default()
        ),
        // What a rule did that is no change of a field: a notice, or why it could not act.
        "rule" => e.after.clone().unwrap_or_default(),
        "participant" => match (&e.before, &e.after) {
            (None, Some(added)) => format!("copied {added} on it"),
            (Some(removed), None) if *removed == e.actor_name => "stopped following it".to_string(),
            (Some(removed), None) => format!("took {removed} off it"),
            _ => "changed who is copied".to_string(),
        },
        other => format!("changed {other}"),
    };
    // A rule's change is told as the rule's, not the automation account's.
    let actor = match (e.rule_id, e.rule_name) {
        (Some(_), Some(name)) => format!("Rule \u{201c}{name}\u{201d}"),
        (Some(_), None) => "A rule since deleted".to_string(),
        (None, _) => e.actor_name,
    };
    HistoryEntry {
        id: e.id,
        actor,
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
    let clock = Clock::load(st).await?;
    Ok(rows.iter().map(|r| summary(r, &clock)).collect())
}

/// "My requests" as the page filters them: `show` is `open` (the default), `closed` or `all`;
/// `text` matches titles and keys.
pub async fn my_requests_filtered(
    st: &AppState,
    v: &Viewer,
    show: &str,
    text: &str,
) -> Result<Vec<RequestSummary>, AppError> {
    let open = match show {
        "" | "open" => Some(true),
        "closed" => Some(false),
        "all" => None,
        _ => return Err(AppError::invalid("show", "Choose open, closed or all.")),
    };
    if text.chars().count() > 200 {
        return Err(AppError::invalid("q", "Search for at most 200 characters."));
    }
    let rows = st.db.requests_of_matching(v.id, open, text, 200).await?;
    let clock = Clock::load(st).await?;
    Ok(rows
        .iter()
        .map(|r| RequestSummary {
            copied: r.requester_id != v.id,
            ..summary(r, &clock)
        })
        .collect())
}

/// Staff list every request; everyone else their own.
pub async fn list_requests(
    st: &AppState,
    v: &Viewer,
    before: Option<i64>,
) -> Result<Vec<RequestSummary>, AppError> {
    if v.works_queue() {
        let clock = Clock::load(st).await?;
        Ok(st
            .db
            .all_requests(before, PAGE_SIZE)
            .await?
            .iter()
            .map(|r| summary(r, &clock))
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
        RequestState::InProgress
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
    files: Carried<'_>,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let allowed = if internal {
        access::can_note(v, &f)
    } else {
        // `load_visible` let this person see the request.
        access::can_reply(true, &f)
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
    let mut problems = Problems::default();
    let body = problems.check(parse_text("body", "a message", body, COMMENT_MAX));
    let files = problems.check(super::attachments::take(st, v, files).await);
    problems.finish()?;
    let (Some(body), Some(files)) = (body, files) else {
        return Err(AppError::Internal);
    };
    let answer = !internal && f.requester_id == v.id;
    // The requester answering is what a waiting request waits for, and reopens a resolved one
    // within a week; after that it is closed for good.
    let state = match f.state {
        RequestState::WaitingOnRequester if answer => Some((f.state, RequestState::InProgress)),
        RequestState::Resolved if answer => {
            super::resolution::check_reopen_window(st, &r)?;
            Some((f.state, RequestState::InProgress))
        }
        _ => None,
    };
    st.db
        .apply_changes(
            v.id,
            &[Change {
                id: r.id,
                comment: Some((body, internal)),
                attachments: files,
                state,
                ..Change::default()
            }],
        )
        .await?;
    Ok(())
}

/// Moves a request to `to`, with `reply` to the requester in the same write. A resolution needs
/// the reply (it always says something to the requester); other moves take one if given.
pub async fn transition(
    st: &AppState,
    v: &Viewer,
    key: &str,
    to: &str,
    reply: &str,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let to: RequestState = to.parse().map_err(|m| AppError::invalid("to", m))?;
    f.state.check_move(to)?;
    if !access::allowed_moves(v, &f).contains(&to) {
        return Err(AppError::Forbidden);
    }
    check_flow_gates(st, &r, to).await?;
    let reply = super::resolution::reply_with_move(to, reply)?;
    st.db
        .apply_changes(
            v.id,
            &[Change {
                id: r.id,
                comment: reply.map(|text| (text, false)),
                state: Some((f.state, to)),
                ..Change::default()
            }],
        )
        .await?;
    Ok(())
}
