//! The analyst queue's operations: the dashboard, claim and assignment, changes to many requests
//! at once and saved views (macros are in `macros`, the desk's settings in `rota`).
//! Every function checks who is asking before it reads or writes anything.

use super::ctx::AppState;
use super::macros::parse_label;
use super::reading::{check_flow_gates, summary, Clock};
use super::store::{Change, RequestRow, ROUND_ROBIN};
use crate::domain::access::require_queue;
use crate::domain::error::AppError;
use crate::domain::kinds::RequestKind;
use crate::domain::queue::{Filter, VIEW_NAME_MAX};
use crate::domain::request::{parse_text, RequestKey, RequestState};
use crate::domain::user::Viewer;
use crate::model::{OnShift, PersonLink, QueuePageView, SavedViewCount, ViewCount};
use std::collections::BTreeMap;

/// Most requests one batch may change.
pub const BATCH_MAX: usize = 100;

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

/// The dashboard for `query` (a view, filters, a sort and a cursor). What every analyst sees
/// alike (the counts, a view's page, who is on shift, the latest ratings) is
/// computed once per change for all of them ([`super::cache::ReadCache::shared`]); what is
/// the viewer's own (their team, saved views) once per change for them.
///
/// `draw_rows` draws the rows as the page shows them: once per shared page of rows, for all who
/// are shown it (the drawing is the views' business, `routes::queue_rows`).
pub async fn dashboard(
    st: &AppState,
    v: &Viewer,
    query: &BTreeMap<String, String>,
    draw_rows: fn(&[crate::model::RequestSummary]) -> String,
) -> Result<QueuePageView, AppError> {
    require_queue(v)?;
    let filter = Filter::parse(query)?;
    let clock = Clock::load(st).await?;
    let now = clock.now;
    let page = page_shared(st, &filter, v.id, &clock).await?;
    let groups = st
        .cache
        .shared(Some(v.id), "queue:counts", || st.db.count_groups(now))
        .await?;
    let team = st
        .cache
        .shared(Some(v.id), &format!("queue:team:{}", v.id), || {
            st.db.team_of(v.id)
        })
        .await?;
    let counts = super::store::ViewCounts::tally(&groups, v.id, &team);
    let mut saved = Vec::new();
    let saved_views = st
        .cache
        .shared(Some(v.id), &format!("queue:saved:{}", v.id), || {
            st.db.saved_views(v.id)
        })
        .await?;
    for s in saved_views.iter() {
        // A saved query that no longer parses (the vocabulary changed) shows with no count.
        let count = match Filter::parse(&query_map(&s.query)) {
            Ok(f) => {
                let key = format!(
                    "queue:count:{}:{}",
                    personal_to(&f, v.id),
                    f.to_query(false)
                );
                *st.cache
                    .shared(Some(v.id), &key, || st.db.queue_count(&f, v.id, now))
                    .await?
            }
            Err(_) => -1,
        };
        saved.push(SavedViewCount {
            id: s.id,
            name: s.name.clone(),
            query: s.query.clone(),
            count,
        });
    }
    let rows_html = page.html.get_or_init(|| draw_rows(&page.rows)).clone();
    let next = page.next.map(|c| {
        Filter {
            cursor: Some(c),
            ..filter.clone()
        }
        .to_query(true)
    });
    let desk = st
        .cache
        .shared(Some(v.id), "queue:desk", || desk(st, now))
        .await?;
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
        row_count: page.rows.len(),
        rows_html,
        next,
        query: filter.to_query(false),
        filter,
        on_shift: desk.on_shift.clone(),
        assignees: desk.assignees.clone(),
        round_robin: desk.round_robin,
        can_admin: v.has(crate::domain::user::Role::Admin),
        version: desk.version,
        ratings: desk.ratings.clone(),
    })
}

/// The desk around the queue, the same for every analyst.
struct Desk {
    on_shift: Vec<OnShift>,
    assignees: Vec<PersonLink>,
    round_robin: bool,
    version: i64,
    ratings: Vec<crate::model::RatedRequest>,
}

async fn desk(st: &AppState, now: i64) -> Result<Desk, AppError> {
    Ok(Desk {
        on_shift: on_shift(st, now).await?,
        assignees: queue_worker_links(st).await?,
        round_robin: round_robin_on(st).await?,
        version: st.db.queue_version().await?,
        ratings: super::resolution::ratings(st, 5).await?,
    })
}

/// The viewer a filter's answer depends on: theirs for "mine", "my team" and the like, else
/// nobody's (0), so that everyone asking the same shares one answer.
fn personal_to(f: &Filter, viewer: i64) -> i64 {
    use crate::domain::queue::AssigneeFilter;
    match f.effective().assignee {
        Some(AssigneeFilter::Me | AssigneeFilter::MyTeam) => viewer,
        _ => 0,
    }
}

/// One page of rows for `filter` and the cursor after it, shared by everyone it is the same for:
/// the rows as they are shown, their clocks settled at the first asker's moment (within the
/// cache's time to live of everyone else's).
async fn page_shared(
    st: &AppState,
    filter: &Filter,
    viewer: i64,
    clock: &Clock,
) -> Result<std::sync::Arc<SharedPage>, AppError> {
    let key = format!(
        "queue:page:{}:{}",
        personal_to(filter, viewer),
        filter.to_query(true)
    );
    Ok(st
        .cache
        .shared(Some(viewer), &key, || async {
            let (rows, next) = st
                .db
                .queue_page(filter, viewer, clock.now, crate::domain::queue::PAGE)
                .await?;
            Ok::<_, AppError>(SharedPage {
                rows: rows.iter().map(|r| summary(r, clock)).collect(),
                next,
                html: std::sync::OnceLock::new(),
            })
        })
        .await?)
}

/// A page of the queue as shown, where the next one starts, and the rows drawn as the
/// dashboard shows them (the first time a dashboard asks).
struct SharedPage {
    rows: Vec<crate::model::RequestSummary>,
    next: Option<crate::domain::queue::Cursor>,
    html: std::sync::OnceLock<String>,
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
    let page = page_shared(st, &filter, v.id, &clock).await?;
    Ok((page.rows.clone(), page.next.map(|c| c.encode())))
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
    fn keys_are_checked() {
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
