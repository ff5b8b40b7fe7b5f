//! The analyst queue's vocabulary: built-in views, filters, sort orders and keyset cursors (macro
//! placeholders are in `macros`). Pages, the API and the store all read a queue request through
//! [`Filter::parse`], so a bad filter gets the same field-named message everywhere.

use super::error::AppError;
use super::kinds::RequestKind;
use super::request::{Priority, RequestState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The built-in views, in the order the dashboard shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum View {
    Unassigned,
    Mine,
    Team,
    AtRisk,
    Breached,
    AwaitingApproval,
    Open,
}

impl View {
    pub const ALL: [View; 7] = [
        View::Unassigned,
        View::Mine,
        View::Team,
        View::AtRisk,
        View::Breached,
        View::AwaitingApproval,
        View::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Unassigned => "unassigned",
            View::Mine => "mine",
            View::Team => "team",
            View::AtRisk => "at-risk",
            View::Breached => "breached",
            View::AwaitingApproval => "awaiting-approval",
            View::Open => "open",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            View::Unassigned => "Unassigned",
            View::Mine => "Mine",
            View::Team => "My team",
            View::AtRisk => "At risk",
            View::Breached => "Breached",
            View::AwaitingApproval => "Awaiting approval",
            View::Open => "All open",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Which requests by their state: the open ones (the default), every one, or one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum StateFilter {
    #[default]
    Open,
    Any,
    Is(RequestState),
}

/// Who a request is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AssigneeFilter {
    Nobody,
    Me,
    /// Anyone in a team the viewer belongs to.
    MyTeam,
    /// A person by handle.
    Person(String),
}

/// A service-level standing, as of the moment the query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SlaFilter {
    AtRisk,
    Breached,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Sort {
    /// What breaches first; paused and finished requests last.
    #[default]
    Due,
    Newest,
    Oldest,
    /// High first, oldest first within a priority.
    Priority,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Due, Sort::Newest, Sort::Oldest, Sort::Priority];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Due => "due",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Priority => "priority",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Due => "Next due",
            Sort::Newest => "Newest",
            Sort::Oldest => "Oldest",
            Sort::Priority => "Priority",
        }
    }
}

/// Where the next page starts: the sort key and id of the last row shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        let (key, id) = s.split_once('.')?;
        Some(Cursor {
            key: key.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// Far future: the due-sort key of a request with no running deadline.
pub const NO_DUE: i64 = i64::MAX;

/// Longest free-text search accepted.
pub const TEXT_MAX: usize = 200;
/// Rows per page.
pub const PAGE: i64 = 50;

/// A queue query: a view narrowed by filters, in an order, from a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Filter {
    pub view: Option<View>,
    pub state: StateFilter,
    pub kind: Option<RequestKind>,
    pub priority: Option<Priority>,
    pub label: Option<String>,
    pub assignee: Option<AssigneeFilter>,
    /// A requester by handle.
    pub requester: Option<String>,
    /// A system by slug.
    pub system: Option<String>,
    pub sla: Option<SlaFilter>,
    /// Words to find in titles and descriptions, or a request key.
    pub text: Option<String>,
    pub sort: Sort,
    pub cursor: Option<Cursor>,
}

/// A handle, label or slug: short, no spaces or control characters.
fn token(field: &str, raw: &str, what: &str) -> Result<Option<String>, AppError> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 100 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::invalid(
            field,
            format!("{what} is a single word of at most 100 characters."),
        ));
    }
    Ok(Some(v.trim_start_matches('@').to_lowercase()))
}

