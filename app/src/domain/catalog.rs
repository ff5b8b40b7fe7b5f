//! The request catalog as data: every kind's fields (label, hint, type, whether required), one
//! parser that turns a submitted form or JSON body into typed values, and the rules that span
//! several fields. Pages render the same specs, so the browser checks what the server checks.

use super::error::AppError;
use super::request::{parse_text, Priority, RequestKind, DESCRIPTION_MAX, TITLE_MAX};
use super::time::Day;
use super::user::Email;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A form or JSON body, flattened to names and text (`system_0`, `role_0` ... for lines).
pub type Input = BTreeMap<String, String>;

/// At most this many system lines and people on one request.
pub const MAX_LINES: usize = 20;
pub const MAX_PEOPLE: usize = 20;
pub const LINE_MAX: usize = 200;
pub const TEXT_MAX: usize = 5_000;
/// Contractors and collaborators: the longest an end date may lie ahead (months), and the default.
pub const MAX_END_MONTHS: i64 = 24;
pub const CONTRACTOR_DEFAULT_MONTHS: i64 = 6;

pub type Choices = &'static [(&'static str, &'static str)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Line,
    Text,
    Email,
    /// A calendar day, `past` days back and `future` calendar months ahead of today at most.
    Date {
        past: i64,
        future: i64,
    },
    YesNo,
    Choice(Choices),
    /// One person with an account here, by e-mail or @handle.
    Person,
    /// Several people, one per line or separated by commas.
    People,
    /// One system from the registry, by its title.
    System,
    /// Several systems, each with a role (or group) and a justification.
    SystemLines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

const fn field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    ty: FieldType,
    required: bool,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        hint,
        ty,
        required,
    }
}

pub const RESET_WHAT: Choices = &[("password", "Password"), ("2fa", "Two-factor (2FA)")];
pub const CHANGE_WHAT: Choices = &[
    ("remove", "Remove the access"),
    ("downgrade", "Downgrade to a lesser role"),
];
pub const LAPTOP_WHAT: Choices = &[
    ("refresh", "Refresh (3 years after issue)"),
    ("repair", "Repair"),
    ("replacement", "Replacement"),
    ("loss-or-theft", "Loss or theft"),
    ("new-hire", "Laptop for a new hire"),
    ("out-of-spec", "Out-of-spec machine"),
];
pub const REGIONS: Choices = &[("amer", "AMER"), ("emea", "EMEA"), ("japac", "JAPAC")];
pub const CLASSIFICATIONS: Choices = &[
    ("red", "Red"),
    ("orange", "Orange"),
    ("yellow", "Yellow"),
    ("green", "Green"),
];
pub const ROTATIONS: Choices = &[
    ("30", "Every 30 days"),
    ("90", "Every 90 days"),
    ("180", "Every 180 days"),
    ("365", "Every year"),
];
/// The one answer the sign-in-free lockout form gives, whether or not the address has an account.
pub const LOCKOUT_ANSWER: &str = "Thank you. If this address belongs to an account here, the helpdesk has your report. An analyst will confirm who you are on a video call or with your manager before unlocking anything.";

/// How an analyst confirmed who is asking, before a reset or unlock.
pub const IDENTITY_METHODS: Choices = &[
    ("video-call", "Video call with ID shown"),
    ("manager-vouch", "Manager vouched on a call"),
];
pub const INFRA_WHAT: Choices = &[
    ("aws-account", "A new AWS account"),
    ("gcp-project", "A new GCP project"),
    ("iam-access", "IAM access to an existing account or project"),
];

use FieldType as T;

const END_DATE_OPTIONAL: FieldSpec = field(
    "end_date",
    "End date",
    "Leave empty for access without an end.",
    T::Date {
        past: 0,
        future: MAX_END_MONTHS,
    },
    false,
);
const END_DATE_REQUIRED: FieldSpec = field(
    "end_date",
    "End date",
    "Access ends on this day; at most two years ahead.",
    T::Date {
        past: 0,
        future: MAX_END_MONTHS,
    },
    true,
);
const SYSTEM_LINES: FieldSpec = field(
    "lines",
    "Systems",
    "Pick each system from the registry, with the role and why it is needed.",
    T::SystemLines,
    true,
);

