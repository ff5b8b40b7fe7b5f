//! A new AWS account or GCP project for a team, or IAM access to an existing one.

use super::{Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Approver, Decision, PolicyInput, StepKind, Team};
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};
use crate::domain::time::Day;

pub const INFRA_WHAT: Choices = &[
    ("aws-account", "A new AWS account"),
    ("gcp-project", "A new GCP project"),
    ("iam-access", "IAM access to an existing account or project"),
];

pub const KIND: KindDef = KindDef {
    slug: "infrastructure",
    label: "AWS account or GCP project",
    summary: "A new cloud account or project for a team, or IAM access to one.",
    service: Service::Engineering,
    audience: Audience::Employees,
    fields: &[
        field("what", "What you need", "", T::Choice(INFRA_WHAT), true),
        field(
            "team",
            "Team",
            "The team that will own the account or project.",
            T::Line,
            true,
        ),
        field(
            "account",
            "Account or project",
            "For IAM access: which one.",
            T::Line,
            false,
        ),
    ],
    description_label: "Justification",
    rules,
    title,
    subjects: Subjects::People,
    approvals,
    plan,
    ..BASE
};

fn rules(v: &mut Values, description: &str, _: Day) -> Result<(), AppError> {
    if v.text("what") == Some("iam-access") && v.text("account").is_none() {
        return Err(AppError::invalid("account", "Name the account or project."));
    }
    if description.is_empty() {
        return Err(AppError::invalid(
            "description",
            "Say why the team needs it.",
        ));
    }
    Ok(())
}

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    format!(
        "Infrastructure: {} for {}",
        v.shown("what").replace('-', " "),
        v.shown("team")
    )
}

fn approvals(_: &PolicyInput, d: &mut Decision) {
    d.add(
        StepKind::Infrastructure,
        Approver::Team(Team::Infrastructure),
        "Infrastructure approves cloud accounts and IAM access.",
    );
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(vec![TaskDraft {
        team: Some(Team::Infrastructure),
        ..TaskDraft::new(
            TaskAction::Work,
            format!(
                "Set up {} for {}",
                f.values.shown("what").replace('-', " "),
                f.values.shown("team")
            ),
        )
    }])
}
