use crate::components::LoadError;
use crate::model::GrantView;
use crate::requests::get_person;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A person and the access they hold (and held). Themselves, their manager and staff only.
#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.read().get("handle").unwrap_or_default();
    let person = Resource::new(handle, get_person);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match person.await {
                    Ok(p) => view! {
                        <Title text=p.name.clone() />
                        <h1>{p.name.clone()}</h1>
                        <p class="lead">
                            "@" {p.handle.clone()} " · " {p.email.clone()}
                            {p.manager.clone().map(|m| view! { " · Manager: " {m} })}
                        </p>
                        <section aria-labelledby="holds-heading">
                            <h2 id="holds-heading">"Access held"</h2>
                            <Grants grants=p.holds label="Access held" empty="No access recorded here." />
                        </section>
                        {(!p.held.is_empty()).then(|| view! {
                            <section aria-labelledby="held-heading">
                                <h2 id="held-heading">"Removed access"</h2>
                                <Grants grants=p.held label="Removed access" empty="" />
                            </section>
                        })}
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Grants(grants: Vec<GrantView>, label: &'static str, empty: &'static str) -> impl IntoView {
    if grants.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <table class="grants" aria-label=label>
            <thead>
                <tr>
                    <th scope="col">"System"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Granted"</th>
                    <th scope="col">"Ends"</th>
                    <th scope="col">"Request"</th>
                </tr>
            </thead>
            <tbody>
                {grants
                    .into_iter()
                    .map(|g| {
                        view! {
                            <tr>
                                <td><a href=format!("/systems/{}", g.system_slug)>{g.system.clone()}</a></td>
                                <td>{g.role.clone()}</td>
                                <td>{g.granted_by.clone()} <br /> <span class="muted small">{g.granted_at.to_string()}</span></td>
                                <td>
                                    {match (g.revoked_at, g.expires_at) {
                                        (Some(at), _) => format!("Removed {at} by {}", g.revoked_by.clone().unwrap_or_default()),
                                        (None, Some(e)) => e.to_string(),
                                        (None, None) => "\u{2014}".to_string(),
                                    }}
                                </td>
                                <td>{g.request_key.clone().map(|k| view! { <a href=format!("/requests/{k}")>{k.clone()}</a> })}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
