//! The analyst queue's operations: the dashboard, claim and assignment, changes to many requests
//! at once, macros, saved views, and the admin side (holidays, shifts, round-robin).
//! Every function checks who is asking before it reads or writes anything.

use super::ctx::AppState;
use super::reading::{check_flow_gates, load_visible, summary, Clock};
use super::store::{Change, MacroRow, RequestRow, ROUND_ROBIN};
use crate::domain::access::require_queue;
use crate::domain::error::AppError;
use crate::domain::kinds::RequestKind;
use crate::domain::queue::{render_macro, Filter, MacroContext, PLACEHOLDERS, VIEW_NAME_MAX};
use crate::domain::request::{parse_text, RequestKey, RequestState, COMMENT_MAX};
use crate::domain::user::Viewer;
use crate::model::{
    MacroView, MacrosPage, OnShift, PersonLink, QueuePageView, SavedViewCount, ViewCount,
};
use std::collections::BTreeMap;

/// Most requests one batch may change.
pub const BATCH_MAX: usize = 100;
/// Most labels one macro adds.
pub const MACRO_LABELS_MAX: usize = 10;

/// Splits a query string into its fields.
pub fn query_map(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .ok()
                    .map(|c| c.into_owned())
            };
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

/// The dashboard for `query` (a view, filters, a sort and a cursor).
pub async fn dashboard(
    st: &AppState,
    v: &Viewer,
    query: &BTreeMap<String, String>,
) -> Result<QueuePageView, AppError> {
    require_queue(v)?;
    let filter = Filter::parse(query)?;
    let clock = Clock::load(st).await?;
    let now = clock.now;
    let (rows, next) = st
        .db
        .queue_page(&filter, v.id, now, crate::domain::queue::PAGE)
        .await?;
    let counts = st.db.view_counts(v.id, now).await?;
    let mut saved = Vec::new();
    for s in st.db.saved_views(v.id).await? {
        // A saved query that no longer parses (the vocabulary changed) shows with no count.
        let count = match Filter::parse(&query_map(&s.query)) {
            Ok(f) => st.db.queue_count(&f, v.id, now).await?,
            Err(_) => -1,
        };
        saved.push(SavedViewCount {
            id: s.id,
            name: s.name,
            query: s.query,
            count,
        });
    }
    let next = next.map(|c| {
        Filter {
            cursor: Some(c),
            ..filter.clone()
        }
        .to_query(true)
    });
    Ok(QueuePageView {
        views: counts
            .counts
            .into_iter()
            .map(|(view, count)| ViewCount { view, count })
            .collect(),
        saved,
        kinds: counts
            .kinds
            .into_iter()
            .filter_map(|(k, n)| k.parse::<RequestKind>().ok().map(|k| (k, n)))
            .collect(),
        rows: rows.iter().map(|r| summary(r, &clock)).collect(),
        next,
        query: filter.to_query(false),
        filter,
        on_shift: on_shift(st, now).await?,
        macros: macro_views(st).await?,
        assignees: queue_worker_links(st).await?,
        round_robin: round_robin_on(st).await?,
        can_admin: v.has(crate::domain::user::Role::Admin),
        version: st.db.queue_version().await?,
        ratings: super::resolution::latest_ratings(st, v, 5).await?,
    })
}

/// One page of the queue for the JSON API: the rows the dashboard would list for `query`, and
/// the cursor of the next page. The same filters, sort and messages as the page.
pub async fn list(
    st: &AppState,
    v: &Viewer,
    query: &BTreeMap<String, String>,
) -> Result<(Vec<crate::model::RequestSummary>, Option<String>), AppError> {
    require_queue(v)?;
    let filter = Filter::parse(query)?;
    let clock = Clock::load(st).await?;
    let (rows, next) = st
        .db
        .queue_page(&filter, v.id, clock.now, crate::domain::queue::PAGE)
        .await?;
    Ok((
        rows.iter().map(|r| summary(r, &clock)).collect(),
        next.map(|c| c.encode()),
    ))
}

/// Everyone who works the queue, as links to their pages.
pub(crate) async fn queue_worker_links(st: &AppState) -> Result<Vec<PersonLink>, AppError> {
    Ok(st
        .db
        .queue_workers()
        .await?
        .into_iter()
        .map(|(_, handle, name)| PersonLink {
            handle,
            name,
            link: false,
        })
        .collect())
}

