//! The desk's rota, kept by admins: holidays of the service-level calendar, shifts and
//! round-robin assignment.

use super::ctx::AppState;
use super::queue::queue_worker;
use super::store::ROUND_ROBIN;
use crate::domain::access::require_admin;
use crate::domain::error::AppError;
use crate::domain::request::parse_text;
use crate::domain::time::Day;
use crate::domain::user::Viewer;
use crate::model::{CoveragePage, ShiftView};

pub async fn put_holiday(st: &AppState, v: &Viewer, day: &str, name: &str) -> Result<(), AppError> {
    require_admin(v)?;
    let d = Day::parse(day)
        .ok_or_else(|| AppError::invalid("day", "Enter the day as YYYY-MM-DD, e.g. 2026-12-25."))?;
    let name = parse_text("name", "the holiday's name", name, 80)?;
    st.db.put_holiday(d, &name, v.id).await?;
    Ok(())
}

pub async fn delete_holiday(st: &AppState, v: &Viewer, day: &str) -> Result<(), AppError> {
    require_admin(v)?;
    let d =
        Day::parse(day).ok_or_else(|| AppError::invalid("day", "Enter the day as YYYY-MM-DD."))?;
    if st.db.delete_holiday(d).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That holiday"))
    }
}

/// `HH:MM` as minutes of the day; `24:00` only as an end.
fn parse_minute(field: &str, raw: &str, end: bool) -> Result<i32, AppError> {
    let bad = || {
        AppError::invalid(
            field,
            "Enter a time as HH:MM in UTC, e.g. 08:00 (24:00 for the end of the day).",
        )
    };
    let (h, m) = raw.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let total = h * 60 + m;
    if !(0..60).contains(&m) || total < 0 || total > 1440 || (total == 1440 && !end) {
        return Err(bad());
    }
    Ok(total)
}

/// Adds an analyst's shift on the given weekdays (0 = Monday), in UTC.
#[allow(clippy::too_many_arguments)]
pub async fn add_shift(
    st: &AppState,
    v: &Viewer,
    analyst: &str,
    region: &str,
    duty: &str,
    weekdays: &[String],
    start: &str,
    end: &str,
) -> Result<(), AppError> {
    require_admin(v)?;
    let user = queue_worker(st, analyst)
        .await?
        .ok_or_else(|| AppError::invalid("analyst", "Choose an analyst who works the queue."))?;
    if !["amer", "emea", "japac"].contains(&region) {
        return Err(AppError::invalid("region", "Choose AMER, EMEA or JAPAC."));
    }
    if !["support", "provisioning"].contains(&duty) {
        return Err(AppError::invalid(
            "duty",
            "Choose support or provisioning hours.",
        ));
    }
    let mut days = Vec::new();
    for d in weekdays {
        let n: i16 = d
            .parse()
            .ok()
            .filter(|n| (0..7).contains(n))
            .ok_or_else(|| AppError::invalid("weekdays", "Choose days of the week."))?;
        if !days.contains(&n) {
            days.push(n);
        }
    }
    if days.is_empty() {
        return Err(AppError::invalid("weekdays", "Choose at least one day."));
    }
    let start = parse_minute("start", start, false)?;
    let end = parse_minute("end", end, true)?;
    if end <= start {
        return Err(AppError::invalid(
            "end",
            "The end must be after the start; split a night shift in two, before and after 24:00.",
        ));
    }
    st.db
        .add_shifts(user, region, duty, &days, start, end)
        .await?;
    Ok(())
}

pub async fn delete_shift(st: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    require_admin(v)?;
    if st.db.delete_shift(id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That shift"))
    }
}

pub async fn set_round_robin(st: &AppState, v: &Viewer, on: bool) -> Result<(), AppError> {
    require_admin(v)?;
    st.db
        .set_setting(ROUND_ROBIN, if on { "on" } else { "off" })
        .await?;
    Ok(())
}

/// The admin page for coverage: holidays, shifts, who is on shift now, round-robin.
pub async fn coverage(st: &AppState, v: &Viewer) -> Result<CoveragePage, AppError> {
    require_admin(v)?;
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let hm = |m: i32| format!("{:02}:{:02}", m / 60, m % 60);
    Ok(CoveragePage {
        holidays: st
            .db
            .holidays()
            .await?
            .into_iter()
            .map(|h| (h.day, h.name))
            .collect(),
        shifts: st
            .db
            .shifts()
            .await?
            .into_iter()
            .map(|s| ShiftView {
                id: s.id,
                name: s.name,
                region: s.region.to_uppercase(),
                duty: s.duty,
                weekday: DAYS
                    .get(s.weekday as usize)
                    .copied()
                    .unwrap_or("?")
                    .to_string(),
                hours: format!("{}\u{2013}{} UTC", hm(s.start_min), hm(s.end_min)),
            })
            .collect(),
        on_shift: super::queue::on_shift(st, st.db.now()).await?,
        analysts: super::queue::queue_worker_links(st).await?,
        round_robin: super::queue::round_robin_on(st).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_parse_in_minutes() {
        assert_eq!(parse_minute("start", "08:30", false).unwrap(), 510);
        assert_eq!(parse_minute("end", "24:00", true).unwrap(), 1440);
        for bad in ["24:00", "8", "25:00", "07:60", "-1:00", "ab:cd", ""] {
            assert_eq!(
                parse_minute("start", bad, false).unwrap_err().field(),
                Some("start"),
                "{bad}"
            );
        }
    }
}
