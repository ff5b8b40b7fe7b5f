//! A temporary service provider: accounts once the purchase order and reviews are done, closed on
//! the end date.

use super::{Audience, EndFacts, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Decision, PolicyInput, Team};
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Value, Values, MAX_END_MONTHS};
use crate::domain::task::{offboarding_due, TaskAction, TaskDraft};
use crate::domain::time::Day;

/// How long a contractor's access lasts when the form leaves the end date empty (months).
pub const DEFAULT_MONTHS: i64 = 6;

pub const CLASSIFICATIONS: Choices = &[
    ("red", "Red"),
    ("orange", "Orange"),
    ("yellow", "Yellow"),
    ("green", "Green"),
];

pub const KIND: KindDef = KindDef {
    slug: "contractor",
    label: "Contractor",
    summary: "A temporary service provider starts, with an end date.",
    service: Service::People,
    audience: Audience::ManagersAndStaff,
    fields: &[
        field("name", "Contractor's name", "", T::Line, true),
        field("vendor", "Vendor", "", T::Line, true),
        field(
            "manager",
            "Manager",
            "Who the contractor works for: e-mail address or @handle.",
            T::Person,
            true,
        ),
        field(
            "po_approved",
            "The purchase order is approved",
            "",
            T::YesNo,
            true,
        ),
        field(
            "review_done",
            "Security and legal review is done",
            "",
            T::YesNo,
            true,
        ),
        field(
            "classification",
            "Most sensitive data touched",
            "",
            T::Choice(CLASSIFICATIONS),
            true,
        ),
        field(
            "background_check",
            "Background check completed",
            "Required for Orange or Red data.",
            T::YesNo,
            false,
        ),
        field(
            "end_date",
            "End date",
            "At most two years ahead; six months when left empty.",
            T::Date {
                past: 0,
                future: MAX_END_MONTHS,
            },
            false,
        ),
    ],
    rules,
    title,
    subjects: Subjects::ManagedBy("manager"),
    approvals,
    plan,
    ends: Some(ends),
    ..BASE
};

fn rules(v: &mut Values, _: &str, today: Day) -> Result<(), AppError> {
    if !v.yes("po_approved") {
        return Err(AppError::invalid(
            "po_approved",
            "The purchase order must be approved first.",
        ));
    }
    if !v.yes("review_done") {
        return Err(AppError::invalid(
            "review_done",
            "Security and legal review must be done first.",
        ));
    }
    if matches!(v.text("classification"), Some("red" | "orange")) && !v.yes("background_check") {
        return Err(AppError::invalid(
            "background_check",
            "Orange or Red data needs a completed background check.",
        ));
    }
    if v.date("end_date").is_none() {
        v.insert("end_date", Value::Date(today.add_months(DEFAULT_MONTHS)));
    }
    Ok(())
}

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    format!("Contractor {} ({})", v.shown("name"), v.shown("vendor"))
}

fn approvals(input: &PolicyInput, d: &mut Decision) {
    d.managers(input, "The contractor's manager approves.");
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(vec![TaskDraft {
        team: Some(Team::It),
        ..TaskDraft::new(
            TaskAction::Work,
            format!(
                "Create accounts for contractor {}, ending {}",
                f.values.shown("name"),
                f.values.shown("end_date")
            ),
        )
    }])
}

/// On the end date: IT closes the contractor's accounts within a day.
fn ends(f: &EndFacts) -> Vec<TaskDraft> {
    let (due, _) = offboarding_due(f.end, true, f.now, None, false);
    vec![TaskDraft {
        team: Some(Team::It),
        due_at: Some(due),
        ..TaskDraft::new(
            TaskAction::Work,
            format!("Close contractor {}'s accounts", f.name),
        )
    }]
}