/// New requests go round-robin to who is on shift unless an admin turned it off.
pub(crate) async fn round_robin_on(st: &AppState) -> Result<bool, AppError> {
    Ok(st.db.setting(ROUND_ROBIN).await?.as_deref() != Some("off"))
}

pub async fn on_shift(st: &AppState, now: i64) -> Result<Vec<OnShift>, AppError> {
    Ok(st
        .db
        .on_shift(now)
        .await?
        .into_iter()
        .map(|s| OnShift {
            name: s.name,
            region: s.region.to_uppercase(),
            duty: s.duty,
        })
        .collect())
}

/// The latest change to any request, for the dashboard's self-refresh.
pub async fn version(st: &AppState, v: &Viewer) -> Result<i64, AppError> {
    require_queue(v)?;
    Ok(st.db.queue_version().await?)
}

fn macro_view(m: MacroRow) -> MacroView {
    MacroView {
        id: m.id,
        name: m.name,
        body: m.body,
        set_state: m.set_state.and_then(|s| s.parse().ok()),
        add_labels: labels_of(&m.add_labels),
    }
}

fn labels_of(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The macros page: every macro and the placeholders they may use.
pub async fn macros_page(st: &AppState, v: &Viewer) -> Result<MacrosPage, AppError> {
    require_queue(v)?;
    Ok(MacrosPage {
        macros: macro_views(st).await?,
        placeholders: placeholders(),
    })
}

pub async fn macro_views(st: &AppState) -> Result<Vec<MacroView>, AppError> {
    Ok(st.db.macros().await?.into_iter().map(macro_view).collect())
}

/// A label: lower-case letters, digits and dashes, as the catalog's own labels.
fn parse_label(field: &str, raw: &str) -> Result<String, AppError> {
    let l = raw.trim().to_lowercase();
    if l.is_empty() {
        return Err(AppError::invalid(field, "Enter a label."));
    }
    if l.len() > 50
        || !l
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(AppError::invalid(
            field,
            "A label is up to 50 letters, digits and dashes, e.g. access-review.",
        ));
    }
    Ok(l)
}

/// Parses request keys from a batch form, refusing none, too many or malformed ones.
fn parse_keys(keys: &[String]) -> Result<Vec<i64>, AppError> {
    if keys.is_empty() {
        return Err(AppError::invalid("keys", "Select at least one request."));
    }
    if keys.len() > BATCH_MAX {
        return Err(AppError::invalid(
            "keys",
            format!("Change at most {BATCH_MAX} requests at once."),
        ));
    }
    let mut ids = Vec::new();
    for k in keys {
        let key: RequestKey = k.parse().map_err(|_| {
            AppError::invalid(
                "keys",
                format!(
                    "{:?} is not a request key.",
                    crate::domain::text::clip(k, 40)
                ),
            )
        })?;
        if !ids.contains(&key.number()) {
            ids.push(key.number());
        }
    }
    Ok(ids)
}

/// Someone who works the queue, by handle.
pub(crate) async fn queue_worker(st: &AppState, handle: &str) -> Result<Option<i64>, AppError> {
    let handle = handle.trim().trim_start_matches('@');
    Ok(st
        .db
        .queue_workers()
        .await?
        .into_iter()
        .find(|(_, h, _)| h == handle)
        .map(|(id, _, _)| id))
}

/// Who `who` names as an assignee: `me`, `none`, or the handle of someone who works the queue.
async fn parse_assignee(st: &AppState, v: &Viewer, who: &str) -> Result<Option<i64>, AppError> {
    match who.trim().trim_start_matches('@') {
        "" => Err(AppError::invalid(
            "assignee",
            "Choose who gets the requests.",
        )),
        "me" => Ok(Some(v.id)),
        "none" => Ok(None),
        handle => queue_worker(st, handle).await?.map(Some).ok_or_else(|| {
            AppError::invalid(
                "assignee",
                format!(
                    "{} does not work the queue; choose an analyst.",
                    crate::domain::text::clip(handle, 60)
                ),
            )
        }),
    }
}

/// A refusal about one request of a batch, naming that request.
fn about(r: &RequestRow, e: AppError) -> AppError {
    match e {
        AppError::Conflict { message } => AppError::conflict(format!("{}: {message}", r.key())),
        other => other,
    }
}

