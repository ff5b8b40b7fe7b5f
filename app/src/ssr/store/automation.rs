//! Tier 4 in the database: rules, and the events they run on. An event is done in one
//! transaction that first marks its outbox entry done, only while this worker holds its lease
//! (see `outbox`), then makes the rules' changes and writes the notices they and the event
//! cause: a worker that dies leaves nothing half-done, and one whose lease ran out changes
//! nothing.

use super::outbox::{OutboxRow, CLAIM};
use super::{q, BeginWrite, Db, Result, StoreError};
use crate::domain::request::Priority;
use crate::domain::rule::{self, Action, Audience, Facts, Rule, Step, Trigger};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub position: i64,
    pub enabled: bool,
    pub trigger: String,
    pub match_all: bool,
    pub conditions: String,
    pub actions: String,
}

impl RuleRow {
    /// The rule, or `None` if what is stored no longer parses (it is then never run).
    pub fn rule(&self) -> Option<Rule> {
        Some(Rule {
            id: self.id,
            name: self.name.clone(),
            enabled: self.enabled,
            trigger: Trigger::parse("trigger", &self.trigger).ok()?,
            match_all: self.match_all,
            conditions: serde_json::from_str(&self.conditions).ok()?,
            actions: serde_json::from_str(&self.actions).ok()?,
        })
    }
}

/// What an event may fan out to, as this server is configured.
#[derive(Debug, Clone, Default)]
pub struct Fanout {
    /// E-mail is configured (an SMTP server).
    pub email: bool,
    /// A chat webhook is configured.
    pub chat: bool,
    /// The channel for events with no system, e.g. `#it-helpdesk`.
    pub default_channel: String,
}

/// Loads `$id`'s [`Facts`] (and requester and assignee ids) inside `$tx`.
macro_rules! load_facts {
    ($tx:expr, $id:expr) => {{
        let id: i64 = $id;
        let row: Option<(String, String, String, String, String, i64, Option<i64>, Option<String>, Option<String>)> =
            q(sqlx::query_as(
                "SELECT r.kind, r.priority, r.state, r.title, r.details, r.requester_id, r.assignee_id, u.department, a.handle \
                 FROM requests r JOIN users u ON u.id = r.requester_id LEFT JOIN users a ON a.id = r.assignee_id \
                 WHERE r.id = $1")
                .bind(id).fetch_optional(&mut *$tx).await)?;
        match row {
            None => None,
            Some((kind, priority, state, title, details, requester, assignee, department, handle)) => {
                let labels: Vec<(String,)> = q(sqlx::query_as(
                    "SELECT label FROM request_labels WHERE request_id = $1 ORDER BY label")
                    .bind(id).fetch_all(&mut *$tx).await)?;
                let systems: Vec<(String, String)> = q(sqlx::query_as(
                    "SELECT s.slug, s.title FROM request_lines l JOIN systems s ON s.id = l.system_id \
                     WHERE l.request_id = $1 ORDER BY l.id")
                    .bind(id).fetch_all(&mut *$tx).await)?;
                Some((
                    Facts {
                        kind,
                        priority: priority.parse::<Priority>().ok(),
                        state,
                        title,
                        labels: labels.into_iter().map(|l| l.0).collect(),
                        systems,
                        department,
                        details: details_pairs(&details),
                        assignee: handle,
                    },
                    requester,
                    assignee,
                ))
            }
        }
    }};
}

/// A request's stored form fields as (name, raw value).
fn details_pairs(json: &str) -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct D {
        name: String,
        #[serde(default)]
        raw: String,
    }
    serde_json::from_str::<Vec<D>>(json)
        .map(|ds| ds.into_iter().map(|d| (d.name, d.raw)).collect())
        .unwrap_or_default()
}

/// An event's payload, as the history trigger (or the scheduler) wrote it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct EventPayload {
    field: String,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    actor: Option<i64>,
}

/// The triggers an event raises.
fn triggers_of(field: &str) -> &'static [Trigger] {
    match field {
        "sla-at-risk" => &[Trigger::SlaAtRisk],
        "sla-breached" => &[Trigger::SlaBreached],
        "schedule" => &[Trigger::Schedule],
        other => Trigger::of_history(other),
    }
}

/// The person a notice goes to and whether they take e-mail on this topic.
const WANTS_EMAIL: &str = "SELECT u.id, u.email, u.name FROM users u WHERE u.id = $1 AND u.active = TRUE \
     AND u.email NOT LIKE '%.invalid' \
     AND NOT EXISTS (SELECT 1 FROM notification_prefs n WHERE n.user_id = u.id AND n.topic = $2 AND n.email = FALSE)";

