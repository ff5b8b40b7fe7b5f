//! What pages, server functions and the JSON API send about requests: views built on the server
//! from the store and the access rules, shaped for display.

use crate::domain::request::{Priority, RequestKind, RequestState};
use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub key: String,
    pub kind: RequestKind,
    pub title: String,
    pub priority: Priority,
    pub state: RequestState,
    pub requester: String,
    pub assignee: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub summary: RequestSummary,
    pub description: String,
    pub comments: Vec<CommentView>,
    pub history: Vec<HistoryEntry>,
    /// What the person asking may do now; the server checks again on every action.
    pub actions: RequestActions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestActions {
    pub claim: bool,
    pub reply: bool,
    pub note: bool,
    pub moves: Vec<RequestState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub internal: bool,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub actor: String,
    pub at: Timestamp,
    /// A sentence such as "changed the state from New to In progress".
    pub change: String,
}
