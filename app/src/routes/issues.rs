//! The engineering tracker's list and board (Tier 3). Both filter by state, label, assignee,
//! system and text through a plain GET form, so the address keeps the view and it works without
//! JavaScript. On the board, cards move with a small form each; with JavaScript they can also be
//! dragged to another column, and the server checks the move the same way.

use crate::components::{form_error, FormError, LoadError};
use crate::domain::tracker::{IssuePriority, IssueState};
use crate::model::tracker::{BoardColumn, IssueCard, IssueQuery};
use crate::tracker::{issue_board, list_issues, MoveIssue};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Engineering promises no same day: said on every tracker page.
#[component]
pub fn NoSameDay() -> impl IntoView {
    view! {
        <p class="notice small no-same-day">
            "Engineering work has no same-day promise, and the helpdesk's service levels do not apply to issues. Priority and due dates say what comes first."
        </p>
    }
}

#[component]
pub fn IssueStateBadge(state: IssueState) -> impl IntoView {
    view! { <span class=format!("badge issue-{}", state.as_str())>{state.label()}</span> }
}

#[component]
pub fn IssuePriorityBadge(priority: IssuePriority) -> impl IntoView {
    view! {
        <span class=format!("badge prio-{}", priority.as_str()) title="Priority">
            {priority.as_str().to_uppercase()}
        </span>
    }
}

/// The filters as the address carries them.
fn read_query() -> impl Fn() -> IssueQuery + Copy {
    let query = use_query_map();
    move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        IssueQuery {
            // The list starts with what is open; "All" is an explicit choice (`state=`).
            state: q.get("state").unwrap_or_else(|| "open".into()),
            label: get("label"),
            assignee: get("assignee"),
            system: get("system"),
            q: get("q"),
            before: get("before"),
        }
    }
}

