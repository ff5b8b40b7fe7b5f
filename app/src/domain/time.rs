//! Points in time as the app passes them around: UTC milliseconds, shown to people in UTC and
//! to API clients as RFC 3339.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    fn datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn rfc3339(self) -> String {
        self.datetime().format(&Rfc3339).unwrap_or_default()
    }
}

/// `27 Nov 2026, 09:36 UTC`: the same on the server and in the browser, so hydration matches.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.datetime();
        write!(
            f,
            "{} {} {}, {:02}:{:02} UTC",
            d.day(),
            &format!("{}", d.month())[..3],
            d.year(),
            d.hour(),
            d.minute()
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let dt = OffsetDateTime::parse(&s, &Rfc3339).map_err(serde::de::Error::custom)?;
        Ok(Timestamp((dt.unix_timestamp_nanos() / 1_000_000) as i64))
    }
}

/// Both are strings on the wire: an RFC 3339 instant and a `YYYY-MM-DD` day.
#[cfg(feature = "ssr")]
mod schema {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};

    fn string(format: KnownFormat, example: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
            .examples([example])
            .into()
    }

    impl utoipa::PartialSchema for super::Timestamp {
        fn schema() -> RefOr<Schema> {
            string(KnownFormat::DateTime, "2026-11-30T09:15:00Z")
        }
    }
    impl utoipa::ToSchema for super::Timestamp {}

    impl utoipa::PartialSchema for super::Day {
        fn schema() -> RefOr<Schema> {
            string(KnownFormat::Date, "2027-03-31")
        }
    }
    impl utoipa::ToSchema for super::Day {}
}

/// A calendar day (UTC), as people type it: `2027-03-31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(time::Date);

pub const DAY_MS: i64 = 86_400_000;

impl Day {
    /// `YYYY-MM-DD` with a real month and day; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        let month = time::Month::try_from(m).ok()?;
        time::Date::from_calendar_date(y, month, d).ok().map(Day)
    }

    /// The UTC day a timestamp falls on.
    pub fn of(t: Timestamp) -> Self {
        Day(t.datetime().date())
    }

    pub fn add_days(self, n: i64) -> Self {
        Day(self
            .0
            .checked_add(time::Duration::days(n))
            .unwrap_or(self.0))
    }

    /// The same day `n` months on, or the month's last day when it is shorter (31 Aug + 6 → 28 Feb).
    pub fn add_months(self, n: i64) -> Self {
        let total = self.0.year() as i64 * 12 + (self.0.month() as i64 - 1) + n;
        let (y, m) = (
            total.div_euclid(12) as i32,
            (total.rem_euclid(12) + 1) as u8,
        );
        let month = time::Month::try_from(m).unwrap_or(time::Month::January);
        let mut day = self.0.day();
        loop {
            if let Ok(d) = time::Date::from_calendar_date(y, month, day) {
                return Day(d);
            }
            day -= 1;
        }
    }

    pub fn add_years(self, n: i64) -> Self {
        self.add_months(12 * n)
    }

    /// Midnight at the start of the day, in UTC milliseconds.
    pub fn start_ms(self) -> i64 {
        self.0.midnight().assume_utc().unix_timestamp() * 1000
    }

    pub fn weekday(self) -> time::Weekday {
        self.0.weekday()
    }

    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(
            self.0.weekday(),
            time::Weekday::Saturday | time::Weekday::Sunday
        )
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month() as u8,
            self.0.day()
        )
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Day::parse(&s).ok_or_else(|| serde::de::Error::custom("expected YYYY-MM-DD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_and_serialises_in_utc() {
        let t = Timestamp::from_millis(1_795_772_160_000); // 2026-11-27T09:36:00Z
        assert_eq!(t.to_string(), "27 Nov 2026, 09:36 UTC");
        assert_eq!(t.rfc3339(), "2026-11-27T09:36:00Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn days_parse_strictly_and_add_calendar_months() {
        let d = |s: &str| Day::parse(s).unwrap();
        assert_eq!(d("2026-11-27").to_string(), "2026-11-27");
        for bad in [
            "",
            "2026-2-1",
            "2026-02-30",
            "27/11/2026",
            "2026-13-01",
            "20261127",
            "2026-11-27x",
        ] {
            assert!(Day::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(d("2026-08-31").add_months(6), d("2027-02-28"));
        assert_eq!(d("2026-11-27").add_months(6), d("2027-05-27"));
        assert_eq!(d("2024-02-29").add_years(1), d("2025-02-28"));
        assert_eq!(d("2026-12-31").add_days(1), d("2027-01-01"));
        assert_eq!(
            Day::of(Timestamp::from_millis(d("2026-11-27").start_ms() + 1)),
            d("2026-11-27")
        );
        assert!(d("2026-11-28").is_weekend() && !d("2026-11-27").is_weekend());
    }
}
