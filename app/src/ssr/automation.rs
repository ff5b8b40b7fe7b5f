//! Rules and the outbox for admins, and each person's e-mail choices. Every call checks who is
//! asking here, whatever the page shows.

use super::ctx::AppState;
use crate::domain::access::require_admin;
use crate::domain::error::{AppError, Problems};
use crate::domain::request::{parse_text, RequestKey};
use crate::domain::rule::{
    self, actions_text, conditions_text, parse_actions, parse_conditions, Rule, Trigger,
    RULE_NAME_MAX,
};
use crate::domain::user::Viewer;
use crate::model::automation::{AutomationView, EmailPref, OutboxEntryView, RuleView, TryView};

/// The topics of e-mail a person can turn off, with what the settings page calls them.
pub const EMAIL_TOPICS: &[(&str, &str)] = &[
    ("replies", "Replies on my requests"),
    ("state", "Changes of state of my requests"),
    ("approvals", "Approvals waiting for me"),
    ("tasks", "Tasks for my team"),
    ("sla", "Service levels at risk on requests assigned to me"),
    ("rules", "Notices sent by the helpdesk's rules"),
];

/// What the admin typed, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct RuleInput<'a> {
    pub name: &'a str,
    pub trigger: &'a str,
    pub match_all: &'a str,
    pub conditions: &'a str,
    pub actions: &'a str,
    pub enabled: bool,
}

/// The rule, or every field found wrong at once.
pub fn parse_rule(input: &RuleInput<'_>) -> Result<Rule, AppError> {
    let mut problems = Problems::default();
    let name = problems.check(parse_text(
        "name",
        "the rule's name",
        input.name,
        RULE_NAME_MAX,
    ));
    let trigger = problems.check(Trigger::parse("trigger", input.trigger));
    let match_all = match input.match_all.trim() {
        "" | "all" => Some(true),
        "any" => Some(false),
        _ => problems.check(Err(AppError::invalid(
            "match_all",
            "Choose whether all conditions or any one must hold.",
        ))),
    };
    let conditions = problems.check(parse_conditions("conditions", input.conditions));
    let actions = problems.check(parse_actions("actions", input.actions));
    problems.finish()?;
    match (name, trigger, match_all, conditions, actions) {
        (Some(name), Some(trigger), Some(match_all), Some(conditions), Some(actions)) => Ok(Rule {
            id: 0,
            name,
            enabled: input.enabled,
            trigger,
            match_all,
            conditions,
            actions,
        }),
        _ => Err(AppError::Internal),
    }
}

fn rule_view(r: &Rule) -> RuleView {
    RuleView {
        id: r.id,
        name: r.name.clone(),
        enabled: r.enabled,
        trigger: r.trigger.as_str().to_string(),
        trigger_label: r.trigger.label().to_string(),
        match_all: r.match_all,
        conditions: conditions_text(&r.conditions),
        actions: actions_text(&r.actions),
    }
}

pub async fn automation(st: &AppState, v: &Viewer) -> Result<AutomationView, AppError> {
    require_admin(v)?;
    let rules = st
        .db
        .rules()
        .await?
        .iter()
        .filter_map(|r| r.rule())
        .map(|r| rule_view(&r))
        .collect();
    let dead = st
        .db
        .dead_letters(50)
        .await?
        .into_iter()
        .map(|e| OutboxEntryView {
            id: e.id,
            topic: e.topic,
            request: e.request_id.map(|id| RequestKey::new(id).to_string()),
            attempts: e.attempts,
            last_error: e.last_error.unwrap_or_default(),
            created_at: e.created_at,
        })
        .collect();
    let counts = st
        .db
        .outbox_counts()
        .await?
        .into_iter()
        .map(|c| (c.topic, c.state, c.n))
        .collect();
    Ok(AutomationView {
        rules,
        triggers: Trigger::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), t.label().to_string()))
            .collect(),
        dead,
        counts,
    })
}

