//! Service levels in business time.
//!
//! Coverage is 24x5 in UTC: from Sunday 22:00 to the end of Friday, minus holidays (whole UTC
//! days) that admins keep. Every clock counts only covered time, and stops while a request waits
//! on its requester. Coverage is defined on UTC instants, so daylight-saving changes anywhere
//! never move a deadline; people see the instants in UTC.
//!
//! A request's targets (DOMAIN.md, "Priorities and service levels") are spans of business time
//! from its creation; its due time is where that span, plus the business time it spent paused,
//! runs out. "At risk" starts when a quarter of the span is left, so both the due time and the
//! at-risk time are plain instants a database can index and compare with "now".

use super::request::{Priority, RequestState};
use super::time::{Day, Timestamp, DAY_MS};
use std::collections::BTreeSet;
use time::Weekday;

pub const HOUR_MS: i64 = 3_600_000;
/// A business day of 24x5 coverage.
pub const BUSINESS_DAY_MS: i64 = 24 * HOUR_MS;
/// Coverage opens on Sundays at 22:00 UTC.
const SUNDAY_OPENS_MS: i64 = 22 * HOUR_MS;
/// Far enough that no real deadline gets there; keeps a walk through days finite.
const MAX_DAYS: i64 = 200 * 366;

/// Which days are covered: the weekly pattern minus the holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<Day>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = Day>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_holiday(&self, day: Day) -> bool {
        self.holidays.contains(&day)
    }

    /// The covered part of a UTC day, as milliseconds after its midnight.
    fn window(&self, day: Day) -> Option<(i64, i64)> {
        if self.is_holiday(day) {
            return None;
        }
        match day.weekday() {
            Weekday::Saturday => None,
            Weekday::Sunday => Some((SUNDAY_OPENS_MS, DAY_MS)),
            _ => Some((0, DAY_MS)),
        }
    }

    /// A business day: Monday to Friday, not a holiday (Sunday evening's coverage is the start
    /// of Monday in Asia, not a business day of its own).
    pub fn is_business_day(&self, day: Day) -> bool {
        !self.is_holiday(day) && !day.is_weekend()
    }

    /// Whether the helpdesk is covered at `t`.
    pub fn is_open(&self, t: Timestamp) -> bool {
        let day = Day::of(t);
        let offset = t.millis() - day.start_ms();
        self.window(day)
            .is_some_and(|(open, close)| open <= offset && offset < close)
    }

    /// Covered milliseconds in `[from, to)`; nothing when `to` is not after `from`.
    pub fn between(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let (from, to) = (from.millis(), to.millis());
        let mut total = 0;
        let mut day = Day::of(Timestamp::from_millis(from));
        for _ in 0..MAX_DAYS {
            let start = day.start_ms();
            if start >= to {
                break;
            }
            if let Some((open, close)) = self.window(day) {
                let lo = (start + open).max(from);
                let hi = (start + close).min(to);
                total += (hi - lo).max(0);
            }
            day = day.add_days(1);
        }
        total
    }

    /// The earliest instant at which `span` covered milliseconds have passed since `from`: the
    /// inverse of [`Calendar::between`]. A span of zero or less is `from` itself.
    pub fn add(&self, from: Timestamp, span: i64) -> Timestamp {
        if span <= 0 {
            return from;
        }
        let mut left = span;
        let mut day = Day::of(from);
        for _ in 0..MAX_DAYS {
            let start = day.start_ms();
            if let Some((open, close)) = self.window(day) {
                let lo = (start + open).max(from.millis());
                let available = (start + close - lo).max(0);
                if left <= available {
                    return Timestamp::from_millis(lo + left);
                }
                left -= available;
            }
            day = day.add_days(1);
        }
        Timestamp::from_millis(day.start_ms())
    }

    /// The latest instant from which `span` covered milliseconds pass until `to`: how long ago
    /// something must have started to have used that much business time by now.
    pub fn sub(&self, to: Timestamp, span: i64) -> Timestamp {
        if span <= 0 {
            return to;
        }
        let mut left = span;
        let mut day = Day::of(to);
        for _ in 0..MAX_DAYS {
            let start = day.start_ms();
            if let Some((open, close)) = self.window(day) {
                let hi = (start + close).min(to.millis());
                let available = (hi - (start + open)).max(0);
                if left <= available {
                    return Timestamp::from_millis(hi - left);
                }
                left -= available;
            }
            day = day.add_days(-1);
        }
        Timestamp::from_millis(day.start_ms())
    }

    /// The end of the first business day after the one `t` falls on.
    pub fn end_of_next_business_day(&self, t: Timestamp) -> Timestamp {
        let mut day = Day::of(t).add_days(1);
        for _ in 0..MAX_DAYS {
            if self.is_business_day(day) {
                break;
            }
            day = day.add_days(1);
        }
        Timestamp::from_millis(day.start_ms() + DAY_MS)
    }
}

/// The two clocks of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    FirstResponse,
    Resolution,
}

/// How much business time a target allows a request of `priority` made at `created`.
pub fn span(calendar: &Calendar, priority: Priority, target: Target, created: Timestamp) -> i64 {
    use Priority::*;
    use Target::*;
    match (priority, target) {
        (High, FirstResponse) => HOUR_MS,
        (High, Resolution) => calendar.between(created, calendar.end_of_next_business_day(created)),
        (Normal, FirstResponse) => 4 * HOUR_MS,
        (Normal, Resolution) => 5 * BUSINESS_DAY_MS,
        (Low, FirstResponse) => BUSINESS_DAY_MS,
        (Low, Resolution) => 10 * BUSINESS_DAY_MS,
    }
}