impl Filter {
    /// Reads a query string's fields (`view`, `state`, `kind`, `priority`, `label`, `assignee`,
    /// `requester`, `system`, `sla`, `q`, `sort`, `cursor`). Empty fields mean "any"; anything
    /// unknown is refused at its field.
    pub fn parse(q: &BTreeMap<String, String>) -> Result<Filter, AppError> {
        let get = |k: &str| q.get(k).map(|s| s.trim()).unwrap_or("");
        let mut f = Filter::default();
        match get("view") {
            "" => {}
            v => {
                let view = View::parse(v).ok_or_else(|| {
                    AppError::invalid(
                        "view",
                        format!(
                            "There is no view {v:?}; choose one of {}.",
                            View::ALL.map(|v| v.as_str()).join(", ")
                        ),
                    )
                })?;
                f.view = Some(view);
            }
        }
        f.state = match get("state") {
            "" | "open" => StateFilter::Open,
            "any" | "all" => StateFilter::Any,
            s => StateFilter::Is(s.parse().map_err(|m| AppError::invalid("state", m))?),
        };
        f.kind = match get("kind") {
            "" => None,
            k => Some(k.parse().map_err(|m| AppError::invalid("kind", m))?),
        };
        f.priority = match get("priority") {
            "" => None,
            p => Some(p.parse().map_err(|m| AppError::invalid("priority", m))?),
        };
        f.label = token("label", get("label"), "A label")?;
        f.assignee = match get("assignee") {
            "" => None,
            "none" | "nobody" => Some(AssigneeFilter::Nobody),
            "me" => Some(AssigneeFilter::Me),
            "team" => Some(AssigneeFilter::MyTeam),
            other => token("assignee", other, "An assignee")?.map(AssigneeFilter::Person),
        };
        f.requester = token("requester", get("requester"), "A requester")?;
        f.system = token("system", get("system"), "A system")?;
        f.sla = match get("sla") {
            "" => None,
            "at-risk" => Some(SlaFilter::AtRisk),
            "breached" => Some(SlaFilter::Breached),
            other => {
                return Err(AppError::invalid(
                    "sla",
                    format!("There is no service-level filter {other:?}; use at-risk or breached."),
                ))
            }
        };
        let text = get("q");
        if text.chars().count() > TEXT_MAX {
            return Err(AppError::invalid(
                "q",
                format!("Search for at most {TEXT_MAX} characters."),
            ));
        }
        f.text = (!text.is_empty()).then(|| text.to_string());
        f.sort = match get("sort") {
            "" => f.default_sort(),
            s => Sort::ALL
                .into_iter()
                .find(|o| o.as_str() == s)
                .ok_or_else(|| {
                    AppError::invalid(
                        "sort",
                        format!("Sort by due, newest, oldest or priority, not {s:?}."),
                    )
                })?,
        };
        f.cursor = match get("cursor") {
            "" => None,
            c => Some(Cursor::parse(c).ok_or_else(|| {
                AppError::invalid(
                    "cursor",
                    "That page link is damaged; start from the first page.",
                )
            })?),
        };
        Ok(f)
    }

    /// The order when none is asked for: what is due next, or, when searching for words, the
    /// newest first (a search looks for something recent far more often than for what breaches
    /// next, and the newest matches are found without sorting every match).
    pub fn default_sort(&self) -> Sort {
        if self.text.is_some() {
            Sort::Newest
        } else {
            Sort::Due
        }
    }

    /// The filter with the view's own conditions folded in, so the store sees one shape.
    pub fn effective(&self) -> Filter {
        let mut f = self.clone();
        match self.view {
            Some(View::Unassigned) => f.assignee = Some(AssigneeFilter::Nobody),
            Some(View::Mine) => f.assignee = Some(AssigneeFilter::Me),
            Some(View::Team) => f.assignee = Some(AssigneeFilter::MyTeam),
            Some(View::AtRisk) => f.sla = Some(SlaFilter::AtRisk),
            Some(View::Breached) => f.sla = Some(SlaFilter::Breached),
            Some(View::AwaitingApproval) => {
                f.state = StateFilter::Is(RequestState::AwaitingApproval)
            }
            Some(View::Open) | None => {}
        }
        f
    }

