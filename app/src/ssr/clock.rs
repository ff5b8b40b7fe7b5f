//! Where the server reads the time. Production reads the system clock; tests and demos start a
//! clock at a chosen instant (a weekday morning, say) that then runs at real speed, so business
//! time, "today" and "at risk" do not depend on the hour a test happens to run.

use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Started>>);

#[derive(Debug)]
struct Started {
    at_ms: i64,
    since: Instant,
}

/// The system clock, in UTC milliseconds.
fn system_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that reads `at_ms` now and runs on at real speed from there.
    pub fn starting_at(at_ms: i64) -> Clock {
        Clock(Some(Arc::new(Started {
            at_ms,
            since: Instant::now(),
        })))
    }

    /// UTC milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            None => system_ms(),
            Some(s) => {
                s.at_ms + i64::try_from(s.since.elapsed().as_millis()).unwrap_or(i64::MAX / 2)
            }
        }
    }

    pub fn is_system(&self) -> bool {
        self.0.is_none()
    }
}

/// The latest Tuesday 10:00 UTC at or before `now_ms`: a business morning, for clocks in tests
/// and demos that must not depend on the hour or the weekday they run.
pub fn last_tuesday_morning(now_ms: i64) -> i64 {
    use crate::domain::time::{Day, Timestamp};
    const HOUR_MS: i64 = 3_600_000;
    let mut day = Day::of(Timestamp::from_millis(now_ms));
    if now_ms < day.start_ms() + 10 * HOUR_MS {
        day = day.add_days(-1);
    }
    while day.weekday().number_days_from_monday() != 1 {
        day = day.add_days(-1);
    }
    day.start_ms() + 10 * HOUR_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{Day, Timestamp};

    #[test]
    fn a_started_clock_reads_its_start_and_runs_on() {
        let c = Clock::starting_at(1_000);
        let first = c.now_ms();
        assert!((1_000..1_000 + 5_000).contains(&first));
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(c.now_ms() >= first + 5);
        assert!(!c.is_system());
        assert!(Clock::system().now_ms() > 1_700_000_000_000);
    }

    #[test]
    fn the_last_tuesday_morning() {
        let at = |d: &str, h: i64| Day::parse(d).unwrap().start_ms() + h * 3_600_000;
        // 2026-11-24 is a Tuesday.
        assert_eq!(
            last_tuesday_morning(at("2026-11-24", 10)),
            at("2026-11-24", 10)
        );
        assert_eq!(
            last_tuesday_morning(at("2026-11-24", 9)),
            at("2026-11-17", 10)
        );
        assert_eq!(
            last_tuesday_morning(at("2026-11-30", 3)),
            at("2026-11-24", 10)
        );
        let t = last_tuesday_morning(at("2026-12-06", 23));
        assert_eq!(Day::of(Timestamp::from_millis(t)).to_string(), "2026-12-01");
    }
}