/// One target's deadline: when it is due and when it becomes at risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The business time the target allows.
    pub span: i64,
    pub due: Timestamp,
    /// When a quarter of the span is left.
    pub at_risk: Timestamp,
}

impl Deadline {
    /// The deadline of a span that started at `created` and has been paused for `paused`
    /// business milliseconds.
    pub fn new(calendar: &Calendar, created: Timestamp, span: i64, paused: i64) -> Self {
        let paused = paused.max(0);
        Deadline {
            span,
            due: calendar.add(created, span + paused),
            at_risk: calendar.add(created, span - span / 4 + paused),
        }
    }

    /// The deadline due at `due` of a span that started at `start` and was never paused: at risk
    /// when a quarter of its business time is left.
    pub fn between(calendar: &Calendar, start: Timestamp, due: Timestamp) -> Self {
        let span = calendar.between(start, due);
        Deadline {
            span,
            due,
            at_risk: calendar.add(start, span - span / 4),
        }
    }

    /// A deadline as stored: its due and at-risk instants.
    pub fn at(due: Timestamp, at_risk: Timestamp) -> Self {
        Deadline {
            span: 0,
            due,
            at_risk,
        }
    }

    /// Where the clock stands at `now`.
    pub fn standing(&self, calendar: &Calendar, now: Timestamp) -> Standing {
        if now >= self.due {
            Standing::Breached {
                over: calendar.between(self.due, now),
            }
        } else {
            let left = calendar.between(now, self.due);
            if now >= self.at_risk {
                Standing::AtRisk { left }
            } else {
                Standing::OnTrack { left }
            }
        }
    }
}

/// How a running clock stands; every figure is business milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    OnTrack { left: i64 },
    AtRisk { left: i64 },
    Breached { over: i64 },
}

/// A request's clocks, from what is stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// Pending until the first response; `None` once it happened.
    pub first_response: Option<Deadline>,
    pub resolution: Deadline,
}

impl Clocks {
    pub fn new(
        calendar: &Calendar,
        priority: Priority,
        created: Timestamp,
        paused: i64,
        responded: bool,
    ) -> Self {
        let deadline = |target| {
            Deadline::new(
                calendar,
                created,
                span(calendar, priority, target, created),
                paused,
            )
        };
        Clocks {
            first_response: (!responded).then(|| deadline(Target::FirstResponse)),
            resolution: deadline(Target::Resolution),
        }
    }

    /// The deadline that comes first: what the queue sorts by and flags.
    pub fn next(&self) -> Deadline {
        match self.first_response {
            Some(first) if first.due <= self.resolution.due => first,
            _ => self.resolution,
        }
    }
}

/// What a request's clocks are computed from, as stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFacts {
    pub priority: Priority,
    pub state: RequestState,
    pub created: Timestamp,
    /// Business time spent waiting on the requester, not counting a pause still running.
    pub paused_ms: i64,
    pub paused_since: Option<Timestamp>,
    pub responded: bool,
    pub resolved_at: Option<Timestamp>,
}

/// The clock columns to store after a change, settled at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub paused_ms: i64,
    pub paused_since: Option<Timestamp>,
    /// The first-response deadline; once a response happened the stored one is kept as it was
    /// (later pauses must not turn a missed response into a met one).
    pub first_due: Timestamp,
    pub resolve_due: Timestamp,
    /// The next deadline and its at-risk instant; `None` while paused or finished.
    pub next: Option<(Timestamp, Timestamp)>,
    pub resolved_at: Option<Timestamp>,
}

/// Settles the clocks after whatever changed (state, priority, first response): a pause starts
/// when the request begins waiting on its requester and its business time is banked when it
/// stops; a finished request has no next deadline. Settling twice changes nothing.
pub fn settle(calendar: &Calendar, f: ClockFacts, now: Timestamp) -> Settled {
    let waiting = f.state == RequestState::WaitingOnRequester;
    let (paused_ms, paused_since) = match (waiting, f.paused_since) {
        (true, Some(since)) => (f.paused_ms, Some(since)),
        (true, None) => (f.paused_ms, Some(now)),
        (false, Some(since)) => (f.paused_ms + calendar.between(since, now), None),
        (false, None) => (f.paused_ms, None),
    };
    let clocks = Clocks::new(calendar, f.priority, f.created, paused_ms, f.responded);
    let next = clocks.next();
    Settled {
        paused_ms,
        paused_since,
        first_due: Deadline::new(
            calendar,
            f.created,
            span(calendar, f.priority, Target::FirstResponse, f.created),
            paused_ms,
        )
        .due,
        resolve_due: clocks.resolution.due,
        next: (f.state.is_open() && !waiting).then_some((next.due, next.at_risk)),
        resolved_at: match f.state {
            RequestState::Resolved => Some(f.resolved_at.unwrap_or(now)),
            _ => None,
        },
    }
}

/// "2 h 05 min", "3 d 4 h": business time as people read it (a day is 24 business hours).
pub fn human(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        if hours > 0 {
            format!("{days} d {hours} h")
        } else {
            format!("{days} d")
        }
    } else if hours > 0 {
        format!("{hours} h {mins:02} min")
    } else {
        format!("{mins} min")
    }
}

#[cfg(test)]
#[path = "sla_tests.rs"]
mod tests;
