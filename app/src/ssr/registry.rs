//! Reading a tech-stack file (GitLab's `data/tech_stack.yml` format) and importing it.
//!
//! Parsing checks the shape only: a list of entries, each a mapping with a title, titles unique.
//! Values are never rejected for being messy; `domain::registry` reads what it can out of them.

use super::store::{Db, ImportOutcome};
use crate::domain::registry::{field_label, title_key, Fields, FIELD_MAX};
use serde_json::Value;
use serde_norway::Value as Yaml;

/// The largest file imported: the real one is about 200 KB.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// A problem with one entry, by its position in the file (1-based) and, where known, its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    pub entry: usize,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "entry {} (line {l}): {}", self.entry, self.message),
            None => write!(f, "entry {}: {}", self.entry, self.message),
        }
    }
}

/// A parsed file: the valid entries and the errors of the others.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<Fields>,
    pub errors: Vec<EntryError>,
    /// Field names this portal does not know, with how many entries use each (kept as written).
    pub unknown_fields: Vec<(String, usize)>,
    /// Old field names read into their current ones: (old, current, entries).
    pub renamed_fields: Vec<(String, String, usize)>,
}

/// The whole-file errors: the text is not YAML, or not a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("not valid YAML at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not valid YAML: {0}")]
    Yaml(String),
    #[error("the file must be a list of systems (each starting with \"- title:\"), not {0}")]
    NotAList(&'static str),
    #[error("the file is {:.1} MB; the largest accepted is {} MB", *.size as f64 / 1_048_576.0, .max / 1_048_576)]
    TooLarge { size: u64, max: u64 },
}

fn kind(v: &Yaml) -> &'static str {
    match v {
        Yaml::Null => "empty",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}

fn to_json(v: &Yaml) -> Value {
    match v {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                // NaN and infinities have no JSON number; keep the text.
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(n.to_string()), Value::Number)
            }
        }
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(m) => {
            Value::Object(m.iter().map(|(k, v)| (key_text(k), to_json(v))).collect())
        }
        Yaml::Tagged(t) => to_json(&t.value),
    }
}

fn key_text(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => s.clone(),
        other => match to_json(other) {
            Value::String(s) => s,
            v => v.to_string(),
        },
    }
}

/// The line of each top-level list item (`- ` at the start of a line), to point errors at.
fn item_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| *l == "-" || l.starts_with("- "))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Parses a tech-stack file. Whole-file problems are an `Err`; problems of single entries are
/// listed in `Parsed::errors` beside the entries that are fine.
pub fn parse(text: &str) -> Result<Parsed, FileError> {
    let doc: Yaml = serde_norway::from_str(text).map_err(|e| match e.location() {
        Some(l) => FileError::Syntax {
            line: l.line(),
            column: l.column(),
            message: e.to_string(),
        },
        None => FileError::Yaml(e.to_string()),
    })?;
    let items = match doc {
        Yaml::Sequence(items) => items,
        other => return Err(FileError::NotAList(kind(&other))),
    };
    let lines = item_lines(text);
    let line_of = |i: usize| (lines.len() == items.len()).then(|| lines[i]);
    let mut out = Parsed::default();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let err = |message: String| EntryError {
            entry: i + 1,
            line: line_of(i),
            message,
        };
        let Value::Object(fields) = to_json(item) else {
            out.errors
                .push(err(format!("is {}, not a mapping of fields", kind(item))));
            continue;
        };
        let title = match fields.get("title") {
            Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_string(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                out.errors.push(err("has no title".into()));
                continue;
            }
            Some(_) => {
                out.errors.push(err("title: must be text".into()));
                continue;
            }
        };
        if let Some(name) = fields
            .iter()
            .find(|(_, v)| v.to_string().len() > FIELD_MAX)
            .map(|(k, _)| k.clone())
        {
            out.errors
                .push(err(format!("{name}: longer than {FIELD_MAX} characters")));
            continue;
        }
        let key = title_key(&title);
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            out.errors.push(err(format!(
                "title {title:?} is already used by entry {first}"
            )));
            continue;
        }
        seen.push((key, i + 1));
        for name in fields.keys() {
            let current = crate::domain::registry::current_name(name);
            if current != name {
                match out.renamed_fields.iter_mut().find(|(o, _, _)| o == name) {
                    Some((_, _, n)) => *n += 1,
                    None => out
                        .renamed_fields
                        .push((name.clone(), current.to_string(), 1)),
                }
            } else if !crate::domain::registry::is_known_field(name) {
                match out.unknown_fields.iter_mut().find(|(u, _)| u == name) {
                    Some((_, n)) => *n += 1,
                    None => out.unknown_fields.push((name.clone(), 1)),
                }
            }
        }
        out.entries
            .push(crate::domain::registry::normalise_names(fields));
    }
    Ok(out)
}

/// What an import run was asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Take the file's value where it conflicts with an edit made here.
    pub overwrite: bool,
    /// Import the valid entries even when others have errors.
    pub partial: bool,
    /// Report what the import would do, then roll it back.
    pub dry_run: bool,
}

/// The report of an import: what the store did, and the entries it skipped.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub outcome: ImportOutcome,
    pub errors: Vec<EntryError>,
    /// True when entry errors stopped the import (no `partial`): nothing was written.
    pub refused: bool,
    /// Conflicts took the file's value.
    pub overwrite: bool,
    /// Field names the portal did not know (kept as written), with how many entries use each.
    pub unknown_fields: Vec<(String, usize)>,
    /// Old field names read as their current ones: (old, current, entries).
    pub renamed_fields: Vec<(String, String, usize)>,
}

