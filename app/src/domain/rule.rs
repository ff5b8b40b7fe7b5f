//! Tier 4 rules: **when** something happens to a request, **if** it matches, **then** act. Pure:
//! an admin's text becomes a [`Rule`] (or errors naming the line), a request's [`Facts`] are
//! matched, and [`plan`] says what the enabled rules would do, in order, without doing it. The
//! same plan is shown when a rule is tried and applied by the worker, so a try never lies.
//!
//! Rules cannot trigger one another: a change a rule makes is written to the history with the
//! rule's id, and such lines raise no event (the outbox trigger in migration 0015 skips them).
//! One event runs each enabled rule at most once, in order; a later rule sees what earlier ones
//! changed.

use super::error::AppError;
use super::request::Priority;
use serde::{Deserialize, Serialize};

pub const RULE_NAME_MAX: usize = 80;
/// Lines of conditions, and of actions, in one rule.
pub const RULE_LINES_MAX: usize = 20;
const VALUE_MAX: usize = 200;

/// When a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    Created,
    Updated,
    StateChanged,
    ApprovalDecided,
    SlaAtRisk,
    SlaBreached,
    Schedule,
}

impl Trigger {
    pub const ALL: &'static [Trigger] = &[
        Trigger::Created,
        Trigger::Updated,
        Trigger::StateChanged,
        Trigger::ApprovalDecided,
        Trigger::SlaAtRisk,
        Trigger::SlaBreached,
        Trigger::Schedule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Created => "created",
            Trigger::Updated => "updated",
            Trigger::StateChanged => "state-changed",
            Trigger::ApprovalDecided => "approval-decided",
            Trigger::SlaAtRisk => "sla-at-risk",
            Trigger::SlaBreached => "sla-breached",
            Trigger::Schedule => "schedule",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Trigger::Created => "A request is created",
            Trigger::Updated => "A request is updated (any change but its creation)",
            Trigger::StateChanged => "A request's state changes",
            Trigger::ApprovalDecided => "An approval step is decided",
            Trigger::SlaAtRisk => "A service level is at risk",
            Trigger::SlaBreached => "A service level is breached",
            Trigger::Schedule => "Every hour, for each open request",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Trigger, AppError> {
        Trigger::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| AppError::invalid(field, "Choose when the rule runs."))
    }

    /// The triggers a history line of `field` raises (a creation is not an update).
    pub fn of_history(field: &str) -> &'static [Trigger] {
        match field {
            "created" => &[Trigger::Created],
            "state" => &[Trigger::StateChanged, Trigger::Updated],
            "approval" => &[Trigger::ApprovalDecided, Trigger::Updated],
            "internal-note" => &[],
            _ => &[Trigger::Updated],
        }
    }
}

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "on", content = "name")]
pub enum Subject {
    Kind,
    Priority,
    State,
    Label,
    System,
    Department,
    Title,
    /// A field of the request's form, by its name (`end_date`, `department`, ...).
    Field(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    Is,
    IsNot,
    Contains,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub subject: Subject,
    pub op: Op,
    pub value: String,
}

/// Who a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    Requester,
    Assignee,
    /// The chat channel of the team that owns the request's system (or the helpdesk's).
    Channel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "do", content = "with")]
pub enum Action {
    AddLabel(String),
    RemoveLabel(String),
    SetPriority(Priority),
    /// A person, by handle.
    Assign(String),
    /// The member of a team with the fewest open requests (ties: the longest without one).
    RoundRobin(String),
    /// A public reply from the macro of this name (its text and labels).
    ReplyWithMacro(String),
    Notify(Audience),
    /// Approves the pending steps on behalf of the policy when every line asks for a baseline
    /// entitlement unchanged (as the registry and the system's roles say, never the requester).
    ApproveBaseline,
    /// Escalates to engineering with the issue template of this name.
    Escalate(String),
}

impl Action {
    /// Done by a worker after the event, through the same services people use (each checks
    /// that it was not done already), rather than inside the event's transaction.
    pub fn is_follow_up(&self) -> bool {
        matches!(self, Action::ApproveBaseline | Action::Escalate(_))
    }

