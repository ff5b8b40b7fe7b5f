//! Requests: their keys, priorities, states and the legal moves between states. Their kinds
//! are in `super::kinds`.

use super::error::AppError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const COMMENT_MAX: usize = 20_000;

/// Implements `as_str`, `Display`, `FromStr` and a list of all values for a fieldless enum whose
/// variants each have one stable wire/database name.
macro_rules! named_enum {
    ($ty:ident, $what:literal { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($name => Ok($ty::$variant),)+
                    other => Err(format!(
                        concat!("Unknown ", $what, " \u{201c}{}\u{201d}; choose one of: {}."),
                        other.chars().take(40).collect::<String>(),
                        [$($name),+].join(", ")
                    )),
                }
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    High,
    Normal,
    Low,
}

named_enum!(Priority, "priority" { High => "high", Normal => "normal", Low => "low" });

impl Priority {
    pub fn label(self) -> &'static str {
        match self {
            Priority::High => "High: I cannot work",
            Priority::Normal => "Normal",
            Priority::Low => "Low: no rush",
        }
    }
}

/// `new → triaged → awaiting-approval → in-progress ⇄ waiting-on-requester → resolved → closed`,
/// plus `denied` and `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RequestState {
    New,
    Triaged,
    AwaitingApproval,
    InProgress,
    WaitingOnRequester,
    Resolved,
    Closed,
    Denied,
    Cancelled,
}

named_enum!(RequestState, "state" {
    New => "new",
    Triaged => "triaged",
    AwaitingApproval => "awaiting-approval",
    InProgress => "in-progress",
    WaitingOnRequester => "waiting-on-requester",
    Resolved => "resolved",
    Closed => "closed",
    Denied => "denied",
    Cancelled => "cancelled",
});

impl RequestState {
    pub fn label(self) -> &'static str {
        match self {
            RequestState::New => "New",
            RequestState::Triaged => "Triaged",
            RequestState::AwaitingApproval => "Awaiting approval",
            RequestState::InProgress => "In progress",
            RequestState::WaitingOnRequester => "Waiting on requester",
            RequestState::Resolved => "Resolved",
            RequestState::Closed => "Closed",
            RequestState::Denied => "Denied",
            RequestState::Cancelled => "Cancelled",
        }
    }

    /// Still in somebody's queue.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestState::Resolved
                | RequestState::Closed
                | RequestState::Denied
                | RequestState::Cancelled
        )
    }

    /// The states this one may move to. Everything else is refused with a clear error.
    pub fn next_states(self) -> &'static [RequestState] {
        use RequestState::*;
        match self {
            New => &[Triaged, InProgress, Cancelled],
            Triaged => &[AwaitingApproval, InProgress, Denied, Cancelled],
            AwaitingApproval => &[InProgress, Denied, Cancelled],
            InProgress => &[WaitingOnRequester, Resolved, Cancelled],
            WaitingOnRequester => &[InProgress, Resolved, Cancelled],
            Resolved => &[InProgress, Closed],
            Closed | Denied | Cancelled => &[],
        }
    }

    pub fn can_move_to(self, to: RequestState) -> bool {
        self.next_states().contains(&to)
    }

    /// Checks a move, naming both states when it is illegal.
    pub fn check_move(self, to: RequestState) -> Result<(), AppError> {
        if self.can_move_to(to) {
            Ok(())
        } else {
            Err(AppError::conflict(format!(
                "A request that is {} cannot be moved to {}.",
                self.label().to_lowercase(),
                to.label().to_lowercase()
            )))
        }
    }

    /// The verb a staff button uses for moving into this state.
    pub fn action_label(self) -> &'static str {
        match self {
            RequestState::New => "Mark new",
            RequestState::Triaged => "Mark triaged",
            RequestState::AwaitingApproval => "Ask for approval",
            RequestState::InProgress => "Start work",
            RequestState::WaitingOnRequester => "Wait on requester",
            RequestState::Resolved => "Resolve",
            RequestState::Closed => "Close",
            RequestState::Denied => "Deny",
            RequestState::Cancelled => "Cancel request",
        }
    }
}

/// The requester's verdict on the help, given with one click once a request is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    Good,
    Bad,
}

