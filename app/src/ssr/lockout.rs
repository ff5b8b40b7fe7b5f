//! The sign-in-free lockout form: it only records the report and answers the same for every
//! address; a worker turns reports into lockout requests afterwards.

use super::ctx::AppState;
use super::reading::StoredDetail;
use super::store::{NewRequestRecord, NewTask};
use crate::domain::approval::Team;
use crate::domain::error::AppError;
use crate::domain::form::LINE_MAX;
use crate::domain::kinds::RequestKind;
use crate::domain::request::{parse_text, RequestState};
use crate::domain::task::{TaskAction, TaskDraft};

/// Reports per address, and per network address, in an hour.
pub const LOCKOUT_PER_EMAIL: i64 = 3;
pub const LOCKOUT_PER_IP: i64 = 10;

use crate::domain::kinds::LOCKOUT_ANSWER;

/// A visitor reports being locked out. The answer, and the work done before it, are the same
/// whether or not the address has an account: the report is only recorded (and counted against
/// the limits per address and network address). [`work_lockout_reports`] makes the request
/// afterwards, out of the visitor's sight, for an address with an account.
pub async fn report_lockout(
    st: &AppState,
    email: &str,
    system: &str,
    what: &str,
    ip: &str,
) -> Result<&'static str, AppError> {
    let email = crate::domain::user::Email::parse(email)?;
    let system = parse_text("system", "what you are locked out of", system, LINE_MAX)?;
    let what = parse_text("what", "what happens when you try", what, 2_000)?;
    let report = super::store::LockoutReport {
        email: email.as_str(),
        ip,
        system: &system,
        what: &what,
    };
    let since = st.db.now() - 3_600_000;
    if !st
        .db
        .record_lockout_report(&report, since, LOCKOUT_PER_EMAIL, LOCKOUT_PER_IP)
        .await?
    {
        return Err(AppError::TooManyRequests {
            message: "Too many reports in the last hour. Please wait, or ask a colleague to post in the helpdesk channel for you.".into(),
        });
    }
    // The request is made next, by a task of its own: the visitor's answer does not wait for it.
    let worker = st.clone();
    tokio::spawn(async move {
        if let Err(e) = work_lockout_reports(&worker).await {
            tracing::warn!(error = %e, "lockout reports wait for the next round");
        }
    });
    Ok(LOCKOUT_ANSWER)
}

/// Turns waiting lockout reports into requests (addresses with an account) or forgets them
/// (addresses without). Each report is claimed in the transaction that makes its request, so
/// with several instances, or after a crash, each report becomes at most one request; the
/// scheduler calls this too, so none is left behind. Returns how many requests it made.
pub async fn work_lockout_reports(st: &AppState) -> Result<usize, AppError> {
    let mut made = 0;
    for report in st.db.waiting_lockout_reports(100).await? {
        let Some(person) = st.db.person_by_email(&report.email).await? else {
            st.db.discard_lockout_report(report.id).await?;
            continue;
        };
        let key = crate::domain::registry::title_key(&report.system);
        let known = st.db.system_brief(&key).await?.filter(|s| s.managed);
        let shown = known
            .as_ref()
            .map(|s| s.title.clone())
            .unwrap_or_else(|| report.system.clone());
        let details = vec![
            StoredDetail {
                name: "system".into(),
                label: "System".into(),
                value: shown.clone(),
                raw: shown.clone(),
            },
            StoredDetail {
                name: "channel".into(),
                label: "Reported".into(),
                value: "Through the sign-in-free form: check identity before acting".into(),
                raw: "visitor-form".into(),
            },
        ];
        let record = NewRequestRecord {
            kind: RequestKind::Lockout.as_str().to_string(),
            title: format!("Locked out of {shown}"),
            description: report.what.clone(),
            priority: crate::domain::request::Priority::High.as_str().to_string(),
            state: RequestState::New.as_str().to_string(),
            requester_id: person.id,
            details: serde_json::to_string(&details).map_err(|_| AppError::Internal)?,
            people: vec![person.id],
            tasks: vec![NewTask::from(TaskDraft {
                system_id: known.as_ref().map(|s| s.id),
                team: Some(Team::It),
                ..TaskDraft::new(
                    TaskAction::Reset,
                    format!("Unlock {shown} for {}", person.name),
                )
            })],
            from_lockout_report: Some(report.id),
            ..Default::default()
        };
        match st.db.create_request(&record).await {
            Ok(key) => {
                made += 1;
                tracing::info!(request = %key, "lockout reported without sign-in");
            }
            // Another instance made it first.
            Err(super::store::StoreError::Stale) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if made > 0 {
        st.cache.invalidate();
    }
    Ok(made)
}