    /// What it does, as the history and a try show it.
    pub fn describe(&self) -> String {
        match self {
            Action::AddLabel(l) => format!("add label {l}"),
            Action::RemoveLabel(l) => format!("remove label {l}"),
            Action::SetPriority(p) => format!("set priority {p}"),
            Action::Assign(h) => format!("assign {h}"),
            Action::RoundRobin(t) => format!("assign round-robin {t}"),
            Action::ReplyWithMacro(m) => format!("reply with macro {m}"),
            Action::Notify(a) => format!(
                "notify {}",
                match a {
                    Audience::Requester => "requester",
                    Audience::Assignee => "assignee",
                    Audience::Channel => "channel",
                }
            ),
            Action::ApproveBaseline => "approve baseline".to_string(),
            Action::Escalate(t) => format!("escalate with {t}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    pub match_all: bool,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

fn value_of(field: &str, line: usize, raw: &str) -> Result<String, AppError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("Line {line}: a value is missing at the end."),
        ));
    }
    if v.chars().count() > VALUE_MAX || v.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("Line {line}: the value is longer than {VALUE_MAX} characters or holds a control character."),
        ));
    }
    Ok(v.to_string())
}

/// Splits `raw` into its non-empty lines (numbered from 1), at most [`RULE_LINES_MAX`].
fn lines<'a>(field: &str, raw: &'a str) -> Result<Vec<(usize, &'a str)>, AppError> {
    let out: Vec<(usize, &str)> = raw
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if out.len() > RULE_LINES_MAX {
        return Err(AppError::invalid(
            field,
            format!("At most {RULE_LINES_MAX} lines."),
        ));
    }
    Ok(out)
}

/// Conditions, one per line: `kind is access`, `system is okta`, `department is Finance`,
/// `label is not vip`, `priority is high`, `state is new`, `title contains laptop`,
/// `field end_date is 2026-12-01`. No line: every request matches.
pub fn parse_conditions(field: &str, raw: &str) -> Result<Vec<Condition>, AppError> {
    let mut out = Vec::new();
    for (n, line) in lines(field, raw)? {
        let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
        let (subject, rest) = match head.to_lowercase().as_str() {
            "kind" => (Subject::Kind, rest),
            "priority" => (Subject::Priority, rest),
            "state" => (Subject::State, rest),
            "label" => (Subject::Label, rest),
            "system" => (Subject::System, rest),
            "department" => (Subject::Department, rest),
            "title" => (Subject::Title, rest),
            "field" => {
                let (name, rest) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
                let ok = !name.is_empty()
                    && name.len() <= 40
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !ok {
                    return Err(AppError::invalid(
                        field,
                        format!("Line {n}: after \u{201c}field\u{201d} comes a form field's name, such as end_date."),
                    ));
                }
                (Subject::Field(name.to_string()), rest)
            }
            _ => {
                return Err(AppError::invalid(
                    field,
                    format!("Line {n}: a condition starts with kind, priority, state, label, system, department, title or field."),
                ))
            }
        };
        let rest = rest.trim_start();
        let lower = rest.to_lowercase();
        let (op, value) = if lower.starts_with("is not ") {
            (Op::IsNot, rest.get(7..).unwrap_or(""))
        } else if lower.starts_with("is ") {
            (Op::Is, rest.get(3..).unwrap_or(""))
        } else if lower.starts_with("contains ") {
            (Op::Contains, rest.get(9..).unwrap_or(""))
        } else {
            return Err(AppError::invalid(
                field,
                format!("Line {n}: write \u{201c}is\u{201d}, \u{201c}is not\u{201d} or \u{201c}contains\u{201d} before the value."),
            ));
        };
        let value = value_of(field, n, value)?;
        match &subject {
            Subject::Kind
                if !crate::domain::kinds::RequestKind::ALL
                    .iter()
                    .any(|k| k.as_str() == value) =>
            {
                return Err(AppError::invalid(
                    field,
                    format!(
                        "Line {n}: there is no request kind \u{201c}{}\u{201d}.",
                        super::text::clip(&value, 40)
                    ),
                ))
            }
            Subject::Priority if value.parse::<Priority>().is_err() => {
                return Err(AppError::invalid(
                    field,
                    format!("Line {n}: a priority is high, normal or low."),
                ))
            }
            Subject::State if value.parse::<super::request::RequestState>().is_err() => {
                return Err(AppError::invalid(
                    field,
                    format!(
                        "Line {n}: there is no state \u{201c}{}\u{201d}.",
                        super::text::clip(&value, 40)
                    ),
                ))
            }
            _ => {}
        }
        out.push(Condition { subject, op, value });
    }
    Ok(out)
}

