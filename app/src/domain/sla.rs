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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> Timestamp {
        let (d, hm) = s.split_once(' ').unwrap();
        let (h, m) = hm.split_once(':').unwrap();
        let h: i64 = h.parse().unwrap();
        let m: i64 = m.parse().unwrap();
        Timestamp::from_millis(Day::parse(d).unwrap().start_ms() + h * HOUR_MS + m * 60_000)
    }

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    /// 2026-11-22 is a Sunday.
    #[test]
    fn coverage_is_sunday_evening_to_friday_night_in_utc() {
        let cal = Calendar::default();
        assert!(!cal.is_open(at("2026-11-22 21:59")));
        assert!(cal.is_open(at("2026-11-22 22:00")));
        assert!(cal.is_open(at("2026-11-25 03:00")));
        assert!(cal.is_open(at("2026-11-27 23:59")));
        assert!(!cal.is_open(at("2026-11-28 00:00")));
        assert!(!cal.is_open(at("2026-11-28 12:00")));
        // A whole week holds 2 + 5 * 24 covered hours.
        assert_eq!(
            cal.between(at("2026-11-22 00:00"), at("2026-11-29 00:00")),
            122 * HOUR_MS
        );
    }

    #[test]
    fn targets_per_priority_follow_the_table() {
        let cal = Calendar::default();
        let made = at("2026-11-24 10:00"); // a Tuesday
        let due = |p, t| Deadline::new(&cal, made, span(&cal, p, t, made), 0).due;
        assert_eq!(
            due(Priority::High, Target::FirstResponse),
            at("2026-11-24 11:00")
        );
        assert_eq!(
            due(Priority::High, Target::Resolution),
            at("2026-11-26 00:00")
        );
        assert_eq!(
            due(Priority::Normal, Target::FirstResponse),
            at("2026-11-24 14:00")
        );
        // 5 business days from Tuesday 10:00: Tue..Fri give 3 d 14 h, then Sunday's 2 h and
        // Monday and Tuesday up to 08:00.
        assert_eq!(
            due(Priority::Normal, Target::Resolution),
            at("2026-12-01 08:00")
        );
        assert_eq!(
            due(Priority::Low, Target::FirstResponse),
            at("2026-11-25 10:00")
        );
        // A high request on Friday evening is due at the end of Monday.
        let friday = at("2026-11-27 20:00");
        assert_eq!(
            Deadline::new(
                &cal,
                friday,
                span(&cal, Priority::High, Target::Resolution, friday),
                0
            )
            .due,
            at("2026-12-01 00:00")
        );
    }

    #[test]
    fn a_request_made_in_the_weekend_starts_its_clock_on_sunday_evening() {
        let cal = Calendar::default();
        let saturday = at("2026-11-28 09:00");
        assert_eq!(cal.add(saturday, HOUR_MS), at("2026-11-29 23:00"));
        assert_eq!(
            cal.add(saturday, 4 * HOUR_MS),
            at("2026-11-30 02:00"),
            "2 h on Sunday night, then 2 h on Monday"
        );
    }

    #[test]
    fn holidays_are_closed_all_day_and_push_deadlines() {
        let cal = Calendar::new([day("2026-12-25")]); // a Friday
        assert!(!cal.is_open(at("2026-12-25 12:00")));
        assert!(!cal.is_business_day(day("2026-12-25")));
        let thursday = at("2026-12-24 22:00");
        // 2 h on Thursday, none on Friday (holiday) or Saturday, 2 h on Sunday night.
        assert_eq!(cal.add(thursday, 4 * HOUR_MS), at("2026-12-28 00:00"));
        // High resolution from Thursday: the next business day is Monday.
        assert_eq!(
            cal.end_of_next_business_day(thursday),
            at("2026-12-29 00:00")
        );
    }

    #[test]
    fn daylight_saving_changes_move_nothing() {
        let cal = Calendar::default();
        // Europe's clocks go forward at 01:00 UTC on 2027-03-28 and back on 2027-10-31; the
        // United States' at 07:00 UTC on 2027-03-14 and 06:00 UTC on 2027-11-07. All Sundays
        // before 22:00 UTC: outside coverage, and the arithmetic is on instants anyway.
        for sunday in ["2027-03-14", "2027-03-28", "2027-10-31", "2027-11-07"] {
            let friday = Timestamp::from_millis(day(sunday).add_days(-2).start_ms() + 22 * HOUR_MS);
            assert_eq!(
                cal.add(friday, 3 * HOUR_MS).millis(),
                day(sunday).start_ms() + 23 * HOUR_MS,
                "{sunday}"
            );
            let monday = Timestamp::from_millis(day(sunday).add_days(1).start_ms());
            assert_eq!(cal.between(friday, monday), 4 * HOUR_MS, "{sunday}");
        }
        // 06:00 on Monday in Tokyo (UTC+9, no daylight saving) is Sunday 21:00 UTC: closed.
        assert!(!cal.is_open(at("2027-03-14 21:00")));
        // 08:00 on Monday in Tokyo is covered: Sunday 23:00 UTC.
        assert!(cal.is_open(at("2027-03-14 23:00")));
    }

    #[test]
    fn standings_flag_at_risk_below_a_quarter_and_breached_past_due() {
        let cal = Calendar::default();
        let made = at("2026-11-24 10:00");
        let d = Deadline::new(&cal, made, 4 * HOUR_MS, 0);
        assert_eq!(
            d.standing(&cal, at("2026-11-24 12:00")),
            Standing::OnTrack { left: 2 * HOUR_MS }
        );
        assert_eq!(d.at_risk, at("2026-11-24 13:00"));
        assert_eq!(
            d.standing(&cal, at("2026-11-24 13:30")),
            Standing::AtRisk { left: HOUR_MS / 2 }
        );
        assert_eq!(
            d.standing(&cal, at("2026-11-24 15:00")),
            Standing::Breached { over: HOUR_MS }
        );
        // Paused for an hour: everything moves one business hour later.
        let paused = Deadline::new(&cal, made, 4 * HOUR_MS, HOUR_MS);
        assert_eq!(paused.due, at("2026-11-24 15:00"));
        assert_eq!(paused.at_risk, at("2026-11-24 14:00"));
    }

    #[test]
    fn the_next_deadline_is_the_first_response_until_it_happened() {
        let cal = Calendar::default();
        let made = at("2026-11-24 10:00");
        let c = Clocks::new(&cal, Priority::Normal, made, 0, false);
        assert_eq!(c.next().due, at("2026-11-24 14:00"));
        let c = Clocks::new(&cal, Priority::Normal, made, 0, true);
        assert_eq!(c.next().due, at("2026-12-01 08:00"));
    }

    #[test]
    fn business_time_reads_as_people_say_it() {
        assert_eq!(human(0), "0 min");
        assert_eq!(human(125 * 60_000), "2 h 05 min");
        assert_eq!(human(3 * BUSINESS_DAY_MS + 4 * HOUR_MS), "3 d 4 h");
        assert_eq!(human(2 * BUSINESS_DAY_MS), "2 d");
    }

    #[test]
    fn waiting_on_the_requester_pauses_the_clock_and_banks_business_time() {
        let cal = Calendar::default();
        let made = at("2026-11-24 10:00");
        let facts = ClockFacts {
            priority: Priority::Normal,
            state: RequestState::InProgress,
            created: made,
            paused_ms: 0,
            paused_since: None,
            responded: true,
            resolved_at: None,
        };
        let running = settle(&cal, facts, at("2026-11-24 11:00"));
        assert_eq!(running.next.map(|n| n.0), Some(at("2026-12-01 08:00")));
        // Waiting from Friday 22:00: no next deadline while paused.
        let waiting = ClockFacts {
            state: RequestState::WaitingOnRequester,
            ..facts
        };
        let paused = settle(&cal, waiting, at("2026-11-27 22:00"));
        assert_eq!(paused.paused_since, Some(at("2026-11-27 22:00")));
        assert_eq!(paused.next, None);
        // Settling again later keeps the pause's start.
        assert_eq!(
            settle(
                &cal,
                ClockFacts {
                    paused_since: paused.paused_since,
                    ..waiting
                },
                at("2026-11-28 10:00")
            ),
            paused
        );
        // The requester answers on Monday 01:00: 2 h Friday + 2 h Sunday + 1 h Monday banked.
        let resumed = settle(
            &cal,
            ClockFacts {
                paused_since: paused.paused_since,
                ..facts
            },
            at("2026-11-30 01:00"),
        );
        assert_eq!(resumed.paused_ms, 5 * HOUR_MS);
        assert_eq!(resumed.paused_since, None);
        assert_eq!(resumed.next.map(|n| n.0), Some(at("2026-12-01 13:00")));
        // Resolved: no next deadline, and the resolution time is kept once set.
        let done = ClockFacts {
            state: RequestState::Resolved,
            ..facts
        };
        let resolved = settle(&cal, done, at("2026-11-25 09:00"));
        assert_eq!(resolved.next, None);
        assert_eq!(resolved.resolved_at, Some(at("2026-11-25 09:00")));
        assert_eq!(
            settle(
                &cal,
                ClockFacts {
                    resolved_at: resolved.resolved_at,
                    ..done
                },
                at("2026-11-26 09:00")
            )
            .resolved_at,
            resolved.resolved_at
        );
    }

    /// Instants from 2020 to 2040, to the millisecond.
    fn instant() -> impl Strategy<Value = Timestamp> {
        (1_577_836_800_000i64..2_208_988_800_000).prop_map(Timestamp::from_millis)
    }

    /// Up to a dozen holidays within a few weeks of 2026-11-22, so they meet the spans tested.
    fn calendar() -> impl Strategy<Value = Calendar> {
        proptest::collection::vec(0i64..60, 0..12).prop_map(|offsets| {
            Calendar::new(offsets.into_iter().map(|o| day("2026-11-22").add_days(o)))
        })
    }

    fn near() -> impl Strategy<Value = Timestamp> {
        (0i64..50 * DAY_MS).prop_map(|o| Timestamp::from_millis(day("2026-11-15").start_ms() + o))
    }

    proptest! {
        #[test]
        fn adding_business_time_then_measuring_it_gives_the_same_span(
            cal in calendar(), from in near(), span in 0i64..30 * BUSINESS_DAY_MS,
        ) {
            let to = cal.add(from, span);
            prop_assert!(to >= from);
            prop_assert_eq!(cal.between(from, to), span);
            // And it is the earliest such instant.
            if span > 0 {
                let before = Timestamp::from_millis(to.millis() - 1);
                prop_assert!(cal.between(from, before) < span);
            }
        }

        #[test]
        fn going_back_in_business_time_is_the_mirror_of_adding(
            cal in calendar(), to in near(), span in 0i64..30 * BUSINESS_DAY_MS,
        ) {
            let from = cal.sub(to, span);
            prop_assert!(from <= to);
            prop_assert_eq!(cal.between(from, to), span);
            if span > 0 {
                let after = Timestamp::from_millis(from.millis() + 1);
                prop_assert!(cal.between(after, to) < span, "the latest such instant");
            }
        }

        #[test]
        fn business_time_adds_up_and_never_exceeds_wall_time(
            cal in calendar(), a in near(), b in near(), c in near(),
        ) {
            let mut v = [a, b, c];
            v.sort();
            let [a, b, c] = v;
            prop_assert_eq!(cal.between(a, c), cal.between(a, b) + cal.between(b, c));
            prop_assert!(cal.between(a, c) <= c.millis() - a.millis());
        }

        #[test]
        fn a_pause_never_shortens_a_deadline(
            cal in calendar(), made in near(), span in 0i64..10 * BUSINESS_DAY_MS,
            paused in 0i64..5 * BUSINESS_DAY_MS, more in 0i64..5 * BUSINESS_DAY_MS,
        ) {
            let d = Deadline::new(&cal, made, span, paused);
            let later = Deadline::new(&cal, made, span, paused + more);
            prop_assert!(later.due >= d.due);
            prop_assert!(later.at_risk >= d.at_risk);
            prop_assert!(d.at_risk <= d.due);
        }

        #[test]
        fn weekends_and_holidays_contribute_nothing(cal in calendar(), t in instant()) {
            let d = Day::of(t);
            let whole = cal.between(
                Timestamp::from_millis(d.start_ms()),
                Timestamp::from_millis(d.start_ms() + DAY_MS),
            );
            if cal.is_holiday(d) || d.weekday() == Weekday::Saturday {
                prop_assert_eq!(whole, 0);
                prop_assert!(!cal.is_open(t));
            } else if d.weekday() == Weekday::Sunday {
                prop_assert_eq!(whole, 2 * HOUR_MS);
            } else {
                prop_assert_eq!(whole, DAY_MS);
                prop_assert!(cal.is_open(t));
            }
        }

        #[test]
        fn a_holiday_only_ever_delays(cal in calendar(), from in near(), span in 0i64..20 * BUSINESS_DAY_MS,
            extra in 0i64..60) {
            let mut more = cal.holidays.clone();
            more.insert(day("2026-11-22").add_days(extra));
            let fewer_days = Calendar::new(more);
            prop_assert!(fewer_days.add(from, span) >= cal.add(from, span));
        }

        #[test]
        fn high_priority_is_resolved_by_the_end_of_the_next_business_day(cal in calendar(), made in near()) {
            let due = Deadline::new(&cal, made, span(&cal, Priority::High, Target::Resolution, made), 0).due;
            let end = cal.end_of_next_business_day(made);
            prop_assert!(due <= end);
            prop_assert_eq!(cal.between(due, end), 0);
            prop_assert!(cal.is_business_day(Day::of(Timestamp::from_millis(end.millis() - 1))));
        }
    }
}
