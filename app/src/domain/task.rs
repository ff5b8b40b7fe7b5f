//! The checklist worked after approval: what a task does, how it closes, and the due times the
//! joiner–mover–leaver lifecycle sets.

use super::approval::Team;
use super::error::AppError;
use super::time::{Day, DAY_MS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TaskAction {
    Grant,
    Revoke,
    Reset,
    Laptop,
    Work,
}

impl TaskAction {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Grant => "grant",
            TaskAction::Revoke => "revoke",
            TaskAction::Reset => "reset",
            TaskAction::Laptop => "laptop",
            TaskAction::Work => "work",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            TaskAction::Grant,
            TaskAction::Revoke,
            TaskAction::Reset,
            TaskAction::Laptop,
            TaskAction::Work,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// A task a kind's plan asks for, before it is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    pub action: TaskAction,
    pub title: String,
    pub system_id: Option<i64>,
    /// Whose access it changes, when that is not the request's subject.
    pub person_id: Option<i64>,
    /// Index into the request's lines, in the order given.
    pub line: Option<usize>,
    pub role: Option<String>,
    /// The team that works it, when no system's provisioners do.
    pub team: Option<Team>,
    /// UTC milliseconds.
    pub due_at: Option<i64>,
    pub urgent: bool,
}

impl TaskDraft {
    pub fn new(action: TaskAction, title: String) -> TaskDraft {
        TaskDraft {
            action,
            title,
            system_id: None,
            person_id: None,
            line: None,
            role: None,
            team: None,
            due_at: None,
            urgent: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TaskState {
    Open,
    Done,
    NotApplicable,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Done => "done",
            TaskState::NotApplicable => "not-applicable",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [TaskState::Open, TaskState::Done, TaskState::NotApplicable]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            TaskState::Open => "Open",
            TaskState::Done => "Done",
            TaskState::NotApplicable => "Not applicable",
        }
    }
}

/// How a person closes a task, checked before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub state: TaskState,
    pub note: String,
}

pub const NOTE_MAX: usize = 2_000;

impl Closing {
    /// `done` takes an optional note; `not-applicable` needs one saying why.
    pub fn parse(outcome: &str, note: &str) -> Result<Self, AppError> {
        let state = match outcome.trim() {
            "done" => TaskState::Done,
            "not-applicable" => TaskState::NotApplicable,
            _ => {
                return Err(AppError::invalid(
                    "outcome",
                    "Choose done or not applicable.",
                ))
            }
        };
        let note = note.trim().to_string();
        if note.chars().count() > NOTE_MAX {
            return Err(AppError::invalid(
                "note",
                format!("The note is too long; the limit is {NOTE_MAX} characters."),
            ));
        }
        if state == TaskState::NotApplicable && note.is_empty() {
            return Err(AppError::invalid(
                "note",
                "Say why the task does not apply.",
            ));
        }
        Ok(Closing { state, note })
    }
}

/// Critical systems (tiers 1 and 2, "Mission" and "Business critical") lose a leaver's access
/// within a day.
pub fn is_critical(tier: Option<u8>) -> bool {
    matches!(tier, Some(1 | 2))
}

/// The end of the `n`th weekday after `day` (Saturdays and Sundays are not business days).
pub fn business_days_after(day: Day, n: u32) -> Day {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d = d.add_days(1);
        if !d.is_weekend() {
            left -= 1;
        }
    }
    d
}

pub const OFFBOARDING_BUSINESS_DAYS: u32 = 5;

/// When a leaver's access to one system must be gone, and whether it is urgent. The clock starts
/// at the end of the last working day, or at once when the leaving is involuntary (or the day is
/// already past). Critical-tier systems: within 24 hours; everything: within 5 business days;
/// SOX-scope systems are flagged urgent.
pub fn offboarding_due(
    last_day: Day,
    involuntary: bool,
    now_ms: i64,
    tier: Option<u8>,
    sox: bool,
) -> (i64, bool) {
    let end_of_last_day = last_day.add_days(1).start_ms();
    let start = if involuntary {
        now_ms
    } else {
        end_of_last_day.max(now_ms)
    };
    let start_day = Day::of(super::time::Timestamp::from_millis(start));
    let within_business_days = business_days_after(start_day, OFFBOARDING_BUSINESS_DAYS)
        .add_days(1)
        .start_ms();
    let due = if is_critical(tier) {
        (start + DAY_MS).min(within_business_days)
    } else {
        within_business_days
    };
    (due, sox)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }
    const H: i64 = 3_600_000;

    #[test]
    fn closing_needs_a_reason_when_not_applicable() {
        assert_eq!(Closing::parse("done", "").unwrap().state, TaskState::Done);
        assert_eq!(
            Closing::parse("not-applicable", " ").unwrap_err().field(),
            Some("note")
        );
        assert_eq!(
            Closing::parse("not-applicable", "never had it")
                .unwrap()
                .note,
            "never had it"
        );
        assert_eq!(
            Closing::parse("open", "").unwrap_err().field(),
            Some("outcome")
        );
        assert_eq!(
            Closing::parse("done", &"x".repeat(2001))
                .unwrap_err()
                .field(),
            Some("note")
        );
    }

    #[test]
    fn business_days_skip_weekends() {
        // Friday 27 Nov 2026 + 5 business days = Friday 4 Dec.
        assert_eq!(business_days_after(day("2026-11-27"), 5), day("2026-12-04"));
        // Saturday + 1 = Monday.
        assert_eq!(business_days_after(day("2026-11-28"), 1), day("2026-11-30"));
        assert_eq!(business_days_after(day("2026-11-30"), 0), day("2026-11-30"));
    }

    #[test]
    fn offboarding_due_times() {
        // Last day Monday 30 Nov; now is Friday 27 Nov, noon.
        let now = day("2026-11-27").start_ms() + 12 * H;
        let end_of_last_day = day("2026-12-01").start_ms();
        // Critical: 24 hours after the last day ends.
        assert_eq!(
            offboarding_due(day("2026-11-30"), false, now, Some(1), false),
            (end_of_last_day + 24 * H, false)
        );
        assert_eq!(
            offboarding_due(day("2026-11-30"), false, now, Some(2), false).0,
            end_of_last_day + 24 * H
        );
        // Not critical: by the end of the 5th business day after (Tue 1 Dec → Tue 8 Dec).
        assert_eq!(
            offboarding_due(day("2026-11-30"), false, now, Some(3), true),
            (day("2026-12-09").start_ms(), true)
        );
        assert_eq!(
            offboarding_due(day("2026-11-30"), false, now, None, false).0,
            day("2026-12-09").start_ms()
        );
        // Involuntary: the clock starts now.
        assert_eq!(
            offboarding_due(day("2026-11-30"), true, now, Some(1), false).0,
            now + 24 * H
        );
        assert_eq!(
            offboarding_due(day("2026-11-30"), true, now, Some(4), false).0,
            day("2026-12-05").start_ms()
        );
        // A last day already past counts from now.
        assert_eq!(
            offboarding_due(day("2026-11-20"), false, now, Some(1), false).0,
            now + 24 * H
        );
    }
}