named_enum!(Rating, "rating" { Good => "good", Bad => "bad" });

impl Rating {
    /// What the requester's button says.
    pub fn choice(self) -> &'static str {
        match self {
            Rating::Good => "Good, I\u{2019}m satisfied",
            Rating::Bad => "Bad, I\u{2019}m unsatisfied",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Good => "Rated good",
            Rating::Bad => "Rated bad",
        }
    }
}

/// The human key of a request: `REQ-` and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestKey(i64);

impl RequestKey {
    pub const PREFIX: &'static str = "REQ-";

    pub fn new(number: i64) -> Self {
        RequestKey(number)
    }

    pub fn number(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

impl FromStr for RequestKey {
    type Err = AppError;

    /// Accepts `REQ-42` in any letter case; anything else is "not found", since keys come from URLs.
    fn from_str(s: &str) -> Result<Self, AppError> {
        let s = s.trim();
        let digits = s
            .get(..Self::PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .map(|_| &s[Self::PREFIX.len()..])
            .ok_or_else(|| AppError::not_found("That request"))?;
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::not_found("That request"));
        }
        let n: i64 = digits
            .parse()
            .map_err(|_| AppError::not_found("That request"))?;
        if n < 1 {
            return Err(AppError::not_found("That request"));
        }
        Ok(RequestKey(n))
    }
}

/// Trims, requires something, and bounds the length in characters (not bytes).
/// A number a page put in a form (a task's, an approval's, a line's): whole and positive.
pub fn parse_id(field: &str, value: &str) -> Result<i64, AppError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            AppError::invalid(
                field,
                "This is not a number this page gave out; reload it and try again.",
            )
        })
}

pub fn parse_text(field: &str, what: &str, value: &str, max: usize) -> Result<String, AppError> {
    super::text::check(field, value)?;
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, format!("Please enter {what}.")));
    }
    let len = value.chars().count();
    if len > max {
        return Err(AppError::invalid(
            field,
            format!("This is {len} characters long; the limit is {max}."),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_reject_junk() {
        assert_eq!(RequestKey::new(42).to_string(), "REQ-42");
        assert_eq!("REQ-42".parse::<RequestKey>().unwrap(), RequestKey::new(42));
        assert_eq!("req-7".parse::<RequestKey>().unwrap(), RequestKey::new(7));
        for bad in [
            "",
            "REQ-",
            "REQ-0",
            "REQ--1",
            "REQ-1x",
            "42",
            "INC-4",
            "REQ-99999999999999999999",
            "RÉQ-1",
        ] {
            assert!(bad.parse::<RequestKey>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn names_round_trip() {
        for s in RequestState::ALL {
            assert_eq!(s.as_str().parse::<RequestState>().unwrap(), *s);
        }
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>().unwrap(), *p);
        }
        assert!("urgent"
            .parse::<Priority>()
            .unwrap_err()
            .contains("high, normal, low"));
    }

    #[test]
    fn the_main_path_is_legal() {
        use RequestState::*;
        let path = [
            New,
            Triaged,
            AwaitingApproval,
            InProgress,
            WaitingOnRequester,
            InProgress,
            Resolved,
            Closed,
        ];
        for pair in path.windows(2) {
            assert!(
                pair[0].can_move_to(pair[1]),
                "{:?} -> {:?}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn terminal_states_go_nowhere_and_nothing_returns_to_new() {
        use RequestState::*;
        for s in [Closed, Denied, Cancelled] {
            assert!(s.next_states().is_empty());
            assert!(!s.is_open());
        }
        for s in RequestState::ALL {
            assert!(!s.can_move_to(New), "{s:?} -> new must be illegal");
            assert!(!s.can_move_to(*s), "{s:?} -> itself must be illegal");
        }
    }

    #[test]
    fn illegal_moves_name_both_states() {
        let err = RequestState::Closed
            .check_move(RequestState::InProgress)
            .unwrap_err();
        assert_eq!(err.status(), 409);
        assert_eq!(
            err.to_string(),
            "A request that is closed cannot be moved to in progress."
        );
        assert!(RequestState::New
            .check_move(RequestState::Resolved)
            .is_err());
    }
}
