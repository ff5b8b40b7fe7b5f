//! Tier 3: escalating a request to engineering, and working the tracker's issues. The same
//! services serve the pages, the server functions and the JSON API, and check who asks first.

use super::ctx::AppState;
use super::reading::{facts, load_visible};
use super::store::{
    IssueCardRow, IssueEdit, IssueFilter, IssueRow, IssueTemplateRow, NewIssue, RequestRow,
};
use crate::domain::access::{self, can_work_issues, require_issue_work, require_tracker};
use crate::domain::error::{AppError, Problems};
use crate::domain::request::{parse_text, RequestKey, COMMENT_MAX};
use crate::domain::time::Timestamp;
use crate::domain::tracker::{
    parse_assignees, parse_description, parse_due, parse_label, parse_labels, IssueKey,
    IssuePriority, IssueState, SystemOwners, TITLE_MAX,
};
use crate::domain::user::Viewer;
use crate::model::tracker::{
    BoardColumn, BoardView, EscalateOptions, EscalationView, IssueAssignee, IssueCard,
    IssueCommentView, IssueDetail, IssueListView, IssueQuery,
};
use crate::model::HistoryEntry;
use std::collections::HashMap;

/// Issues per page of the list, and cards per column of the board.
pub const ISSUE_PAGE: i64 = 50;
pub const BOARD_COLUMN: i64 = 50;

/// What a new issue is made of, as the escalation form, the new-issue form and the API send it.
#[derive(Debug, Clone, Default)]
pub struct IssueInput<'a> {
    /// A template's id, or empty for none.
    pub template: &'a str,
    /// A registry system's title, or empty.
    pub system: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// The request escalated (`REQ-12`), or empty.
    pub request: &'a str,
}

/// The issue behind `key`, for staff; "not found" for anything else.
async fn load_issue(st: &AppState, v: &Viewer, key: &str) -> Result<IssueRow, AppError> {
    require_tracker(v)?;
    let key: IssueKey = key.parse()?;
    st.db
        .issue(key.number())
        .await?
        .ok_or_else(|| AppError::not_found("That issue"))
}

fn state_of(raw: &str) -> IssueState {
    raw.parse().unwrap_or(IssueState::Inbox)
}

fn priority_of(raw: &str) -> IssuePriority {
    IssuePriority::parse("priority", raw).unwrap_or(IssuePriority::P2)
}

/// Cards for these rows, with their labels and assignees in two queries for the lot.
async fn cards(st: &AppState, rows: Vec<IssueCardRow>) -> Result<Vec<IssueCard>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut labels: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, l) in st.db.labels_of_issues(&ids).await? {
        labels.entry(id).or_default().push(l);
    }
    let mut assignees: HashMap<i64, Vec<String>> = HashMap::new();
    for a in st.db.assignees_of_issues(&ids).await? {
        assignees
            .entry(a.issue_id)
            .or_default()
            .push(a.user_name.unwrap_or(a.name));
    }
    Ok(rows
        .into_iter()
        .map(|r| IssueCard {
            key: IssueKey::new(r.id).to_string(),
            state: state_of(&r.state),
            priority: priority_of(&r.priority),
            labels: labels.remove(&r.id).unwrap_or_default(),
            assignees: assignees.remove(&r.id).unwrap_or_default(),
            due_on: r.due_on,
            system: r.system_title,
            request: r.request_id.map(|id| RequestKey::new(id).to_string()),
            created_at: Timestamp::from_millis(r.created_at),
            updated_at: Timestamp::from_millis(r.updated_at),
            title: r.title,
        })
        .collect())
}

/// The filter a page's address or an API query asks for, checked field by field.
fn filter_of(v: &Viewer, query: &IssueQuery) -> Result<(IssueFilter, Option<i64>), AppError> {
    let mut problems = Problems::default();
    let state = query.state.trim();
    if !(state.is_empty() || state == "open") {
        problems.check(
            state
                .parse::<IssueState>()
                .map_err(|m| AppError::invalid("state", m)),
        );
    }
    let label = query.label.trim();
    if !label.is_empty() {
        problems.check(parse_label("label", label));
    }
    let assignee = query.assignee.trim().trim_start_matches('@').to_lowercase();
    let mine = (assignee == "me").then_some(v.id);
    for (field, value, max) in [
        ("assignee", assignee.as_str(), 100),
        ("system", query.system.trim(), 100),
        ("q", query.q.trim(), 200),
    ] {
        problems.check(crate::domain::text::check(field, value));
        if value.chars().count() > max {
            problems.check::<()>(Err(AppError::invalid(
                field,
                format!("This is longer than {max} characters."),
            )));
        }
    }
    let before =
        match query.before.trim() {
            "" => None,
            b => problems.check(b.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                AppError::invalid("before", "This is not a page the list gave out.")
            })),
        };
    problems.finish()?;
    Ok((
        IssueFilter {
            state: state.to_string(),
            label: label.to_lowercase(),
            assignee: if mine.is_some() {
                String::new()
            } else {
                assignee
            },
            mine,
            system: query.system.trim().to_string(),
            text: query.q.trim().to_string(),
        },
        before,
    ))
}