/// The address of a view of the tracker with these filters.
fn address(path: &str, q: &IssueQuery, before: Option<&str>) -> String {
    let mut parts = vec![format!("state={}", urlencoding(&q.state))];
    for (k, v) in [
        ("label", &q.label),
        ("assignee", &q.assignee),
        ("system", &q.system),
        ("q", &q.q),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={}", urlencoding(v)));
        }
    }
    if let Some(b) = before {
        parts.push(format!("before={b}"));
    }
    format!("{path}?{}", parts.join("&"))
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn TrackerNav(current: &'static str, query: IssueQuery) -> impl IntoView {
    let link = |path: &'static str, label: &'static str| {
        let here = path == current;
        view! {
            <a href=address(path, &query, None) aria-current=here.then_some("page")
                class=if here { "tab tab-current" } else { "tab" }>{label}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Tracker views">
            {link("/issues", "List")}
            {link("/issues/board", "Board")}
        </nav>
    }
}

#[component]
fn Filters(action: &'static str, query: IssueQuery) -> impl IntoView {
    let state = query.state.clone();
    let board = action == "/issues/board";
    view! {
        <form class="issue-filters" method="get" action=action role="search" aria-label="Filter issues">
            <div class="field" hidden=board>
                <label for="f-state">"State"</label>
                <select id="f-state" name="state">
                    <option value="open" selected=state == "open">"Open"</option>
                    <option value="" selected=state.is_empty()>"All"</option>
                    {IssueState::ALL
                        .iter()
                        .map(|s| view! { <option value=s.as_str() selected=state == s.as_str()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-label">"Label"</label>
                <input id="f-label" name="label" type="text" maxlength="60" value=query.label.clone() placeholder="corpsys-slack" />
            </div>
            <div class="field">
                <label for="f-assignee">"Assignee"</label>
                <input id="f-assignee" name="assignee" type="text" maxlength="100" value=query.assignee.clone() placeholder="me, @handle or group" />
            </div>
            <div class="field">
                <label for="f-system">"System"</label>
                <input id="f-system" name="system" type="text" maxlength="100" value=query.system.clone() placeholder="Slack" />
            </div>
            <div class="field grow">
                <label for="f-q">"Search"</label>
                <input id="f-q" name="q" type="search" maxlength="200" value=query.q.clone() placeholder="Words in the title, or ENG-12" />
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-secondary">"Apply"</button>
            </div>
        </form>
    }
}

#[component]
fn Head(current: &'static str, query: IssueQuery, can_work: bool) -> impl IntoView {
    view! {
        <div class="page-head">
            <h1>"Engineering tracker"</h1>
            {can_work.then(|| view! { <a class="btn btn-primary" href="/issues/new">"New issue"</a> })}
        </div>
        <NoSameDay />
        <TrackerNav current query=query.clone() />
        <Filters action=current query />
    }
}

/// `/issues`: the list, newest first, a page at a time.
#[component]
pub fn IssuesPage() -> impl IntoView {
    let query = read_query();
    let list = crate::resource::load(query, |q| {
        list_issues(q.state, q.label, q.assignee, q.system, q.q, q.before)
    });
    view! {
        <Title text="Engineering tracker" />
        <Transition fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let q = query();
                match list.await {
                    Ok(view) => {
                        let next = view.next.clone().map(|n| address("/issues", &q, Some(&n)));
                        view! {
                            <Head current="/issues" query=q.clone() can_work=view.can_work />
                            {if view.items.is_empty() {
                                view! { <div class="empty"><p>"No issue matches these filters."</p></div> }.into_any()
                            } else {
                                view! { <IssueTable items=view.items /> }.into_any()
                            }}
                            {next.map(|href| view! { <p class="pager"><a class="btn btn-quiet" href=href>"Older issues"</a></p> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn IssueTable(items: Vec<IssueCard>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="issue-table" aria-label="Issues">
                <thead>
                    <tr>
                        <th scope="col">"Issue"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Priority"</th>
                        <th scope="col">"Labels"</th>
                        <th scope="col">"Assignees"</th>
                        <th scope="col">"Due"</th>
                        <th scope="col">"Updated"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|i| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!("/issues/{}", i.key)>
                                            <span class="key">{i.key.clone()}</span>
                                            " "
                                            {i.title.clone()}
                                        </a>
                                        {i.system.clone().map(|s| view! { <span class="muted small">" · " {s}</span> })}
                                    </td>
                                    <td><IssueStateBadge state=i.state /></td>
                                    <td><IssuePriorityBadge priority=i.priority /></td>
                                    <td><Labels labels=i.labels.clone() /></td>
                                    <td class="small">{i.assignees.join(", ")}</td>
                                    <td class="small">{i.due_on.clone().unwrap_or_default()}</td>
                                    <td class="small muted">{i.updated_at.to_string()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn Labels(labels: Vec<String>) -> impl IntoView {
    view! {
        <span class="labels">
            {labels
                .into_iter()
                .map(|l| view! { <span class="badge badge-label">{l}</span> })
                .collect_view()}
        </span>
    }
}

/// `/issues/board`: a column per state.
#[component]
pub fn BoardPage() -> impl IntoView {
    let query = read_query();
    let moved = ServerAction::<MoveIssue>::new();
    let board = crate::resource::load(
        move || (query(), moved.version().get()),
        // The board shows every state: the state filter is the list's.
        |(q, _)| issue_board(String::new(), q.label, q.assignee, q.system, q.q),
    );
    let error = form_error(moved);
    // A card being dragged: its key and state.
    let dragging = RwSignal::new(None::<(String, IssueState)>);
    let refused = RwSignal::new(None::<String>);
    view! {
        <Title text="Engineering board" />
        <Transition fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let mut q = query();
                match board.await {
                    Ok(view) => {
                        q.state = String::new();
                        view! {
                            <Head current="/issues/board" query=q can_work=view.can_move />
                            <FormError message=error />
                            <p class="alert alert-error" role="alert" hidden=move || refused.get().is_none()>
                                {move || refused.get()}
                            </p>
                            {view.can_move.then(|| view! {
                                <p class="hint board-hint">"Drag a card to another column, or use the Move form on the card."</p>
                            })}
                            <div class="board">
                                {view
                                    .columns
                                    .into_iter()
                                    .map(|c| view! { <Column column=c can_move=view.can_move moved dragging refused /> })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Column(
    column: BoardColumn,
    can_move: bool,
    moved: ServerAction<MoveIssue>,
    dragging: RwSignal<Option<(String, IssueState)>>,
    refused: RwSignal<Option<String>>,
) -> impl IntoView {
    let state = column.state;
    let over = RwSignal::new(false);
    let shown = column.cards.len() as i64;
    let heading_id = format!("col-{}", state.as_str());
    let labelled_by = heading_id.clone();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        if let Some((key, from)) = dragging.get_untracked() {
            dragging.set(None);
            if from == state {
                return;
            }
            match from.check_move(state) {
                Ok(()) => {
                    refused.set(None);
                    moved.dispatch(MoveIssue {
                        key,
                        to: state.as_str().to_string(),
                    });
                }
                Err(e) => refused.set(Some(format!("{key}: {e}"))),
            }
        }
    };
    view! {
        <section
            class="board-column"
            class=("drop-target", move || over.get())
            data-state=state.as_str()
            aria-labelledby=labelled_by
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if can_move {
                    ev.prevent_default();
                    over.set(true);
                }
            }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <h2 id=heading_id>
                {state.label()}
                <span class="count">{column.count}</span>
            </h2>
            {(column.count > shown).then(|| view! {
                <p class="small muted">{format!("The {shown} most urgent of {}.", column.count)}</p>
            })}
            {column
                .cards
                .into_iter()
                .map(|c| view! { <Card card=c can_move moved dragging /> })
                .collect_view()}
        </section>
    }
}

#[component]
fn Card(
    card: IssueCard,
    can_move: bool,
    moved: ServerAction<MoveIssue>,
    dragging: RwSignal<Option<(String, IssueState)>>,
) -> impl IntoView {
    let key = card.key.clone();
    let state = card.state;
    let drag_key = key.clone();
    let (card_key, link_key, form_key) = (key.clone(), key.clone(), key.clone());
    let select_id = format!("move-{key}");
    let select_for = select_id.clone();
    let move_label = format!("Move {key} to");
    view! {
        <article
            class="issue-card"
            data-key=card_key
            draggable=can_move.then_some("true")
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    _ = dt.set_data("text/plain", &drag_key);
                    dt.set_effect_allowed("move");
                }
                dragging.set(Some((drag_key.clone(), state)));
            }
            on:dragend=move |_| dragging.set(None)
        >
            <p class="card-title">
                <a href=format!("/issues/{link_key}")>
                    <span class="key">{link_key.clone()}</span>
                    " "
                    {card.title.clone()}
                </a>
            </p>
            <p class="card-meta">
                <IssuePriorityBadge priority=card.priority />
                {card.system.clone().map(|s| view! { <span class="small muted">{s}</span> })}
            </p>
            {(!card.assignees.is_empty()).then(|| view! {
                <p class="small">{card.assignees.join(", ")}</p>
            })}
            {(can_move && !state.next_states().is_empty()).then(move || view! {
                <ActionForm action=moved attr:class="card-move">
                    <input type="hidden" name="key" value=form_key />
                    <label for=select_for class="sr-only">{move_label}</label>
                    <select id=select_id name="to">
                        {state
                            .next_states()
                            .iter()
                            .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="btn btn-quiet btn-small">"Move"</button>
                </ActionForm>
            })}
        </article>
    }
}