/// Parses and imports `text` in one transaction. With entry errors and no `partial`, nothing is
/// written and the report lists the errors.
pub async fn import(db: &Db, text: &str, opts: ImportOptions) -> Result<ImportReport, String> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            size: text.len() as u64,
            max: MAX_FILE_BYTES,
        }
        .to_string());
    }
    let parsed = parse(text).map_err(|e| e.to_string())?;
    if !parsed.errors.is_empty() && !opts.partial {
        return Ok(ImportReport {
            errors: parsed.errors,
            refused: true,
            overwrite: opts.overwrite,
            unknown_fields: parsed.unknown_fields,
            renamed_fields: parsed.renamed_fields,
            ..Default::default()
        });
    }
    let outcome = db
        .import_systems(&parsed.entries, opts.overwrite, opts.dry_run)
        .await
        .map_err(|e| format!("the import failed and nothing was saved: {e}"))?;
    Ok(ImportReport {
        outcome,
        errors: parsed.errors,
        refused: false,
        overwrite: opts.overwrite,
        unknown_fields: parsed.unknown_fields,
        renamed_fields: parsed.renamed_fields,
    })
}

impl crate::model::systems::ImportSummary {
    /// Copies an import's outcome into the summary kept for the admin page.
    pub fn fill(&mut self, r: &ImportReport) {
        let o = &r.outcome;
        self.added = o.added.clone();
        let labelled = |list: &[(String, Vec<String>)]| {
            list.iter()
                .map(|(t, f)| {
                    let f = f.iter().map(|n| field_label(n).to_string()).collect();
                    (t.clone(), f)
                })
                .collect()
        };
        self.changed = labelled(&o.changed);
        self.unchanged = o.unchanged.len();
        self.conflicts = labelled(&o.conflicts);
        self.errors = r.errors.iter().map(|e| e.to_string()).collect();
        self.overwrite = r.overwrite;
        self.unknown_fields = r
            .unknown_fields
            .iter()
            .map(|(name, n)| {
                format!(
                    "{name} ({n} {})",
                    if *n == 1 { "system" } else { "systems" }
                )
            })
            .collect();
        self.renamed_fields = r
            .renamed_fields
            .iter()
            .map(|(old, new, n)| format!("{old} \u{2192} {new} ({n})"))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = parse("- title: A\n  description: [unclosed\n").unwrap_err();
        match e {
            FileError::Syntax { line, column, .. } => {
                assert!(line >= 2 && column >= 1, "{line}:{column}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse("title: A\n").unwrap_err(),
            FileError::NotAList("a mapping")
        );
        assert_eq!(parse("").unwrap_err(), FileError::NotAList("empty"));
    }

    #[test]
    fn entry_errors_are_listed_beside_valid_entries() {
        let text = "- title: Okta\n  provisioner: '@it'\n- description: no title\n- title: okta \n- just text\n- title: 42\n- title: Zoom\n  extra_field_from_a_newer_file: kept\n";
        let p = parse(text).unwrap();
        let titles: Vec<_> = p.entries.iter().map(|f| f["title"].clone()).collect();
        assert_eq!(titles, ["Okta", "Zoom"]);
        assert_eq!(p.entries[1]["extra_field_from_a_newer_file"], "kept");
        let msgs: Vec<String> = p.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "entry 2 (line 3): has no title",
                "entry 3 (line 4): title \"okta\" is already used by entry 1",
                "entry 4 (line 5): is a string, not a mapping of fields",
                "entry 5 (line 6): title: must be text",
            ]
        );
    }

    #[test]
    fn old_and_current_field_names_read_as_one_and_unknown_ones_are_named() {
        let text = "- title: Old\n  integration_method: SWA/SAML\n  saas: true\n- title: New\n  authentication_method: Okta SAML\n  accessibility: true\n  now_id: null\n  brand_new_field: x\n- title: Both\n  integration_method: old\n  authentication_method: Okta SWA\n  brand_new_field: y\n";
        let p = parse(text).unwrap();
        assert_eq!(p.entries[0]["authentication_method"], "SWA/SAML");
        assert!(p.entries[0].get("integration_method").is_none());
        assert_eq!(p.entries[1]["authentication_method"], "Okta SAML");
        assert_eq!(
            p.entries[2]["authentication_method"], "Okta SWA",
            "the current name wins"
        );
        assert_eq!(
            p.entries[1]["brand_new_field"], "x",
            "unknown fields are kept"
        );
        assert_eq!(p.unknown_fields, vec![("brand_new_field".to_string(), 2)]);
        assert_eq!(
            p.renamed_fields,
            vec![(
                "integration_method".to_string(),
                "authentication_method".to_string(),
                2
            )]
        );
    }

    #[test]
    fn values_keep_their_types_and_text() {
        let p = parse("- title: A\n  saas: null\n  subprocessor: false\n  tier: 3\n  critical_systems_tier: TIer 3 / Non-critical\n").unwrap();
        let f = &p.entries[0];
        assert_eq!(f["saas"], Value::Null);
        assert_eq!(f["subprocessor"], Value::Bool(false));
        assert_eq!(f["tier"], Value::from(3));
        assert_eq!(f["critical_systems_tier"], "TIer 3 / Non-critical");
    }
}
