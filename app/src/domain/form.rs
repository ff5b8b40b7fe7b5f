//! A request form's building blocks: field specs (label, hint, type, whether required), the
//! values they parse to, and the parser that turns one submitted field into a typed value. Each
//! kind lists its own fields in its module under `super::kinds`; pages render the same specs, so
//! the browser checks what the server checks.

use super::error::AppError;
use super::request::parse_text;
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
/// Contractors and collaborators: the longest an end date may lie ahead (months).
pub const MAX_END_MONTHS: i64 = 24;

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

pub const fn field(
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

/// How an analyst confirmed who is asking, before a reset or unlock.
pub const IDENTITY_METHODS: Choices = &[
    ("video-call", "Video call with ID shown"),
    ("manager-vouch", "Manager vouched on a call"),
];

use FieldType as T;

pub const END_DATE_OPTIONAL: FieldSpec = field(
    "end_date",
    "End date",
    "Leave empty for access without an end.",
    T::Date {
        past: 0,
        future: MAX_END_MONTHS,
    },
    false,
);
pub const END_DATE_REQUIRED: FieldSpec = field(
    "end_date",
    "End date",
    "Access ends on this day; at most two years ahead.",
    T::Date {
        past: 0,
        future: MAX_END_MONTHS,
    },
    true,
);
pub const SYSTEM_LINES: FieldSpec = field(
    "lines",
    "Systems",
    "Pick each system from the registry, with the role and why it is needed.",
    T::SystemLines,
    true,
);

/// Someone named in a form, as typed: resolved against the users by the service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// The values of a submission's fields, by field name, as parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<&'static str, Value>);

impl Values {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
    pub fn insert(&mut self, name: &'static str, value: Value) {
        self.0.insert(name, value);
    }
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.0.get(name) {
            Some(Value::Text(t)) | Some(Value::System(t)) => Some(t),
            _ => None,
        }
    }
    pub fn yes(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Value::Bool(true)))
    }
    pub fn date(&self, name: &str) -> Option<Day> {
        match self.0.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }
    pub fn person(&self, name: &str) -> Option<&PersonName> {
        match self.0.get(name) {
            Some(Value::Person(p)) => Some(p),
            _ => None,
        }
    }
    pub fn people(&self) -> &[PersonName] {
        match self.0.get("people") {
            Some(Value::People(p)) => p,
            _ => &[],
        }
    }
    pub fn lines(&self) -> &[LineDraft] {
        match self.0.get("lines") {
            Some(Value::Lines(l)) => l,
            _ => &[],
        }
    }

    /// A field as text: dates too, so titles can name them; empty when not given.
    pub fn shown(&self, name: &str) -> String {
        self.text(name)
            .map(str::to_string)
            .or_else(|| self.date(name).map(|d| d.to_string()))
            .unwrap_or_default()
    }
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

pub fn get<'a>(input: &'a Input, name: &str) -> &'a str {
    input.get(name).map(|s| s.trim()).unwrap_or("")
}

pub fn optional_text(field: &str, raw: &str, max: usize) -> Result<Option<String>, AppError> {
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
        AppError::Invalid {
            field,
            message,
            more,
        } => AppError::Invalid {
            field,
            message: format!("Line {n}: {message}"),
            more,
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

pub fn parse_value(spec: &FieldSpec, input: &Input, today: Day) -> Result<Option<Value>, AppError> {
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