/// Actions, one per line: `add label finsys`, `remove label triage`, `set priority high`,
/// `assign jsmith`, `assign round-robin it-helpdesk`, `reply with macro Password reset`,
/// `notify requester|assignee|channel`, `approve baseline`, `escalate with corpsys`. At least
/// one.
pub fn parse_actions(field: &str, raw: &str) -> Result<Vec<Action>, AppError> {
    let mut out = Vec::new();
    for (n, line) in lines(field, raw)? {
        let lower = line.to_lowercase();
        let after = |prefix: &str| value_of(field, n, line.get(prefix.len()..).unwrap_or(""));
        let action = if lower.starts_with("add label ") {
            Action::AddLabel(label(field, n, &after("add label ")?)?)
        } else if lower.starts_with("remove label ") {
            Action::RemoveLabel(label(field, n, &after("remove label ")?)?)
        } else if lower.starts_with("set priority ") {
            Action::SetPriority(after("set priority ")?.parse::<Priority>().map_err(|_| {
                AppError::invalid(
                    field,
                    format!("Line {n}: a priority is high, normal or low."),
                )
            })?)
        } else if lower.starts_with("assign round-robin ") {
            Action::RoundRobin(after("assign round-robin ")?.to_lowercase())
        } else if lower.starts_with("assign ") {
            Action::Assign(after("assign ")?.trim_start_matches('@').to_lowercase())
        } else if lower.starts_with("reply with macro ") {
            Action::ReplyWithMacro(after("reply with macro ")?)
        } else if lower == "approve baseline" {
            Action::ApproveBaseline
        } else if lower.starts_with("escalate with ") {
            Action::Escalate(after("escalate with ")?)
        } else if lower.starts_with("notify ") {
            Action::Notify(match after("notify ")?.to_lowercase().as_str() {
                "requester" => Audience::Requester,
                "assignee" => Audience::Assignee,
                "channel" => Audience::Channel,
                _ => {
                    return Err(AppError::invalid(
                        field,
                        format!("Line {n}: notify the requester, the assignee or the channel."),
                    ))
                }
            })
        } else {
            return Err(AppError::invalid(
                field,
                format!("Line {n}: an action is add label, remove label, set priority, assign, assign round-robin, reply with macro, notify, approve baseline or escalate with."),
            ));
        };
        out.push(action);
    }
    if out.is_empty() {
        return Err(AppError::invalid(
            field,
            "Write at least one action, such as \u{201c}add label finsys\u{201d}.",
        ));
    }
    Ok(out)
}

fn label(field: &str, line: usize, raw: &str) -> Result<String, AppError> {
    super::tracker::parse_label(field, raw).map_err(|_| {
        AppError::invalid(
            field,
            format!("Line {line}: a label is up to 60 lower-case letters, digits and dashes."),
        )
    })
}

