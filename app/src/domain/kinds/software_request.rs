//! New software or a licence: an application to install, a seat to buy, a paid edition. It costs
//! the company money, so the requester's manager approves; then IT buys or installs it. (A
//! breakage is the `software` kind.)

use super::{Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::{Decision, PolicyInput, Team};
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};

pub const WHAT: Choices = &[
    ("install", "Install an application"),
    ("licence", "A new licence or seat"),
    ("upgrade", "An upgrade to a paid edition"),
];

pub const KIND: KindDef = KindDef {
    slug: "software-request",
    label: "New software or a licence",
    summary: "Ask for an application, a licence or seat, or a paid edition you need for your work.",
    service: Service::Devices,
    audience: Audience::Everyone,
    fields: &[
        field(
            "software",
            "Software",
            "Its name and, if you know it, the edition, e.g. \u{201c}Figma Professional\u{201d}.",
            T::Line,
            true,
        ),
        field("what", "What you need", "", T::Choice(WHAT), true),
        field(
            "device",
            "Device",
            "Where to install it, e.g. MacBook Pro 14\" 2023. Not needed for a web app.",
            T::Line,
            false,
        ),
        field(
            "link",
            "Vendor's page",
            "Optional: where to find it, if it is not well known.",
            T::Line,
            false,
        ),
    ],
    title_required: false,
    description_required: true,
    description_label: "What you need it for",
    title,
    subjects: Subjects::Requester,
    approvals,
    plan,
    ..BASE
};

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    let what = match v.text("what") {
        Some("licence") => "Licence",
        Some("upgrade") => "Upgrade",
        _ => "Install",
    };
    format!("{what}: {}", v.shown("software"))
}

fn approvals(input: &PolicyInput, d: &mut Decision) {
    d.managers(
        input,
        "New software and licences cost money, so the manager approves.",
    );
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let software = f.values.shown("software");
    let title = match f.values.text("what") {
        Some("licence") => format!("Buy a licence of {software} for {}", f.requester.name),
        Some("upgrade") => format!("Upgrade {} to {software}", f.requester.name),
        _ => format!("Install {software} for {}", f.requester.name),
    };
    Ok(vec![TaskDraft {
        team: Some(Team::It),
        ..TaskDraft::new(TaskAction::Work, title)
    }])
}
