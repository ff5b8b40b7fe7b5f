//! The operations people perform, shared by server functions and the JSON API: parse, check who
//! is asking, call the domain and the store.

use super::ctx::AppState;
use super::store::{now_ms, Change, CommentRow, EventRow, RequestRow};
use crate::domain::access::{self, RequestFacts};
use crate::domain::approval::StepKind;
use crate::domain::catalog::Input;
use crate::domain::error::AppError;
use crate::domain::request::{parse_text, RequestKey, RequestKind, RequestState, COMMENT_MAX};
use crate::domain::sla::{self, Calendar};
use crate::domain::task::TaskState;
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::{
    ApprovalView, ClockStanding, ClockView, CommentView, HistoryEntry, IdentityCheckView, LineView,
    PersonLink, RequestActions, RequestDetail, RequestSummary, TaskView,
};

pub const PAGE_SIZE: i64 = 50;

fn facts(r: &RequestRow) -> RequestFacts {
    RequestFacts {
        requester_id: r.requester_id,
        assignee_id: r.assignee_id,
        state: r.state(),
    }
}

/// The service-level calendar and the moment a page is built: everything a clock is read with.
pub struct Clock {
    pub calendar: Calendar,
    pub now: i64,
}

impl Clock {
    pub async fn load(st: &AppState) -> Result<Clock, AppError> {
        Ok(Clock {
            calendar: st.db.calendar().await?,
            now: now_ms(),
        })
    }

    /// How a deadline stands now, in business time.
    fn view(&self, target: &str, due: i64, risk: Option<i64>) -> ClockView {
        let (now, due_t) = (
            Timestamp::from_millis(self.now),
            Timestamp::from_millis(due),
        );
        let (standing, text) = if self.now >= due {
            let over = self.calendar.between(due_t, now);
            (
                ClockStanding::Breached,
                format!("{} over", sla::human(over)),
            )
        } else {
            let left = self.calendar.between(now, due_t);
            let standing = if risk.is_some_and(|r| self.now >= r) {
                ClockStanding::AtRisk
            } else {
                ClockStanding::OnTrack
            };
            (standing, format!("{} left", sla::human(left)))
        };
        ClockView {
            target: target.to_string(),
            due: due_t,
            standing,
            text,
        }
    }

    /// The next deadline of an open request, or its paused state.
    pub fn next(&self, r: &RequestRow) -> Option<ClockView> {
        if !r.state().is_open() {
            return None;
        }
        if r.paused_since.is_some() {
            return Some(ClockView {
                target: "Resolution".into(),
                due: Timestamp::from_millis(r.resolve_due_at.unwrap_or(r.created_at)),
                standing: ClockStanding::Paused,
                text: "paused while waiting on the requester".into(),
            });
        }
        let due = r.due_at?;
        let target = if r.responded_at.is_none() && r.first_due_at == Some(due) {
            "First response"
        } else {
            "Resolution"
        };
        Some(self.view(target, due, r.risk_at))
    }

    /// Both clocks, for the request page: the first response (pending, met or missed) and the
    /// resolution while the request is open.
    pub fn both(&self, r: &RequestRow) -> Vec<ClockView> {
        let mut out = Vec::new();
        if let Some(first) = r.first_due_at {
            match r.responded_at {
                Some(at) => out.push(ClockView {
                    target: "First response".into(),
                    due: Timestamp::from_millis(first),
                    standing: if at <= first {
                        ClockStanding::Met
                    } else {
                        ClockStanding::Missed
                    },
                    text: format!("answered {}", Timestamp::from_millis(at)),
                }),
                None if r.state().is_open() => {
                    if let Some(c) = self.next(r).filter(|c| c.target == "First response") {
                        out.push(c);
                    } else if r.paused_since.is_none() {
                        let risk = first - (first - r.created_at) / 4;
                        out.push(self.view("First response", first, Some(risk)));
                    }
                }
                None => {}
            }
        }
        if r.state().is_open() {
            match (r.paused_since, r.resolve_due_at) {
                (Some(_), _) => out.extend(self.next(r)),
                (None, Some(due)) => {
                    let risk = if r.due_at == Some(due) {
                        r.risk_at
                    } else {
                        None
                    };
                    out.push(self.view("Resolution", due, risk));
                }
                (None, None) => {}
            }
        }
        out
    }
}

pub fn summary(r: &RequestRow, clock: &Clock) -> RequestSummary {
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
        clock: clock.next(r),
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
                can_close: open
                    && state == TaskState::Open
                    && (t.eligible || v.works_queue())
                    && !own
                    && t.person_id != Some(v.id),
                needs_identity_check: needs_check,
            }
        })
        .collect();
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
            super::queue::macro_views(st).await?,
            st.db
                .queue_workers()
                .await?
                .into_iter()
                .map(|(_, handle, name)| PersonLink { handle, name })
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
        details: super::catalog::detail_items(&r.details),
        labels: st.db.request_labels(r.key()).await?,
        people: people
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
            // Whoever gets this far may see the request (see `load_visible`).
            reply: access::can_reply(true, &f),
            note: access::can_note(v, &f),
            moves: access::allowed_moves(v, &f),
            identity_check: is_reset && v.works_queue() && r.state().is_open() && !own,
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
    let clock = Clock::load(st).await?;
    Ok(rows.iter().map(|r| summary(r, &clock)).collect())
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
    let body = parse_text("body", "a message", body, COMMENT_MAX)?;
    let answer = !internal && f.requester_id == v.id;
    // The requester answering is what a waiting request waits for, and reopens a resolved one
    // within a week; after that it is closed for good.
    let state = match f.state {
        RequestState::WaitingOnRequester if answer => Some((f.state, RequestState::InProgress)),
        RequestState::Resolved if answer => {
            if r.resolved_at
                .is_some_and(|t| now_ms() - t > REOPEN_WINDOW_MS)
            {
                return Err(AppError::conflict(
                    "This request was resolved more than 7 days ago and is closed. Open a new request instead.",
                ));
            }
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
                state,
                ..Change::default()
            }],
        )
        .await?;
    Ok(())
}

/// How long a requester's reply can reopen a resolved request.
pub const REOPEN_WINDOW_MS: i64 = 7 * 86_400_000;

pub async fn transition(st: &AppState, v: &Viewer, key: &str, to: &str) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let f = facts(&r);
    let to: RequestState = to.parse().map_err(|m| AppError::invalid("to", m))?;
    f.state.check_move(to)?;
    if !access::allowed_moves(v, &f).contains(&to) {
        return Err(AppError::Forbidden);
    }
    check_flow_gates(st, &r, to).await?;
    st.db
        .change_request(r.key(), v.id, f.state, to, None)
        .await?;
    Ok(())
}

/// The flow's own gates beyond the state machine, whatever the browser sends: work starts only
/// after the approvals are in, and a request resolves only when its tasks are closed.
pub(crate) async fn check_flow_gates(
    st: &AppState,
    r: &RequestRow,
    to: RequestState,
) -> Result<(), AppError> {
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
    Ok(())
}
