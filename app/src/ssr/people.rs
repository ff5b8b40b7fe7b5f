//! What waits for a person (approvals, tasks), a person's page with the access they hold, and
//! the systems a sponsor lets their contractor ask for.

use super::catalog::find_system;
use super::ctx::AppState;
use super::store::PersonRow;
use crate::domain::access;
use crate::domain::approval::StepKind;
use crate::domain::error::AppError;
use crate::domain::form::LINE_MAX;
use crate::domain::request::{parse_text, RequestKey};
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::{GrantView, PersonView, WaitingItem, WaitingView};

/// The number of steps, tasks and escalations back [`waiting_for`] lists (up to 200 of each).
/// Every page's header shows it: it is asked once per person per the read cache's time to live
/// (the person's own changes at once, others' within that time, like the queue's counts).
pub async fn waiting_count(st: &AppState, v: &Viewer) -> Result<u32, AppError> {
    let n = st
        .cache
        .shared(Some(v.id), &format!("waiting:{}", v.id), || async {
            let approvals = st.db.approvals_waiting_for(v.id, 200).await?.len();
            let tasks = st.db.tasks_waiting_for(v.id, 200).await?.len();
            let back = st.db.escalations_back(v.id, 200).await?.len();
            Ok::<_, AppError>((approvals + tasks + back) as u32)
        })
        .await?;
    Ok(*n)
}

pub async fn waiting_for(st: &AppState, v: &Viewer) -> Result<WaitingView, AppError> {
    let approvals = st.db.approvals_waiting_for(v.id, 200).await?;
    let tasks = st.db.tasks_waiting_for(v.id, 200).await?;
    let mut out = WaitingView {
        approvals: Vec::new(),
        tasks: Vec::new(),
        escalations: Vec::new(),
    };
    for e in st.db.escalations_back(v.id, 200).await? {
        out.escalations.push(WaitingItem {
            key: RequestKey::new(e.request_id).to_string(),
            request_title: e.request_title,
            what: format!(
                "{} closed: engineering is done",
                crate::domain::tracker::IssueKey::new(e.issue_id)
            ),
            detail: e.issue_title,
            due_at: None,
            urgent: false,
            approval_id: None,
        });
    }
    for a in approvals {
        let key = RequestKey::new(a.request_id);
        let title = st
            .db
            .request(key)
            .await?
            .map(|r| r.title)
            .unwrap_or_default();
        out.approvals.push(WaitingItem {
            key: key.to_string(),
            request_title: title,
            what: StepKind::parse(&a.step)
                .map(|s| s.label())
                .unwrap_or("Approval")
                .to_string(),
            detail: a.reason,
            due_at: None,
            urgent: false,
            approval_id: Some(a.id),
        });
    }
    for t in tasks {
        let key = RequestKey::new(t.request_id);
        let title = st
            .db
            .request(key)
            .await?
            .map(|r| r.title)
            .unwrap_or_default();
        out.tasks.push(WaitingItem {
            key: key.to_string(),
            request_title: title,
            what: t.title,
            detail: t.system_title.unwrap_or_default(),
            due_at: t.due_at.map(Timestamp::from_millis),
            urgent: t.urgent,
            approval_id: None,
        });
    }
    Ok(out)
}

fn grant_view(g: super::store::GrantRow) -> GrantView {
    GrantView {
        system_slug: g.system_slug,
        system: g.system_title,
        role: g.role,
        granted_by: g.granted_by_name,
        granted_at: Timestamp::from_millis(g.granted_at),
        expires_at: g.expires_at.map(Timestamp::from_millis),
        request_key: g.request_id.map(|id| RequestKey::new(id).to_string()),
        request_open: false,
        revoked_by: g.revoked_by_name,
        revoked_at: g.revoked_at.map(Timestamp::from_millis),
    }
}

/// A person's page: who they are and what they hold. Themselves, their manager and staff only;
/// anyone else gets "not found".
pub async fn person_view(st: &AppState, v: &Viewer, handle: &str) -> Result<PersonView, AppError> {
    let p = st
        .db
        .person_by_handle(handle.trim_start_matches('@'))
        .await?
        .filter(|p| access::can_view_person(v, p.id, p.manager_id))
        .ok_or_else(|| AppError::not_found("That person"))?;
    let mut grants: Vec<GrantView> = st
        .db
        .grants_of(p.id)
        .await?
        .into_iter()
        .map(grant_view)
        .collect();
    // A request key links only where the viewer may open the request (a manager sees their
    // report's access, not every request that granted it).
    for g in &mut grants {
        if let Some(key) = &g.request_key {
            g.request_open = super::reading::load_visible(st, v, key).await.is_ok();
        }
    }
    let (holds, held): (Vec<_>, Vec<_>) = grants.into_iter().partition(|g| g.revoked_at.is_none());
    let contractor = st
        .db
        .viewer(p.id)
        .await?
        .is_some_and(|u| u.has(crate::domain::user::Role::Contractor));
    let allowed = if contractor {
        Some(
            st.db
                .contractor_systems(p.id)
                .await?
                .into_iter()
                .map(|(id, title)| crate::model::AllowedSystem { id, title })
                .collect(),
        )
    } else {
        None
    };
    Ok(PersonView {
        can_edit_allowed: contractor && access::can_keep_allow_list(v, p.manager_id),
        allowed,
        name: p.name,
        handle: p.handle,
        email: p.email,
        manager: p.manager_name,
        holds,
        held,
    })
}

/// The contractor `handle`, for someone who keeps their allow-list; anyone else gets "not found"
/// (or "forbidden" when they may see the person but not change the list).
async fn contractor_for_sponsor(
    st: &AppState,
    v: &Viewer,
    handle: &str,
) -> Result<PersonRow, AppError> {
    let p = st
        .db
        .person_by_handle(handle.trim_start_matches('@'))
        .await?
        .filter(|p| access::can_view_person(v, p.id, p.manager_id))
        .ok_or_else(|| AppError::not_found("That person"))?;
    let contractor = st
        .db
        .viewer(p.id)
        .await?
        .is_some_and(|u| u.has(crate::domain::user::Role::Contractor));
    if !contractor {
        return Err(AppError::conflict(
            "Only contractors have a list of systems they may ask for.",
        ));
    }
    if !access::can_keep_allow_list(v, p.manager_id) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

pub async fn allow_system(
    st: &AppState,
    v: &Viewer,
    handle: &str,
    system: &str,
) -> Result<(), AppError> {
    let p = contractor_for_sponsor(st, v, handle).await?;
    let system = parse_text("system", "a system", system, LINE_MAX)?;
    let s = find_system(st, "system", &system).await?;
    if st.db.allow_contractor_system(p.id, s.id, v.id).await? {
        tracing::info!(
            contractor = p.id,
            system = s.id,
            by = v.id,
            "contractor allowed a system"
        );
    }
    Ok(())
}

pub async fn disallow_system(
    st: &AppState,
    v: &Viewer,
    handle: &str,
    system_id: i64,
) -> Result<(), AppError> {
    let p = contractor_for_sponsor(st, v, handle).await?;
    if !st.db.disallow_contractor_system(p.id, system_id).await? {
        return Err(AppError::not_found("That system on the list"));
    }
    tracing::info!(
        contractor = p.id,
        system = system_id,
        by = v.id,
        "contractor no longer allowed a system"
    );
    Ok(())
}
