use crate::components::{LoadError, PriorityBadge, StateBadge};
use crate::model::RequestSummary;
use crate::requests::list_queue;
use leptos::prelude::*;
use leptos_meta::Title;

/// The analysts' queue: open requests, unassigned first, then newest.
#[component]
pub fn QueuePage() -> impl IntoView {
    let queue = Resource::new(|| (), |_| list_queue());
    view! {
        <Title text="Queue" />
        <div class="page-head">
            <h1>"Queue"</h1>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <div class="empty">
                                <p>"The queue is empty. Nothing is waiting."</p>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(list) => view! { <QueueTable list /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn QueueTable(list: Vec<RequestSummary>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="queue">
                <caption class="sr-only">"Open requests, unassigned first, then newest"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Title"</th>
                        <th scope="col">"Requester"</th>
                        <th scope="col">"Priority"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Assignee"</th>
                        <th scope="col">"Created"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|r| {
                            let href = format!("/requests/{}", r.key);
                            view! {
                                <tr>
                                    <td class="key">
                                        <a href=href.clone()>{r.key.clone()}</a>
                                    </td>
                                    <td>
                                        <a href=href>{r.title.clone()}</a>
                                    </td>
                                    <td>{r.requester.clone()}</td>
                                    <td>
                                        <PriorityBadge priority=r.priority />
                                    </td>
                                    <td>
                                        <StateBadge state=r.state />
                                    </td>
                                    <td>
                                        {r
                                            .assignee
                                            .clone()
                                            .unwrap_or_else(|| "Unassigned".to_string())}
                                    </td>
                                    <td class="nowrap">{r.created_at.to_string()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
