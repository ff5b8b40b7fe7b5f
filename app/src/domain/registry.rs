//! The tech-stack registry: who owns, approves and provisions each system.
//!
//! A system is kept as the fields it was imported with (GitLab's `tech_stack.yml` format, every
//! field as written, unknown ones included) plus what can be read out of that messy text: a tier,
//! a data classification, a compliance scope, whether it is a baseline entitlement, `@handles`
//! and label names. Extraction never rejects a value; what cannot be read is "unknown".

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A system's fields, by name, as imported or edited: strings, booleans, numbers or null.
pub type Fields = Map<String, Value>;

/// The longest text an admin may put into one field.
pub const FIELD_MAX: usize = 10_000;

/// The fields of the format this portal reads, in the order pages show them, with their labels.
/// Older and newer copies of the file spell some differently; both are listed.
pub const KNOWN_FIELDS: &[(&str, &str)] = &[
    ("title", "Title"),
    ("description", "Description"),
    ("access_to", "Access to"),
    ("group_owner", "Owner group"),
    ("group_owner_slack_channel", "Owner channel"),
    ("business_owner", "Business owner"),
    ("technical_owner", "Technical owner"),
    ("provisioner", "Provisioners"),
    ("deprovisioner", "Deprovisioners"),
    ("data_classification", "Data classification"),
    ("critical_systems_tier", "Critical systems tier"),
    ("compliance_scope", "Compliance scope"),
    ("in_sox_scope", "In SOX scope"),
    ("date_added_to_sox_scope", "Added to SOX scope"),
    ("team_member_baseline_entitlement", "Baseline entitlement"),
    ("authentication_method", "Authentication"),
    ("need_move_to_okta", "Needs moving to Okta"),
    ("subprocessor", "Subprocessor"),
    ("saas", "SaaS"),
    ("collected_data", "Collected data"),
    ("processing_customer_data", "Processes customer data"),
    (
        "employee_or_customer_facing_app",
        "Employee or customer facing",
    ),
    ("handbook_link", "Handbook"),
    ("external_link", "External link"),
    ("google_group", "Google group"),
    ("accessibility", "Accessibility features"),
    (
        "accessibility_description",
        "How to get accessibility features",
    ),
    ("now_id", "ServiceNow integration"),
    ("notes", "Notes"),
];

/// Fields GitLab has renamed since older copies of the file: (old name, current name). An
/// import reads either into the current name, so both spell the same fact.
pub const RENAMED_FIELDS: &[(&str, &str)] = &[("integration_method", "authentication_method")];

/// The current name of a field, for an old one; any other name as it is.
pub fn current_name(name: &str) -> &str {
    RENAMED_FIELDS
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
        .unwrap_or(name)
}

/// The fields with every old name renamed to the current one. Where a copy has both, the
/// current name's value is kept.
pub fn normalise_names(fields: Fields) -> Fields {
    if !fields.keys().any(|k| current_name(k) != k) {
        return fields;
    }
    let mut out = Fields::new();
    let (old, current): (Vec<_>, Vec<_>) = fields
        .into_iter()
        .partition(|(k, _)| current_name(k) != k.as_str());
    for (k, v) in current {
        out.insert(k, v);
    }
    for (k, v) in old {
        out.entry(current_name(&k).to_string()).or_insert(v);
    }
    out
}

/// Whether this portal knows a field's name (current or old); unknown ones are kept as written.
pub fn is_known_field(name: &str) -> bool {
    let name = current_name(name);
    KNOWN_FIELDS.iter().any(|(n, _)| *n == name)
}

/// The fields an admin edits on the system page (the title is the import's key and stays).
pub const EDITABLE_FIELDS: &[&str] = &[
    "description",
    "access_to",
    "group_owner",
    "group_owner_slack_channel",
    "business_owner",
    "technical_owner",
    "provisioner",
    "deprovisioner",
    "data_classification",
    "critical_systems_tier",
    "compliance_scope",
    "team_member_baseline_entitlement",
    "authentication_method",
    "handbook_link",
    "notes",
];

pub fn field_label(name: &str) -> &str {
    KNOWN_FIELDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, l)| l)
}

/// The data classification of GitLab's data classification standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    Red,
    Orange,
    Yellow,
    Green,
}

