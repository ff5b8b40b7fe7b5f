//! Date-driven work, run by the scheduler inside the server (and `tierdesk jobs run`): idle access
//! requests close themselves, contractors' and collaborators' managers are reminded before the end
//! date and offboarding starts on it, service accounts are reminded to rotate, and resolved
//! requests close for good a week after resolution.
//!
//! Safe to run twice, or on two instances at once: closing is conditional on the request still
//! being idle, and every other action first claims a `(job, subject, occasion)` mark that only one
//! run can insert. A claim whose action then fails is given back, so a later run retries.

use super::ctx::AppState;
use super::reading::{details_of, StoredDetail};
use super::store::{NewRequestRecord, NewTask, RequestRow};
use crate::domain::error::AppError;
use crate::domain::kinds::{EndFacts, Held, RequestKind};
use crate::domain::registry::is_sox;
use crate::domain::request::{RequestKey, RequestState};
use crate::domain::time::{Day, Timestamp, DAY_MS};

pub const IDLE_DAYS: i64 = 30;
pub const REMIND_DAYS_BEFORE_END: i64 = 7;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JobReport {
    pub closed_idle: Vec<RequestKey>,
    pub end_reminders: Vec<RequestKey>,
    /// The request that ended and the offboarding request made for it.
    pub offboarded: Vec<(RequestKey, RequestKey)>,
    pub rotation_reminders: Vec<RequestKey>,
    /// Resolved requests closed for good a week after resolution.
    pub closed_resolved: u64,
    /// Lockout reports from the sign-in-free form that a worker had not turned into requests.
    pub lockouts: usize,
}

impl JobReport {
    pub fn is_empty(&self) -> bool {
        *self == JobReport::default()
    }
}

fn raw(details: &[StoredDetail], name: &str) -> Option<String> {
    details
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.raw.clone())
}

/// Runs every job as of `now` (UTC milliseconds).
pub async fn run(st: &AppState, now: i64) -> Result<JobReport, AppError> {
    let actor = st.db.jobs_user().await?;
    let mut report = JobReport::default();
    report.closed_idle = st
        .db
        .close_idle_access_requests(now - IDLE_DAYS * DAY_MS, actor)
        .await?
        .into_iter()
        .map(RequestKey::new)
        .collect();

    let today = Day::of(Timestamp::from_millis(now));
    let ending_kinds: Vec<&str> = RequestKind::ending().map(RequestKind::as_str).collect();
    let ending = st.db.live_requests_of_kinds(&ending_kinds).await?;
    for r in ending {
        let details = details_of(&r.details);
        let Some(end) = raw(&details, "end_date").and_then(|d| Day::parse(&d)) else {
            continue;
        };
        // Only what was approved and set up needs taking down.
        let started = !matches!(
            r.state(),
            RequestState::New | RequestState::Triaged | RequestState::AwaitingApproval
        );
        if !started {
            continue;
        }
        let occasion = end.to_string();
        if today >= end {
            if st
                .db
                .claim_job_mark("end-offboard", r.id, &occasion)
                .await?
            {
                match offboard_ended(st, &r, &details, end, now, actor).await {
                    Ok(key) => report.offboarded.push((r.key(), key)),
                    Err(e) => {
                        st.db
                            .release_job_mark("end-offboard", r.id, &occasion)
                            .await?;
                        return Err(e);
                    }
                }
            }
        } else if today >= end.add_days(-REMIND_DAYS_BEFORE_END)
            && st
                .db
                .claim_job_mark("end-reminder", r.id, &occasion)
                .await?
        {
            let name = raw(&details, "name").unwrap_or_default();
            let body = format!(
                "Reminder for the manager: access for {name} ends on {end}. If it is still needed, ask for an extension before then; on that day the helpdesk removes it."
            );
            if let Err(e) = st.db.add_comment(r.key(), actor, &body, false).await {
                st.db
                    .release_job_mark("end-reminder", r.id, &occasion)
                    .await?;
                return Err(e.into());
            }
            report.end_reminders.push(r.key());
        }
    }

    let rotating: Vec<&str> = RequestKind::rotating().map(RequestKind::as_str).collect();
    for r in st.db.live_requests_of_kinds(&rotating).await? {
        if !matches!(r.state(), RequestState::Resolved | RequestState::Closed) {
            continue;
        }
        let Some(field) = r.kind().def().rotation_field else {
            continue;
        };
        let details = details_of(&r.details);
        let Some(days) = raw(&details, field)
            .and_then(|d| d.parse::<i64>().ok())
            .filter(|d| *d > 0)
        else {
            continue;
        };
        let periods = (now - r.created_at) / (days * DAY_MS);
        if periods < 1 {
            continue;
        }
        let occasion = format!("period-{periods}");
        if st.db.claim_job_mark("rotation", r.id, &occasion).await? {
            let body = format!(
                "Rotation due: this service account's credentials are rotated every {days} days. The owner rotates them and replies here when done."
            );
            if let Err(e) = st.db.add_comment(r.key(), actor, &body, false).await {
                st.db.release_job_mark("rotation", r.id, &occasion).await?;
                return Err(e.into());
            }
            report.rotation_reminders.push(r.key());
        }
    }
    report.closed_resolved = st
        .db
        .close_resolved_before(now - super::reading::REOPEN_WINDOW_MS, actor)
        .await?;
    report.lockouts = super::lockout::work_lockout_reports(st).await?;
    // Throttle counts whose window is long over.
    st.db
        .prune_attempts(now - 2 * super::sign_in::WINDOW_MS)
        .await?;
    Ok(report)
}

/// The offboarding request for a contractor or collaborator whose end date has come.
async fn offboard_ended(
    st: &AppState,
    r: &RequestRow,
    details: &[StoredDetail],
    end: Day,
    now: i64,
    actor: i64,
) -> Result<RequestKey, AppError> {
    let name = raw(details, "name").unwrap_or_default();
    let Some(plan) = r.kind().def().ends else {
        return Err(AppError::Internal);
    };
    let mut lines = Vec::new();
    for line in st.db.request_lines(r.key()).await? {
        let brief = st.db.system_brief_by_id(line.system_id).await?;
        lines.push(Held {
            system_id: line.system_id,
            title: line.system_title,
            tier: brief
                .as_ref()
                .and_then(|b| b.tier)
                .and_then(|t| u8::try_from(t).ok()),
            sox: is_sox(brief.as_ref().and_then(|b| b.compliance.as_deref())),
        });
    }
    let tasks = plan(&EndFacts {
        name: &name,
        end,
        now,
        lines: &lines,
    })
    .into_iter()
    .map(NewTask::from)
    .collect();
    let record = NewRequestRecord {
        kind: RequestKind::Offboarding.as_str().to_string(),
        title: format!("Offboarding {name}: access ended on {end}"),
        description: format!("The end date of {} has come.", r.key()),
        priority: crate::domain::request::Priority::High.as_str().to_string(),
        state: RequestState::New.as_str().to_string(),
        requester_id: actor,
        details: serde_json::to_string(&[StoredDetail {
            name: "ended".into(),
            label: "Ends".into(),
            value: r.key().to_string(),
            raw: r.key().to_string(),
        }])
        .map_err(|_| AppError::Internal)?,
        tasks,
        ..Default::default()
    };
    Ok(st.db.create_request(&record).await?)
}
