//! A new password or a second factor reset, after an analyst has confirmed who is asking.

use super::{list, Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::approval::Team;
use crate::domain::error::AppError;
use crate::domain::form::{field, Choices, FieldType as T, Values};
use crate::domain::task::{TaskAction, TaskDraft};

pub const RESET_WHAT: Choices = &[("password", "Password"), ("2fa", "Two-factor (2FA)")];

pub const KIND: KindDef = KindDef {
    slug: "reset",
    label: "Password or 2FA reset",
    summary: "You need a new password or your second factor reset.",
    service: Service::SignIn,
    audience: Audience::Everyone,
    fields: &[
        field(
            "system",
            "System",
            "Where you need the reset.",
            T::System,
            true,
        ),
        field("what", "What to reset", "", T::Choice(RESET_WHAT), true),
    ],
    title,
    subjects: Subjects::People,
    plan,
    identity_check: true,
    ..BASE
};

fn title(v: &Values, _: &[String], systems: &[String]) -> String {
    format!("Reset {} on {}", v.shown("what"), list(systems))
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    let what = match f.values.text("what") {
        Some("2fa") => "2FA",
        _ => "password",
    };
    Ok(vec![reset_task(f, what)])
}

/// The one task of a reset or an unlock, for the helpdesk's IT team.
pub(super) fn reset_task(f: &PlanFacts, what: &str) -> TaskDraft {
    let system = f.system("system");
    TaskDraft {
        system_id: system.map(|s| s.id),
        team: Some(Team::It),
        ..TaskDraft::new(
            TaskAction::Reset,
            format!(
                "Reset the {what} on {} for {}",
                system.map(|s| s.name.as_str()).unwrap_or_default(),
                f.requester.name
            ),
        )
    }
}
