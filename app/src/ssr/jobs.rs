//! Date-driven work, run by the scheduler inside the server (and `tierdesk jobs run`): idle access
//! requests close themselves, contractors' and collaborators' managers are reminded before the end
//! date and offboarding starts on it, service accounts are reminded to rotate, and resolved
//! requests close for good a week after resolution.
//!
//! Safe to run twice, or on two instances at once: closing is conditional on the request still
//! being idle, and every other action goes into the outbox once (its `(job, subject, occasion)`
//! is the entry's dedupe key) and is done in the same transaction that marks its entry done. A
//! process that dies leaves its entries to another instance once their lease runs out; an action
//! that fails is retried with backoff (see `store::automation`).

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
            st.db
                .enqueue_job(
                    "end-offboard",
                    r.id,
                    &occasion,
                    &serde_json::json!({ "job": "end-offboard" }).to_string(),
                )
                .await?;
        } else if today >= end.add_days(-REMIND_DAYS_BEFORE_END) {
            let name = raw(&details, "name").unwrap_or_default();
            let body = format!(
                "Reminder for the manager: access for {name} ends on {end}. If it is still needed, ask for an extension before then; on that day the helpdesk removes it."
            );
            st.db
                .enqueue_job(
                    "end-reminder",
                    r.id,
                    &occasion,
                    &serde_json::json!({ "job": "end-reminder", "body": body }).to_string(),
                )
                .await?;
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
        let body = format!(
            "Rotation due: this service account's credentials are rotated every {days} days. The owner rotates them and replies here when done."
        );
        st.db
            .enqueue_job(
                "rotation",
                r.id,
                &format!("period-{periods}"),
                &serde_json::json!({ "job": "rotation", "body": body }).to_string(),
            )
            .await?;
    }
    // Done now, as any instance's outbox worker would do them: each action in one transaction
    // with its outbox entry, so none is lost to a process that dies and none is done twice.
    work_jobs(st, actor, &mut report).await?;
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

/// Leases the due job entries and does them, until none is left; a failure is recorded on its
/// entry (retried later) and the others go on.
pub async fn work_jobs(st: &AppState, actor: i64, report: &mut JobReport) -> Result<(), AppError> {
    let owner = super::auth::new_secret("jobs:");
    loop {
        let batch = st.db.lease_topic(&owner, Some("job"), 60_000, 20).await?;
        if batch.is_empty() {
            return Ok(());
        }
        for entry in batch {
            if let Err(e) = perform(st, &entry, &owner, actor, report).await {
                tracing::warn!(entry = entry.id, error = %e, "job failed; it is retried later");
                st.db.fail(&entry, &owner, &e.to_string()).await?;
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct JobPayload {
    job: String,
    #[serde(default)]
    body: String,
}

/// Does one leased job entry, reporting what it did. Nothing happens when the lease was lost.
pub async fn perform(
    st: &AppState,
    entry: &super::store::OutboxRow,
    owner: &str,
    actor: i64,
    report: &mut JobReport,
) -> Result<(), AppError> {
    let job: JobPayload = serde_json::from_str(&entry.payload).map_err(|_| AppError::Internal)?;
    let Some(id) = entry.request_id else {
        return Err(AppError::Internal);
    };
    let key = RequestKey::new(id);
    match job.job.as_str() {
        "end-reminder" | "rotation" => {
            if st
                .db
                .run_job_comment(entry, owner, actor, &job.body)
                .await?
            {
                if job.job == "rotation" {
                    report.rotation_reminders.push(key);
                } else {
                    report.end_reminders.push(key);
                }
            }
            Ok(())
        }
        "end-offboard" => {
            let Some(r) = st.db.request(key).await? else {
                // Gone: nothing to take down.
                st.db.finish(entry.id, owner).await?;
                return Ok(());
            };
            let details = details_of(&r.details);
            let Some(end) = raw(&details, "end_date").and_then(|d| Day::parse(&d)) else {
                st.db.finish(entry.id, owner).await?;
                return Ok(());
            };
            match offboard_ended(st, &r, &details, end, st.db.now(), actor, (entry.id, owner)).await
            {
                Ok(made) => {
                    report.offboarded.push((key, made));
                    Ok(())
                }
                // The lease was lost: another worker has it.
                Err(AppError::Conflict { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        }
        _ => Err(AppError::Internal),
    }
}

/// The offboarding request for a contractor or collaborator whose end date has come, made in
/// one transaction with marking its outbox entry done.
#[allow(clippy::too_many_arguments)]
async fn offboard_ended(
    st: &AppState,
    r: &RequestRow,
    details: &[StoredDetail],
    end: Day,
    now: i64,
    actor: i64,
    entry: (i64, &str),
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
        from_outbox: Some((entry.0, entry.1.to_string())),
        ..Default::default()
    };
    match st.db.create_request(&record).await {
        Ok(key) => Ok(key),
        Err(super::store::StoreError::Stale) => Err(AppError::conflict("lease lost")),
        Err(e) => Err(e.into()),
    }
}
