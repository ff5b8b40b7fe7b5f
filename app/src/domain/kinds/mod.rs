//! The request kinds (DOMAIN.md, "The request catalog"). Each kind is one module that declares
//! everything about it in a [`KindDef`]: slug, label, service, who may ask, fields, the rules
//! that span fields, the default title, who approves, and a pure task plan over facts the service
//! gathers first. The `registry!` list below is the only place that names every kind; nothing
//! else matches on them.
//!
//! Adding a kind: write `kinds/<kind>.rs` with its `KIND` and its tests, and add one line to the
//! registry. The catalog page, the form, the parser, the API, the approval policy, the task plan
//! and the date-driven jobs all read the definition.

use super::approval::{Decision, PolicyInput};
use super::error::AppError;
use super::form::{FieldSpec, Values};
use super::role_template::template_key;
use super::task::TaskDraft;
use super::time::Day;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

macro_rules! registry {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// What a person asks the helpdesk for, named on the wire and in the database by its
        /// definition's slug.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RequestKind {
            $($variant),+
        }

        impl RequestKind {
            /// Every kind, in catalog order.
            pub const ALL: &'static [RequestKind] = &[$(RequestKind::$variant),+];

            /// Everything about the kind.
            pub fn def(self) -> &'static KindDef {
                match self {
                    $(RequestKind::$variant => &$module::KIND),+
                }
            }
        }
    };
}

registry! {
    Access => access,
    AccessChange => access_change,
    Reset => reset,
    Lockout => lockout,
    Laptop => laptop,
    Software => software,
    SoftwareRequest => software_request,
    Training => training,
    Onboarding => onboarding,
    Offboarding => offboarding,
    RoleChange => role_change,
    ExternalCollaborator => external_collaborator,
    Contractor => contractor,
    ServiceAccount => service_account,
    Infrastructure => infrastructure,
    Other => other,
}

pub use lockout::LOCKOUT_ANSWER;

/// The catalog's sections, in the order the seed's Tier 2 lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Access,
    SignIn,
    Devices,
    People,
    Engineering,
    Other,
}

impl Service {
    pub const ALL: &'static [Service] = &[
        Service::Access,
        Service::SignIn,
        Service::Devices,
        Service::People,
        Service::Engineering,
        Service::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Service::Access => "Access to systems",
            Service::SignIn => "Passwords, 2FA and lockouts",
            Service::Devices => "Laptops, software and training",
            Service::People => "Joiners, movers and leavers",
            Service::Engineering => "Service accounts and cloud",
            Service::Other => "Anything else",
        }
    }

    pub fn kinds(self) -> impl Iterator<Item = RequestKind> {
        RequestKind::ALL
            .iter()
            .copied()
            .filter(move |k| k.def().service == self)
    }
}

/// Who may ask for a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    /// Everyone but contractors.
    Employees,
    /// Managers and staff (analysts, admins, engineers): joiners, movers and leavers.
    ManagersAndStaff,
}

/// Whose manager approves, when the kind's policy asks for a manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subjects {
    /// The people the request is for (its people list, or its `person` field).
    People,
    /// The requester.
    Requester,
    /// The person named in this field (a collaborator's sponsor).
    Person(&'static str),
    /// Someone with no account yet whose manager is named in this field (a contractor).
    ManagedBy(&'static str),
}

/// Facts a kind's task plan reads beyond the submission, which the service looks up first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The registry's baseline systems.
    pub baseline: bool,
    /// The systems the request's first person holds now.
    pub held: bool,
    /// Role templates, each named by (department field, job role field).
    pub templates: &'static [(&'static str, &'static str)],
}

/// A person or a system, as a plan names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// A system line of the request, as saved (role as the admin's list spells it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub system_id: i64,
    pub title: String,
    pub role: String,
}

/// A system someone holds, with what decides how soon access to it must go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub system_id: i64,
    pub title: String,
    pub tier: Option<u8>,
    pub sox: bool,
}

/// A role template's systems: (system id, title, role).
pub type TemplateSystems = Vec<(i64, String, String)>;

/// What a task plan may read. Nothing here comes from I/O the plan does itself.
#[derive(Debug, Clone, Copy)]
pub struct PlanFacts<'a> {
    pub values: &'a Values,
    pub requester: &'a Named,
    /// The people the request is for, in form order.
    pub people: &'a [Named],
    /// Systems named by single-system fields, by field name.
    pub systems: &'a BTreeMap<&'static str, Named>,
    pub lines: &'a [PlanLine],
    /// Present when the kind `Needs` them; empty otherwise.
    pub baseline: &'a [Named],
    pub held: &'a [Held],
    /// Role templates by [`template_key`]; a key is absent when there is no such template.
    pub templates: &'a BTreeMap<String, TemplateSystems>,
    pub today: Day,
    /// UTC milliseconds.
    pub now: i64,
}

impl PlanFacts<'_> {
    /// The role template named by these two fields, if an admin made one.
    pub fn template(&self, department: &str, job_role: &str) -> Option<&TemplateSystems> {
        let key = template_key(&self.values.shown(department), &self.values.shown(job_role));
        self.templates.get(&key)
    }

    pub fn system(&self, field: &str) -> Option<&Named> {
        self.systems.get(field)
    }
}

