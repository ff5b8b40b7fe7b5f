//! The analyst queue dashboard: built-in and saved views with their counts, filters, a page of
//! requests in the chosen order, and changes to many requests at once. Everything is links and
//! forms, so it works without JavaScript; with it, the page refreshes itself when requests
//! change and keyboard shortcuts move through the list.

use crate::components::{field_error, form_error, FieldError, FormError, LoadError};
use crate::domain::kinds::RequestKind;
use crate::domain::queue::{AssigneeFilter, SlaFilter, Sort, StateFilter, View};
use crate::domain::request::{Priority, RequestState};
use crate::model::QueuePageView;
use crate::queue::{queue_dashboard, BatchUpdate, DeleteQueueView, SaveQueueView};
use crate::routes::queue_live::{keyboard_shortcuts, live_refresh};
use crate::routes::request_resolution::LatestRatings;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;

#[component]
pub fn QueuePage() -> impl IntoView {
    let location = use_location();
    let batch = ServerAction::<BatchUpdate>::new();
    let save_view = ServerAction::<SaveQueueView>::new();
    let delete_view = ServerAction::<DeleteQueueView>::new();
    // Bumped when the requests changed elsewhere (polled), so the page reloads its data.
    let changed = RwSignal::new(0u32);
    let data = crate::resource::load(
        move || {
            (
                location.search.get(),
                batch.version().get(),
                save_view.version().get(),
                delete_view.version().get(),
                changed.get(),
            )
        },
        |(search, ..)| queue_dashboard(search.trim_start_matches('?').to_string()),
    );
    live_refresh(data, changed);
    keyboard_shortcuts();
    provide_context(MoreFiltersOpen(RwSignal::new(None)));
    view! {
        <Title text="Queue" />
        <div class="page-head">
            <h1>"Queue"</h1>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Dashboard page batch save_view delete_view /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Dashboard(
    page: QueuePageView,
    batch: ServerAction<BatchUpdate>,
    save_view: ServerAction<SaveQueueView>,
    delete_view: ServerAction<DeleteQueueView>,
) -> impl IntoView {
    let active_view = page.filter.view;
    let filtered = page.filter.is_narrowed();
    let on_shift = page
        .on_shift
        .iter()
        .filter(|s| s.duty == "support")
        .map(|s| format!("{} ({})", s.name, s.region))
        .collect::<Vec<_>>();
    view! {
        <p class="on-shift" aria-live="polite">
            {if on_shift.is_empty() {
                "Nobody is on support hours right now; new requests wait in the team queue.".to_string()
            } else {
                format!("On shift now: {}.", on_shift.join(", "))
            }}
            {if page.round_robin {
                " New requests are handed out round-robin."
            } else {
                " Round-robin is off: analysts claim requests."
            }}
        </p>
        <div class="queue-layout">
            <nav class="queue-views" aria-label="Queue views">
                <h2 class="section-heading">"Views"</h2>
                <ul>
                    {page
                        .views
                        .iter()
                        .map(|vc| {
                            let current = active_view == Some(vc.view) && !filtered;
                            view! {
                                <li>
                                    <a
                                        href=format!("/queue?view={}", vc.view.as_str())
                                        aria-current=current.then_some("page")
                                        class=view_class(vc.view, vc.count)
                                    >
                                        <span>{vc.view.label()}</span>
                                        <Count n=vc.count.to_string() />
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <h2 class="section-heading by-kind">"By kind"</h2>
                <ul class="by-kind">
                    {page
                        .kinds
                        .iter()
                        .map(|(kind, n)| {
                            view! {
                                <li>
                                    <a href=format!("/queue?kind={}", kind.as_str())>
                                        <span>{kind.label()}</span>
                                        <Count n=n.to_string() />
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <h2 class="section-heading">"My views"</h2>
                {if page.saved.is_empty() {
                    view! { <p class="muted small">"Filter the queue, then save the filters as a view."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {page
                                .saved
                                .clone()
                                .into_iter()
                                .map(|s| {
                                    let label = format!("Delete the view {}", s.name);
                                    let count = if s.count < 0 { "\u{2013}".to_string() } else { s.count.to_string() };
                                    view! {
                                        <li class="saved-view">
                                            <a href=format!("/queue?{}", s.query)>
                                                <span>{s.name}</span>
                                                <Count n=count />
                                            </a>
                                            <ActionForm action=delete_view attr:class="inline">
                                                <input type="hidden" name="id" value=s.id />
                                                <button type="submit" class="btn btn-quiet btn-small" aria-label=label>
                                                    "\u{d7}"
                                                </button>
                                            </ActionForm>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
                <p class="small"><a href="/queue/macros">"Macros"</a></p>
                {page.can_admin.then(|| view! { <p class="small"><a href="/admin/coverage">"Shifts, holidays and round-robin"</a></p> })}
            </nav>
            <div class="queue-main">
                <BatchOutcome batch />
                <Filters page=page.clone() />
                <SaveView query=page.query.clone() save_view />
                <BatchTable page=page.clone() batch />
                <LatestRatings ratings=page.ratings.clone() />
            </div>
        </div>
    }
}

/// A view's count, read as "Unassigned (12)" by screen readers, seen as a pill. The link's name
/// is its visible text (no `aria-label` that says otherwise).
#[component]
fn Count(n: String) -> impl IntoView {
    view! {
        <span class="count">
            <span class="sr-only">" ("</span>
            {n}
            <span class="sr-only">")"</span>
        </span>
    }
}

fn view_class(view: View, count: i64) -> &'static str {
    match view {
        View::Breached if count > 0 => "view-link alarm",
        View::AtRisk if count > 0 => "view-link warn",
        _ => "view-link",
    }
}

/// Whether the person opened or closed "More filters" on this page (`None`: not yet). Kept
/// above the list, which is drawn again whenever the queue refreshes itself, so that a refresh
/// never folds away the filters someone is choosing.
#[derive(Clone, Copy)]
struct MoreFiltersOpen(RwSignal<Option<bool>>);

/// The filter form: a GET form, so a filtered queue is a link anyone can bookmark.
#[component]
fn Filters(page: QueuePageView) -> impl IntoView {
    let chosen = use_context::<MoreFiltersOpen>().map(|m| m.0);
    let f = page.filter.clone();
    let state = match f.state {
        StateFilter::Open => "open".to_string(),
        StateFilter::Any => "any".to_string(),
        StateFilter::Is(s) => s.as_str().to_string(),
    };
    let kind = f.kind.map(|k| k.as_str().to_string()).unwrap_or_default();
    let priority = f
        .priority
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let assignee = match &f.assignee {
        None => String::new(),
        Some(AssigneeFilter::Nobody) => "none".into(),
        Some(AssigneeFilter::Me) => "me".into(),
        Some(AssigneeFilter::MyTeam) => "team".into(),
        Some(AssigneeFilter::Person(h)) => h.clone(),
    };
    let sla = match f.sla {
        None => "",
        Some(SlaFilter::AtRisk) => "at-risk",
        Some(SlaFilter::Breached) => "breached",
    };
    // Open when one of the filters inside is set, so what narrows the list is always in view.
    let more_set = [kind.as_str(), priority.as_str(), assignee.as_str(), sla]
        .iter()
        .filter(|v| !v.is_empty())
        .count()
        + [&f.label, &f.requester, &f.system]
            .iter()
            .filter(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
            .count()
        + usize::from(f.sort != f.default_sort());
    let more_summary = match more_set {
        0 => "More filters".to_string(),
        n => format!("More filters ({n} set)"),
    };
    // The default order shows as "Best", so that searching after sorting by nothing in
    // particular finds the newest matches rather than keeping the order of the list before.
    let sort_shown = if f.sort == f.default_sort() {
        ""
    } else {
        f.sort.as_str()
    };
    let opt = |value: &str, label: &str, current: &str| {
        let selected = value == current;
        view! { <option value=value.to_string() selected=selected>{label.to_string()}</option> }
    };
    view! {
        <Form method="GET" action="/queue" attr:class="filters queue-filters" attr:aria-label="Filter the queue">
            {f.view.map(|v| view! { <input type="hidden" name="view" value=v.as_str() /> })}
            <div class="field filter-q">
                <label for="filter-q">"Search"</label>
                <input type="search" id="filter-q" name="q" value=f.text.clone().unwrap_or_default()
                    placeholder="Words in title or description, or REQ-123" maxlength="200" />
            </div>
            <div class="field">
                <label for="filter-state">"State"</label>
                <select id="filter-state" name="state">
                    {opt("open", "Open", &state)}
                    {opt("any", "Any", &state)}
                    {RequestState::ALL.iter().map(|s| opt(s.as_str(), s.label(), &state)).collect_view()}
                </select>
            </div>
            <details
                class="more-filters"
                open=move || chosen.and_then(|c| c.get()).unwrap_or(more_set > 0)
                on:toggle=move |ev| {
                    if let Some(c) = chosen {
                        let open = event_target::<leptos::web_sys::Element>(&ev).has_attribute("open");
                        if c.get_untracked() != Some(open) {
                            c.set(Some(open));
                        }
                    }
                }
            >
            <summary>{more_summary}</summary>
            <div class="more-filters-grid">
            <div class="field">
                <label for="filter-kind">"Kind"</label>
                <select id="filter-kind" name="kind">
                    {opt("", "Any", &kind)}
                    {RequestKind::ALL.iter().map(|k| opt(k.as_str(), k.label(), &kind)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-priority">"Priority"</label>
                <select id="filter-priority" name="priority">
                    {opt("", "Any", &priority)}
                    {Priority::ALL.iter().map(|p| opt(p.as_str(), p.label(), &priority)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-assignee">"Assignee"</label>
                <select id="filter-assignee" name="assignee">
                    {opt("", "Anyone", &assignee)}
                    {opt("none", "Unassigned", &assignee)}
                    {opt("me", "Me", &assignee)}
                    {opt("team", "My team", &assignee)}
                    {page.assignees.iter().map(|p| opt(&p.handle, &p.name, &assignee)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-sla">"Service level"</label>
                <select id="filter-sla" name="sla">
                    {opt("", "Any", sla)}
                    {opt("at-risk", "At risk", sla)}
                    {opt("breached", "Breached", sla)}
                </select>
            </div>
            <div class="field">
                <label for="filter-label">"Label"</label>
                <input type="text" id="filter-label" name="label" value=f.label.clone().unwrap_or_default() maxlength="100" />
            </div>
            <div class="field">
                <label for="filter-requester">"Requester"</label>
                <input type="text" id="filter-requester" name="requester" value=f.requester.clone().unwrap_or_default()
                    placeholder="handle or e-mail" maxlength="100" />
            </div>
            <div class="field">
                <label for="filter-system">"System"</label>
                <input type="text" id="filter-system" name="system" value=f.system.clone().unwrap_or_default()
                    placeholder="registry slug, e.g. okta" maxlength="100" />
            </div>
            <div class="field">
                <label for="filter-sort">"Sort by"</label>
                <select id="filter-sort" name="sort">
                    {opt("", "Best (next due; newest when searching)", sort_shown)}
                    {Sort::ALL.iter().map(|s| opt(s.as_str(), s.label(), sort_shown)).collect_view()}
                </select>
            </div>
            </div>
            </details>
            <div class="filter-actions">
                <button type="submit" class="btn btn-secondary">"Apply filters"</button>
                <a class="btn btn-quiet" href="/queue">"Clear"</a>
            </div>
        </Form>
    }
}

#[component]
fn SaveView(query: String, save_view: ServerAction<SaveQueueView>) -> impl IntoView {
    let name_error = crate::components::field_error(save_view, "name");
    view! {
        <details class="save-view">
            <summary>"Save these filters as a view"</summary>
            <ActionForm action=save_view attr:class="inline-form">
                <input type="hidden" name="query" value=query />
                <div class="field">
                    <label for="view-name">"View name"</label>
                    <input type="text" id="view-name" name="name" maxlength="60" required
                        aria-describedby="view-name-error" />
                    <crate::components::FieldError id="view-name-error" message=name_error />
                </div>
                <button type="submit" class="btn btn-secondary">"Save view"</button>
            </ActionForm>
        </details>
    }
}

/// What the last change to many requests did (with JavaScript; without it the page reloads).
#[component]
fn BatchOutcome(batch: ServerAction<BatchUpdate>) -> impl IntoView {
    let done = move || {
        batch.value().with(|v| match v {
            Some(Ok(n)) => Some(format!(
                "Changed {n} request{}.",
                if *n == 1 { "" } else { "s" }
            )),
            _ => None,
        })
    };
    // "Select at least one request." and other problems with the selection itself.
    let selection = field_error(batch, "keys");
    view! {
        <FormError message=form_error(batch) />
        <FormError message=selection />
        <p class="alert alert-ok" role="status" hidden=move || done().is_none()>{done}</p>
    }
}

/// The list, inside the form that changes the selected requests.
#[component]
fn BatchTable(page: QueuePageView, batch: ServerAction<BatchUpdate>) -> impl IntoView {
    if page.row_count == 0 {
        return view! {
            <div class="empty">
                <p>"Nothing here. No request matches these filters."</p>
            </div>
        }
        .into_any();
    }
    let states = [
        RequestState::Triaged,
        RequestState::InProgress,
        RequestState::WaitingOnRequester,
        RequestState::Resolved,
        RequestState::Cancelled,
    ];
    view! {
        <ActionForm action=batch attr:class="batch-form">
            <fieldset class="batch-bar">
                <legend>"With the selected requests"</legend>
                <div class="field">
                    <label for="batch-assignee">"Assign to"</label>
                    <select id="batch-assignee" name="assignee" aria-describedby="batch-assignee-error">
                        <option value="me">"Me"</option>
                        <option value="none">"Nobody"</option>
                        {page.assignees.iter().map(|p| view! { <option value=p.handle.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                    <button type="submit" name="action" value="assign" class="btn btn-secondary btn-small">"Assign"</button>
                    <FieldError id="batch-assignee-error" message=field_error(batch, "assignee") />
                </div>
                <div class="field">
                    <label for="batch-label">"Label"</label>
                    <input type="text" id="batch-label" name="label" maxlength="50" placeholder="e.g. access-review"
                        aria-describedby="batch-label-error"
                        aria-invalid=move || field_error(batch, "label").get().is_some().to_string() />
                    <button type="submit" name="action" value="label" class="btn btn-secondary btn-small">"Add label"</button>
                    <FieldError id="batch-label-error" message=field_error(batch, "label") />
                </div>
                <div class="field">
                    <label for="batch-state">"Move to"</label>
                    <select id="batch-state" name="state" aria-describedby="batch-state-error">
                        {states.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" name="action" value="state" class="btn btn-secondary btn-small">"Move"</button>
                    <FieldError id="batch-state-error" message=field_error(batch, "state") />
                </div>
                <div class="field batch-reply">
                    <label for="batch-reply">"Reply to each requester (needed to resolve)"</label>
                    <textarea id="batch-reply" name="reply" rows="2"
                        aria-describedby="batch-reply-error"
                        aria-invalid=move || field_error(batch, "reply").get().is_some().to_string()></textarea>
                    <FieldError id="batch-reply-error" message=field_error(batch, "reply") />
                </div>
            </fieldset>
            <div class="table-wrap">
                <table class="queue">
                    <caption class="sr-only">"Requests in this view"</caption>
                    <thead>
                        <tr>
                            <th scope="col"><span class="sr-only">"Select"</span></th>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Title"</th>
                            <th scope="col">"Next due"</th>
                            <th scope="col">"Priority"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Assignee"</th>
                            <th scope="col">"Requester"</th>
                        </tr>
                    </thead>
                    // Drawn once on the server for everyone shown this page of the list
                    // (`queue_rows`): links and ticks only, nothing to hydrate.
                    <tbody inner_html=page.rows_html.clone()></tbody>
                </table>
            </div>
            <p class="small muted keys-hint">"Keys: j / k move, x selects, / searches."</p>
        </ActionForm>
        {page.next.map(|next| view! {
            <nav class="pager" aria-label="Pages">
                <a class="btn btn-secondary" href=format!("/queue?{next}")>"Next page"</a>
            </nav>
        })}
    }
    .into_any()
}