impl RequestKind {
    /// The kind's own fields, beyond title, description and priority.
    pub fn fields(self) -> &'static [FieldSpec] {
        use RequestKind as K;
        match self {
            K::Access => {
                const F: &[FieldSpec] = &[
                    field(
                        "people",
                        "People",
                        "Whose access this is: e-mail addresses or @handles, one per line.",
                        T::People,
                        true,
                    ),
                    SYSTEM_LINES,
                    field(
                        "admin",
                        "Admin access",
                        "Administrator rights need a security approval too.",
                        T::YesNo,
                        false,
                    ),
                    END_DATE_OPTIONAL,
                ];
                F
            }
            K::AccessChange => {
                const F: &[FieldSpec] = &[
                    field(
                        "person",
                        "Person",
                        "E-mail address or @handle.",
                        T::Person,
                        true,
                    ),
                    field("system", "System", "", T::System, true),
                    field("change", "Change", "", T::Choice(CHANGE_WHAT), true),
                    field(
                        "new_role",
                        "New role",
                        "Only for a downgrade.",
                        T::Line,
                        false,
                    ),
                ];
                F
            }
            K::Reset => {
                const F: &[FieldSpec] = &[
                    field(
                        "system",
                        "System",
                        "Where you need the reset.",
                        T::System,
                        true,
                    ),
                    field("what", "What to reset", "", T::Choice(RESET_WHAT), true),
                ];
                F
            }
            K::Lockout => {
                const F: &[FieldSpec] = &[field(
                    "system",
                    "System",
                    "Where you are locked out.",
                    T::System,
                    true,
                )];
                F
            }
            K::Laptop => {
                const F: &[FieldSpec] = &[
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
                ];
                F
            }
            K::Software => {
                const F: &[FieldSpec] = &[
                    field(
                        "device",
                        "Device",
                        "e.g. MacBook Pro 14\" 2023.",
                        T::Line,
                        true,
                    ),
                    field(
                        "software",
                        "Software",
                        "The application and its version.",
                        T::Line,
                        true,
                    ),
                ];
                F
            }
            K::Training => {
                const F: &[FieldSpec] = &[
                    field(
                        "topic",
                        "Topic",
                        "What you would like to learn.",
                        T::Line,
                        true,
                    ),
                    field(
                        "preferred_times",
                        "Preferred times",
                        "Days and hours that suit you, with your time zone.",
                        T::Text,
                        true,
                    ),
                ];
                F
            }
            K::Onboarding => {
                const F: &[FieldSpec] = &[
                    field("new_hire_name", "New hire's name", "", T::Line, true),
                    field(
                        "new_hire_email",
                        "New hire's work e-mail",
                        "",
                        T::Email,
                        true,
                    ),
                    field(
                        "start_date",
                        "Start date",
                        "",
                        T::Date {
                            past: 0,
                            future: 12,
                        },
                        true,
                    ),
                    field("department", "Department", "", T::Line, true),
                    field(
                        "job_role",
                        "Role",
                        "The job title, as in the role templates.",
                        T::Line,
                        true,
                    ),
                    field(
                        "manager",
                        "Manager",
                        "E-mail address or @handle.",
                        T::Person,
                        true,
                    ),
                ];
                F
            }
            K::Offboarding => {
                const F: &[FieldSpec] = &[
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
                ];
                F
            }
            K::RoleChange => {
                const F: &[FieldSpec] = &[
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
                ];
                F
            }
            K::ExternalCollaborator => {
                const F: &[FieldSpec] = &[
                    field("name", "Collaborator's name", "", T::Line, true),
                    field("organisation", "Organisation", "", T::Line, true),
                    field(
                        "sponsor",
                        "Sponsor",
                        "The employee responsible for them: e-mail address or @handle.",
                        T::Person,
                        true,
                    ),
                    SYSTEM_LINES,
                    END_DATE_REQUIRED,
                ];
                F
            }
            K::Contractor => {
                const F: &[FieldSpec] = &[
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
                ];
                F
            }
            K::ServiceAccount => {
                const F: &[FieldSpec] = &[
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
                ];
                F
            }
            K::Infrastructure => {
                const F: &[FieldSpec] = &[
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
                ];
                F
            }
            K::Other => &[],
        }
    }

    /// Kinds whose title says it all are asked for one; the others get a title made from their
    /// fields when it is left empty.
    pub fn title_required(self) -> bool {
        matches!(self, RequestKind::Software | RequestKind::Other)
    }

    pub fn description_required(self) -> bool {
        matches!(
            self,
            RequestKind::Software | RequestKind::Lockout | RequestKind::Other
        )
    }

    pub fn description_label(self) -> &'static str {
        match self {
            RequestKind::Software => "Problem",
            RequestKind::Lockout => "What happens",
            RequestKind::Infrastructure => "Justification",
            RequestKind::Laptop => "Details",
            _ => "Description",
        }
    }
}

/// Someone named in a form, as typed: resolved against the users by the service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PersonName {
    Email(String),
    Handle(String),
}