/// Writes an e-mail notice for person `$user` on `$topic` inside `$tx`, unless they opted out.
macro_rules! notify_person {
    ($tx:expr, $now:expr, $request:expr, $user:expr, $topic:expr, $detail:expr) => {{
        let person: Option<(i64, String, String)> = q(sqlx::query_as(WANTS_EMAIL)
            .bind($user).bind($topic).fetch_optional(&mut *$tx).await)?;
        if let Some((uid, email, name)) = person {
            let payload = serde_json::json!({
                "topic": $topic, "user": uid, "to": email, "name": name, "detail": $detail,
            }).to_string();
            q(sqlx::query(
                "INSERT INTO outbox (topic, request_id, payload, due_at, created_at) VALUES ('email', $1, $2, $3, $3)")
                .bind($request).bind(payload).bind($now).execute(&mut *$tx).await)?;
        }
    }};
}

/// Writes a chat notice for the request's system's owner channel (or the default one) inside
/// `$tx`.
macro_rules! chat_notice {
    ($tx:expr, $now:expr, $request:expr, $fanout:expr, $event:expr, $detail:expr) => {{
        let channel: Option<(String,)> = q(sqlx::query_as(
            "SELECT s.owner_channel FROM request_lines l JOIN systems s ON s.id = l.system_id \
             WHERE l.request_id = $1 AND s.owner_channel <> '' ORDER BY l.id LIMIT 1")
            .bind($request).fetch_optional(&mut *$tx).await)?;
        let channel = channel.map(|c| c.0).unwrap_or_else(|| $fanout.default_channel.clone());
        let payload = serde_json::json!({ "channel": channel, "event": $event, "detail": $detail }).to_string();
        q(sqlx::query(
            "INSERT INTO outbox (topic, request_id, payload, due_at, created_at) VALUES ('webhook', $1, $2, $3, $3)")
            .bind($request).bind(payload).bind($now).execute(&mut *$tx).await)?;
    }};
}

impl Db {
    // ----- rules ----------------------------------------------------------------------------

