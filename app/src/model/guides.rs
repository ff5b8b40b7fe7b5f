//! What guide pages, their server functions and the JSON API send.

use crate::domain::guide::Category;
use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuideSummary {
    pub slug: String,
    pub title: String,
    pub category: Category,
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryGuides {
    pub category: Category,
    pub guides: Vec<GuideSummary>,
}

/// A search result; `snippet` is text split into plain and highlighted parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuideHit {
    pub slug: String,
    pub title: String,
    pub category: Category,
    pub internal: bool,
    pub snippet: Vec<(String, bool)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuidesView {
    /// `None` when nobody searched: then the categories are shown.
    pub hits: Option<Vec<GuideHit>>,
    pub categories: Vec<CategoryGuides>,
    /// Systems named in the search (for people signed in): "who owns X?".
    pub systems: Vec<super::systems::SystemSummary>,
    /// The search as it ran when a misspelt word was put right ("pasword" → "password").
    #[serde(default)]
    pub corrected: Option<String>,
    /// When nothing matched: the known words closest to those searched for.
    #[serde(default)]
    pub suggestions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuideView {
    pub summary: GuideSummary,
    pub owner: String,
    pub last_reviewed: Timestamp,
    pub revision: i32,
    /// Rendered from Markdown and sanitized on the server.
    pub html: String,
    pub related: Vec<GuideSummary>,
    /// Vote counts and "solved it" counts, for editors only.
    pub stats: Option<GuideStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuideStats {
    pub helpful_yes: i64,
    pub helpful_no: i64,
    pub solved: i32,
}

/// What an editor starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuideSource {
    pub slug: String,
    pub title: String,
    pub category: Category,
    pub visibility: crate::domain::guide::Visibility,
    pub owner: String,
    pub body: String,
    pub revision: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevisionView {
    pub number: i32,
    pub author: String,
    pub at: Timestamp,
    pub note: String,
    pub title: String,
}

/// One line of a diff: `+` added, `-` removed, ` ` kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub tag: char,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GuideHistory {
    pub slug: String,
    pub title: String,
    pub revisions: Vec<RevisionView>,
    /// The diff between `from` and `to` when both were asked for.
    pub diff: Option<(i32, i32, Vec<DiffLine>)>,
}