/// What a batch does to each selected request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchAction {
    Assign(String),
    Label(String),
    /// To a state, with a reply to each requester (required to resolve).
    Move {
        to: String,
        reply: String,
    },
}

impl BatchAction {
    /// From the batch form's `action`, `value` and `reply`.
    pub fn parse(action: &str, value: &str, reply: &str) -> Result<BatchAction, AppError> {
        match action {
            "assign" => Ok(BatchAction::Assign(value.to_string())),
            "label" => Ok(BatchAction::Label(value.to_string())),
            "state" => Ok(BatchAction::Move {
                to: value.to_string(),
                reply: reply.to_string(),
            }),
            other => Err(AppError::invalid(
                "action",
                format!("There is no batch action {other:?}; use assign, label or state."),
            )),
        }
    }
}

/// Applies one action to every selected request in one transaction: either all change or none,
/// with a message naming the first request that cannot.
pub async fn batch(
    st: &AppState,
    v: &Viewer,
    keys: &[String],
    action: BatchAction,
) -> Result<usize, AppError> {
    require_queue(v)?;
    let ids = parse_keys(keys)?;
    let rows = st.db.requests_by_ids(&ids).await?;
    if let Some(missing) = ids.iter().find(|id| !rows.iter().any(|r| r.id == **id)) {
        return Err(AppError::not_found(&RequestKey::new(*missing).to_string()));
    }
    let mut changes = Vec::new();
    match action {
        BatchAction::Assign(who) => {
            let to = parse_assignee(st, v, &who).await?;
            for r in &rows {
                if !r.state().is_open() {
                    return Err(AppError::conflict(format!(
                        "{} is {} and can no longer be assigned.",
                        r.key(),
                        r.state().label().to_lowercase()
                    )));
                }
                changes.push(Change {
                    id: r.id,
                    assignee: Some((r.assignee_id, to)),
                    ..Change::default()
                });
            }
        }
        BatchAction::Label(label) => {
            let label = parse_label("label", &label)?;
            for r in &rows {
                changes.push(Change {
                    id: r.id,
                    labels: vec![label.clone()],
                    ..Change::default()
                });
            }
        }
        BatchAction::Move { to, reply } => {
            let to: RequestState = to.parse().map_err(|m| AppError::invalid("state", m))?;
            let reply = super::resolution::reply_with_move(to, &reply)?;
            for r in &rows {
                let from = r.state();
                from.check_move(to).map_err(|e| about(r, e))?;
                check_flow_gates(st, r, to).await.map_err(|e| about(r, e))?;
                changes.push(Change {
                    id: r.id,
                    state: Some((from, to)),
                    comment: reply.clone().map(|text| (text, false)),
                    ..Change::default()
                });
            }
        }
    }
    st.db.apply_changes(v.id, &changes).await?;
    Ok(changes.len())
}

/// Assigns one request (the request page's "Assign to").
pub async fn assign(st: &AppState, v: &Viewer, key: &str, who: &str) -> Result<(), AppError> {
    // A key that is not a request's is "not found", as on every other request route (not a
    // batch's "keys" field).
    key.parse::<RequestKey>()
        .map_err(|_| AppError::not_found("That request"))?;
    batch(
        st,
        v,
        &[key.to_string()],
        BatchAction::Assign(who.to_string()),
    )
    .await
    .map(|_| ())
}

/// Applies a macro to a request: its reply with placeholders filled, its state and labels, in
/// one transaction.
pub async fn apply_macro(
    st: &AppState,
    v: &Viewer,
    key: &str,
    macro_id: i64,
) -> Result<(), AppError> {
    require_queue(v)?;
    let r = load_visible(st, v, key).await?;
    let m = st
        .db
        .macro_by_id(macro_id)
        .await?
        .ok_or_else(|| AppError::invalid("macro", "That macro no longer exists."))?;
    if !r.state().is_open() && r.state() != RequestState::Resolved {
        return Err(AppError::conflict(
            "This request is finished and takes no more replies.",
        ));
    }
    let key_text = r.key().to_string();
    let body = render_macro(
        &m.body,
        &MacroContext {
            request_key: &key_text,
            request_title: &r.title,
            requester_name: &r.requester_name,
            analyst_name: &v.name,
        },
    )?;
    // A request nobody started yet is started on the way: answering it is working on it.
    let mut moves = Vec::new();
    if let Some(to) = m
        .set_state
        .as_deref()
        .and_then(|s| s.parse::<RequestState>().ok())
    {
        let from = r.state();
        if to != from {
            let via = RequestState::InProgress;
            if !from.can_move_to(to) && from.can_move_to(via) && via.can_move_to(to) {
                check_flow_gates(st, &r, via).await?;
                moves.push((from, via));
                moves.push((via, to));
            } else {
                from.check_move(to)?;
                moves.push((from, to));
            }
            check_flow_gates(st, &r, to).await?;
        }
    }
    let mut changes = vec![Change {
        id: r.id,
        comment: Some((body, false)),
        state: moves.first().copied(),
        labels: labels_of(&m.add_labels),
        ..Change::default()
    }];
    if let Some(second) = moves.get(1) {
        changes.push(Change {
            id: r.id,
            state: Some(*second),
            ..Change::default()
        });
    }
    st.db.apply_changes(v.id, &changes).await?;
    Ok(())
}

