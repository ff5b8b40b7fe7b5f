use crate::components::{action_error, LoadError};
use crate::model::WaitingItem;
use crate::requests::{waiting_for_me, DecideApproval};
use leptos::prelude::*;
use leptos_meta::Title;

/// "Waiting for me": approval steps the viewer may decide (approved or denied right here, or on
/// the request) and tasks they provision.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let decide = ServerAction::<DecideApproval>::new();
    let data = crate::resource::load(move || decide.version().get(), |_| waiting_for_me());
    let error = action_error(decide);
    view! {
        <Title text="Waiting for me" />
        <h1>"Waiting for me"</h1>
        {move || error.get().map(|e| view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> })}
        <Transition fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(w) => view! {
                        <section aria-labelledby="waiting-approvals">
                            <h2 id="waiting-approvals">"Waiting for my approval"</h2>
                            <WaitingList items=w.approvals label="Waiting for my approval" empty="Nothing waits for your approval." decide=Some(decide) />
                        </section>
                        <section aria-labelledby="waiting-tasks">
                            <h2 id="waiting-tasks">"My provisioning tasks"</h2>
                            <WaitingList items=w.tasks label="My provisioning tasks" empty="No open tasks for the systems you provision." decide=None />
                        </section>
                        {(!w.escalations.is_empty()).then(|| view! {
                            <section aria-labelledby="waiting-escalations">
                                <h2 id="waiting-escalations">"Back from engineering"</h2>
                                <p class="hint">"Requests you work whose engineering issues have all closed: reply and resolve them."</p>
                                <WaitingList items=w.escalations.clone() label="Back from engineering" empty="" decide=None />
                            </section>
                        })}
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WaitingList(
    items: Vec<WaitingItem>,
    label: &'static str,
    empty: &'static str,
    decide: Option<ServerAction<DecideApproval>>,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="request-list waiting-list" aria-label=label>
            {items
                .into_iter()
                .map(|i| {
                    let forms = decide.zip(i.approval_id).map(|(action, id)| {
                        view! { <DecideInline action id key=i.key.clone() title=i.request_title.clone() /> }
                    });
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
                            {forms}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Approve with one click, or deny with the reason a denial needs; the request page stays the
/// place to narrow a role first.
#[component]
fn DecideInline(
    action: ServerAction<DecideApproval>,
    id: i64,
    key: String,
    title: String,
) -> impl IntoView {
    let reason_id = format!("deny-reason-{id}");
    let approve_label = format!("Approve {key}: {title}");
    let deny_label = format!("Deny {key}");
    let (key_approve, key_deny) = (key.clone(), key);
    view! {
        <div class="decide-inline">
            <ActionForm action>
                <input type="hidden" name="key" value=key_approve />
                <input type="hidden" name="approval" value=id.to_string() />
                <input type="hidden" name="decision" value="approve" />
                <button type="submit" class="btn btn-primary btn-small" aria-label=approve_label>
                    "Approve"
                </button>
            </ActionForm>
            <details class="deny-inline">
                <summary class="btn btn-quiet btn-small">"Deny\u{2026}"</summary>
                <ActionForm action attr:class="stack">
                    <input type="hidden" name="key" value=key_deny />
                    <input type="hidden" name="approval" value=id.to_string() />
                    <input type="hidden" name="decision" value="deny" />
                    <label for=reason_id.clone()>"Why (the requester sees this)"</label>
                    <textarea id=reason_id name="note" rows="2" maxlength="2000" required></textarea>
                    <button type="submit" class="btn btn-danger btn-small">{deny_label}</button>
                </ActionForm>
            </details>
        </div>
    }
}
