//! Laptops: refresh, repair, replacement, loss or theft, a new hire's, or an out-of-spec machine.

use super::{Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Approver, Decision, PolicyInput, StepKind, Team};
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};
use crate::domain::time::Day;

pub const LAPTOP_WHAT: Choices = &[
    ("refresh", "Refresh (3 years after issue)"),
    ("repair", "Repair"),
    ("replacement", "Replacement"),
    ("loss-or-theft", "Loss or theft"),
    ("new-hire", "Laptop for a new hire"),
    ("out-of-spec", "Out-of-spec machine"),
];
pub const REGIONS: Choices = &[("amer", "AMER"), ("emea", "EMEA"), ("japac", "JAPAC")];

pub const KIND: KindDef = KindDef {
    slug: "laptop",
    label: "Laptop",
    summary: "Refresh, repair, replacement, loss or theft, or a laptop for a new hire.",
    service: Service::Devices,
    audience: Audience::Everyone,
    fields: &[
        field("laptop", "What you need", "", T::Choice(LAPTOP_WHAT), true),
        field(
            "issued_on",
            "Current laptop issued on",
            "For a refresh: laptops are refreshed 3 years after issue.",
            T::Date {
                past: 20 * 365,
                future: 0,
            },
            false,
        ),
        field(
            "quote",
            "Repair quote",
            "For a repair: the amount and who quoted it.",
            T::Line,
            false,
        ),
        field(
            "region",
            "Region",
            "For a new-hire laptop: decides the vendor.",
            T::Choice(REGIONS),
            false,
        ),
    ],
    description_label: "Details",
    rules,
    title,
    subjects: Subjects::Requester,
    approvals,
    plan,
    ..BASE
};

fn rules(v: &mut Values, description: &str, today: Day) -> Result<(), AppError> {
    match v.text("laptop") {
        Some("refresh") => {
            let issued = v.date("issued_on").ok_or_else(|| {
                AppError::invalid("issued_on", "Enter when your laptop was issued.")
            })?;
            let eligible = issued.add_years(3);
            if eligible > today {
                return Err(AppError::invalid(
                    "issued_on",
                    format!("A laptop issued on {issued} can be refreshed from {eligible}."),
                ));
            }
        }
        Some("repair") if description.is_empty() => {
            return Err(AppError::invalid("description", "Describe the damage."));
        }
        Some("new-hire") if v.text("region").is_none() => {
            return Err(AppError::invalid("region", "Choose the new hire's region."));
        }
        _ => {}
    }
    Ok(())
}

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    format!("Laptop: {}", v.shown("laptop").replace('-', " "))
}

fn approvals(input: &PolicyInput, d: &mut Decision) {
    match input.laptop.as_deref() {
        Some("repair") => {
            d.add(
                StepKind::It,
                Approver::Team(Team::It),
                "IT approves a repair before it is made.",
            );
            d.managers(input, "A repair needs the manager's approval.");
        }
        Some("replacement") => {
            d.add(
                StepKind::Logistics,
                Approver::Team(Team::Logistics),
                "IT Logistics approves a replacement.",
            );
            d.managers(input, "A replacement needs the manager's approval.");
        }
        Some("out-of-spec") => {
            d.managers(
                input,
                "An out-of-spec machine needs the manager's approval.",
            );
            d.add(
                StepKind::Logistics,
                Approver::Team(Team::Logistics),
                "IT Logistics approves an out-of-spec machine.",
            );
        }
        _ => {}
    }
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(vec![TaskDraft {
        team: Some(Team::Logistics),
        ..TaskDraft::new(
            TaskAction::Laptop,
            format!(
                "Laptop {} for {}",
                f.values.shown("laptop").replace('-', " "),
                f.requester.name
            ),
        )
    }])
}