    /// The query string that gives this filter back (without the cursor unless asked for), for
    /// links, saved views and "next page".
    pub fn to_query(&self, with_cursor: bool) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if let Some(v) = self.view {
            parts.push(("view", v.as_str().into()));
        }
        match self.state {
            StateFilter::Open => {}
            StateFilter::Any => parts.push(("state", "any".into())),
            StateFilter::Is(s) => parts.push(("state", s.as_str().into())),
        }
        if let Some(k) = self.kind {
            parts.push(("kind", k.as_str().into()));
        }
        if let Some(p) = self.priority {
            parts.push(("priority", p.as_str().into()));
        }
        if let Some(l) = &self.label {
            parts.push(("label", l.clone()));
        }
        match &self.assignee {
            None => {}
            Some(AssigneeFilter::Nobody) => parts.push(("assignee", "none".into())),
            Some(AssigneeFilter::Me) => parts.push(("assignee", "me".into())),
            Some(AssigneeFilter::MyTeam) => parts.push(("assignee", "team".into())),
            Some(AssigneeFilter::Person(h)) => parts.push(("assignee", h.clone())),
        }
        if let Some(r) = &self.requester {
            parts.push(("requester", r.clone()));
        }
        if let Some(s) = &self.system {
            parts.push(("system", s.clone()));
        }
        match self.sla {
            None => {}
            Some(SlaFilter::AtRisk) => parts.push(("sla", "at-risk".into())),
            Some(SlaFilter::Breached) => parts.push(("sla", "breached".into())),
        }
        if let Some(t) = &self.text {
            parts.push(("q", t.clone()));
        }
        if self.sort != self.default_sort() {
            parts.push(("sort", self.sort.as_str().into()));
        }
        if with_cursor {
            if let Some(c) = self.cursor {
                parts.push(("cursor", c.encode()));
            }
        }
        parts
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether anything narrows the view beyond its own conditions.
    pub fn is_narrowed(&self) -> bool {
        let bare = Filter {
            view: self.view,
            sort: self.sort,
            cursor: self.cursor,
            ..Filter::default()
        };
        *self != bare
    }
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A request key typed into the search box: `REQ-123`, `req-123` or `#123`.
pub fn key_in(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t.strip_prefix('#').or_else(|| {
        t.get(..4)
            .filter(|p| p.eq_ignore_ascii_case("req-"))
            .map(|_| &t[4..])
    })?;
    digits.parse().ok().filter(|n| *n > 0)
}

/// The longest saved-view name.
pub const VIEW_NAME_MAX: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_parse_and_round_trip_through_the_query_string() {
        let f = Filter::parse(&q(&[
            ("view", "mine"),
            ("state", "in-progress"),
            ("kind", "access"),
            ("priority", "high"),
            ("label", "admin-access"),
            ("requester", "@Mia"),
            ("system", "okta"),
            ("q", "vpn & slack"),
            ("sort", "newest"),
            ("cursor", "17.42"),
        ]))
        .unwrap();
        assert_eq!(f.view, Some(View::Mine));
        assert_eq!(f.state, StateFilter::Is(RequestState::InProgress));
        assert_eq!(f.requester.as_deref(), Some("mia"));
        assert_eq!(f.cursor, Some(Cursor { key: 17, id: 42 }));
        let back: BTreeMap<String, String> = f
            .to_query(true)
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (
                    k.to_string(),
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8()
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect();
        assert_eq!(Filter::parse(&back).unwrap(), f);
        assert!(f.is_narrowed());
        assert!(!Filter::parse(&q(&[("view", "mine")]))
            .unwrap()
            .is_narrowed());
    }

    #[test]
    fn searching_lists_the_newest_first_unless_another_order_is_chosen() {
        let parse = |pairs: &[(&str, &str)]| Filter::parse(&q(pairs)).unwrap();
        assert_eq!(parse(&[]).sort, Sort::Due);
        assert_eq!(parse(&[("q", "vpn")]).sort, Sort::Newest);
        assert_eq!(parse(&[("q", "vpn"), ("sort", "")]).sort, Sort::Newest);
        let due = parse(&[("q", "vpn"), ("sort", "due")]);
        assert_eq!(due.sort, Sort::Due);
        // Each order survives the query string, whether it is the default or not.
        for f in [due, parse(&[("q", "vpn")]), parse(&[("sort", "newest")])] {
            let back = f.to_query(false);
            let pairs: Vec<(&str, &str)> = back
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .collect();
            assert_eq!(parse(&pairs).sort, f.sort, "{back}");
        }
        assert_eq!(parse(&[("q", "vpn")]).to_query(false), "q=vpn");
    }

    #[test]
    fn views_fold_into_filters() {
        let view = |v| {
            Filter {
                view: Some(v),
                ..Filter::default()
            }
            .effective()
        };
        assert_eq!(
            view(View::Unassigned).assignee,
            Some(AssigneeFilter::Nobody)
        );
        assert_eq!(view(View::Team).assignee, Some(AssigneeFilter::MyTeam));
        assert_eq!(view(View::Breached).sla, Some(SlaFilter::Breached));
        assert_eq!(
            view(View::AwaitingApproval).state,
            StateFilter::Is(RequestState::AwaitingApproval)
        );
        assert_eq!(
            view(View::Open),
            Filter {
                view: Some(View::Open),
                ..Filter::default()
            }
        );
    }

    #[test]
    fn bad_filters_name_their_field() {
        for (field, value) in [
            ("view", "everything"),
            ("state", "done"),
            ("kind", "coffee"),
            ("priority", "urgent"),
            ("label", "two words"),
            ("assignee", "a b"),
            ("sla", "late"),
            ("sort", "random"),
            ("cursor", "abc"),
            ("cursor", "1.x"),
        ] {
            let e = Filter::parse(&q(&[(field, value)])).unwrap_err();
            assert_eq!(e.field(), Some(field), "{field}={value}");
        }
        let long = "x".repeat(TEXT_MAX + 1);
        assert_eq!(
            Filter::parse(&q(&[("q", &long)])).unwrap_err().field(),
            Some("q")
        );
    }

    #[test]
    fn request_keys_are_found_in_the_search_box() {
        assert_eq!(key_in("REQ-12"), Some(12));
        assert_eq!(key_in(" req-7 "), Some(7));
        assert_eq!(key_in("#31"), Some(31));
        assert_eq!(key_in("REQ-"), None);
        assert_eq!(key_in("REQ-0"), None);
        assert_eq!(key_in("vpn"), None);
        assert_eq!(key_in("é"), None);
    }
}
