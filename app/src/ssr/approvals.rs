//! Deciding approval steps: only the named person, team or owners may, never on their own
//! request; an approver may narrow a role first. When the last step is in, the kind's tasks are
//! planned from what was saved.

use super::catalog::plan_tasks;
use super::ctx::AppState;
use super::reading::{details_of, load_visible, subjects};
use super::store::NewTask;
use crate::domain::access;
use crate::domain::approval::StepKind;
use crate::domain::catalog::Submission;
use crate::domain::error::AppError;
use crate::domain::form::{FieldType, LINE_MAX};
use crate::domain::kinds::{PlanLine, RequestKind};
use crate::domain::request::{parse_text, RequestState};
use crate::domain::user::Viewer;
use std::collections::BTreeMap;

/// Approves or denies one step. An approver may narrow line roles first (`narrow`: line id →
/// new role). Nobody decides on their own request; only the named person, team or owners may.
pub async fn decide(
    st: &AppState,
    v: &Viewer,
    key: &str,
    approval_id: i64,
    decision: &str,
    note: &str,
    narrow: &BTreeMap<i64, String>,
) -> Result<(), AppError> {
    let r = load_visible(st, v, key).await?;
    let a = st
        .db
        .approval(approval_id, v.id)
        .await?
        .filter(|a| a.request_id == r.id)
        .ok_or_else(|| AppError::not_found("That approval"))?;
    let subjects = subjects(st, &r).await?;
    if access::is_own(v, r.requester_id, &subjects) {
        return Err(AppError::conflict(
            "Nobody approves their own request or their own access; another approver decides.",
        ));
    }
    if !a.eligible {
        return Err(AppError::Forbidden);
    }
    if a.state != "pending" || r.state() != RequestState::AwaitingApproval {
        return Err(AppError::conflict("This step has already been decided."));
    }
    let note = note.trim();
    if note.chars().count() > 2_000 {
        return Err(AppError::invalid(
            "note",
            "The note is too long; the limit is 2000 characters.",
        ));
    }
    match decision {
        "deny" => {
            if note.is_empty() {
                return Err(AppError::invalid(
                    "note",
                    "Give a reason for the denial; the requester sees it.",
                ));
            }
            st.db.deny(r.key(), a.id, v.id, note).await?;
            tracing::info!(request = %r.key(), approval = a.id, by = v.id, "approval denied");
            Ok(())
        }
        "approve" => {
            let step = StepKind::parse(&a.step);
            let mut lines = st.db.request_lines(r.key()).await?;
            let mut narrowed = Vec::new();
            for (line_id, role) in narrow {
                let role = role.trim();
                if role.is_empty() {
                    continue;
                }
                let field = format!("role_{line_id}");
                let line = lines.iter_mut().find(|l| l.id == *line_id).ok_or_else(|| {
                    AppError::invalid(&field, "That line is not on this request.")
                })?;
                if role == line.role {
                    continue;
                }
                if !step.is_some_and(StepKind::may_narrow) {
                    return Err(AppError::invalid(
                        &field,
                        "This step cannot change the requested role.",
                    ));
                }
                let role = parse_text(&field, "a role", role, LINE_MAX)?;
                let system = st
                    .db
                    .system_brief_by_id(line.system_id)
                    .await?
                    .ok_or(AppError::Internal)?;
                let ladder = system.access();
                ladder.check_narrowing(&field, &system.title, &line.role, &role)?;
                let role = ladder.canonical(&role).unwrap_or(&role).to_string();
                narrowed.push((line.id, line.role.clone(), role.clone()));
                line.role = role;
            }
            let kind = r.kind();
            // Always built: the store adds them only if this turns out to be the last pending
            // step inside its transaction. Deciding that here from a separate count raced with
            // a concurrent approval, which could leave an approved request with no tasks.
            let tasks = tasks_after_approval(st, &r, kind, &lines).await?;
            st.db
                .approve(r.key(), a.id, v.id, note, &narrowed, &tasks)
                .await?;
            tracing::info!(request = %r.key(), approval = a.id, by = v.id, narrowed = narrowed.len(), "approved");
            Ok(())
        }
        _ => Err(AppError::invalid("decision", "Choose approve or deny.")),
    }
}

/// The tasks of a request whose approvals are all in, rebuilt from what was saved.
async fn tasks_after_approval(
    st: &AppState,
    r: &super::store::RequestRow,
    kind: RequestKind,
    lines: &[super::store::LineRow],
) -> Result<Vec<NewTask>, AppError> {
    let details = details_of(&r.details);
    let raw = |n: &str| {
        details
            .iter()
            .find(|d| d.name == n)
            .map(|d| d.raw.clone())
            .unwrap_or_default()
    };
    let requester = st
        .db
        .person(r.requester_id)
        .await?
        .ok_or(AppError::Internal)?;
    let people = st.db.request_people(r.key()).await?;
    let mut systems = BTreeMap::new();
    for spec in kind.fields() {
        if spec.ty == FieldType::System {
            let title = raw(spec.name);
            if let Some(s) = st
                .db
                .system_brief(&crate::domain::registry::title_key(&title))
                .await?
            {
                systems.insert(spec.name, s);
            }
        }
    }
    let sub = Submission::stored(
        kind,
        &r.title,
        &r.description,
        &details
            .iter()
            .map(|d| (d.name.as_str(), d.raw.as_str()))
            .collect::<Vec<_>>(),
    );
    let line_plan: Vec<PlanLine> = lines
        .iter()
        .map(|l| PlanLine {
            system_id: l.system_id,
            title: l.system_title.clone(),
            role: l.role.clone(),
        })
        .collect();
    let mut tasks = plan_tasks(
        st,
        kind,
        &sub.values,
        &requester,
        &people,
        &systems,
        &line_plan,
    )
    .await?;
    // Tasks made now point at saved lines by id.
    for t in &mut tasks {
        if let Some(i) = t.line.take() {
            t.line_id = lines.get(i).map(|l| l.id);
        }
    }
    Ok(tasks)
}

/// Approves every pending step of request `key` on behalf of the policy, as `actor` (the
/// automation account), when every line asks for a baseline entitlement unchanged: the
/// registry marks the system baseline and the admins' list of its roles names the role as the
/// baseline role. Nothing the requester chose decides it. Answers how many steps it approved (0
/// when the request does not qualify or nothing waits).
pub async fn approve_baseline(
    st: &AppState,
    actor: i64,
    key: crate::domain::request::RequestKey,
    note: &str,
) -> Result<usize, AppError> {
    let Some(r) = st.db.request(key).await? else {
        return Ok(0);
    };
    if r.state() != RequestState::AwaitingApproval {
        return Ok(0);
    }
    let lines = st.db.request_lines(key).await?;
    if lines.is_empty() {
        return Ok(0);
    }
    for l in &lines {
        let Some(s) = st.db.system_brief_by_id(l.system_id).await? else {
            return Ok(0);
        };
        let f = crate::domain::approval::LineFacts::new(&s.facts(), &s.access(), &l.role);
        if !(f.baseline && f.role_is_baseline) {
            return Ok(0);
        }
    }
    let tasks = tasks_after_approval(st, &r, r.kind(), &lines).await?;
    let mut approved = 0;
    for a in st.db.approvals(key, actor).await? {
        if a.state != "pending" {
            continue;
        }
        match st.db.approve(key, a.id, actor, note, &[], &tasks).await {
            Ok(_) => approved += 1,
            // Decided meanwhile, by a person or another worker.
            Err(super::store::StoreError::Stale) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(approved)
}
