//! Someone leaves: every access they hold is removed, by a deadline set by the system's tier.

use super::{list, Audience, KindDef, Needs, PlanFacts, Service, Subjects, BASE};
use crate::domain::error::AppError;
use crate::domain::form::{field, FieldType as T, Values};
use crate::domain::task::{offboarding_due, TaskAction, TaskDraft};

pub const KIND: KindDef = KindDef {
    slug: "offboarding",
    label: "Offboarding",
    summary: "Someone leaves: every access they hold is removed.",
    service: Service::People,
    audience: Audience::ManagersAndStaff,
    fields: &[
        field(
            "person",
            "Person leaving",
            "E-mail address or @handle.",
            T::Person,
            true,
        ),
        field(
            "last_day",
            "Last working day",
            "",
            T::Date {
                past: 30,
                future: 12,
            },
            true,
        ),
        field(
            "involuntary",
            "Involuntary",
            "Access is removed at once rather than after the last day.",
            T::YesNo,
            false,
        ),
    ],
    title,
    subjects: Subjects::People,
    needs: Needs {
        baseline: false,
        held: true,
        templates: &[],
    },
    plan,
    ..BASE
};

fn title(_: &Values, people: &[String], _: &[String]) -> String {
    format!("Offboarding {}", list(people))
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let Some(p) = f.people.first() else {
        return Ok(Vec::new());
    };
    let last_day = f.values.date("last_day").unwrap_or(f.today);
    let involuntary = f.values.yes("involuntary");
    Ok(f.held
        .iter()
        .map(|h| {
            let (due, urgent) = offboarding_due(last_day, involuntary, f.now, h.tier, h.sox);
            TaskDraft {
                system_id: Some(h.system_id),
                person_id: Some(p.id),
                due_at: Some(due),
                urgent,
                ..TaskDraft::new(
                    TaskAction::Revoke,
                    format!("Remove {}'s access to {}", p.name, h.title),
                )
            }
        })
        .collect())
}