    pub async fn rules(&self) -> Result<Vec<RuleRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT id, name, position, enabled, trigger, match_all, conditions, actions FROM rules ORDER BY position, id")
            .fetch_all(p).await))
    }

    /// Adds (`id` none) or replaces a rule; a new one goes last. [`StoreError::Constraint`] when
    /// the name is taken, [`StoreError::NotFound`] when `id` is gone.
    pub async fn save_rule(&self, id: Option<i64>, r: &Rule, actor: i64) -> Result<i64> {
        let now = self.now();
        let conditions = serde_json::to_string(&r.conditions).map_err(|_| StoreError::Stale)?;
        let actions = serde_json::to_string(&r.actions).map_err(|_| StoreError::Stale)?;
        on_pool!(self, p => {
            match id {
                None => {
                    let (id,): (i64,) = q(sqlx::query_as(
                        "INSERT INTO rules (name, position, enabled, trigger, match_all, conditions, actions, updated_by, updated_at) \
                         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM rules), $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                        .bind(&r.name).bind(r.enabled).bind(r.trigger.as_str()).bind(r.match_all)
                        .bind(&conditions).bind(&actions).bind(actor).bind(now).fetch_one(p).await)?;
                    Ok(id)
                }
                Some(id) => {
                    let done = q(sqlx::query(
                        "UPDATE rules SET name = $1, enabled = $2, trigger = $3, match_all = $4, conditions = $5, \
                         actions = $6, updated_by = $7, updated_at = $8 WHERE id = $9")
                        .bind(&r.name).bind(r.enabled).bind(r.trigger.as_str()).bind(r.match_all)
                        .bind(&conditions).bind(&actions).bind(actor).bind(now).bind(id).execute(p).await)?;
                    if done.rows_affected() == 1 { Ok(id) } else { Err(StoreError::NotFound) }
                }
            }
        })
    }

    pub async fn delete_rule(&self, id: i64) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("DELETE FROM rules WHERE id = $1").bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn set_rule_enabled(&self, id: i64, enabled: bool) -> Result<bool> {
        let done = on_pool!(self, p => q(sqlx::query("UPDATE rules SET enabled = $1 WHERE id = $2")
            .bind(enabled).bind(id).execute(p).await).map(|d| d.rows_affected()))?;
        Ok(done == 1)
    }

    /// Swaps the rule with the one before it (`up`) or after it, in one transaction.
    pub async fn move_rule(&self, id: i64, up: bool) -> Result<bool> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let Some((pos,)): Option<(i64,)> = q(sqlx::query_as("SELECT position FROM rules WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await)? else {
                let _ = tx.rollback().await;
                return Ok(false);
            };
            let other: Option<(i64, i64)> = q(sqlx::query_as(if up {
                "SELECT id, position FROM rules WHERE position < $1 ORDER BY position DESC LIMIT 1"
            } else {
                "SELECT id, position FROM rules WHERE position > $1 ORDER BY position LIMIT 1"
            }).bind(pos).fetch_optional(&mut *tx).await)?;
            if let Some((other_id, other_pos)) = other {
                q(sqlx::query("UPDATE rules SET position = $1 WHERE id = $2").bind(other_pos).bind(id).execute(&mut *tx).await)?;
                q(sqlx::query("UPDATE rules SET position = $1 WHERE id = $2").bind(pos).bind(other_id).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)?;
            Ok(true)
        })
    }

    /// What rules see of request `id` (none when it does not exist).
    pub async fn facts(&self, id: i64) -> Result<Option<Facts>> {
        on_pool!(self, p => {
            let mut conn = q(p.acquire().await)?;
            let facts = load_facts!(conn, id);
            Ok(facts.map(|f| f.0))
        })
    }

    pub async fn user_id_by_handle(&self, handle: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT id FROM users WHERE handle = $1 AND active = TRUE").bind(handle).fetch_optional(p).await))?;
        Ok(row.map(|r| r.0))
    }

    /// The active members of `team`.
    pub async fn team_member_ids(&self, team: &str) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT u.id FROM team_members t JOIN users u ON u.id = t.user_id WHERE t.team = $1 AND u.active = TRUE ORDER BY u.id")
            .bind(team).fetch_all(p).await))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The department rules see for a person (none: unknown).
    pub async fn set_department(&self, user: i64, department: Option<&str>) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("UPDATE users SET department = $1 WHERE id = $2")
            .bind(department).bind(user).execute(p).await).map(|_| ()))
    }

    /// Runs event `entry` for `owner`, who leased it: the rules for its triggers and the notices
    /// it causes, in one transaction that also marks it done. `None` when the lease was lost (the
    /// entry is someone else's now, and nothing was changed); else the steps taken.
    pub async fn run_event(
        &self,
        entry: &OutboxRow,
        owner: &str,
        fanout: &Fanout,
    ) -> Result<Option<Vec<Step>>> {
        let now = self.now();
        let event: EventPayload = serde_json::from_str(&entry.payload).unwrap_or_default();
        let rules: Vec<Rule> = self
            .rules()
            .await?
            .iter()
            .filter_map(RuleRow::rule)
            .collect();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let outcome: Result<Option<Vec<Step>>> = async {
                let claimed = q(sqlx::query(CLAIM).bind(now).bind(entry.id).bind(owner).execute(&mut *tx).await)?;
                if claimed.rows_affected() != 1 {
                    return Ok(None);
                }
                let Some(request) = entry.request_id else { return Ok(Some(Vec::new())) };
                let Some((facts, requester, assignee)) = load_facts!(tx, request) else {
                    return Ok(Some(Vec::new()));
                };
                let (bot,): (i64,) = q(sqlx::query_as(
                    "SELECT id FROM users WHERE handle = 'tierdesk' AND email = 'jobs@tierdesk.invalid'")
                    .fetch_one(&mut *tx).await)?;
                let mut steps = Vec::new();
                for trigger in triggers_of(&event.field) {
                    let (planned, _) = rule::plan(&rules, *trigger, &facts);
                    steps.extend(planned);
                }
                let mut assignee = assignee;
                for (n, step) in steps.iter().enumerate() {
                    let rid = step.rule_id;
                    // A history line of this rule's, and a label it adds.
                    macro_rules! history {
                        ($field:expr, $before:expr, $after:expr) => {
                            q(sqlx::query(RULE_EVENT).bind(request).bind(bot).bind(now).bind($field)
                                .bind($before).bind($after).bind(rid).execute(&mut *tx).await)?
                        };
                    }
                    macro_rules! add_label {
                        ($label:expr) => {{
                            let added = q(sqlx::query("INSERT INTO request_labels (request_id, label) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                                .bind(request).bind($label).execute(&mut *tx).await)?;
                            if added.rows_affected() == 1 {
                                history!("label", None::<String>, $label);
                            }
                        }};
                    }
                    match &step.action {
                        Action::AddLabel(l) => add_label!(l),
                        Action::RemoveLabel(l) => {
                            let gone = q(sqlx::query("DELETE FROM request_labels WHERE request_id = $1 AND label = $2")
                                .bind(request).bind(l).execute(&mut *tx).await)?;
                            if gone.rows_affected() == 1 {
                                history!("label", l, None::<String>);
                            }
                        }
                        Action::SetPriority(pr) => {
                            let (before,): (String,) = q(sqlx::query_as("SELECT priority FROM requests WHERE id = $1")
                                .bind(request).fetch_one(&mut *tx).await)?;
                            if before != pr.as_str() {
                                q(sqlx::query("UPDATE requests SET priority = $1 WHERE id = $2")
                                    .bind(pr.as_str()).bind(request).execute(&mut *tx).await)?;
                                history!("priority", before, pr.as_str());
                                settle_clocks!(tx, request, now);
                            }
                        }
                        Action::Assign(_) | Action::RoundRobin(_) => {
                            let who: Option<(i64,)> = match &step.action {
                                Action::Assign(handle) => q(sqlx::query_as(
                                    "SELECT u.id FROM users u WHERE u.handle = $1 AND u.active = TRUE AND EXISTS \
                                     (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('analyst', 'engineer', 'admin'))")
                                    .bind(handle).fetch_optional(&mut *tx).await)?,
                                Action::RoundRobin(team) => q(sqlx::query_as(
                                    "SELECT u.id FROM team_members t JOIN users u ON u.id = t.user_id WHERE t.team = $1 AND u.active = TRUE \
                                     ORDER BY (SELECT COUNT(*) FROM requests r WHERE r.assignee_id = u.id \
                                       AND r.state NOT IN ('resolved', 'closed', 'denied', 'cancelled')), u.id LIMIT 1")
                                    .bind(team).fetch_optional(&mut *tx).await)?,
                                _ => None,
                            };
                            match who {
                                Some((to,)) if Some(to) != assignee => {
                                    q(sqlx::query("UPDATE requests SET assignee_id = $1 WHERE id = $2")
                                        .bind(to).bind(request).execute(&mut *tx).await)?;
                                    q(sqlx::query(
                                        "INSERT INTO request_events (request_id, actor_id, at, field, before, after, rule_id) \
                                         VALUES ($1, $2, $3, 'assignee', (SELECT name FROM users WHERE id = $4), (SELECT name FROM users WHERE id = $5), $6)")
                                        .bind(request).bind(bot).bind(now).bind(assignee).bind(to).bind(rid)
                                        .execute(&mut *tx).await)?;
                                    assignee = Some(to);
                                }
                                Some(_) => {}
                                None => {
                                    history!("rule", None::<String>, format!("could not {}: no such active staff member or team", step.action.describe()));
                                }
                            }
                        }
                        Action::ReplyWithMacro(name) => {
                            let m: Option<(String, String)> = q(sqlx::query_as("SELECT body, add_labels FROM macros WHERE name = $1")
                                .bind(name).fetch_optional(&mut *tx).await)?;
                            match m {
                                Some((body, labels)) => {
                                    q(sqlx::query("INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES ($1, $2, $3, FALSE, $4)")
                                        .bind(request).bind(bot).bind(&body).bind(now).execute(&mut *tx).await)?;
                                    history!("reply", None::<String>, None::<String>);
                                    for l in labels.split_whitespace() {
                                        add_label!(l);
                                    }
                                    if fanout.email {
                                        notify_person!(tx, now, request, requester, "replies", body.chars().take(2000).collect::<String>());
                                    }
                                }
                                None => {
                                    history!("rule", None::<String>, format!("could not {}: there is no such macro", step.action.describe()));
                                }
                            }
                        }
                        Action::ApproveBaseline | Action::Escalate(_) => {
                            // Done next by a worker, through the services people use; once,
                            // by its key.
                            let payload = serde_json::json!({
                                "rule": step.rule_name, "action": step.action,
                            }).to_string();
                            q(sqlx::query(
                                "INSERT INTO outbox (topic, request_id, dedupe, payload, due_at, created_at) \
                                 VALUES ('action', $1, $2, $3, $4, $4) ON CONFLICT DO NOTHING")
                                .bind(request).bind(format!("action:{}:{}:{}", entry.id, rid, n))
                                .bind(payload).bind(now).execute(&mut *tx).await)?;
                        }
                        Action::Notify(audience) => {
                            let detail = format!("Rule \u{201c}{}\u{201d}", step.rule_name);
                            match audience {
                                Audience::Requester if fanout.email => notify_person!(tx, now, request, requester, "rules", detail),
                                Audience::Assignee if fanout.email => {
                                    if let Some(a) = assignee {
                                        notify_person!(tx, now, request, a, "rules", detail);
                                    }
                                }
                                Audience::Channel if fanout.chat => {
                                    chat_notice!(tx, now, request, fanout, "rule", detail);
                                }
                                _ => {}
                            }
                            history!("rule", None::<String>, step.action.describe());
                        }
                    }
                }
                if !steps.is_empty() {
                    q(sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2").bind(now).bind(request).execute(&mut *tx).await)?;
                }
                // The notices every event of this kind sends, whatever the rules.
                if fanout.email && event.actor != Some(bot) {
                    let by_requester = event.actor == Some(requester);
                    match event.field.as_str() {
                        "reply" if !by_requester => {
                            let body: Option<(String,)> = q(sqlx::query_as(
                                "SELECT body FROM comments WHERE request_id = $1 AND internal = FALSE ORDER BY id DESC LIMIT 1")
                                .bind(request).fetch_optional(&mut *tx).await)?;
                            let body = body.map(|b| b.0.chars().take(2000).collect::<String>()).unwrap_or_default();
                            notify_person!(tx, now, request, requester, "replies", body);
                        }
                        "state" if !by_requester => {
                            let after = event.after.clone().unwrap_or_default();
                            notify_person!(tx, now, request, requester, "state", after);
                        }
                        "created" => {
                            let approvers: Vec<(i64,)> = q(sqlx::query_as(
                                "SELECT DISTINCT approver_id FROM approvals WHERE request_id = $1 AND state = 'pending' AND approver_id IS NOT NULL")
                                .bind(request).fetch_all(&mut *tx).await)?;
                            for (a,) in approvers {
                                notify_person!(tx, now, request, a, "approvals", String::new());
                            }
                        }
                        _ => {}
                    }
                    if event.field == "state" && event.after.as_deref() == Some("in-progress") {
                        let provisioners: Vec<(i64,)> = q(sqlx::query_as(
                            "SELECT DISTINCT tm.user_id FROM tasks t JOIN team_members tm ON tm.team = t.team \
                             WHERE t.request_id = $1 AND t.state = 'open'")
                            .bind(request).fetch_all(&mut *tx).await)?;
                        for (u,) in provisioners {
                            notify_person!(tx, now, request, u, "tasks", String::new());
                        }
                    }
                    if event.field == "sla-at-risk" || event.field == "sla-breached" {
                        if let Some(a) = assignee {
                            notify_person!(tx, now, request, a, "sla", event.field.clone());
                        }
                    }
                }
                if fanout.chat && event.field == "sla-breached" {
                    chat_notice!(tx, now, request, fanout, "sla-breached", String::from("Service level breached"));
                }
                Ok(Some(steps))
            }.await;
            match outcome {
                Ok(Some(steps)) => {
                    q(tx.commit().await)?;
                    Ok(Some(steps))
                }
                Ok(None) => {
                    let _ = tx.rollback().await;
                    Ok(None)
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            }
        })
    }

    /// A person's e-mail choices: the topics they turned off.
    pub async fn email_opt_outs(&self, user: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, p => q(sqlx::query_as(
            "SELECT topic FROM notification_prefs WHERE user_id = $1 AND email = FALSE ORDER BY topic")
            .bind(user).fetch_all(p).await))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Sets every topic's choice for `user` in one transaction.
    pub async fn set_email_prefs(&self, user: i64, prefs: &[(&str, bool)]) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for (topic, on) in prefs {
                q(sqlx::query(
                    "INSERT INTO notification_prefs (user_id, topic, email) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id, topic) DO UPDATE SET email = excluded.email")
                    .bind(user).bind(*topic).bind(*on).execute(&mut *tx).await)?;
            }
            q(tx.commit().await)
        })
    }
}

/// A history line written by a rule: attributed to the automation user and the rule.
const RULE_EVENT: &str =
    "INSERT INTO request_events (request_id, actor_id, at, field, before, after, rule_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
