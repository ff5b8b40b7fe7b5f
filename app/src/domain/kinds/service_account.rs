//! A non-human account for an integration, with an owner and a rotation schedule.

use super::{list, Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Approver, Decision, PolicyInput, StepKind, Team};
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};

pub const ROTATIONS: Choices = &[
    ("30", "Every 30 days"),
    ("90", "Every 90 days"),
    ("180", "Every 180 days"),
    ("365", "Every year"),
];

pub const KIND: KindDef = KindDef {
    slug: "service-account",
    label: "Service account",
    summary: "A non-human account for an integration, with an owner and rotation.",
    service: Service::Engineering,
    audience: Audience::Employees,
    fields: &[
        field("system", "System", "", T::System, true),
        field(
            "owner",
            "Owning person",
            "Who answers for the account: e-mail address or @handle.",
            T::Person,
            true,
        ),
        field("purpose", "Purpose", "", T::Text, true),
        field(
            "scopes",
            "Scopes",
            "The permissions it needs, as narrow as possible.",
            T::Line,
            true,
        ),
        field(
            "rotation_days",
            "Credential rotation",
            "",
            T::Choice(ROTATIONS),
            true,
        ),
    ],
    title,
    subjects: Subjects::People,
    approvals,
    plan,
    rotation_field: Some("rotation_days"),
    ..BASE
};

fn title(_: &Values, _: &[String], systems: &[String]) -> String {
    format!("Service account on {}", list(systems))
}

fn approvals(_: &PolicyInput, d: &mut Decision) {
    d.add(
        StepKind::Engineering,
        Approver::Team(Team::Engineering),
        "An engineer approves every service account.",
    );
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(vec![TaskDraft {
        system_id: f.system("system").map(|s| s.id),
        team: Some(Team::Engineering),
        ..TaskDraft::new(
            TaskAction::Work,
            format!(
                "Create the service account with scopes {}",
                f.values.shown("scopes")
            ),
        )
    }])
}
