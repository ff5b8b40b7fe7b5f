//! Access for one or more people to one or more systems from the registry.

use super::{list, Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Decision, LineFacts, PolicyInput};
use crate::domain::error::AppError;
use crate::domain::form::{field, FieldType as T, Values, END_DATE_OPTIONAL, SYSTEM_LINES};
use crate::domain::task::{TaskAction, TaskDraft};

pub const KIND: KindDef = KindDef {
    slug: "access",
    label: "Access to systems",
    summary: "Access for one or more people to one or more systems from the registry.",
    service: Service::Access,
    audience: Audience::Everyone,
    fields: &[
        field(
            "people",
            "People",
            "Whose access this is: e-mail addresses or @handles, one per line.",
            T::People,
            true,
        ),
        SYSTEM_LINES,
        field(
            "admin",
            "Admin access",
            "Administrator rights need a security approval too.",
            T::YesNo,
            false,
        ),
        END_DATE_OPTIONAL,
    ],
    title,
    subjects: Subjects::People,
    approvals,
    plan,
    ..BASE
};

fn title(_: &Values, people: &[String], systems: &[String]) -> String {
    format!("Access to {} for {}", list(systems), list(people))
}

fn approvals(input: &PolicyInput, d: &mut Decision) {
    if !input.lines.iter().all(LineFacts::manager_exempt) {
        d.managers(input, "Access needs the manager's approval.");
    }
    d.system_lines(input);
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(f.lines
        .iter()
        .enumerate()
        .map(|(i, l)| TaskDraft {
            system_id: Some(l.system_id),
            line: Some(i),
            role: Some(l.role.clone()),
            ..TaskDraft::new(TaskAction::Grant, format!("Grant {} on {}", l.role, l.title))
        })
        .collect())
}
