//! The front page (issue 15): the outage notice admins set, the most used guides, and the
//! person's open requests.

use super::ctx::AppState;
use crate::domain::access;
use crate::domain::error::AppError;
use crate::domain::user::{Role, Viewer};
use crate::model::HomeView;

/// Where the notice is kept (the `settings` table: every instance reads the same).
const NOTICE_KEY: &str = "home_notice";
pub const NOTICE_MAX: usize = 500;

pub async fn view(st: &AppState, v: Option<&Viewer>) -> Result<HomeView, AppError> {
    let notice = st
        .db
        .setting(NOTICE_KEY)
        .await?
        .filter(|n| !n.trim().is_empty());
    let popular = st
        .db
        .popular_guides(access::can_read_internal_guides(v), 6)
        .await?
        .iter()
        .map(super::guides::summary)
        .collect();
    let open = match v {
        Some(v) => {
            let mut mine = super::service::my_requests_filtered(st, v, "open", "").await?;
            mine.truncate(5);
            mine
        }
        None => Vec::new(),
    };
    Ok(HomeView {
        notice,
        popular,
        open,
        can_set_notice: v.is_some_and(|v| v.has(Role::Admin)),
    })
}

pub async fn set_notice(st: &AppState, v: &Viewer, notice: &str) -> Result<(), AppError> {
    if !v.has(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let notice = notice.trim();
    if notice.chars().count() > NOTICE_MAX {
        return Err(AppError::invalid(
            "notice",
            format!("Keep the notice under {NOTICE_MAX} characters."),
        ));
    }
    st.db.set_setting(NOTICE_KEY, notice).await?;
    tracing::info!(
        admin = v.id,
        cleared = notice.is_empty(),
        "front page notice set"
    );
    Ok(())
}
