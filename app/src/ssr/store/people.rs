//! People, sessions, API tokens, sign-in throttling and the browsers people sign in from.

use super::{q, BeginWrite, Db, Result};
use crate::domain::user::{Role, Viewer};
use sqlx::FromRow;

impl Db {
    // ----- people -------------------------------------------------------------------------

    /// Creates a person with their roles in one transaction.
    pub async fn create_user(
        &self,
        email: &str,
        handle: &str,
        name: &str,
        password_hash: &str,
        roles: &[Role],
    ) -> Result<i64> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (id,): (i64,) = q(sqlx::query_as(
                "INSERT INTO users (email, handle, name, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(email).bind(handle).bind(name).bind(password_hash).bind(now)
            .fetch_one(&mut *tx).await)?;
            for role in roles {
                q(sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id).bind(role.as_str()).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(id)
        })
    }

    /// Replaces a person's password, name and roles (used by `tierdesk demo` to stay idempotent).
    pub async fn update_user(
        &self,
        id: i64,
        name: &str,
        password_hash: &str,
        roles: &[Role],
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            q(sqlx::query("UPDATE users SET name = $1, password_hash = $2 WHERE id = $3")
                .bind(name).bind(password_hash).bind(id).execute(&mut *tx).await)?;
            q(sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut *tx).await)?;
            for role in roles {
                q(sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id).bind(role.as_str()).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(())
        })
    }

    /// Replaces a person's password hash with `new` if it is still `old` (a hash of the same
    /// password made with newer settings; a password changed meanwhile stays as it is).
    pub async fn upgrade_password_hash(&self, id: i64, old: &str, new: &str) -> Result<()> {
        on_pool!(self, p => {
            q(sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
                .bind(new).bind(id).bind(old).execute(p).await)?;
            Ok(())
        })
    }

    /// The id and password hash of an active person, for sign-in.
    pub async fn credentials(&self, email: &str) -> Result<Option<(i64, String)>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, password_hash FROM users WHERE email = $1 AND active")
            .bind(email).fetch_optional(p).await))
    }

    pub async fn user_id_by_email(&self, email: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    pub async fn viewer(&self, id: i64) -> Result<Option<Viewer>> {
        let row: Option<UserRow> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, name, email, handle FROM users WHERE id = $1 AND active")
            .bind(id).fetch_optional(p).await))?;
        match row {
            Some(u) => Ok(Some(self.with_roles(u).await?)),
            None => Ok(None),
        }
    }

    async fn with_roles(&self, u: UserRow) -> Result<Viewer> {
        let roles: Vec<(String,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT role FROM user_roles WHERE user_id = $1").bind(u.id).fetch_all(p).await))?;
        let mut roles: Vec<Role> = roles.iter().filter_map(|(r,)| r.parse().ok()).collect();
        roles.sort();
        Ok(Viewer {
            id: u.id,
            name: u.name,
            email: u.email,
            handle: u.handle,
            roles,
        })
    }

    // ----- sessions and tokens -------------------------------------------------------------

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
    ) -> Result<()> {
        let now = self.now();
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash).bind(user_id).bind(now).bind(expires_at).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    /// The person a live session belongs to.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(self.now()).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    /// Live and expired sessions in the table, for tests and diagnostics.
    pub async fn count_sessions(&self) -> Result<i64> {
        on_pool!(self, p => q(sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(p).await))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    /// Ends every other session of `user_id` but the one just made: signing in again ends the
    /// previous session wherever it was.
    pub async fn delete_sessions_of(&self, user_id: i64, except_hash: &str) -> Result<u64> {
        on_pool!(self, p => q(sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id).bind(except_hash).execute(p).await.map(|r| r.rows_affected())))
    }

    pub async fn create_api_token(&self, t: &NewApiToken<'_>) -> Result<i64> {
        on_pool!(self, p => q(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(t.user_id).bind(t.token_hash).bind(t.label).bind(t.scopes).bind(self.now()).bind(t.expires_at)
            .fetch_one(p).await))
    }

    /// The person and scopes of a live token: not expired, not revoked. Its last use is
    /// written at most once a minute: a read through the API is not a write on the database.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<(i64, String)>> {
        const LAST_USED_STEP_MS: i64 = 60_000;
        let now = self.now();
        on_pool!(self, p => {
            let row: Option<(i64, i64, String, Option<i64>)> = q(sqlx::query_as(
                "SELECT id, user_id, scopes, last_used_at FROM api_tokens \
                 WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2")
                .bind(token_hash).bind(now).fetch_optional(p).await)?;
            let Some((id, user, scopes, last_used)) = row else { return Ok(None) };
            if last_used.is_none_or(|t| t <= now - LAST_USED_STEP_MS) {
                q(sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now).bind(id).execute(p).await)?;
            }
            Ok(Some((user, scopes)))
        })
    }

    /// Tokens, newest first; of one person when `user_id` is given.
    pub async fn api_tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiTokenRow>> {
        const SELECT: &str =
            "SELECT t.id, u.email, t.label, t.scopes, t.created_at, t.expires_at, \
            t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id";
        on_pool!(self, p => q(match user_id {
            Some(id) => sqlx::query_as(&format!("{SELECT} WHERE t.user_id = $1 ORDER BY t.id DESC"))
                .bind(id).fetch_all(p).await,
            None => sqlx::query_as(&format!("{SELECT} ORDER BY t.id DESC")).fetch_all(p).await,
        }))
    }

    /// Revokes a token; false when there is no such token or it was revoked already.
    pub async fn revoke_api_token(&self, id: i64) -> Result<bool> {
        on_pool!(self, p => q(sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(self.now()).bind(id).execute(p).await.map(|r| r.rows_affected() == 1)))
    }

    // ----- sign-in throttling --------------------------------------------------------------

    /// Counts one attempt for `key` in a window of `window_ms` and returns the count so far,
    /// this attempt included. One statement, so concurrent attempts each see their own number.
    pub async fn count_attempt(&self, key: &str, window_ms: i64) -> Result<i64> {
        let now = self.now();
        on_pool!(self, p => q(sqlx::query_scalar(
            "INSERT INTO throttle (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN throttle.window_start <= $3 THEN 1 ELSE throttle.count + 1 END, \
               window_start = CASE WHEN throttle.window_start <= $3 THEN $2 ELSE throttle.window_start END \
             RETURNING count")
            .bind(key).bind(now).bind(now - window_ms).fetch_one(p).await))
    }

    /// Takes back one attempt of `key` (a good sign-in, or one the server could not check).
    pub async fn uncount_attempt(&self, key: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "UPDATE throttle SET count = count - 1 WHERE key = $1 AND count > 0")
            .bind(key).execute(p).await.map(|_| ())))
    }

    /// Forgets `key`'s attempts.
    pub async fn reset_attempts(&self, key: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("DELETE FROM throttle WHERE key = $1")
            .bind(key).execute(p).await.map(|_| ())))
    }

    /// Drops counts whose window ended before `before`.
    pub async fn prune_attempts(&self, before: i64) -> Result<u64> {
        on_pool!(self, p => q(sqlx::query("DELETE FROM throttle WHERE window_start < $1")
            .bind(before).execute(p).await.map(|r| r.rows_affected())))
    }

    // ----- browsers people signed in from -------------------------------------------------------

    pub async fn remember_device(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO sign_in_devices (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at")
            .bind(token_hash).bind(user_id).bind(self.now()).bind(expires_at).execute(p).await.map(|_| ())))
    }

    /// Whether `user_id` signed in from the browser holding this device secret.
    pub async fn is_known_device(&self, token_hash: &str, user_id: i64) -> Result<bool> {
        on_pool!(self, p => q(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sign_in_devices WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3)")
            .bind(token_hash).bind(user_id).bind(self.now()).fetch_one(p).await))
    }
}

/// A token to save; only the hash of its secret.
#[derive(Debug)]
pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub token_hash: &'a str,
    pub label: &'a str,
    /// Space-separated: `read`, `write`.
    pub scopes: &'a str,
    pub expires_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub email: String,
    pub label: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, FromRow)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    handle: String,
}
