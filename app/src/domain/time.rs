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
}
