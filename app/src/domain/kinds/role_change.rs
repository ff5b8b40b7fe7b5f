//! Someone moves to a new role: access follows the difference between the two role templates.

use super::{list, Audience, KindDef, Needs, PlanFacts, Service, Subjects, BASE};
use crate::domain::error::AppError;
use crate::domain::form::{field, FieldType as T, Values};
use crate::domain::role_template::template_diff;
use crate::domain::task::{TaskAction, TaskDraft};

pub const KIND: KindDef = KindDef {
    slug: "role-change",
    label: "Role change",
    summary: "Someone moves to a new role: access follows the role templates.",
    service: Service::People,
    audience: Audience::ManagersAndStaff,
    fields: &[
        field(
            "person",
            "Person",
            "E-mail address or @handle.",
            T::Person,
            true,
        ),
        field(
            "department",
            "Department",
            "As in the role templates.",
            T::Line,
            true,
        ),
        field("old_role", "Old role", "", T::Line, true),
        field("new_role", "New role", "", T::Line, true),
        field(
            "effective",
            "Effective date",
            "",
            T::Date {
                past: 30,
                future: 12,
            },
            true,
        ),
    ],
    title,
    subjects: Subjects::People,
    needs: Needs {
        baseline: false,
        held: false,
        templates: &[("department", "old_role"), ("department", "new_role")],
    },
    plan,
    ..BASE
};

fn title(v: &Values, people: &[String], _: &[String]) -> String {
    format!("Role change for {}: {}", list(people), v.shown("new_role"))
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let Some(p) = f.people.first() else {
        return Ok(Vec::new());
    };
    let new = f.template("department", "new_role").ok_or_else(|| {
        AppError::invalid(
            "new_role",
            format!(
                "There is no role template for {} in {}; ask an admin to add one, or request access directly.",
                f.values.shown("new_role"),
                f.values.shown("department")
            ),
        )
    })?;
    let old = f
        .template("department", "old_role")
        .cloned()
        .unwrap_or_default();
    let ids = |v: &[(i64, String, String)]| {
        v.iter()
            .map(|(id, _, role)| (*id, role.clone()))
            .collect::<Vec<_>>()
    };
    let title_of = |id: i64| {
        new.iter()
            .chain(old.iter())
            .find(|s| s.0 == id)
            .map(|s| s.1.clone())
            .unwrap_or_default()
    };
    let (grants, revokes) = template_diff(&ids(&old), &ids(new));
    let mut out = Vec::new();
    for (id, role) in grants {
        out.push(TaskDraft {
            system_id: Some(id),
            person_id: Some(p.id),
            role: Some(role.clone()),
            ..TaskDraft::new(
                TaskAction::Grant,
                format!("Grant {role} on {} to {}", title_of(id), p.name),
            )
        });
    }
    for id in revokes {
        out.push(TaskDraft {
            system_id: Some(id),
            person_id: Some(p.id),
            ..TaskDraft::new(
                TaskAction::Revoke,
                format!("Remove {}'s access to {}", p.name, title_of(id)),
            )
        });
    }
    Ok(out)
}
