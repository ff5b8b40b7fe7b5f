//! A person from another organisation with access to some systems until a set date.

use super::{Audience, EndFacts, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Decision, PolicyInput};
use crate::domain::error::AppError;
use crate::domain::form::{field, FieldType as T, Values, END_DATE_REQUIRED, SYSTEM_LINES};
use crate::domain::task::{offboarding_due, TaskAction, TaskDraft};

pub const KIND: KindDef = KindDef {
    slug: "external-collaborator",
    label: "External collaborator",
    summary: "A person from another organisation needs access until a set date.",
    service: Service::People,
    audience: Audience::ManagersAndStaff,
    fields: &[
        field("name", "Collaborator's name", "", T::Line, true),
        field("organisation", "Organisation", "", T::Line, true),
        field(
            "sponsor",
            "Sponsor",
            "The employee responsible for them: e-mail address or @handle.",
            T::Person,
            true,
        ),
        SYSTEM_LINES,
        END_DATE_REQUIRED,
    ],
    title,
    subjects: Subjects::Person("sponsor"),
    approvals,
    plan,
    ends: Some(ends),
    ..BASE
};

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    format!("External collaborator {}", v.shown("name"))
}

fn approvals(input: &PolicyInput, d: &mut Decision) {
    d.managers(
        input,
        "The sponsor's manager approves an external collaborator.",
    );
    d.system_lines(input);
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let v = f.values;
    Ok(f.lines
        .iter()
        .enumerate()
        .map(|(i, l)| TaskDraft {
            system_id: Some(l.system_id),
            line: Some(i),
            role: Some(l.role.clone()),
            ..TaskDraft::new(
                TaskAction::Work,
                format!(
                    "Give {} ({}) {} on {}, ending {}",
                    v.shown("name"),
                    v.shown("organisation"),
                    l.role,
                    l.title,
                    v.shown("end_date")
                ),
            )
        })
        .collect())
}

/// On the end date: each system on the request is taken away, by its tier's deadline.
fn ends(f: &EndFacts) -> Vec<TaskDraft> {
    f.lines
        .iter()
        .map(|h| {
            let (due, urgent) = offboarding_due(f.end, true, f.now, h.tier, h.sox);
            TaskDraft {
                system_id: Some(h.system_id),
                due_at: Some(due),
                urgent,
                ..TaskDraft::new(
                    TaskAction::Work,
                    format!("Remove {}'s access to {}", f.name, h.title),
                )
            }
        })
        .collect()
}
