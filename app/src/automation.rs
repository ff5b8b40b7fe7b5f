//! Server functions for Tier 4 (rules and the outbox, admins only) and for each person's e-mail
//! choices: thin wrappers that find who is asking and call `ssr::automation`, which checks.

use crate::domain::error::AppError;
use crate::model::automation::{AutomationView, EmailPref, RuleOutcome, TryView};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(prefix = "/fn", endpoint = "automation")]
pub async fn automation() -> Result<AutomationView, AppError> {
    use crate::ssr::{automation, ctx};
    automation::automation(&ctx::state()?, &ctx::require_viewer()?).await
}

/// Saves the rule (`intent` "save"; `id` empty for a new one) or tries it on request
/// `try_request` without saving (`intent` "try"). `enabled` is a checkbox: present when ticked.
#[server(prefix = "/fn", endpoint = "save_rule")]
#[allow(clippy::too_many_arguments)]
pub async fn save_rule(
    #[server(default)] intent: String,
    #[server(default)] id: String,
    #[server(default)] name: String,
    #[server(default)] trigger: String,
    #[server(default)] match_all: String,
    #[server(default)] conditions: String,
    #[server(default)] actions: String,
    #[server(default)] enabled: Option<String>,
    #[server(default)] try_request: String,
) -> Result<RuleOutcome, AppError> {
    use crate::ssr::{automation, ctx};
    let (st, v) = (ctx::state()?, ctx::require_viewer()?);
    let input = automation::RuleInput {
        name: &name,
        trigger: &trigger,
        match_all: &match_all,
        conditions: &conditions,
        actions: &actions,
        enabled: enabled.is_some(),
    };
    if intent == "try" {
        let tried = automation::try_rule(&st, &v, &input, &try_request).await?;
        // Without JavaScript the page shows the try from its address, the form as it was sent.
        let query: String = form_urlencoded_pairs(&[
            ("id", &id),
            ("name", &name),
            ("trigger", &trigger),
            ("match_all", &match_all),
            ("conditions", &conditions),
            ("actions", &actions),
            ("try_request", &try_request),
        ]);
        ctx::redirect_form(&format!("/admin/rules?{query}#rule-form"));
        return Ok(RuleOutcome::Tried(tried));
    }
    let id = automation::save_rule(&st, &v, &id, &input).await?;
    ctx::redirect_form("/admin/rules");
    Ok(RuleOutcome::Saved(id))
}

#[cfg(feature = "ssr")]
fn form_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What a rule written in the page's address would do (the page without JavaScript).
#[server(prefix = "/fn", endpoint = "try_rule", input = GetUrl)]
pub async fn try_rule(
    #[server(default)] name: String,
    #[server(default)] trigger: String,
    #[server(default)] match_all: String,
    #[server(default)] conditions: String,
    #[server(default)] actions: String,
    #[server(default)] try_request: String,
) -> Result<TryView, AppError> {
    use crate::ssr::{automation, ctx};
    let input = automation::RuleInput {
        name: &name,
        trigger: &trigger,
        match_all: &match_all,
        conditions: &conditions,
        actions: &actions,
        enabled: true,
    };
    automation::try_rule(
        &ctx::state()?,
        &ctx::require_viewer()?,
        &input,
        &try_request,
    )
    .await
}

/// `op`: delete, enable, disable, up or down.
#[server(prefix = "/fn", endpoint = "change_rule")]
pub async fn change_rule(id: String, op: String) -> Result<(), AppError> {
    use crate::ssr::{automation, ctx};
    automation::change_rule(&ctx::state()?, &ctx::require_viewer()?, &id, &op).await
}

#[server(prefix = "/fn", endpoint = "retry_dead_letter")]
pub async fn retry_dead_letter(id: String) -> Result<(), AppError> {
    use crate::ssr::{automation, ctx};
    automation::retry_dead(&ctx::state()?, &ctx::require_viewer()?, &id).await
}

#[server(prefix = "/fn", endpoint = "email_prefs")]
pub async fn email_prefs() -> Result<Vec<EmailPref>, AppError> {
    use crate::ssr::{automation, ctx};
    automation::email_prefs(&ctx::state()?, &ctx::require_viewer()?).await
}

/// Each topic is a checkbox: present when the person wants that e-mail.
#[server(prefix = "/fn", endpoint = "set_email_prefs")]
pub async fn set_email_prefs(
    #[server(default)] replies: Option<String>,
    #[server(default)] state: Option<String>,
    #[server(default)] approvals: Option<String>,
    #[server(default)] tasks: Option<String>,
    #[server(default)] sla: Option<String>,
    #[server(default)] rules: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{automation, ctx};
    let on: Vec<String> = [
        ("replies", replies),
        ("state", state),
        ("approvals", approvals),
        ("tasks", tasks),
        ("sla", sla),
        ("rules", rules),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, _)| k.to_string())
    .collect();
    automation::set_email_prefs(&ctx::state()?, &ctx::require_viewer()?, &on).await
}
