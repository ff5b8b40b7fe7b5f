//! A new hire's first day: baseline access, the role template's systems and a laptop.

use super::{Audience, KindDef, Needs, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::Team;
use crate::domain::error::AppError;
use crate::domain::form::{field, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};

pub const KIND: KindDef = KindDef {
    slug: "onboarding",
    label: "Onboarding a new hire",
    summary: "Accounts and a laptop ready for a new hire's first day.",
    service: Service::People,
    audience: Audience::ManagersAndStaff,
    fields: &[
        field("new_hire_name", "New hire's name", "", T::Line, true),
        field(
            "new_hire_email",
            "New hire's work e-mail",
            "",
            T::Email,
            true,
        ),
        field(
            "start_date",
            "Start date",
            "",
            T::Date {
                past: 0,
                future: 12,
            },
            true,
        ),
        field("department", "Department", "", T::Line, true),
        field(
            "job_role",
            "Role",
            "The job title, as in the role templates.",
            T::Line,
            true,
        ),
        field(
            "manager",
            "Manager",
            "E-mail address or @handle.",
            T::Person,
            true,
        ),
    ],
    title,
    subjects: Subjects::People,
    needs: Needs {
        baseline: true,
        held: false,
        templates: &[("department", "job_role")],
    },
    plan,
    ..BASE
};

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    format!("Onboarding {}", v.shown("new_hire_name"))
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let name = f.values.shown("new_hire_name");
    let mut out: Vec<TaskDraft> = f
        .baseline
        .iter()
        .map(|s| TaskDraft {
            system_id: Some(s.id),
            ..TaskDraft::new(
                TaskAction::Work,
                format!("Create {name}'s baseline access to {}", s.name),
            )
        })
        .collect();
    for (id, title, role) in f.template("department", "job_role").into_iter().flatten() {
        if f.baseline.iter().any(|b| b.id == *id) {
            continue;
        }
        out.push(TaskDraft {
            system_id: Some(*id),
            role: Some(role.clone()),
            ..TaskDraft::new(
                TaskAction::Work,
                format!("Create {name}'s {role} access to {title}"),
            )
        });
    }
    out.push(TaskDraft {
        team: Some(Team::Logistics),
        ..TaskDraft::new(
            TaskAction::Laptop,
            format!(
                "Laptop for {name}, starting {}",
                f.values.shown("start_date")
            ),
        )
    });
    Ok(out)
}