impl PersonName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        if let Some(h) = s.strip_prefix('@') {
            let ok = !h.is_empty()
                && h.len() <= 100
                && h.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
            return if ok {
                Ok(PersonName::Handle(h.to_lowercase()))
            } else {
                Err(AppError::invalid(
                    field,
                    format!("\u{201c}{}\u{201d} is not a handle.", clip(s)),
                ))
            };
        }
        if s.contains('@') {
            return Email::parse(s)
                .map(|e| PersonName::Email(e.as_str().to_string()))
                .map_err(|_| {
                    AppError::invalid(
                        field,
                        format!("\u{201c}{}\u{201d} is not an e-mail address.", clip(s)),
                    )
                });
        }
        PersonName::parse(field, &format!("@{s}"))
    }
}

impl std::fmt::Display for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PersonName::Email(e) => f.write_str(e),
            PersonName::Handle(h) => write!(f, "@{h}"),
        }
    }
}

/// One system asked for, as typed: the service finds it in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    /// The form row it came from (0-based), to name fields in errors.
    pub row: usize,
    pub system: String,
    pub role: String,
    pub justification: String,
}

impl LineDraft {
    /// A baseline entitlement asked for as everyone gets it.
    pub fn role_is_baseline(&self) -> bool {
        let r = self.role.trim();
        r.eq_ignore_ascii_case("baseline") || r.eq_ignore_ascii_case("default")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Date(Day),
    Bool(bool),
    Person(PersonName),
    People(Vec<PersonName>),
    System(String),
    Lines(Vec<LineDraft>),
}

/// A submission parsed and checked field by field, before the people and systems it names are
/// looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub kind: RequestKind,
    pub title: Option<String>,
    pub description: String,
    pub priority: Priority,
    pub values: BTreeMap<&'static str, Value>,
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn get<'a>(input: &'a Input, name: &str) -> &'a str {
    input.get(name).map(|s| s.trim()).unwrap_or("")
}

fn optional_text(field: &str, raw: &str, max: usize) -> Result<Option<String>, AppError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_text(field, "", raw, max).map(Some)
    }
}

fn parse_yes_no(field: &str, raw: &str) -> Result<bool, AppError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "off" => Ok(false),
        "yes" | "true" | "on" => Ok(true),
        _ => Err(AppError::invalid(field, "Answer yes or no.")),
    }
}

fn parse_lines(input: &Input) -> Result<Vec<LineDraft>, AppError> {
    let mut lines: Vec<LineDraft> = Vec::new();
    for row in 0..MAX_LINES {
        let name = |f: &str| format!("{f}_{row}");
        let system = get(input, &name("system"));
        let role = get(input, &name("role"));
        let justification = get(input, &name("justification"));
        if system.is_empty() && role.is_empty() && justification.is_empty() {
            continue;
        }
        let n = row + 1;
        if system.is_empty() {
            return Err(AppError::invalid(
                &name("system"),
                format!("Line {n}: choose a system."),
            ));
        }
        let system = parse_text(&name("system"), "a system", system, LINE_MAX)?;
        let role = parse_text(
            &name("role"),
            "the role or group, or \u{201c}baseline\u{201d}",
            role,
            LINE_MAX,
        )
        .map_err(|e| prefix_line(e, n))?;
        let justification = parse_text(
            &name("justification"),
            "why it is needed",
            justification,
            LINE_MAX * 5,
        )
        .map_err(|e| prefix_line(e, n))?;
        let key = super::registry::title_key(&system);
        if let Some(first) = lines
            .iter()
            .find(|l| super::registry::title_key(&l.system) == key)
        {
            return Err(AppError::invalid(
                &name("system"),
                format!(
                    "Line {n}: {system} is already on line {}; give it one line.",
                    first.row + 1
                ),
            ));
        }
        lines.push(LineDraft {
            row,
            system,
            role,
            justification,
        });
    }
    // Rows past the limit are not silently dropped.
    if let Some(extra) = input.keys().find(|k| {
        k.rsplit_once('_')
            .and_then(|(_, i)| i.parse::<usize>().ok())
            .is_some_and(|i| i >= MAX_LINES)
    }) {
        return Err(AppError::invalid(
            extra,
            format!("One request takes at most {MAX_LINES} systems; send another for the rest."),
        ));
    }
    Ok(lines)
}

fn prefix_line(e: AppError, n: usize) -> AppError {
    match e {
        AppError::Invalid { field, message } => AppError::Invalid {
            field,
            message: format!("Line {n}: {message}"),
        },
        other => other,
    }
}

