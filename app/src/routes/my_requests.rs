use crate::components::{LoadError, StateBadge};
use crate::model::RequestSummary;
use crate::requests::list_my_requests;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The choices of the "Show" filter, as the address spells them.
const SHOW: [(&str, &str); 3] = [("open", "Open"), ("closed", "Finished"), ("all", "All")];

/// The viewer's requests, open ones first by default, with a filter and a search (a plain GET
/// form, so the address keeps the view and it works without JavaScript).
#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let query = use_query_map();
    let show = move || query.read().get("show").unwrap_or_else(|| "open".into());
    let text = move || query.read().get("q").unwrap_or_default();
    let requests = crate::resource::load(
        move || (show(), text()),
        |(show, q)| list_my_requests(show, q),
    );
    view! {
        <Title text="My requests" />
        <div class="page-head">
            <h1>"My requests"</h1>
            <a class="btn btn-primary" href="/request">
                "New request"
            </a>
        </div>
        <form class="my-filters" method="get" action="/requests" role="search" aria-label="Filter my requests">
            <div class="field">
                <label for="my-show">"Show"</label>
                <select id="my-show" name="show">
                    {move || {
                        let current = show();
                        SHOW.iter()
                            .map(|(value, label)| {
                                view! { <option value=*value selected=current == *value>{*label}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            <div class="field grow">
                <label for="my-q">"Search"</label>
                <input id="my-q" type="search" name="q" maxlength="200" placeholder="Words in the title, or REQ-12" value=text />
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-secondary">"Apply"</button>
            </div>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if list.is_empty() => {
                        let message = if !text().trim().is_empty() {
                            "None of your requests matches this search."
                        } else if show() == "open" {
                            "Nothing open. Choose \u{201c}All\u{201d} to see finished requests."
                        } else {
                            "You have not asked for anything yet."
                        };
                        view! {
                            <div class="empty">
                                <p>{message}</p>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(list) => view! { <MyRequestList list /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MyRequestList(list: Vec<RequestSummary>) -> impl IntoView {
    view! {
        <ul class="request-list" aria-label="My requests">
            {list
                .into_iter()
                .map(|r| {
                    view! {
                        <li>
                            <a class="request-row" href=format!("/requests/{}", r.key)>
                                <span class="key">{r.key.clone()}</span>
                                <span class="title">{r.title.clone()}</span>
                                <StateBadge state=r.state />
                                {r.copied.then(|| view! { <span class="badge badge-label">"CC"</span> })}
                                <span class="muted small">
                                    {r.copied.then(|| format!("Asked by {} · ", r.requester))}
                                    "Updated " {r.updated_at.to_string()}
                                </span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
