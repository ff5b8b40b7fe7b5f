//! Reading a request, shared by every service that works on one: who may see it, its summary
//! and service-level clocks as shown, its stored details, and the flow's gates. Depends only on
//! the store and the domain, so the services above it never need each other.

use super::ctx::AppState;
use super::store::RequestRow;
use crate::domain::access::{self, RequestFacts};
use crate::domain::error::AppError;
use crate::domain::request::{RequestKey, RequestState};
use crate::domain::sla::{self, Calendar, Deadline, Standing};
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::{ClockStanding, ClockView, DetailItem, RequestSummary};
use serde::{Deserialize, Serialize};

/// How long a requester's reply can reopen a resolved request.
pub const REOPEN_WINDOW_MS: i64 = 7 * 86_400_000;

/// One stored detail: the field's name, its label, what people see, and the value as parsed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDetail {
    pub name: String,
    pub label: String,
    pub value: String,
    pub raw: String,
}

pub fn details_of(json: &str) -> Vec<StoredDetail> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn detail_items(json: &str) -> Vec<DetailItem> {
    details_of(json)
        .into_iter()
        .map(|d| DetailItem {
            name: d.name,
            label: d.label,
            value: d.value,
        })
        .collect()
}

pub(crate) fn facts(r: &RequestRow) -> RequestFacts {
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
    /// The calendar (shared by every reader until the next change: the calendar is only changed
    /// by changes everyone sees at once) and now.
    pub async fn load(st: &AppState) -> Result<Clock, AppError> {
        let calendar = st
            .cache
            .shared(None, "calendar", || st.db.calendar())
            .await?;
        Ok(Clock {
            calendar: (*calendar).clone(),
            now: st.db.now(),
        })
    }

    /// How a deadline stands now, in business time.
    fn view(&self, target: &str, due: i64, risk: Option<i64>) -> ClockView {
        let due = Timestamp::from_millis(due);
        // With no at-risk instant stored, the clock is on track until it is due.
        let deadline = Deadline::at(due, risk.map(Timestamp::from_millis).unwrap_or(due));
        let now = Timestamp::from_millis(self.now);
        let (standing, text) = match deadline.standing(&self.calendar, now) {
            Standing::Breached { over } => (
                ClockStanding::Breached,
                format!("{} over", sla::human(over)),
            ),
            Standing::AtRisk { left } => {
                (ClockStanding::AtRisk, format!("{} left", sla::human(left)))
            }
            Standing::OnTrack { left } => {
                (ClockStanding::OnTrack, format!("{} left", sla::human(left)))
            }
        };
        ClockView {
            target: target.to_string(),
            due,
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
                        let risk = Deadline::between(
                            &self.calendar,
                            Timestamp::from_millis(r.created_at),
                            Timestamp::from_millis(first),
                        )
                        .at_risk;
                        out.push(self.view("First response", first, Some(risk.millis())));
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
        rating: r.rating.as_deref().and_then(|x| x.parse().ok()),
        tasks_done: r.tasks_done,
        copied: false,
    }
}

/// The people a request is for (whose access it changes), by id.
pub(crate) async fn subjects(st: &AppState, r: &RequestRow) -> Result<Vec<i64>, AppError> {
    Ok(st
        .db
        .request_people(r.key())
        .await?
        .iter()
        .map(|p| p.id)
        .collect())
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

/// The flow's own gates beyond the state machine, whatever the browser sends: work starts only
/// after the approvals are in, and a request resolves only when its tasks and its engineering
/// issues are closed.
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
        check_escalations_closed(st, r).await?;
    }
    Ok(())
}

/// Engineering's issues close first: a request escalated to them resolves once they are done.
pub(crate) async fn check_escalations_closed(
    st: &AppState,
    r: &RequestRow,
) -> Result<(), AppError> {
    let escalated: Vec<String> = st
        .db
        .issues_of_request(r.id)
        .await?
        .into_iter()
        .filter(|i| i.state != "closed")
        .map(|i| crate::domain::tracker::IssueKey::new(i.id).to_string())
        .collect();
    if !escalated.is_empty() {
        return Err(AppError::conflict(format!(
            "{} {} still open with engineering; resolve the request once {} closed.",
            escalated.join(", "),
            if escalated.len() == 1 { "is" } else { "are" },
            if escalated.len() == 1 {
                "it is"
            } else {
                "they are"
            }
        )));
    }
    Ok(())
}
