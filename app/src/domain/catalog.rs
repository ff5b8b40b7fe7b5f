//! A submitted request form, parsed: every field of its kind in form order, then the kind's rules
//! that span fields. The form's parts are in [`super::form`], each kind's fields and rules in its
//! module under [`super::kinds`].

use super::error::{AppError, Problems};
use super::form::{
    get, optional_text, parse_value, FieldType as T, Input, LineDraft, PersonName, Value, Values,
};
use super::kinds::RequestKind;
use super::request::{parse_text, Priority, DESCRIPTION_MAX, TITLE_MAX};
use super::time::Day;

/// A submission parsed and checked field by field, before the people and systems it names are
/// looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub kind: RequestKind,
    pub title: Option<String>,
    pub description: String,
    pub priority: Priority,
    pub values: Values,
}

impl Submission {
    /// Parses every field of `kind` in form order, the first mistake winning, then the rules
    /// that span fields. `today` is the UTC day the request is made.
    pub fn parse(kind: &str, input: &Input, today: Day) -> Result<Self, AppError> {
        let kind: RequestKind = kind.parse().map_err(|m| AppError::invalid("kind", m))?;
        // Every field is checked, so that one attempt shows every message; the kind's rules,
        // which relate fields to each other, run once each field is right on its own.
        let mut problems = Problems::default();
        let title = problems
            .check(if kind.title_required() {
                parse_text("title", "a title", get(input, "title"), TITLE_MAX).map(Some)
            } else {
                optional_text("title", get(input, "title"), TITLE_MAX)
            })
            .flatten();
        if title.as_deref().is_some_and(|t| t.contains(['\n', '\r'])) {
            problems.check::<()>(Err(AppError::invalid(
                "title",
                "The title must be a single line.",
            )));
        }
        let mut values = Values::default();
        for spec in kind.fields() {
            if let Some(v) = problems.check(parse_value(spec, input, today)).flatten() {
                values.insert(spec.name, v);
            }
        }
        let description = problems
            .check(if kind.description_required() {
                parse_text(
                    "description",
                    "a description",
                    get(input, "description"),
                    DESCRIPTION_MAX,
                )
            } else {
                optional_text("description", get(input, "description"), DESCRIPTION_MAX)
                    .map(Option::unwrap_or_default)
            })
            .unwrap_or_default();
        let priority = match get(input, "priority") {
            "" => Some(Priority::Normal),
            p => problems.check(
                p.parse()
                    .map_err(|m: String| AppError::invalid("priority", m)),
            ),
        };
        problems.finish()?;
        let mut s = Submission {
            kind,
            title,
            description,
            priority: priority.unwrap_or(Priority::Normal),
            values,
        };
        (kind.def().rules)(&mut s.values, &s.description, today)?;
        Ok(s)
    }

    /// Rebuilds a saved submission from the raw values stored with it (checked when submitted).
    pub fn stored(kind: RequestKind, title: &str, description: &str, raw: &[(&str, &str)]) -> Self {
        let mut values = Values::default();
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
        self.values.text(name)
    }
    pub fn yes(&self, name: &str) -> bool {
        self.values.yes(name)
    }
    pub fn date(&self, name: &str) -> Option<Day> {
        self.values.date(name)
    }
    pub fn people(&self) -> &[PersonName] {
        self.values.people()
    }
    pub fn lines(&self) -> &[LineDraft] {
        self.values.lines()
    }

    /// The title to save: the one given, or one the kind makes from the fields (its label when
    /// it makes none).
    pub fn title_or_default(&self, people: &[String], systems: &[String]) -> String {
        if let Some(t) = &self.title {
            return t.clone();
        }
        let title = (self.kind.def().title)(&self.values, people, systems);
        let title = if title.trim().is_empty() {
            self.kind.label().to_string()
        } else {
            title
        };
        title.chars().take(TITLE_MAX).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::form::FieldSpec;

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
    fn an_empty_form_names_every_required_field_at_once() {
        for kind in RequestKind::ALL {
            let Err(err) = Submission::parse(kind.as_str(), &input(&[]), today()) else {
                continue;
            };
            let named: Vec<String> = err.problems().into_iter().map(|p| p.field).collect();
            let mut expected: Vec<&str> = Vec::new();
            if kind.title_required() {
                expected.push("title");
            }
            for spec in kind
                .fields()
                .iter()
                .filter(|f| f.required && f.ty != T::YesNo)
            {
                expected.push(if spec.ty == T::SystemLines {
                    "system_0"
                } else {
                    spec.name
                });
            }
            if kind.description_required() {
                expected.push("description");
            }
            assert_eq!(named, expected, "{kind}");
        }
        // The software form: four required fields, four messages from one attempt.
        let err = Submission::parse("software", &input(&[]), today()).unwrap_err();
        assert_eq!(err.problems().len(), 4);
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