/// Saves a macro; its placeholders are checked now so a typo never reaches a requester.
pub async fn save_macro(
    st: &AppState,
    v: &Viewer,
    name: &str,
    body: &str,
    set_state: &str,
    add_labels: &str,
) -> Result<i64, AppError> {
    require_queue(v)?;
    let name = parse_text("name", "a name", name, 80)?;
    let body = parse_text("body", "the reply", body, COMMENT_MAX)?;
    render_macro(
        &body,
        &MacroContext {
            request_key: "",
            request_title: "",
            requester_name: "",
            analyst_name: "",
        },
    )?;
    let set_state = match set_state.trim() {
        "" => None,
        s => Some(
            s.parse::<RequestState>()
                .map_err(|m| AppError::invalid("set_state", m))?,
        ),
    };
    let mut labels = Vec::new();
    for l in labels_of(add_labels) {
        let l = parse_label("add_labels", &l)?;
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    if labels.len() > MACRO_LABELS_MAX {
        return Err(AppError::invalid(
            "add_labels",
            format!("A macro adds at most {MACRO_LABELS_MAX} labels."),
        ));
    }
    Ok(st
        .db
        .save_macro(
            &name,
            &body,
            set_state.map(|s| s.as_str()),
            &labels.join(" "),
            v.id,
        )
        .await?)
}

pub async fn delete_macro(st: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    require_queue(v)?;
    if st.db.delete_macro(id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That macro"))
    }
}

/// The placeholders, for the macro editor's hint.
pub fn placeholders() -> Vec<String> {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{{{p}}}}}"))
        .collect()
}

/// Saves the current filters as one of the viewer's views.
pub async fn save_view(
    st: &AppState,
    v: &Viewer,
    name: &str,
    query: &str,
) -> Result<i64, AppError> {
    require_queue(v)?;
    let name = parse_text("name", "a name for the view", name, VIEW_NAME_MAX)?;
    let filter = Filter::parse(&query_map(query))?;
    let query = Filter {
        cursor: None,
        ..filter
    }
    .to_query(false);
    Ok(st.db.save_view(v.id, &name, &query).await?)
}

pub async fn delete_view(st: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    require_queue(v)?;
    if st.db.delete_view(v.id, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That view"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_keys_are_checked() {
        assert_eq!(
            parse_label("label", " Access-Review ").unwrap(),
            "access-review"
        );
        assert!(parse_label("label", "two words").is_err());
        assert!(parse_label("label", "").is_err());
        assert_eq!(
            parse_keys(&["REQ-3".into(), "REQ-3".into(), "REQ-9".into()]).unwrap(),
            vec![3, 9]
        );
        assert_eq!(parse_keys(&[]).unwrap_err().field(), Some("keys"));
        assert_eq!(
            parse_keys(&["nope".into()]).unwrap_err().field(),
            Some("keys")
        );
        assert_eq!(
            parse_keys(&vec!["REQ-1".to_string(); BATCH_MAX + 1])
                .unwrap_err()
                .field(),
            Some("keys")
        );
    }

    #[test]
    fn query_strings_split_into_fields() {
        let q = query_map("view=mine&q=vpn+drops&label=a%2Db&empty=");
        assert_eq!(q["view"], "mine");
        assert_eq!(q["q"], "vpn drops");
        assert_eq!(q["label"], "a-b");
        assert_eq!(q["empty"], "");
    }
}