pub async fn issue_list(
    st: &AppState,
    v: &Viewer,
    query: &IssueQuery,
) -> Result<IssueListView, AppError> {
    require_tracker(v)?;
    let (filter, before) = filter_of(v, query)?;
    let rows = st.db.issue_list(&filter, before, ISSUE_PAGE).await?;
    let next = (rows.len() as i64 == ISSUE_PAGE)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(IssueListView {
        items: cards(st, rows).await?,
        next,
        can_work: can_work_issues(v),
    })
}

pub async fn issue_board(
    st: &AppState,
    v: &Viewer,
    query: &IssueQuery,
) -> Result<BoardView, AppError> {
    require_tracker(v)?;
    let (filter, _) = filter_of(v, query)?;
    let (rows, counts) = st.db.issue_board(&filter, BOARD_COLUMN).await?;
    let mut cards = cards(st, rows).await?;
    let columns = IssueState::ALL
        .iter()
        .map(|s| BoardColumn {
            state: *s,
            count: counts
                .iter()
                .find(|(state, _)| state == s.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0),
            cards: {
                let (mine, rest): (Vec<IssueCard>, Vec<IssueCard>) = std::mem::take(&mut cards)
                    .into_iter()
                    .partition(|c| c.state == *s);
                cards = rest;
                mine
            },
        })
        .collect();
    Ok(BoardView {
        columns,
        can_move: can_work_issues(v),
    })
}

fn history_entry(e: super::store::IssueEventRow) -> HistoryEntry {
    let before = e.before.clone().unwrap_or_default();
    let after = e.after.clone().unwrap_or_default();
    let state = |s: &str| state_of(s).label().to_lowercase();
    let change = match e.field.as_str() {
        "created" => "opened the issue".to_string(),
        "state" => format!("moved it from {} to {}", state(&before), state(&after)),
        "comment" => "commented".to_string(),
        "label" if e.after.is_some() => format!("added the label {after}"),
        "label" => format!("removed the label {before}"),
        "assignee" if e.after.is_some() => format!("assigned {after}"),
        "assignee" => format!("unassigned {before}"),
        "title" => format!("renamed it from \u{201c}{before}\u{201d}"),
        "description" => "edited the description".to_string(),
        "priority" => format!("changed the priority from {before} to {after}"),
        "due_on" if after.is_empty() => "removed the due date".to_string(),
        "due_on" => format!("set the due date to {after}"),
        other => format!("changed {other}"),
    };
    HistoryEntry {
        id: e.id,
        actor: e.actor_name,
        at: Timestamp::from_millis(e.at),
        change,
    }
}

pub async fn issue_detail(st: &AppState, v: &Viewer, key: &str) -> Result<IssueDetail, AppError> {
    let i = load_issue(st, v, key).await?;
    let card_row = IssueCardRow {
        id: i.id,
        title: i.title.clone(),
        state: i.state.clone(),
        priority: i.priority.clone(),
        due_on: i.due_on.clone(),
        system_title: i.system_title.clone(),
        request_id: i.request_id,
        created_at: i.created_at,
        updated_at: i.updated_at,
    };
    let card = cards(st, vec![card_row]).await?.remove(0);
    let mut assignees = Vec::new();
    for a in st.db.assignees_of_issues(&[i.id]).await? {
        let members = if a.user_id.is_none() {
            st.db
                .group_members(&a.name)
                .await?
                .into_iter()
                .map(|(_, name)| name)
                .collect()
        } else {
            Vec::new()
        };
        assignees.push(IssueAssignee {
            handle: a.user_id.map(|_| a.name.clone()),
            name: a.user_name.unwrap_or(a.name),
            members,
        });
    }
    let work = can_work_issues(v);
    let state = state_of(&i.state);
    Ok(IssueDetail {
        description_html: super::markdown::render(&i.description),
        description: i.description,
        system_slug: i.system_slug,
        request_title: i.request_title,
        template: i.template_name,
        created_by: i.created_by_name,
        closed_at: i.closed_at.map(Timestamp::from_millis),
        assignees_detail: assignees,
        comments: st
            .db
            .issue_comments(i.id)
            .await?
            .into_iter()
            .map(|c| IssueCommentView {
                id: c.id,
                author: c.author_name,
                body: c.body,
                at: Timestamp::from_millis(c.created_at),
            })
            .collect(),
        history: st
            .db
            .issue_events(i.id)
            .await?
            .into_iter()
            .map(history_entry)
            .collect(),
        moves: if work {
            state.next_states().to_vec()
        } else {
            Vec::new()
        },
        can_work: work,
        can_comment: true,
        card,
    })
}

