//! Tests of `domain::sla`.

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
fn a_stored_deadline_turns_at_risk_in_business_time_over_a_weekend() {
    let cal = Calendar::default();
    // Friday evening, four business hours: three on Friday, one from Sunday 22:00.
    let made = at("2026-11-27 21:00");
    let d = Deadline::new(&cal, made, 4 * HOUR_MS, 0);
    assert_eq!(d.due, at("2026-11-29 23:00"));
    let rebuilt = Deadline::between(&cal, made, d.due);
    assert_eq!(rebuilt, d);
    assert_eq!(rebuilt.at_risk, at("2026-11-28 00:00"));
    // A quarter of the wall-clock time would only be left on Sunday morning: a request one
    // business hour from its deadline would look on track all Saturday.
    let wall = Timestamp::from_millis(d.due.millis() - (d.due.millis() - made.millis()) / 4);
    let saturday = at("2026-11-28 12:00");
    assert!(wall > saturday, "{wall}");
    assert_eq!(
        Deadline::at(d.due, rebuilt.at_risk).standing(&cal, saturday),
        Standing::AtRisk { left: HOUR_MS }
    );
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
