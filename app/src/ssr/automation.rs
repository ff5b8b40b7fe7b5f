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
use crate::domain::rule::{Action, Audience};
use crate::domain::user::{Role, Viewer};
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

/// What a rule's actions name must exist now: a macro, an issue template, a staff member, a
/// team. (It is checked again when the rule acts; the history says when it could not.)
async fn check_names(st: &AppState, rule: &Rule) -> Result<(), AppError> {
    let bad = |what: String| {
        Err(AppError::invalid(
            "actions",
            format!("{what}: check the spelling or create it first."),
        ))
    };
    for a in &rule.actions {
        match a {
            Action::ReplyWithMacro(name) => {
                if !st.db.macros().await?.iter().any(|m| &m.name == name) {
                    return bad(format!(
                        "There is no macro \u{201c}{}\u{201d}",
                        crate::domain::text::clip(name, 60)
                    ));
                }
            }
            Action::Escalate(name) => {
                if !st
                    .db
                    .issue_templates()
                    .await?
                    .iter()
                    .any(|t| t.name.eq_ignore_ascii_case(name))
                {
                    return bad(format!(
                        "There is no issue template \u{201c}{}\u{201d}",
                        crate::domain::text::clip(name, 60)
                    ));
                }
            }
            Action::Assign(handle) => {
                let staff = match st.db.user_id_by_handle(handle).await? {
                    Some(id) => st.db.viewer(id).await?.is_some_and(|p| p.is_staff()),
                    None => false,
                };
                if !staff {
                    return bad(format!(
                        "Nobody on the staff has the handle \u{201c}{}\u{201d}",
                        crate::domain::text::clip(handle, 60)
                    ));
                }
            }
            Action::RoundRobin(team) => {
                if st.db.team_member_ids(team).await?.is_empty() {
                    return bad(format!(
                        "The team \u{201c}{}\u{201d} has no members",
                        crate::domain::text::clip(team, 60)
                    ));
                }
            }
            Action::AddLabel(_)
            | Action::RemoveLabel(_)
            | Action::SetPriority(_)
            | Action::Notify(Audience::Requester | Audience::Assignee | Audience::Channel)
            | Action::ApproveBaseline => {}
        }
    }
    Ok(())
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
    check_names(st, &rule).await?;
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

#[derive(serde::Deserialize)]
struct FollowUp {
    rule: String,
    action: Action,
}

/// Does a rule's follow-up action (approve baseline, escalate) that event `entry` left, through
/// the services people use, and marks it done. Each checks first that it is not done already
/// (no pending step left; an open issue for the request), so a redelivery after a crash does
/// nothing twice.
pub async fn perform_action(
    st: &AppState,
    entry: &super::store::OutboxRow,
    owner: &str,
) -> Result<(), AppError> {
    let f: FollowUp = serde_json::from_str(&entry.payload).map_err(|_| AppError::Internal)?;
    let key = RequestKey::new(entry.request_id.ok_or(AppError::Internal)?);
    let bot = st.db.jobs_user().await?;
    match &f.action {
        Action::ApproveBaseline => {
            let note = format!(
                "Approved on behalf of the policy by the rule \u{201c}{}\u{201d}: every line asks for a baseline entitlement.",
                f.rule
            );
            super::approvals::approve_baseline(st, bot, key, &note).await?;
        }
        Action::Escalate(name) => {
            let open = st
                .db
                .issues_of_request(key.number())
                .await?
                .iter()
                .any(|i| i.state != "closed");
            if !open {
                let template = st
                    .db
                    .issue_templates()
                    .await?
                    .into_iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        AppError::invalid(
                            "template",
                            format!("There is no issue template \u{201c}{name}\u{201d}."),
                        )
                    })?;
                let Some(r) = st.db.request(key).await? else {
                    st.db.finish(entry.id, owner).await?;
                    return Ok(());
                };
                let system = st
                    .db
                    .request_lines(key)
                    .await?
                    .first()
                    .map(|l| l.system_title.clone())
                    .unwrap_or_default();
                // The rule acts as the helpdesk's automation, with an analyst's reach.
                let automation = Viewer {
                    id: bot,
                    name: "Tierdesk".into(),
                    email: "jobs@tierdesk.invalid".into(),
                    handle: "tierdesk".into(),
                    roles: vec![Role::Analyst],
                };
                let description = format!("Escalated by the rule \u{201c}{}\u{201d}.", f.rule);
                super::tracker::create_issue(
                    st,
                    &automation,
                    &super::tracker::IssueInput {
                        template: &template.id.to_string(),
                        system: &system,
                        title: &r.title,
                        description: &description,
                        request: &key.to_string(),
                    },
                )
                .await?;
            }
        }
        _ => return Err(AppError::Internal),
    }
    st.db.finish(entry.id, owner).await?;
    Ok(())
}
