use crate::components::{LoadError, StateBadge};
use crate::model::RequestSummary;
use crate::requests::list_my_requests;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let requests = Resource::new(|| (), |_| list_my_requests());
    view! {
        <Title text="My requests" />
        <div class="page-head">
            <h1>"My requests"</h1>
            <a class="btn btn-primary" href="/request">
                "New request"
            </a>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <div class="empty">
                                <p>"You have not asked for anything yet."</p>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(list) => view! { <MyRequestList list /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
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
                                <span class="muted small">"Updated " {r.updated_at.to_string()}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