/// What `rule` would do to `request` (a key such as REQ-12), as if it were switched on.
pub async fn try_rule(
    st: &AppState,
    v: &Viewer,
    input: &RuleInput<'_>,
    request: &str,
) -> Result<TryView, AppError> {
    require_admin(v)?;
    let key = request.trim().parse::<RequestKey>().map_err(|_| {
        AppError::invalid("try_request", "Name a request by its key, such as REQ-12.")
    });
    let mut problems = Problems::default();
    let key = problems.check(key);
    let rule = problems.check(parse_rule(input));
    problems.finish()?;
    let (Some(key), Some(mut rule)) = (key, rule) else {
        return Err(AppError::Internal);
    };
    let (Some(facts), Some(row)) = (st.db.facts(key.number()).await?, st.db.request(key).await?)
    else {
        return Err(AppError::invalid(
            "try_request",
            format!("There is no request {key}."),
        ));
    };
    rule.enabled = true;
    let (steps, skipped) = rule::plan(std::slice::from_ref(&rule), rule.trigger, &facts);
    Ok(TryView {
        request: key.to_string(),
        title: row.title,
        steps: steps.iter().map(|s| s.action.describe()).collect(),
        skipped: skipped.first().map(|s| s.reason.clone()).or_else(|| {
            steps
                .is_empty()
                .then(|| "every action would change nothing".to_string())
        }),
    })
}

fn rule_id(raw: &str) -> Result<Option<i64>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("id", "This is not a rule the page gave out.")),
    }
}

pub async fn save_rule(
    st: &AppState,
    v: &Viewer,
    id: &str,
    input: &RuleInput<'_>,
) -> Result<i64, AppError> {
    require_admin(v)?;
    let id = rule_id(id)?;
    let rule = parse_rule(input)?;
    match st.db.save_rule(id, &rule, v.id).await {
        Ok(id) => {
            st.cache.invalidate();
            Ok(id)
        }
        Err(super::store::StoreError::Constraint(_)) => Err(AppError::invalid(
            "name",
            "Another rule has this name: choose another.",
        )),
        Err(super::store::StoreError::NotFound) => Err(AppError::NotFound {
            what: "rule".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Deletes, switches on or off, or moves a rule up or down.
pub async fn change_rule(st: &AppState, v: &Viewer, id: &str, op: &str) -> Result<(), AppError> {
    require_admin(v)?;
    let Some(id) = rule_id(id)? else {
        return Err(AppError::invalid("id", "Choose a rule."));
    };
    let found = match op {
        "delete" => st.db.delete_rule(id).await?,
        "enable" => st.db.set_rule_enabled(id, true).await?,
        "disable" => st.db.set_rule_enabled(id, false).await?,
        "up" => st.db.move_rule(id, true).await?,
        "down" => st.db.move_rule(id, false).await?,
        _ => {
            return Err(AppError::invalid(
                "op",
                "Choose delete, enable, disable, up or down.",
            ))
        }
    };
    if found {
        st.cache.invalidate();
        Ok(())
    } else {
        Err(AppError::NotFound {
            what: "rule".into(),
        })
    }
}

pub async fn retry_dead(st: &AppState, v: &Viewer, id: &str) -> Result<(), AppError> {
    require_admin(v)?;
    let id = id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("id", "Choose a dead letter."))?;
    if st.db.retry_dead(id).await? {
        Ok(())
    } else {
        Err(AppError::conflict(
            "This entry is no longer a dead letter: it was retried already.",
        ))
    }
}

pub async fn email_prefs(st: &AppState, v: &Viewer) -> Result<Vec<EmailPref>, AppError> {
    let off = st.db.email_opt_outs(v.id).await?;
    Ok(EMAIL_TOPICS
        .iter()
        .map(|(topic, label)| EmailPref {
            topic: topic.to_string(),
            label: label.to_string(),
            on: !off.iter().any(|o| o == topic),
        })
        .collect())
}

/// Sets every topic: the ones named in `on` are received, the others not.
pub async fn set_email_prefs(st: &AppState, v: &Viewer, on: &[String]) -> Result<(), AppError> {
    if let Some(bad) = on
        .iter()
        .find(|t| !EMAIL_TOPICS.iter().any(|(k, _)| k == t))
    {
        return Err(AppError::invalid(
            "on",
            format!(
                "There is no kind of e-mail \u{201c}{}\u{201d}.",
                crate::domain::text::clip(bad, 40)
            ),
        ));
    }
    let prefs: Vec<(&str, bool)> = EMAIL_TOPICS
        .iter()
        .map(|(k, _)| (*k, on.iter().any(|o| o == k)))
        .collect();
    st.db.set_email_prefs(v.id, &prefs).await?;
    Ok(())
}
