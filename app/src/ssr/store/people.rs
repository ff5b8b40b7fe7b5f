//! People, sessions, API tokens and sign-in throttling.

use super::{now_ms, q, Db, Result};
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
        let now = now_ms();
        on_pool!(self, p => {
            let mut tx = q(p.begin().await)?;
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
            let mut tx = q(p.begin().await)?;
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
        let now = now_ms();
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash).bind(user_id).bind(now).bind(expires_at).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    /// The person a live session belongs to.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now_ms()).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
    ) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id).bind(token_hash).bind(label).bind(now_ms()).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 RETURNING user_id")
            .bind(now_ms()).bind(token_hash).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    // ----- sign-in throttling --------------------------------------------------------------

    pub async fn record_sign_in_failure(&self, email: &str, ip: &str) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO sign_in_failures (email, ip, at) VALUES ($1, $2, $3)")
            .bind(email).bind(ip).bind(now_ms()).execute(p).await.map(|_| ())))?;
        Ok(())
    }

    /// Failures since `since` for this e-mail and for this address.
    pub async fn sign_in_failures(&self, email: &str, ip: &str, since: i64) -> Result<(i64, i64)> {
        on_pool!(self, p => {
            let (by_email,): (i64,) = q(sqlx::query_as(
                "SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND at > $2")
                .bind(email).bind(since).fetch_one(p).await)?;
            let (by_ip,): (i64,) = q(sqlx::query_as(
                "SELECT COUNT(*) FROM sign_in_failures WHERE ip = $1 AND at > $2")
                .bind(ip).bind(since).fetch_one(p).await)?;
            Ok((by_email, by_ip))
        })
    }

    /// After a good sign-in, forget this e-mail's failures; also drop failures too old to matter.
    pub async fn clear_sign_in_failures(&self, email: &str, older_than: i64) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "DELETE FROM sign_in_failures WHERE email = $1 OR at < $2")
            .bind(email).bind(older_than).execute(p).await.map(|_| ())))?;
        Ok(())
    }
}

#[derive(Debug, FromRow)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    handle: String,
}
