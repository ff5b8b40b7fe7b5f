//! What the rules page and the notification settings show.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleView {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub trigger: String,
    pub trigger_label: String,
    pub match_all: bool,
    /// As the admin wrote them, one per line.
    pub conditions: String,
    pub actions: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxEntryView {
    pub id: i64,
    pub topic: String,
    pub request: Option<String>,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationView {
    pub rules: Vec<RuleView>,
    /// Each trigger's wire name and label.
    pub triggers: Vec<(String, String)>,
    pub dead: Vec<OutboxEntryView>,
    /// Entries by topic and state.
    pub counts: Vec<(String, String, i64)>,
}

/// What a rule would do to a request, without doing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TryView {
    pub request: String,
    pub title: String,
    /// "add label finsys", in order.
    pub steps: Vec<String>,
    /// Why it would do nothing, when it would not.
    pub skipped: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuleOutcome {
    Saved(i64),
    Tried(TryView),
}

/// One kind of e-mail a person may turn off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmailPref {
    pub topic: String,
    pub label: String,
    pub on: bool,
}
