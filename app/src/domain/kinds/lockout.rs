//! A locked account. Also reported through the sign-in-free lockout form, whose reports a worker
//! turns into requests of this kind.

use super::{list, Audience, KindDef, PlanFacts, Service, Subjects, BASE};
use crate::domain::error::AppError;
use crate::domain::form::{field, FieldType as T, Values};
use crate::domain::task::TaskDraft;

/// The one answer the sign-in-free lockout form gives, whether or not the address has an account.
pub const LOCKOUT_ANSWER: &str = "Thank you. If this address belongs to an account here, the helpdesk has your report. An analyst will confirm who you are on a video call or with your manager before unlocking anything.";

pub const KIND: KindDef = KindDef {
    slug: "lockout",
    label: "Locked out",
    summary: "Your account is locked and you cannot sign in.",
    service: Service::SignIn,
    audience: Audience::Everyone,
    fields: &[field(
        "system",
        "System",
        "Where you are locked out.",
        T::System,
        true,
    )],
    description_required: true,
    description_label: "What happens",
    title,
    subjects: Subjects::People,
    plan,
    identity_check: true,
    ..BASE
};

fn title(_: &Values, _: &[String], systems: &[String]) -> String {
    format!("Locked out of {}", list(systems))
}

fn plan(f: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(vec![super::reset::reset_task(f, "account lockout")])
}
