//! Tier 3: the engineering tracker. Issues have keys of their own (`ENG-42`), a priority `p0`–`p3`
//! and the states `inbox → backlog → scheduled → wip ⇄ blocked / waiting → review → closed`.
//! Templates say what an escalation starts with: labels (`corpsys-<system>`,
//! `corpsec-team-<team>`), a priority, the system's owners as assignees, a description skeleton.

use super::error::AppError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The human key of an issue: `ENG-` and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueKey(i64);

impl IssueKey {
    pub const PREFIX: &'static str = "ENG-";

    pub fn new(number: i64) -> Self {
        IssueKey(number)
    }

    pub fn number(self) -> i64 {
        self.0
    }
}

impl fmt::Display for IssueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

impl FromStr for IssueKey {
    type Err = AppError;

    /// Accepts `ENG-42` in any letter case; anything else is "not found", since keys come from
    /// URLs.
    fn from_str(s: &str) -> Result<Self, AppError> {
        let s = s.trim();
        s.get(..Self::PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .and_then(|_| s[Self::PREFIX.len()..].parse::<i64>().ok())
            .filter(|n| *n > 0 && s[Self::PREFIX.len()..].bytes().all(|b| b.is_ascii_digit()))
            .map(IssueKey)
            .ok_or_else(|| AppError::not_found("That issue"))
    }
}

/// Where an issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum IssueState {
    Inbox,
    Backlog,
    Scheduled,
    Wip,
    Blocked,
    Waiting,
    Review,
    Closed,
}

impl IssueState {
    pub const ALL: &'static [IssueState] = &[
        IssueState::Inbox,
        IssueState::Backlog,
        IssueState::Scheduled,
        IssueState::Wip,
        IssueState::Blocked,
        IssueState::Waiting,
        IssueState::Review,
        IssueState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssueState::Inbox => "inbox",
            IssueState::Backlog => "backlog",
            IssueState::Scheduled => "scheduled",
            IssueState::Wip => "wip",
            IssueState::Blocked => "blocked",
            IssueState::Waiting => "waiting",
            IssueState::Review => "review",
            IssueState::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IssueState::Inbox => "Inbox",
            IssueState::Backlog => "Backlog",
            IssueState::Scheduled => "Scheduled",
            IssueState::Wip => "In progress",
            IssueState::Blocked => "Blocked",
            IssueState::Waiting => "Waiting",
            IssueState::Review => "In review",
            IssueState::Closed => "Closed",
        }
    }

    /// The states this one may move to; everything else is refused with a message naming both.
    /// Triage may send a new issue anywhere before work starts, or close it as not needed; work
    /// goes to review before it closes; a closed issue reopens into the backlog.
    pub fn next_states(self) -> &'static [IssueState] {
        use IssueState::*;
        match self {
            Inbox => &[Backlog, Scheduled, Wip, Closed],
            Backlog => &[Scheduled, Wip, Closed],
            Scheduled => &[Backlog, Wip, Closed],
            Wip => &[Blocked, Waiting, Review, Backlog],
            Blocked => &[Wip],
            Waiting => &[Wip],
            Review => &[Wip, Closed],
            Closed => &[Backlog],
        }
    }

    pub fn is_open(self) -> bool {
        self != IssueState::Closed
    }

    pub fn check_move(self, to: IssueState) -> Result<(), AppError> {
        if self.next_states().contains(&to) {
            Ok(())
        } else {
            Err(AppError::conflict(format!(
                "An issue that is {} cannot be moved to {}.",
                self.label().to_lowercase(),
                to.label().to_lowercase()
            )))
        }
    }
}

impl FromStr for IssueState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        IssueState::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "Unknown state \u{201c}{}\u{201d}; choose one of: {}.",
                    s.chars().take(40).collect::<String>(),
                    IssueState::ALL
                        .iter()
                        .map(|st| st.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// `p0` (drop everything) to `p3` (when there is time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum IssuePriority {
    P0,
    P1,
    P2,
    P3,
}