/// Opens an issue: from a request (an escalation, by those who work the queue, while the
/// request is open) or on its own (engineers and admins). A template, when chosen, gives the
/// labels, the priority, the system's owners as assignees and the description's skeleton.
pub async fn create_issue(
    st: &AppState,
    v: &Viewer,
    input: &IssueInput<'_>,
) -> Result<IssueKey, AppError> {
    require_tracker(v)?;
    let request = match input.request.trim() {
        "" => {
            require_issue_work(v)?;
            None
        }
        key => {
            let r = load_visible(st, v, key).await?;
            if !v.works_queue() {
                return Err(AppError::Forbidden);
            }
            if !access::can_escalate(v, &facts(&r)) {
                return Err(AppError::conflict(format!(
                    "A request that is {} cannot be escalated.",
                    r.state().label().to_lowercase()
                )));
            }
            Some(r)
        }
    };
    let mut problems = Problems::default();
    let template = match input.template.trim() {
        "" => None,
        raw => match raw.parse::<i64>().ok() {
            Some(id) => match st.db.issue_template(id).await? {
                Some(t) => Some(t),
                None => problems.check::<IssueTemplateRow>(Err(AppError::invalid(
                    "template",
                    "That template no longer exists; choose another.",
                ))),
            },
            None => problems.check::<IssueTemplateRow>(Err(AppError::invalid(
                "template",
                "Choose a template from the list.",
            ))),
        },
    };
    let system = match input.system.trim() {
        "" => None,
        title => {
            let key = crate::domain::registry::title_key(title);
            match st.db.system_brief(&key).await? {
                Some(s) => Some(s),
                None => problems.check::<super::store::SystemBrief>(Err(AppError::invalid(
                    "system",
                    format!(
                        "There is no system called \u{201c}{}\u{201d} in the registry; choose one from the list.",
                        title.chars().take(80).collect::<String>()
                    ),
                ))),
            }
        }
    };
    let title = problems.check(parse_text("title", "a title", input.title, TITLE_MAX));
    let written = problems
        .check(parse_description("description", input.description))
        .unwrap_or_default();
    problems.finish()?;
    let Some(title) = title else {
        return Err(AppError::Internal);
    };
    let owners = match &system {
        Some(s) => {
            let row = st.db.system(&s.slug).await?;
            let fields = row.map(|r| r.fields()).unwrap_or_default();
            let text = |n: &str| crate::domain::registry::text(&fields, n).unwrap_or_default();
            Some(SystemOwners::from_registry(
                &s.slug,
                &text("technical_owner"),
                &text("business_owner"),
            ))
        }
        None => None,
    };
    let start = template
        .as_ref()
        .map(|t| super::issue_templates::template_of(t).apply(owners.as_ref()));
    let mut labels = start.as_ref().map(|s| s.labels.clone()).unwrap_or_default();
    if let (None, Some(o)) = (&start, &owners) {
        labels.push(crate::domain::tracker::system_label(&o.slug));
    }
    let skeleton = start.as_ref().map(|s| s.description.trim()).unwrap_or("");
    let description = match (written.is_empty(), skeleton.is_empty()) {
        (false, false) => format!("{written}\n\n{skeleton}"),
        (false, true) => written.to_string(),
        (true, _) => skeleton.to_string(),
    };
    let priority = start
        .as_ref()
        .map(|s| s.priority)
        .unwrap_or(IssuePriority::P2);
    let assignees = start.map(|s| s.assignees).unwrap_or_default();
    let id = st
        .db
        .create_issue(
            &NewIssue {
                title: &title,
                description: &description,
                priority: priority.as_str(),
                due_on: None,
                system_id: system.as_ref().map(|s| s.id),
                request_id: request.as_ref().map(|r| r.id),
                template_id: template.as_ref().map(|t| t.id),
                labels: &labels,
                assignees: &assignees,
            },
            v.id,
        )
        .await?;
    tracing::info!(issue = id, by = v.id, request = ?request.map(|r| r.id), "issue opened");
    Ok(IssueKey::new(id))
}