fn parse_people(field: &str, raw: &str) -> Result<Vec<PersonName>, AppError> {
    let mut out: Vec<PersonName> = Vec::new();
    for part in raw
        .split(|c| matches!(c, '\n' | '\r' | ',' | ';'))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let p = PersonName::parse(field, part)?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.len() > MAX_PEOPLE {
        return Err(AppError::invalid(
            field,
            format!("One request takes at most {MAX_PEOPLE} people."),
        ));
    }
    Ok(out)
}

fn parse_value(spec: &FieldSpec, input: &Input, today: Day) -> Result<Option<Value>, AppError> {
    let raw = get(input, spec.name);
    let name = spec.name;
    let value = match spec.ty {
        T::SystemLines => {
            let lines = parse_lines(input)?;
            (!lines.is_empty()).then_some(Value::Lines(lines))
        }
        T::YesNo => Some(Value::Bool(parse_yes_no(name, raw)?)),
        _ if raw.is_empty() => None,
        T::Line => Some(Value::Text(parse_text(name, "", raw, LINE_MAX)?)),
        T::Text => Some(Value::Text(parse_text(name, "", raw, TEXT_MAX)?)),
        T::Email => Some(Value::Text(
            Email::parse(raw)
                .map_err(|e| AppError::invalid(name, e.to_string()))?
                .as_str()
                .to_string(),
        )),
        T::Date { past, future } => {
            let day = Day::parse(raw).ok_or_else(|| {
                AppError::invalid(name, "Enter a date as YYYY-MM-DD, e.g. 2027-03-31.")
            })?;
            let from = today.add_days(-past);
            let to = today.add_months(future);
            if day < from {
                return Err(AppError::invalid(
                    name,
                    if past == 0 {
                        "This date is in the past.".to_string()
                    } else {
                        format!("This date is more than {past} days in the past.")
                    },
                ));
            }
            if day > to {
                return Err(AppError::invalid(
                    name,
                    format!("This date is too far ahead: {to} at the latest."),
                ));
            }
            Some(Value::Date(day))
        }
        T::Choice(choices) => {
            if choices.iter().any(|(v, _)| *v == raw) {
                Some(Value::Text(raw.to_string()))
            } else {
                let names: Vec<&str> = choices.iter().map(|(_, l)| *l).collect();
                return Err(AppError::invalid(
                    name,
                    format!("Choose one of: {}.", names.join(", ")),
                ));
            }
        }
        T::Person => Some(Value::Person(PersonName::parse(name, raw)?)),
        T::People => {
            let people = parse_people(name, raw)?;
            (!people.is_empty()).then_some(Value::People(people))
        }
        T::System => Some(Value::System(parse_text(name, "a system", raw, LINE_MAX)?)),
    };
    if value.is_none() && spec.required {
        let message = match spec.ty {
            T::SystemLines => "Add at least one system.".to_string(),
            T::People => "Name at least one person.".to_string(),
            T::System => "Choose a system.".to_string(),
            T::Date { .. } => "Enter a date.".to_string(),
            T::Choice(_) => "Choose one.".to_string(),
            _ => format!("Please fill in \u{201c}{}\u{201d}.", spec.label),
        };
        let field = if spec.ty == T::SystemLines {
            "system_0"
        } else {
            name
        };
        return Err(AppError::invalid(field, message));
    }
    Ok(value)
}

impl Submission {
    /// Parses every field of `kind` in form order, the first mistake winning, then the rules
    /// that span fields. `today` is the UTC day the request is made.
    pub fn parse(kind: &str, input: &Input, today: Day) -> Result<Self, AppError> {
        let kind: RequestKind = kind.parse().map_err(|m| AppError::invalid("kind", m))?;
        let title = if kind.title_required() {
            Some(parse_text(
                "title",
                "a title",
                get(input, "title"),
                TITLE_MAX,
            )?)
        } else {
            optional_text("title", get(input, "title"), TITLE_MAX)?
        };
        if title.as_deref().is_some_and(|t| t.contains(['\n', '\r'])) {
            return Err(AppError::invalid(
                "title",
                "The title must be a single line.",
            ));
        }
        let mut values = BTreeMap::new();
        for spec in kind.fields() {
            if let Some(v) = parse_value(spec, input, today)? {
                values.insert(spec.name, v);
            }
        }
        let description = if kind.description_required() {
            parse_text(
                "description",
                "a description",
                get(input, "description"),
                DESCRIPTION_MAX,
            )?
        } else {
            optional_text("description", get(input, "description"), DESCRIPTION_MAX)?
                .unwrap_or_default()
        };
        let priority = match get(input, "priority") {
            "" => Priority::Normal,
            p => p
                .parse()
                .map_err(|m: String| AppError::invalid("priority", m))?,
        };
        let mut s = Submission {
            kind,
            title,
            description,
            priority,
            values,
        };
        s.check_rules(today)?;
        Ok(s)
    }