impl Classification {
    pub const ALL: &'static [Classification] = &[
        Classification::Red,
        Classification::Orange,
        Classification::Yellow,
        Classification::Green,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Red => "red",
            Classification::Orange => "orange",
            Classification::Yellow => "yellow",
            Classification::Green => "green",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Classification::Red => "Red",
            Classification::Orange => "Orange",
            Classification::Yellow => "Yellow",
            Classification::Green => "Green",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A field's raw text: strings as written, booleans and numbers as YAML would print them, null
/// and missing as `None`.
pub fn raw_text(fields: &Fields, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Trimmed text of a field, `None` when missing, null or blank.
pub fn text(fields: &Fields, name: &str) -> Option<String> {
    raw_text(fields, name)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// "Tier 3 / Non-critical", "TIer 3 / Non-critical", "Tier 1 Business", "Tier 2" → the number;
/// "TBD" or anything without a tier number 1–4 → unknown.
pub fn normalise_tier(raw: &str) -> Option<u8> {
    let w: Vec<String> = words(raw).collect();
    for (i, word) in w.iter().enumerate() {
        // "tier 3" as two words, or "tier3" as one.
        let digit = if word == "tier" {
            w.get(i + 1).map(String::as_str)
        } else {
            word.strip_prefix("tier")
        };
        if let Some(n) = digit.and_then(|d| d.parse::<u8>().ok()) {
            return (1..=4).contains(&n).then_some(n);
        }
    }
    None
}

/// The first colour word of the value ("Orange", "orange (PII)"); "N/A - …" → unknown.
pub fn normalise_classification(raw: &str) -> Option<Classification> {
    words(raw).find_map(|w| Classification::parse(&w))
}

/// Yes, no or unknown, from a YAML boolean or words people write instead.
pub fn normalise_bool(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "true" | "yes" | "y" => Some(true),
            "false" | "no" | "n" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// In SOX scope, by the registry's compliance field.
pub fn is_sox(compliance: Option<&str>) -> bool {
    compliance.is_some_and(|c| c.to_ascii_uppercase().contains("SOX"))
}

/// The compliance frameworks a system is in scope of, comma-separated in a fixed order: `""` for
/// none, `None` for unknown (missing, null, "TBD"). Reads `compliance_scope` and, from newer
/// copies of the file, `in_sox_scope`.
pub fn compliance_scope(fields: &Fields) -> Option<String> {
    let mut known = false;
    let mut found: Vec<&str> = Vec::new();
    if let Some(v) = fields.get("compliance_scope") {
        match v {
            Value::Bool(false) => known = true,
            Value::String(s) => {
                let w: Vec<String> = words(s).collect();
                for (name, keys) in [("SOX", &["sox"][..]), ("SOC2", &["soc2", "soc"][..])] {
                    if w.iter().any(|x| keys.contains(&x.as_str())) {
                        found.push(name);
                    }
                }
                if found.is_empty() && w.iter().all(|x| x == "none" || x == "n" || x == "a") {
                    known = !w.is_empty();
                }
            }
            _ => {}
        }
    }
    match normalise_bool(fields.get("in_sox_scope")) {
        Some(true) if !found.contains(&"SOX") => found.insert(0, "SOX"),
        Some(false) => known = true,
        _ => {}
    }
    if !found.is_empty() {
        Some(found.join(","))
    } else if known {
        Some(String::new())
    } else {
        None
    }
}

/// `@handles` in free text: people (`@jdoe`) and groups (`@gitlab-com/it/ops`), without the `@`,
/// in order of appearance, once each. An e-mail address is not a handle.
pub fn handles(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '.');
        if chars[i] == '@' && !after_word {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '-' | '.' | '/'))
            {
                j += 1;
            }
            let h: String = chars[i + 1..j].iter().collect();
            let h = h.trim_end_matches(['.', '/', '-']).to_string();
            if !h.is_empty() && !out.contains(&h) {
                out.push(h);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// A handle naming a group (`gitlab-com/it`) rather than a person.
pub fn is_group_handle(h: &str) -> bool {
    h.contains('/')
}

/// Label names in provisioning instructions: quoted text that is not a handle
/// (`"FinSys::Service Desk"`), and scoped labels written bare (`add the label IT::to do.`).
pub fn labels(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |l: &str| {
        let l = l.trim().trim_end_matches(['.', ',', ';', ')']).trim();
        if !l.is_empty() && l.len() <= 80 && !l.starts_with('@') && !out.iter().any(|x| x == l) {
            out.push(l.to_string());
        }
    };
    let mut outside = String::new();
    let mut rest = raw;
    loop {
        let Some(start) = rest.find(['"', '`', '~']) else {
            outside.push_str(rest);
            break;
        };
        let q = rest[start..].chars().next().unwrap_or('"');
        outside.push_str(&rest[..start]);
        let after = &rest[start + q.len_utf8()..];
        match after.find(q) {
            Some(end) => {
                let inner = &after[..end];
                // Quoted words are a label when the text has spoken of labels by then ("add
                // the labels \"A\", \"B\"") or when scoped (`Scope::Value`); not `Leave
                // "Assignee" blank`.
                let spoken = raw[..raw.len() - rest.len() + start]
                    .to_lowercase()
                    .contains("label");
                if inner.contains("::") || (spoken && inner.split_whitespace().count() <= 6) {
                    push(inner);
                }
                outside.push(' ');
                rest = &after[end + q.len_utf8()..];
            }
            None => {
                outside.push_str(after);
                break;
            }
        }
    }
    // Bare scoped labels: `Scope::Value`, the value running to the end of the clause.
    let mut from = 0;
    while let Some(pos) = outside[from..].find("::") {
        let at = from + pos;
        let start = outside[..at]
            .rfind(|c: char| c.is_whitespace() || c == '(' || c == ',')
            .map_or(0, |i| i + 1);
        let end = outside[at + 2..]
            .find(['.', ',', ';', ')', '\n', '('])
            .map_or(outside.len(), |i| at + 2 + i);
        let label: String = outside[start..end]
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        push(&label);
        from = end.max(at + 2);
    }
    out
}

/// Whether the helpdesk works requests for this system by default: those whose owner group is
/// IT (IT Ops, IT Operations) or Corporate Security. Admins change it per system.
pub fn managed_by_default(group_owner: Option<&str>) -> bool {
    let Some(g) = group_owner else { return false };
    let g: Vec<String> = words(g).collect();
    let g: Vec<&str> = g.iter().map(String::as_str).collect();
    matches!(
        g.as_slice(),
        ["it"] | ["it", "ops"] | ["it", "operations"] | ["corporate", "security"] | ["corpsec"]
    )
}

/// What is read out of a system's fields; stored beside them so lists filter and sort fast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemFacts {
    pub classification: Option<Classification>,
    pub tier: Option<u8>,
    pub compliance: Option<String>,
    pub baseline: Option<bool>,
    pub labels: Vec<String>,
    /// (role, handle) in field order: provisioner, deprovisioner, business_owner,
    /// technical_owner.
    pub handles: Vec<(&'static str, String)>,
}

pub const HANDLE_ROLES: &[&str] = &[
    "provisioner",
    "deprovisioner",
    "business_owner",
    "technical_owner",
];

impl SystemFacts {
    pub fn of(fields: &Fields) -> Self {
        let t = |n: &str| text(fields, n).unwrap_or_default();
        let mut labels = labels(&t("provisioner"));
        for l in self::labels(&t("deprovisioner")) {
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let handles = HANDLE_ROLES
            .iter()
            .flat_map(|role| handles(&t(role)).into_iter().map(move |h| (*role, h)))
            .collect();
        SystemFacts {
            classification: normalise_classification(&t("data_classification")),
            tier: normalise_tier(&t("critical_systems_tier")),
            compliance: compliance_scope(fields),
            baseline: normalise_bool(fields.get("team_member_baseline_entitlement")),
            labels,
            handles,
        }
    }
}

/// Per-field three-way merge of an import into a system: `base` is what the last import wrote,
/// `local` what the system holds now (maybe edited here), `incoming` the file. Returns the merged
/// fields, the fields the import changes, and the fields in conflict (changed both here and in
/// the file, differently), which keep the local value unless `overwrite`.
pub fn merge_import(
    base: &Fields,
    local: &Fields,
    incoming: &Fields,
    overwrite: bool,
) -> (Fields, Vec<String>, Vec<String>) {
    let mut merged = local.clone();
    let mut changed = Vec::new();
    let mut conflicts = Vec::new();
    let names: std::collections::BTreeSet<&String> = base
        .keys()
        .chain(local.keys())
        .chain(incoming.keys())
        .collect();
    for name in names {
        let (b, l, i) = (base.get(name), local.get(name), incoming.get(name));
        if i == b || i == l {
            continue;
        }
        if l == b || overwrite {
            if l != b {
                conflicts.push(name.clone());
            }
            match i {
                Some(v) => merged.insert(name.clone(), v.clone()),
                None => merged.remove(name),
            };
            changed.push(name.clone());
        } else {
            conflicts.push(name.clone());
        }
    }
    (merged, changed, conflicts)
}

/// A slug for a system's page from its title: "Ally.io " → "ally-io".
pub fn system_slug(title: &str) -> String {
    let s = super::guide::slugify(title);
    if s.is_empty() {
        "system".to_string()
    } else {
        s
    }
}

/// The key imports match systems by: the title, trimmed, case and spacing ignored.
pub fn title_key(title: &str) -> String {
    title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