pub async fn move_issue(st: &AppState, v: &Viewer, key: &str, to: &str) -> Result<(), AppError> {
    let i = load_issue(st, v, key).await?;
    require_issue_work(v)?;
    let to: IssueState = to.parse().map_err(|m| AppError::invalid("to", m))?;
    let from = state_of(&i.state);
    from.check_move(to)?;
    st.db
        .move_issue(i.id, from.as_str(), to.as_str(), v.id)
        .await
        .map_err(|e| match e {
            super::store::StoreError::Stale => AppError::conflict(
                "Someone moved this issue meanwhile. Reload the page and try again.",
            ),
            e => e.into(),
        })
}

pub async fn comment_issue(
    st: &AppState,
    v: &Viewer,
    key: &str,
    body: &str,
) -> Result<(), AppError> {
    let i = load_issue(st, v, key).await?;
    let body = parse_text("body", "a comment", body, COMMENT_MAX)?;
    st.db.comment_issue(i.id, v.id, &body).await?;
    Ok(())
}

pub async fn set_labels(st: &AppState, v: &Viewer, key: &str, raw: &str) -> Result<(), AppError> {
    let i = load_issue(st, v, key).await?;
    require_issue_work(v)?;
    let labels = parse_labels("labels", raw)?;
    st.db.set_issue_labels(i.id, &labels, v.id).await?;
    Ok(())
}

pub async fn set_assignees(
    st: &AppState,
    v: &Viewer,
    key: &str,
    raw: &str,
) -> Result<(), AppError> {
    let i = load_issue(st, v, key).await?;
    require_issue_work(v)?;
    let names = parse_assignees("assignees", raw)?;
    st.db.set_issue_assignees(i.id, &names, v.id).await?;
    Ok(())
}

/// Changes an issue's details; every field is checked before anything is saved.
pub async fn edit_issue(
    st: &AppState,
    v: &Viewer,
    key: &str,
    title: &str,
    description: &str,
    priority: &str,
    due_on: &str,
) -> Result<(), AppError> {
    let i = load_issue(st, v, key).await?;
    require_issue_work(v)?;
    let mut problems = Problems::default();
    let title = problems.check(parse_text("title", "a title", title, TITLE_MAX));
    let description = problems
        .check(parse_description("description", description))
        .unwrap_or_default();
    let priority = problems.check(IssuePriority::parse("priority", priority));
    let due = problems.check(parse_due("due_on", due_on));
    problems.finish()?;
    let (Some(title), Some(priority), Some(due)) = (title, priority, due) else {
        return Err(AppError::Internal);
    };
    st.db
        .edit_issue(
            i.id,
            &IssueEdit {
                title: Some(&title),
                description: Some(description),
                priority: Some(priority.as_str()),
                due_on: Some(due.as_deref()),
            },
            v.id,
        )
        .await?;
    Ok(())
}

// ----- a request's side ---------------------------------------------------------------------

/// A request's escalations as `v` may see them: staff get the issue's key and title, everyone
/// else only that engineers are on it and where it stands.
pub async fn escalations_of(
    st: &AppState,
    v: &Viewer,
    r: &RequestRow,
) -> Result<Vec<EscalationView>, AppError> {
    let staff = v.is_staff();
    Ok(st
        .db
        .issues_of_request(r.id)
        .await?
        .into_iter()
        .map(|i| EscalationView {
            key: staff.then(|| IssueKey::new(i.id).to_string()),
            title: staff.then(|| i.title.clone()),
            state: state_of(&i.state),
            since: Timestamp::from_millis(i.created_at),
            updated_at: Timestamp::from_millis(i.updated_at),
        })
        .collect())
}

/// The escalation form's choices, when `v` may escalate `r`.
pub async fn escalate_options(
    st: &AppState,
    v: &Viewer,
    r: &RequestRow,
) -> Result<Option<EscalateOptions>, AppError> {
    if !access::can_escalate(v, &facts(r)) {
        return Ok(None);
    }
    let system = st
        .db
        .request_lines(r.key())
        .await?
        .into_iter()
        .next()
        .map(|l| l.system_title)
        .unwrap_or_default();
    Ok(Some(EscalateOptions {
        templates: st
            .db
            .issue_templates()
            .await?
            .into_iter()
            .map(super::issue_templates::template_view)
            .collect(),
        system,
        title: r.title.clone(),
        systems: st.db.system_titles().await?,
    }))
}
