//! What the tracker's pages, server functions and JSON API send: issues as cards and in full,
//! the board, templates, and a request's escalations as its requester and staff see them.

use super::HistoryEntry;
use crate::domain::time::Timestamp;
use crate::domain::tracker::{IssuePriority, IssueState};
use serde::{Deserialize, Serialize};

/// An issue as the list, the board and a request's page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueCard {
    pub key: String,
    pub title: String,
    pub state: IssueState,
    pub priority: IssuePriority,
    pub labels: Vec<String>,
    /// People by name, groups by their name.
    pub assignees: Vec<String>,
    pub due_on: Option<String>,
    pub system: Option<String>,
    /// The request it was escalated from (`REQ-12`).
    pub request: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The list's filters, as the page's address carries them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct IssueQuery {
    /// A state, `open`, or empty for all.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub label: String,
    /// An assignee's handle or group name; `me` for the viewer and the groups they are in.
    #[serde(default)]
    pub assignee: String,
    /// A system's slug.
    #[serde(default)]
    pub system: String,
    #[serde(default)]
    pub q: String,
    /// The `next` of the previous page.
    #[serde(default)]
    pub before: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueListView {
    pub items: Vec<IssueCard>,
    /// The `before` of the next page, when there is one.
    pub next: Option<String>,
    /// The viewer may open issues that do not come from a request, and work them.
    pub can_work: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoardColumn {
    pub state: IssueState,
    /// Issues in this state under the filter (the column shows the most urgent of them).
    pub count: i64,
    pub cards: Vec<IssueCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoardView {
    pub columns: Vec<BoardColumn>,
    /// The viewer may move cards.
    pub can_move: bool,
}

/// One assignee: a person, or a group with the people in it that the portal knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueAssignee {
    pub name: String,
    /// The person's handle, when the assignee is a person.
    pub handle: Option<String>,
    /// The group's members the portal knows, when the assignee is a group.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueCommentView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueDetail {
    #[serde(flatten)]
    pub card: IssueCard,
    /// The Markdown as written.
    pub description: String,
    /// The Markdown rendered and sanitized.
    pub description_html: String,
    pub system_slug: Option<String>,
    pub request_title: Option<String>,
    pub template: Option<String>,
    pub created_by: String,
    pub closed_at: Option<Timestamp>,
    pub assignees_detail: Vec<IssueAssignee>,
    pub comments: Vec<IssueCommentView>,
    pub history: Vec<HistoryEntry>,
    /// The states the viewer may move it to now.
    pub moves: Vec<IssueState>,
    /// Relabel, reassign, edit (engineers and admins).
    pub can_work: bool,
    pub can_comment: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssueTemplateView {
    pub id: i64,
    pub name: String,
    pub labels: Vec<String>,
    pub priority: IssuePriority,
    pub assign_owners: bool,
    pub description: String,
}

/// An issue a request was escalated to, as the request's page shows it. Its requester sees
/// that engineers are on it and where it stands, never its title, labels or discussion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EscalationView {
    /// `ENG-4` for staff, who may open it; `None` for everyone else.
    pub key: Option<String>,
    pub title: Option<String>,
    pub state: IssueState,
    pub since: Timestamp,
    pub updated_at: Timestamp,
}

/// What the escalation form offers (staff who work the queue, on an open request).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EscalateOptions {
    pub templates: Vec<IssueTemplateView>,
    /// The registry title of the request's first system, to start from.
    pub system: String,
    pub title: String,
    /// Registry titles, for the system picker.
    pub systems: Vec<String>,
}