/// Conditions and actions back as the admin wrote them (for the edit form).
pub fn conditions_text(cs: &[Condition]) -> String {
    cs.iter()
        .map(|c| {
            let subject = match &c.subject {
                Subject::Kind => "kind".to_string(),
                Subject::Priority => "priority".into(),
                Subject::State => "state".into(),
                Subject::Label => "label".into(),
                Subject::System => "system".into(),
                Subject::Department => "department".into(),
                Subject::Title => "title".into(),
                Subject::Field(f) => format!("field {f}"),
            };
            let op = match c.op {
                Op::Is => "is",
                Op::IsNot => "is not",
                Op::Contains => "contains",
            };
            format!("{subject} {op} {}", c.value)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn actions_text(actions: &[Action]) -> String {
    actions
        .iter()
        .map(Action::describe)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A request as rules see it. Text is compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub kind: String,
    pub priority: Option<Priority>,
    pub state: String,
    pub title: String,
    pub labels: Vec<String>,
    /// Each system's slug and title.
    pub systems: Vec<(String, String)>,
    pub department: Option<String>,
    /// Form fields: name and raw value.
    pub details: Vec<(String, String)>,
    pub assignee: Option<String>,
}

fn test(c: &Condition, f: &Facts) -> bool {
    let v = c.value.to_lowercase();
    let eq = |s: &str| s.to_lowercase() == v;
    let has = |s: &str| s.to_lowercase().contains(&v);
    // A value set: "is" = one of them equals, "contains" = one contains, "is not" = none equals.
    let over = |values: Vec<&str>| match c.op {
        Op::Is => values.iter().any(|s| eq(s)),
        Op::IsNot => !values.iter().any(|s| eq(s)),
        Op::Contains => values.iter().any(|s| has(s)),
    };
    match &c.subject {
        Subject::Kind => over(vec![&f.kind]),
        Subject::Priority => over(f.priority.map(Priority::as_str).into_iter().collect()),
        Subject::State => over(vec![&f.state]),
        Subject::Title => over(vec![&f.title]),
        Subject::Label => over(f.labels.iter().map(String::as_str).collect()),
        Subject::System => over(
            f.systems
                .iter()
                .flat_map(|(slug, title)| [slug.as_str(), title.as_str()])
                .collect(),
        ),
        Subject::Department => over(f.department.as_deref().into_iter().collect()),
        Subject::Field(name) => over(
            f.details
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect(),
        ),
    }
}

/// Whether `rule`'s conditions hold for `facts` (all of them, or any one; none: always).
pub fn matches(rule: &Rule, facts: &Facts) -> bool {
    if rule.conditions.is_empty() {
        return true;
    }
    if rule.match_all {
        rule.conditions.iter().all(|c| test(c, facts))
    } else {
        rule.conditions.iter().any(|c| test(c, facts))
    }
}

/// One thing a rule will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub rule_id: i64,
    pub rule_name: String,
    pub action: Action,
}

/// Why a rule does nothing for this request (for a try).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub rule_name: String,
    pub reason: String,
}

/// What the enabled rules for `trigger` do to a request with `facts`, in order. Each rule sees
/// the labels and priority the rules before it set; an action that would change nothing (a label
/// already there, the priority it has) is left out, so the history holds only real changes.
pub fn plan(rules: &[Rule], trigger: Trigger, facts: &Facts) -> (Vec<Step>, Vec<Skipped>) {
    let mut facts = facts.clone();
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    for rule in rules.iter().filter(|r| r.trigger == trigger) {
        if !rule.enabled {
            skipped.push(Skipped {
                rule_name: rule.name.clone(),
                reason: "switched off".into(),
            });
            continue;
        }
        if !matches(rule, &facts) {
            skipped.push(Skipped {
                rule_name: rule.name.clone(),
                reason: "its conditions do not hold".into(),
            });
            continue;
        }
        for action in &rule.actions {
            let changes = match action {
                Action::AddLabel(l) => {
                    let new = !facts.labels.contains(l);
                    if new {
                        facts.labels.push(l.clone());
                    }
                    new
                }
                Action::RemoveLabel(l) => {
                    let had = facts.labels.contains(l);
                    facts.labels.retain(|x| x != l);
                    had
                }
                Action::SetPriority(p) => {
                    let new = facts.priority != Some(*p);
                    facts.priority = Some(*p);
                    new
                }
                Action::Assign(h) => {
                    let new = facts.assignee.as_deref() != Some(h.as_str());
                    facts.assignee = Some(h.clone());
                    new
                }
                Action::RoundRobin(_)
                | Action::ReplyWithMacro(_)
                | Action::Notify(_)
                | Action::ApproveBaseline
                | Action::Escalate(_) => true,
            };
            if changes {
                steps.push(Step {
                    rule_id: rule.id,
                    rule_name: rule.name.clone(),
                    action: action.clone(),
                });
            }
        }
    }
    (steps, skipped)
}

/// The delay before attempt `attempts + 1` of a failed delivery: 10 s doubling to at most an
/// hour, spread by up to a fifth by `spread` (the entry's id) so that failures do not return in
/// step.
pub fn backoff_ms(attempts: i64, spread: i64) -> i64 {
    let base = 10_000i64.saturating_mul(1i64 << attempts.clamp(0, 20).min(9));
    let base = base.min(3_600_000);
    base + (spread.rem_euclid(1000) * base / 5000)
}

/// Attempts before an entry goes to the dead letters.
pub const MAX_ATTEMPTS: i64 = 8;