    /// Rebuilds a saved submission from the raw values stored with it (checked when submitted).
    pub fn stored(kind: RequestKind, title: &str, description: &str, raw: &[(&str, &str)]) -> Self {
        let mut values = BTreeMap::new();
        for spec in kind.fields() {
            let Some((_, v)) = raw.iter().find(|(n, _)| *n == spec.name) else {
                continue;
            };
            let value = match spec.ty {
                T::Date { .. } => Day::parse(v).map(Value::Date),
                T::YesNo => Some(Value::Bool(*v == "true")),
                T::Person => PersonName::parse(spec.name, v).ok().map(Value::Person),
                T::System => Some(Value::System(v.to_string())),
                T::People | T::SystemLines => None,
                _ => Some(Value::Text(v.to_string())),
            };
            if let Some(value) = value {
                values.insert(spec.name, value);
            }
        }
        Submission {
            kind,
            title: Some(title.to_string()),
            description: description.to_string(),
            priority: Priority::Normal,
            values,
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Value::Text(t)) | Some(Value::System(t)) => Some(t),
            _ => None,
        }
    }
    pub fn yes(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(Value::Bool(true)))
    }
    pub fn date(&self, name: &str) -> Option<Day> {
        match self.values.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }
    pub fn person(&self, name: &str) -> Option<&PersonName> {
        match self.values.get(name) {
            Some(Value::Person(p)) => Some(p),
            _ => None,
        }
    }
    pub fn people(&self) -> &[PersonName] {
        match self.values.get("people") {
            Some(Value::People(p)) => p,
            _ => &[],
        }
    }
    pub fn lines(&self) -> &[LineDraft] {
        match self.values.get("lines") {
            Some(Value::Lines(l)) => l,
            _ => &[],
        }
    }

    /// Rules that need more than one field.
    fn check_rules(&mut self, today: Day) -> Result<(), AppError> {
        use RequestKind as K;
        match self.kind {
            K::AccessChange => {
                if self.text("change") == Some("downgrade") && self.text("new_role").is_none() {
                    return Err(AppError::invalid(
                        "new_role",
                        "Name the role to downgrade to.",
                    ));
                }
            }
            K::Laptop => match self.text("laptop") {
                Some("refresh") => {
                    let issued = self.date("issued_on").ok_or_else(|| {
                        AppError::invalid("issued_on", "Enter when your laptop was issued.")
                    })?;
                    let eligible = issued.add_years(3);
                    if eligible > today {
                        return Err(AppError::invalid(
                            "issued_on",
                            format!(
                                "A laptop issued on {issued} can be refreshed from {eligible}."
                            ),
                        ));
                    }
                }
                Some("repair") => {
                    if self.description.is_empty() {
                        return Err(AppError::invalid("description", "Describe the damage."));
                    }
                }
                Some("new-hire") => {
                    if self.text("region").is_none() {
                        return Err(AppError::invalid("region", "Choose the new hire's region."));
                    }
                }
                _ => {}
            },
            K::Contractor => {
                if !self.yes("po_approved") {
                    return Err(AppError::invalid(
                        "po_approved",
                        "The purchase order must be approved first.",
                    ));
                }
                if !self.yes("review_done") {
                    return Err(AppError::invalid(
                        "review_done",
                        "Security and legal review must be done first.",
                    ));
                }
                if matches!(self.text("classification"), Some("red" | "orange"))
                    && !self.yes("background_check")
                {
                    return Err(AppError::invalid(
                        "background_check",
                        "Orange or Red data needs a completed background check.",
                    ));
                }
                if self.date("end_date").is_none() {
                    self.values.insert(
                        "end_date",
                        Value::Date(today.add_months(CONTRACTOR_DEFAULT_MONTHS)),
                    );
                }
            }
            K::Infrastructure => {
                if self.text("what") == Some("iam-access") && self.text("account").is_none() {
                    return Err(AppError::invalid("account", "Name the account or project."));
                }
                if self.description.is_empty() {
                    return Err(AppError::invalid(
                        "description",
                        "Say why the team needs it.",
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The title to save: the one given, or one made from the fields.
    pub fn title_or_default(&self, people: &[String], systems: &[String]) -> String {
        if let Some(t) = &self.title {
            return t.clone();
        }
        let list = |xs: &[String]| {
            if xs.len() > 3 {
                format!("{} and {} more", xs[..2].join(", "), xs.len() - 2)
            } else {
                xs.join(", ")
            }
        };
        let t = |n: &str| self.text(n).unwrap_or_default().to_string();
        use RequestKind as K;
        let title = match self.kind {
            K::Access => format!("Access to {} for {}", list(systems), list(people)),
            K::AccessChange => format!("Change access to {} for {}", list(systems), list(people)),
            K::Reset => format!("Reset {} on {}", t("what"), list(systems)),
            K::Lockout => format!("Locked out of {}", list(systems)),
            K::Laptop => format!("Laptop: {}", t("laptop").replace('-', " ")),
            K::Training => format!("Training: {}", t("topic")),
            K::Onboarding => format!("Onboarding {}", t("new_hire_name")),
            K::Offboarding => format!("Offboarding {}", list(people)),
            K::RoleChange => format!("Role change for {}: {}", list(people), t("new_role")),
            K::ExternalCollaborator => format!("External collaborator {}", t("name")),
            K::Contractor => format!("Contractor {} ({})", t("name"), t("vendor")),
            K::ServiceAccount => format!("Service account on {}", list(systems)),
            K::Infrastructure => format!(
                "Infrastructure: {} for {}",
                t("what").replace('-', " "),
                t("team")
            ),
            K::Software | K::Other => t("software"),
        };
        title.chars().take(TITLE_MAX).collect()
    }
}

/// The key of a role template: department and job role, trimmed and lower-cased.
pub fn template_key(department: &str, job_role: &str) -> String {
    format!(
        "{}/{}",
        department.trim().to_lowercase(),
        job_role.trim().to_lowercase()
    )
}

/// A role template's systems as an admin types them, one per line: `System = role`.
pub fn parse_template_lines(text: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let (system, role) = line.rsplit_once('=').ok_or_else(|| {
            AppError::invalid(
                "systems",
                format!("Line {n}: write it as \u{201c}System = role\u{201d}."),
            )
        })?;
        let (system, role) = (system.trim(), role.trim());
        if system.is_empty() || role.is_empty() {
            return Err(AppError::invalid(
                "systems",
                format!("Line {n}: both a system and a role are needed."),
            ));
        }
        if system.chars().count() > LINE_MAX || role.chars().count() > LINE_MAX {
            return Err(AppError::invalid(
                "systems",
                format!("Line {n} is too long."),
            ));
        }
        let key = super::registry::title_key(system);
        if out
            .iter()
            .any(|(s, _)| super::registry::title_key(s) == key)
        {
            return Err(AppError::invalid(
                "systems",
                format!("Line {n}: {system} is listed twice."),
            ));
        }
        out.push((system.to_string(), role.to_string()));
    }
    if out.is_empty() {
        return Err(AppError::invalid("systems", "List at least one system."));
    }
    if out.len() > 100 {
        return Err(AppError::invalid(
            "systems",
            "A template takes at most 100 systems.",
        ));
    }
    Ok(out)
}

/// What a move from one role template to another changes: systems to grant (new, or a different
/// role) and systems to revoke (no longer in the template), by system id.
pub fn template_diff(
    old: &[(i64, String)],
    new: &[(i64, String)],
) -> (Vec<(i64, String)>, Vec<i64>) {
    let grants = new
        .iter()
        .filter(|(id, role)| !old.iter().any(|(o, r)| o == id && r == role))
        .cloned()
        .collect();
    let revokes = old
        .iter()
        .filter(|(id, _)| !new.iter().any(|(n, _)| n == id))
        .map(|(id, _)| *id)
        .collect();
    (grants, revokes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Day {
        Day::parse("2026-11-27").unwrap()
    }

    fn input(pairs: &[(&str, &str)]) -> Input {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn err_field(kind: &str, pairs: &[(&str, &str)]) -> String {
        Submission::parse(kind, &input(pairs), today())
            .unwrap_err()
            .field()
            .unwrap_or("-")
            .to_string()
    }

    #[test]
    fn every_kind_has_unique_field_names() {
        for kind in RequestKind::ALL {
            let mut names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), kind.fields().len(), "{kind}");
        }
    }

    /// A value each field type accepts, so every kind can be filled in the way a person would.
    fn sample(spec: &FieldSpec, input: &mut Input) {
        let today = today();
        let mut put = |k: &str, v: String| {
            input.insert(k.to_string(), v);
        };
        match spec.ty {
            T::Line | T::Text => put(spec.name, "something".into()),
            T::Email => put(spec.name, "new.hire@example.com".into()),
            T::Date { past, future } => put(
                spec.name,
                if future == 0 {
                    today.add_days(-past.min(4 * 365)).to_string()
                } else {
                    today.add_days(1).to_string()
                },
            ),
            T::YesNo => put(spec.name, "yes".into()),
            T::Choice(choices) => put(spec.name, choices[0].0.into()),
            T::Person => put(spec.name, "@max".into()),
            T::People => put(spec.name, "mia@example.com\n@cole".into()),
            T::System => put(spec.name, "Slack".into()),
            T::SystemLines => {
                put("system_0", "Slack".into());
                put("role_0", "member".into());
                put("justification_0", "chat".into());
            }
        }
    }

    #[test]
    fn every_kind_parses_when_every_field_is_filled_and_names_each_missing_required_field() {
        for kind in RequestKind::ALL {
            let mut full = input(&[("title", "A title"), ("description", "Details")]);
            for spec in kind.fields() {
                sample(spec, &mut full);
            }
            let parsed = Submission::parse(kind.as_str(), &full, today());
            assert!(parsed.is_ok(), "{kind}: {:?}", parsed.err());
            let parsed = parsed.unwrap();
            assert_eq!(parsed.kind, *kind);
            for spec in kind
                .fields()
                .iter()
                .filter(|f| f.required && f.ty != T::YesNo)
            {
                let mut missing = full.clone();
                missing.retain(|k, _| {
                    if spec.ty == T::SystemLines {
                        !k.ends_with("_0")
                    } else {
                        k != spec.name
                    }
                });
                let err = Submission::parse(kind.as_str(), &missing, today()).unwrap_err();
                let expected = if spec.ty == T::SystemLines {
                    "system_0"
                } else {
                    spec.name
                };
                assert_eq!(err.field(), Some(expected), "{kind} without {}", spec.name);
            }
        }
    }

    #[test]
    fn access_lines_people_and_defaults() {
        let s = Submission::parse(
            "access",
            &input(&[
                ("people", "mia@example.com\n@Cole, mia@example.com"),
                ("system_0", "Slack"),
                ("role_0", "member"),
                ("justification_0", "team chat"),
                ("system_2", "Figma"),
                ("role_2", "editor"),
                ("justification_2", "design reviews"),
            ]),
            today(),
        )
        .unwrap();
        assert_eq!(
            s.people(),
            &[
                PersonName::Email("mia@example.com".into()),
                PersonName::Handle("cole".into())
            ]
        );
        assert_eq!(s.lines().len(), 2);
        assert_eq!(s.lines()[1].row, 2);
        assert!(!s.yes("admin"));
        assert_eq!(s.priority, Priority::Normal);
        assert_eq!(
            s.title_or_default(&["Mia".into()], &["Slack".into(), "Figma".into()]),
            "Access to Slack, Figma for Mia"
        );
    }

    #[test]
    fn access_mistakes_are_named_at_their_field() {
        let ok_line = [
            ("system_0", "Slack"),
            ("role_0", "member"),
            ("justification_0", "chat"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut v: Vec<(&str, &str)> = vec![("people", "a@example.com")];
            v.extend_from_slice(&ok_line);
            v.extend_from_slice(extra);
            err_field("access", &v)
        };
        assert_eq!(err_field("access", &ok_line), "people");
        assert_eq!(
            err_field("access", &[("people", "a@example.com")]),
            "system_0"
        );
        assert_eq!(
            err_field("access", &[("people", "not an address@")]),
            "people"
        );
        assert_eq!(with(&[("role_1", "x")]), "system_1");
        assert_eq!(with(&[("system_1", "Zoom")]), "role_1");
        assert_eq!(
            with(&[("system_1", "Zoom"), ("role_1", "x")]),
            "justification_1"
        );
        assert_eq!(
            with(&[
                ("system_1", " slack "),
                ("role_1", "x"),
                ("justification_1", "y")
            ]),
            "system_1"
        );
        assert_eq!(with(&[("admin", "maybe")]), "admin");
        assert_eq!(with(&[("end_date", "2026-11-26")]), "end_date");
        assert_eq!(with(&[("end_date", "2030-01-01")]), "end_date");
        assert_eq!(with(&[("end_date", "31/12/2026")]), "end_date");
        assert_eq!(with(&[("system_20", "Zoom")]), "system_20");
        assert_eq!(with(&[("priority", "urgent")]), "priority");
        let dup = Submission::parse(
            "access",
            &input(&[
                ("people", "a@example.com"),
                ("system_0", "Slack"),
                ("role_0", "m"),
                ("justification_0", "j"),
                ("system_1", "SLACK"),
                ("role_1", "m"),
                ("justification_1", "j"),
            ]),
            today(),
        )
        .unwrap_err();
        assert_eq!(
            dup.to_string(),
            "Line 2: SLACK is already on line 1; give it one line."
        );
    }

    #[test]
    fn end_dates_for_contractors() {
        let base = [
            ("name", "Kim"),
            ("vendor", "Acme"),
            ("manager", "@max"),
            ("po_approved", "yes"),
            ("review_done", "yes"),
            ("classification", "yellow"),
        ];
        let s = Submission::parse("contractor", &input(&base), today()).unwrap();
        assert_eq!(s.date("end_date"), Day::parse("2027-05-27"));
        let mut v = base.to_vec();
        v.push(("end_date", "2028-11-27"));
        assert!(Submission::parse("contractor", &input(&v), today()).is_ok());
        v.pop();
        v.push(("end_date", "2028-11-28"));
        assert_eq!(err_field("contractor", &v), "end_date");
        let mut red = base.to_vec();
        red[5] = ("classification", "red");
        assert_eq!(err_field("contractor", &red), "background_check");
        red.push(("background_check", "yes"));
        assert!(Submission::parse("contractor", &input(&red), today()).is_ok());
        let mut no_po = base.to_vec();
        no_po[3] = ("po_approved", "no");
        assert_eq!(err_field("contractor", &no_po), "po_approved");
    }

    #[test]
    fn external_collaborators_need_an_end_date() {
        let v = [
            ("name", "Kim"),
            ("organisation", "Acme"),
            ("sponsor", "@max"),
            ("system_0", "Slack"),
            ("role_0", "guest"),
            ("justification_0", "joint project"),
        ];
        assert_eq!(err_field("external-collaborator", &v), "end_date");
    }

    #[test]
    fn cross_field_rules() {
        assert_eq!(
            err_field(
                "access-change",
                &[
                    ("person", "@a"),
                    ("system", "Slack"),
                    ("change", "downgrade")
                ]
            ),
            "new_role"
        );
        assert_eq!(
            err_field(
                "laptop",
                &[("laptop", "refresh"), ("issued_on", "2024-01-01")]
            ),
            "issued_on"
        );
        assert!(Submission::parse(
            "laptop",
            &input(&[("laptop", "refresh"), ("issued_on", "2023-11-27")]),
            today()
        )
        .is_ok());
        assert_eq!(err_field("laptop", &[("laptop", "repair")]), "description");
        assert_eq!(err_field("laptop", &[("laptop", "new-hire")]), "region");
        assert_eq!(
            err_field(
                "infrastructure",
                &[
                    ("what", "iam-access"),
                    ("team", "Data"),
                    ("description", "x")
                ]
            ),
            "account"
        );
        assert_eq!(err_field("lockout", &[("system", "Okta")]), "description");
        assert_eq!(
            err_field(
                "software",
                &[("title", "t"), ("description", "d"), ("device", "Mac")]
            ),
            "software"
        );
        assert_eq!(
            err_field("reset", &[("system", "Okta"), ("what", "sms")]),
            "what"
        );
        assert_eq!(err_field("rocket", &[]), "kind");
    }

    #[test]
    fn role_templates_parse_and_diff() {
        assert_eq!(
            parse_template_lines("Slack = member\n\n  Figma=editor ").unwrap(),
            vec![
                ("Slack".into(), "member".into()),
                ("Figma".into(), "editor".into())
            ]
        );
        for bad in ["Slack", "= member", "Slack =", "Slack = a\nslack = b", ""] {
            assert_eq!(
                parse_template_lines(bad).unwrap_err().field(),
                Some("systems"),
                "{bad}"
            );
        }
        assert_eq!(
            template_key(" Sales ", "Account Executive"),
            "sales/account executive"
        );
        let old = vec![
            (1, "member".to_string()),
            (2, "editor".to_string()),
            (3, "viewer".to_string()),
        ];
        let new = vec![
            (1, "member".to_string()),
            (2, "viewer".to_string()),
            (4, "admin".to_string()),
        ];
        let (grants, revokes) = template_diff(&old, &new);
        assert_eq!(
            grants,
            vec![(2, "viewer".to_string()), (4, "admin".to_string())]
        );
        assert_eq!(revokes, vec![3]);
        assert_eq!(template_diff(&[], &new).0.len(), 3);
    }

    #[test]
    fn people_names() {
        assert_eq!(
            PersonName::parse("p", "Jane.Doe@Example.com").unwrap(),
            PersonName::Email("jane.doe@example.com".into())
        );
        assert_eq!(
            PersonName::parse("p", "@Jane").unwrap(),
            PersonName::Handle("jane".into())
        );
        assert_eq!(
            PersonName::parse("p", "jane").unwrap(),
            PersonName::Handle("jane".into())
        );
        assert!(PersonName::parse("p", "@").is_err());
        assert!(PersonName::parse("p", "jane doe").is_err());
        let many = (0..21)
            .map(|i| format!("p{i}@x.io"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(err_field("access", &[("people", &many)]), "people");
    }
}
