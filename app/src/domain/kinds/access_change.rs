//! Someone no longer needs a system, or needs a lesser role.

use super::{list, Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Decision, PolicyInput};
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};
use crate::domain::time::Day;

pub const CHANGE_WHAT: Choices = &[
    ("remove", "Remove the access"),
    ("downgrade", "Downgrade to a lesser role"),
];

pub const KIND: KindDef = KindDef {
    slug: "access-change",
    label: "Remove or reduce access",
    summary: "Someone no longer needs a system, or needs a lesser role.",
    service: Service::Access,
    audience: Audience::Everyone,
    fields: &[
        field(
            "person",
            "Person",
            "E-mail address or @handle.",
            T::Person,
            true,
        ),
        field("system", "System", "", T::System, true),
        field("change", "Change", "", T::Choice(CHANGE_WHAT), true),
        field(
            "new_role",
            "New role",
            "Only for a downgrade.",
            T::Line,
            false,
        ),
    ],
    rules,
    title,
    subjects: Subjects::People,
    approvals,
    plan,
    ..BASE
};

fn rules(v: &mut Values, _: &str, _: Day) -> Result<(), AppError> {
    if v.text("change") == Some("downgrade") && v.text("new_role").is_none() {
        return Err(AppError::invalid(
            "new_role",
            "Name the role to downgrade to.",
        ));
    }
    Ok(())
}

fn title(_: &Values, people: &[String], systems: &[String]) -> String {
    format!("Change access to {} for {}", list(systems), list(people))
}

fn approvals(input: &PolicyInput, d: &mut Decision) {
    d.managers(input, "Changing access needs the manager's approval.");
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let mut out = Vec::new();
    if let (Some(s), Some(p)) = (f.system("system"), f.people.first()) {
        out.push(TaskDraft {
            system_id: Some(s.id),
            person_id: Some(p.id),
            ..TaskDraft::new(
                TaskAction::Revoke,
                format!("Remove {}'s current access to {}", p.name, s.name),
            )
        });
        if f.values.text("change") == Some("downgrade") {
            let role = f.values.shown("new_role");
            out.push(TaskDraft {
                system_id: Some(s.id),
                person_id: Some(p.id),
                role: Some(role.clone()),
                ..TaskDraft::new(TaskAction::Grant, format!("Grant {role} on {}", s.name))
            });
        }
    }
    Ok(out)
}
