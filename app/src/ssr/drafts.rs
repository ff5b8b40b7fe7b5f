//! What a form held when the server refused it without JavaScript: kept for half an hour under a
//! random id that the page's address carries back, readable only by whoever posted it, never
//! with a password.

use crate::domain::error::AppError;
use crate::model::FormDraft;
use crate::ssr::auth::{new_secret, secret_hash};
use crate::ssr::store::Db;

/// How long a refused form is kept for the page it goes back to.
pub const KEPT_FOR_MS: i64 = 30 * 60 * 1000;

/// The most text one draft keeps; a larger form comes back with what fits. A visitor's forms
/// (sign-in, lockout) are short: a stranger cannot fill the database through them.
const MOST_BYTES: usize = 256 * 1024;
const MOST_BYTES_FOR_VISITORS: usize = 8 * 1024;

/// The query parameter that carries a draft's id back to its page.
pub const PARAM: &str = "__draft";

/// Fields never kept, whatever the form: anything that looks like a secret.
fn secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "secret", "token", "otp", "totp"]
        .iter()
        .any(|s| name.contains(s))
}

/// The fields worth keeping, in order: no secrets, no text that could never be stored (the
/// boundary refuses it with its own message), within `most` bytes.
pub fn keepable(fields: Vec<(String, String)>, most: usize) -> Vec<(String, String)> {
    let mut total = 0;
    fields
        .into_iter()
        .filter(|(name, value)| {
            !secret(name)
                && crate::domain::text::forbidden_char(name).is_none()
                && crate::domain::text::forbidden_char(value).is_none()
        })
        .take_while(|(name, value)| {
            total += name.len() + value.len();
            total <= most
        })
        .collect()
}

/// Keeps `fields` posted to `action` by `user_id` (`None`: a visitor); the id for the address,
/// or `None` when there is nothing worth keeping.
pub async fn keep(
    db: &Db,
    user_id: Option<i64>,
    action: &str,
    fields: Vec<(String, String)>,
) -> Result<Option<String>, AppError> {
    let most = match user_id {
        Some(_) => MOST_BYTES,
        None => MOST_BYTES_FOR_VISITORS,
    };
    let fields = keepable(fields, most);
    if fields.is_empty() {
        return Ok(None);
    }
    let id = new_secret("");
    let json = serde_json::to_string(&fields).map_err(|_| AppError::Internal)?;
    db.save_form_draft(
        &secret_hash(&id),
        user_id,
        action,
        &json,
        db.now() - KEPT_FOR_MS,
    )
    .await?;
    Ok(Some(id))
}

/// The draft `id`, if it is `user_id`'s and still kept. Anyone else's, or an unknown id, is
/// simply none: a stale or shared address shows an empty form.
pub async fn load(db: &Db, user_id: Option<i64>, id: &str) -> Result<Option<FormDraft>, AppError> {
    if id.is_empty() || id.len() > 100 {
        return Ok(None);
    }
    let Some((action, json)) = db
        .form_draft(&secret_hash(id), user_id, db.now() - KEPT_FOR_MS)
        .await?
    else {
        return Ok(None);
    };
    let fields = serde_json::from_str(&json).map_err(|_| AppError::Internal)?;
    Ok(Some(FormDraft { action, fields }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn secrets_and_unstorable_text_are_never_kept() {
        let kept = keepable(
            pairs(&[
                ("email", "mia@example.com"),
                ("password", "hunter2"),
                ("new_Password", "x"),
                ("api_token", "tdk_x"),
                ("fields[title]", "A\u{0}B"),
                ("fields[description]", "line one\nline two"),
            ]),
            MOST_BYTES,
        );
        assert_eq!(
            kept,
            pairs(&[
                ("email", "mia@example.com"),
                ("fields[description]", "line one\nline two")
            ])
        );
    }

    #[test]
    fn a_huge_form_keeps_what_fits() {
        let big = "x".repeat(200 * 1024);
        let kept = keepable(
            pairs(&[("a", &big), ("b", &big), ("c", "small")]),
            MOST_BYTES,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].0, "a");
        // A visitor's draft is small: a stranger cannot store much.
        let email = ("email".to_string(), "mia@example.com".to_string());
        let padded = vec![email.clone(), ("what".into(), "x".repeat(9 * 1024))];
        assert_eq!(keepable(padded, MOST_BYTES_FOR_VISITORS), vec![email]);
    }
}