/// What the end of a contractor's or collaborator's access is planned from.
#[derive(Debug, Clone, Copy)]
pub struct EndFacts<'a> {
    /// The `name` field: whose access ends.
    pub name: &'a str,
    pub end: Day,
    pub now: i64,
    /// The systems on the request's lines.
    pub lines: &'a [Held],
}

/// Everything about one kind.
#[derive(Debug, Clone, Copy)]
pub struct KindDef {
    /// Its name on the wire, in URLs and in the database; never changes.
    pub slug: &'static str,
    pub label: &'static str,
    pub summary: &'static str,
    pub service: Service,
    pub audience: Audience,
    /// The kind's own fields, beyond title, description and priority, in form order.
    pub fields: &'static [FieldSpec],
    /// Kinds whose title says it all ask for one; the others get one made by `title`.
    pub title_required: bool,
    pub description_required: bool,
    pub description_label: &'static str,
    /// Rules that span fields, run after each field parsed; may fill in defaults.
    pub rules: fn(&mut Values, &str, Day) -> Result<(), AppError>,
    /// The title made from the fields, the people and the systems when none was given.
    pub title: fn(&Values, &[String], &[String]) -> String,
    pub subjects: Subjects,
    /// Adds the approval steps; none means work starts at once.
    pub approvals: fn(&PolicyInput, &mut Decision),
    pub needs: Needs,
    /// The checklist once the request may start.
    pub plan: fn(&PlanFacts) -> Result<Vec<TaskDraft>, AppError>,
    /// An analyst records who is asking before the reset task may close.
    pub identity_check: bool,
    /// Access that ends on the `end_date` field: the manager is reminded before, and on the day
    /// an offboarding request is made with these tasks.
    pub ends: Option<fn(&EndFacts) -> Vec<TaskDraft>>,
    /// A field naming every how many days the owner is reminded to rotate credentials.
    pub rotation_field: Option<&'static str>,
}

fn no_rules(_: &mut Values, _: &str, _: Day) -> Result<(), AppError> {
    Ok(())
}

fn no_approvals(_: &PolicyInput, _: &mut Decision) {}

fn no_tasks(_: &PlanFacts) -> Result<Vec<TaskDraft>, AppError> {
    Ok(Vec::new())
}

/// No title of its own: the kind's label stands in.
fn no_title(_: &Values, _: &[String], _: &[String]) -> String {
    String::new()
}

/// What a kind's definition starts from: no rules, no approvals, no tasks.
pub const BASE: KindDef = KindDef {
    slug: "",
    label: "",
    summary: "",
    service: Service::Other,
    audience: Audience::Everyone,
    fields: &[],
    title_required: false,
    description_required: false,
    description_label: "Description",
    rules: no_rules,
    title: no_title,
    subjects: Subjects::People,
    approvals: no_approvals,
    needs: Needs {
        baseline: false,
        held: false,
        templates: &[],
    },
    plan: no_tasks,
    identity_check: false,
    ends: None,
    rotation_field: None,
};

/// A list of names for a title: all of them, or the first two and how many more.
pub fn list(xs: &[String]) -> String {
    if xs.len() > 3 {
        format!("{} and {} more", xs[..2].join(", "), xs.len() - 2)
    } else {
        xs.join(", ")
    }
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        self.def().slug
    }
    pub fn label(self) -> &'static str {
        self.def().label
    }
    pub fn summary(self) -> &'static str {
        self.def().summary
    }
    pub fn service(self) -> Service {
        self.def().service
    }
    pub fn fields(self) -> &'static [FieldSpec] {
        self.def().fields
    }
    pub fn title_required(self) -> bool {
        self.def().title_required
    }
    pub fn description_required(self) -> bool {
        self.def().description_required
    }
    pub fn description_label(self) -> &'static str {
        self.def().description_label
    }

    /// The approval steps for a request of this kind, in the order they are shown.
    pub fn approvals(self, input: &PolicyInput) -> Decision {
        let mut d = Decision::default();
        (self.def().approvals)(input, &mut d);
        d
    }

    /// Kinds whose access ends on a set day.
    pub fn ending() -> impl Iterator<Item = RequestKind> {
        RequestKind::ALL
            .iter()
            .copied()
            .filter(|k| k.def().ends.is_some())
    }

    /// Kinds whose credentials are rotated on a schedule.
    pub fn rotating() -> impl Iterator<Item = RequestKind> {
        RequestKind::ALL
            .iter()
            .copied()
            .filter(|k| k.def().rotation_field.is_some())
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        RequestKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "Unknown request kind \u{201c}{}\u{201d}; choose one of: {}.",
                    s.chars().take(40).collect::<String>(),
                    all.join(", ")
                )
            })
    }
}

impl Serialize for RequestKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// On the wire a kind is its slug, one of [`RequestKind::ALL`].
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for RequestKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(RequestKind::ALL.iter().map(|k| k.as_str())))
            .into()
    }
}
#[cfg(feature = "ssr")]
impl utoipa::ToSchema for RequestKind {}

impl<'de> Deserialize<'de> for RequestKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