impl IssuePriority {
    pub const ALL: &'static [IssuePriority] = &[
        IssuePriority::P0,
        IssuePriority::P1,
        IssuePriority::P2,
        IssuePriority::P3,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssuePriority::P0 => "p0",
            IssuePriority::P1 => "p1",
            IssuePriority::P2 => "p2",
            IssuePriority::P3 => "p3",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<IssuePriority, AppError> {
        let raw = raw.trim().to_ascii_lowercase();
        IssuePriority::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| {
                AppError::invalid(field, "Choose a priority from p0 (most urgent) to p3.")
            })
    }
}

/// A tracker label: lower-case letters, digits and dashes, up to 60 characters.
pub fn parse_label(field: &str, raw: &str) -> Result<String, AppError> {
    let l = raw.trim().to_lowercase();
    let ok = !l.is_empty()
        && l.len() <= 60
        && l.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !l.starts_with('-')
        && !l.ends_with('-');
    if ok {
        Ok(l)
    } else {
        Err(AppError::invalid(
            field,
            "A label is up to 60 lower-case letters, digits and dashes, e.g. corpsys-slack.",
        ))
    }
}

/// A label's words from free text: `Google Workspace` → `google-workspace`.
pub fn slug_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(40).collect()
}

/// The label that files an issue under a system: `corpsys-<system>`.
pub fn system_label(system_slug: &str) -> String {
    format!("corpsys-{}", slug_part(system_slug))
}

/// The label that files an issue under a team: `corpsec-team-<team>`.
pub fn team_label(team: &str) -> String {
    format!("corpsec-team-{}", slug_part(team))
}

/// What a template gives a new issue. Its labels may name `{system}`, replaced by the system's
/// label part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub labels: Vec<String>,
    pub priority: IssuePriority,
    /// Assign the system's owners (people or the groups named as owners).
    pub assign_owners: bool,
    pub description: String,
}

/// The system an escalation is about, as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemOwners {
    pub slug: String,
    /// Business and technical owners as the registry names them: `@handles` of people or groups.
    pub owners: Vec<String>,
}

/// An issue as a template starts it, before the analyst edits anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueStart {
    pub labels: Vec<String>,
    pub priority: IssuePriority,
    /// Handles of people or groups, as the registry names them, without `@`.
    pub assignees: Vec<String>,
    pub description: String,
}

impl Template {
    /// Applies the template to an escalation about `system` (if any): its labels with the
    /// system's own (`corpsys-<system>`), its priority, the system's owners as assignees when the
    /// template says so, and its description skeleton.
    pub fn apply(&self, system: Option<&SystemOwners>) -> IssueStart {
        let mut labels: Vec<String> = Vec::new();
        let mut add = |l: String| {
            if !l.is_empty() && !labels.contains(&l) {
                labels.push(l);
            }
        };
        for l in &self.labels {
            match (l.contains("{system}"), system) {
                (true, Some(s)) => add(l.replace("{system}", &slug_part(&s.slug))),
                (true, None) => {}
                (false, _) => add(l.clone()),
            }
        }
        if let Some(s) = system {
            add(system_label(&s.slug));
        }
        let mut assignees: Vec<String> = Vec::new();
        if self.assign_owners {
            for o in system.map(|s| s.owners.as_slice()).unwrap_or_default() {
                let h = o.trim().trim_start_matches('@').to_string();
                if !h.is_empty() && !assignees.contains(&h) {
                    assignees.push(h);
                }
            }
        }
        IssueStart {
            labels,
            priority: self.priority,
            assignees,
            description: self.description.clone(),
        }
    }
}

/// At most this many labels, and this many assignees, on one issue or template.
pub const LABELS_MAX: usize = 20;
pub const ASSIGNEES_MAX: usize = 20;
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const TEMPLATE_NAME_MAX: usize = 80;

/// Labels as people type them: separated by commas, spaces or lines; each checked, once each.
/// Empty text is no labels.
pub fn parse_labels(field: &str, raw: &str) -> Result<Vec<String>, AppError> {
    parse_label_list(field, raw, false)
}

