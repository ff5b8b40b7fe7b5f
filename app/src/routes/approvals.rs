use crate::components::LoadError;
use crate::model::WaitingItem;
use crate::requests::waiting_for_me;
use leptos::prelude::*;
use leptos_meta::Title;

/// "Waiting for me": approval steps the viewer may decide and tasks they provision.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| waiting_for_me());
    view! {
        <Title text="Waiting for me" />
        <h1>"Waiting for me"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(w) => view! {
                        <section aria-labelledby="waiting-approvals">
                            <h2 id="waiting-approvals">"Waiting for my approval"</h2>
                            <WaitingList items=w.approvals label="Waiting for my approval" empty="Nothing waits for your approval." />
                        </section>
                        <section aria-labelledby="waiting-tasks">
                            <h2 id="waiting-tasks">"My provisioning tasks"</h2>
                            <WaitingList items=w.tasks label="My provisioning tasks" empty="No open tasks for the systems you provision." />
                        </section>
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WaitingList(items: Vec<WaitingItem>, label: &'static str, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="request-list" aria-label=label>
            {items
                .into_iter()
                .map(|i| {
                    view! {
                        <li>
                            <a class="request-row" href=format!("/requests/{}", i.key)>
                                <span class="key">{i.key.clone()}</span>
                                <span class="title">{i.request_title.clone()}</span>
                                <span>{i.what.clone()}</span>
                                {i.urgent.then(|| view! { <span class="badge badge-urgent">"Urgent"</span> })}
                                <span class="muted small">
                                    {i.due_at.map(|d| format!("Due {d}")).unwrap_or(i.detail.clone())}
                                </span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
