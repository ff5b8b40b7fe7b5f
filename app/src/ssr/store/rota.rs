//! The analyst desk's settings: the service-level calendar (holidays), shifts and round-robin,
//! saved views and macros.

use super::queue::{calendar_of, OPEN};
use super::{q, BeginWrite, Db, Result};
use crate::domain::sla::Calendar;
use crate::domain::time::{Day, Timestamp};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ShiftRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub region: String,
    pub duty: String,
    pub weekday: i16,
    pub start_min: i32,
    pub end_min: i32,
}

#[derive(Debug, Clone, FromRow)]
pub struct HolidayRow {
    pub day: String,
    pub name: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SavedViewRow {
    pub id: i64,
    pub name: String,
    pub query: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct MacroRow {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub set_state: Option<String>,
    pub add_labels: String,
}

/// Weekday (0 = Monday) and minute of the UTC day of `now`.
pub fn week_minute(now: i64) -> (i16, i32) {
    let day = Day::of(Timestamp::from_millis(now));
    let minute = ((now - day.start_ms()) / 60_000) as i32;
    (day.weekday().number_days_from_monday() as i16, minute)
}

impl Db {
    // ----- holidays ------------------------------------------------------------------------

    pub async fn holidays(&self) -> Result<Vec<HolidayRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT day, name FROM holidays ORDER BY day").fetch_all(p).await))
    }

    pub async fn calendar(&self) -> Result<Calendar> {
        let days: Vec<(String,)> =
            on_pool!(self, p => q(sqlx::query_as("SELECT day FROM holidays").fetch_all(p).await))?;
        Ok(calendar_of(&days))
    }

    /// Adds or renames a holiday; open requests' clocks follow in the same transaction.
    pub async fn put_holiday(&self, day: Day, name: &str, actor: i64) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query("INSERT INTO holidays (day, name, created_by, created_at) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (day) DO UPDATE SET name = excluded.name")
                .bind(day.to_string()).bind(name).bind(actor).bind(now).execute(&mut *tx).await)?;
            let ids: Vec<(i64,)> = q(sqlx::query_as(&format!("SELECT r.id FROM requests r WHERE {OPEN}"))
                .fetch_all(&mut *tx).await)?;
            for (id,) in &ids {
                settle_clocks!(tx, *id, now);
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn delete_holiday(&self, day: Day) -> Result<bool> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let done = q(sqlx::query("DELETE FROM holidays WHERE day = $1").bind(day.to_string()).execute(&mut *tx).await)?;
            let ids: Vec<(i64,)> = q(sqlx::query_as(&format!("SELECT r.id FROM requests r WHERE {OPEN}"))
                .fetch_all(&mut *tx).await)?;
            for (id,) in &ids {
                settle_clocks!(tx, *id, now);
            }
            q(tx.commit().await)?;
            Ok(done.rows_affected() == 1)
        })
    }

    // ----- shifts and round-robin ------------------------------------------------------------

    pub async fn shifts(&self) -> Result<Vec<ShiftRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id, s.user_id, u.name, s.region, s.duty, s.weekday, s.start_min, s.end_min \
             FROM shifts s JOIN users u ON u.id = s.user_id ORDER BY s.region, s.weekday, s.start_min, u.name")
            .fetch_all(p).await))
    }

    /// Who is on shift at `now`, with their region and duty.
    pub async fn on_shift(&self, now: i64) -> Result<Vec<ShiftRow>> {
        let (weekday, minute) = week_minute(now);
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT s.id, s.user_id, u.name, s.region, s.duty, s.weekday, s.start_min, s.end_min \
             FROM shifts s JOIN users u ON u.id = s.user_id \
             WHERE s.weekday = $1 AND s.start_min <= $2 AND s.end_min > $2 AND u.active = TRUE \
             ORDER BY s.duty DESC, s.region, u.name")
            .bind(weekday).bind(minute).fetch_all(p).await))
    }

    /// Adds one stretch per weekday given, in one transaction.
    pub async fn add_shifts(
        &self,
        user_id: i64,
        region: &str,
        duty: &str,
        weekdays: &[i16],
        start_min: i32,
        end_min: i32,
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for d in weekdays {
                q(sqlx::query("INSERT INTO shifts (user_id, region, duty, weekday, start_min, end_min) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(user_id).bind(region).bind(duty).bind(*d).bind(start_min).bind(end_min)
                    .execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    pub async fn delete_shift(&self, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM shifts WHERE id = $1").bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, p => q(sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(p).await))?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key).bind(value).execute(p).await).map(|_| ()))?;
        Ok(())
    }

    // ----- saved views -----------------------------------------------------------------------

    pub async fn saved_views(&self, user_id: i64) -> Result<Vec<SavedViewRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT id, name, query FROM saved_views WHERE user_id = $1 ORDER BY name")
            .bind(user_id).fetch_all(p).await))
    }

    /// Saves (or replaces, by name) one of a person's views.
    pub async fn save_view(&self, user_id: i64, name: &str, query: &str) -> Result<i64> {
        let (id,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "INSERT INTO saved_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query RETURNING id")
            .bind(user_id).bind(name).bind(query).bind(self.now()).fetch_one(p).await))?;
        Ok(id)
    }

    pub async fn delete_view(&self, user_id: i64, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user_id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    // ----- macros ----------------------------------------------------------------------------

    pub async fn macros(&self) -> Result<Vec<MacroRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT id, name, body, set_state, add_labels FROM macros ORDER BY name")
            .fetch_all(p).await))
    }

    pub async fn macro_by_id(&self, id: i64) -> Result<Option<MacroRow>> {
        on_pool!(self, p => q(sqlx::query_as("SELECT id, name, body, set_state, add_labels FROM macros WHERE id = $1")
            .bind(id).fetch_optional(p).await))
    }

    /// Saves a macro by name (replacing one of the same name).
    pub async fn save_macro(
        &self,
        name: &str,
        body: &str,
        set_state: Option<&str>,
        add_labels: &str,
        actor: i64,
    ) -> Result<i64> {
        let (id,): (i64,) = on_pool!(self, p => q(sqlx::query_as(
            "INSERT INTO macros (name, body, set_state, add_labels, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, set_state = excluded.set_state, \
               add_labels = excluded.add_labels, updated_by = excluded.updated_by, updated_at = excluded.updated_at \
             RETURNING id")
            .bind(name).bind(body).bind(set_state).bind(add_labels).bind(actor).bind(self.now()).fetch_one(p).await))?;
        Ok(id)
    }

    pub async fn delete_macro(&self, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM macros WHERE id = $1").bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }
}