/// A template's labels: like [`parse_labels`], and `{system}` may stand for the system's part.
pub fn parse_template_labels(field: &str, raw: &str) -> Result<Vec<String>, AppError> {
    parse_label_list(field, raw, true)
}

fn parse_label_list(field: &str, raw: &str, placeholder: bool) -> Result<Vec<String>, AppError> {
    super::text::check(field, raw)?;
    let mut out: Vec<String> = Vec::new();
    for word in raw.split(|c: char| c == ',' || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        let label = if placeholder && word.contains("{system}") {
            parse_label(field, &word.replace("{system}", "system"))?;
            word.trim().to_lowercase()
        } else {
            parse_label(field, word)?
        };
        if !out.contains(&label) {
            out.push(label);
        }
    }
    if out.len() > LABELS_MAX {
        return Err(AppError::invalid(
            field,
            format!("At most {LABELS_MAX} labels; this has {}.", out.len()),
        ));
    }
    Ok(out)
}

/// Assignees as people type them, one per line or separated by commas: a person's `@handle` or
/// a group's name as the registry writes it (`IT Operations`, `@gitlab-com/it`). Once each,
/// without the `@`.
pub fn parse_assignees(field: &str, raw: &str) -> Result<Vec<String>, AppError> {
    super::text::check(field, raw)?;
    let mut out: Vec<String> = Vec::new();
    for part in raw.split([',', '\n']) {
        let name = part.trim().trim_start_matches('@').trim();
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > 100
            || name.chars().any(|c| c.is_control() || c == '<' || c == '>')
        {
            return Err(AppError::invalid(
                field,
                "Name each assignee by @handle or group name, up to 100 characters, one per line.",
            ));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
    }
    if out.len() > ASSIGNEES_MAX {
        return Err(AppError::invalid(
            field,
            format!("At most {ASSIGNEES_MAX} assignees; this has {}.", out.len()),
        ));
    }
    Ok(out)
}

/// A Markdown description (an issue's or a template's), trimmed: at most [`DESCRIPTION_MAX`]
/// characters of text a person can read.
pub fn parse_description<'a>(field: &str, raw: &'a str) -> Result<&'a str, AppError> {
    let text = raw.trim();
    if text.chars().count() > DESCRIPTION_MAX {
        return Err(AppError::invalid(
            field,
            format!("This is longer than {DESCRIPTION_MAX} characters."),
        ));
    }
    super::text::check(field, text)?;
    Ok(text)
}

/// A due day, `YYYY-MM-DD`, or none when left empty.
pub fn parse_due(field: &str, raw: &str) -> Result<Option<String>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    super::time::Day::parse(raw)
        .map(|_| Some(raw.to_string()))
        .ok_or_else(|| {
            AppError::invalid(field, "Give the due date as YYYY-MM-DD, e.g. 2027-03-31.")
        })
}

impl SystemOwners {
    /// A system's owners for assigning: the `@handles` its technical and business owner fields
    /// name; where a field names none, the text itself when it reads as a group's name (`IT
    /// Operations`), since many systems are owned by a team rather than a person.
    pub fn from_registry(slug: &str, technical: &str, business: &str) -> Self {
        let mut owners: Vec<String> = Vec::new();
        for raw in [technical, business] {
            let handles = super::registry::handles(raw);
            let names = if handles.is_empty() {
                let t = raw.trim();
                let group_like = !t.is_empty()
                    && t.chars().count() <= 60
                    && !t.contains(['\n', '@', ':', '(', '<', '>'])
                    && t.split_whitespace().count() <= 5;
                if group_like {
                    vec![t.to_string()]
                } else {
                    Vec::new()
                }
            } else {
                handles
            };
            for n in names {
                if !owners.iter().any(|o| o.eq_ignore_ascii_case(&n)) {
                    owners.push(n);
                }
            }
        }
        SystemOwners {
            slug: slug.to_string(),
            owners,
        }
    }
}
