use crate::components::{field_error, form_error, FieldError, FormError, LoadError};
use crate::model::{AllowedSystem, GrantView};
use crate::requests::{get_person, system_titles, AllowContractorSystem, DisallowContractorSystem};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A person and the access they hold (and held). Themselves, their manager and staff only.
#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.read().get("handle").unwrap_or_default();
    let allow = ServerAction::<AllowContractorSystem>::new();
    let disallow = ServerAction::<DisallowContractorSystem>::new();
    let person = crate::resource::load(
        move || (handle(), allow.version().get(), disallow.version().get()),
        |(handle, ..)| get_person(handle),
    );
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
                        {p.allowed.clone().map(|list| view! {
                            <Allowed handle=p.handle.clone() list can_edit=p.can_edit_allowed allow disallow />
                        })}
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

/// What a contractor may ask for, kept by their sponsor: contractors request nothing else.
#[component]
fn Allowed(
    handle: String,
    list: Vec<AllowedSystem>,
    can_edit: bool,
    allow: ServerAction<AllowContractorSystem>,
    disallow: ServerAction<DisallowContractorSystem>,
) -> impl IntoView {
    let system_error = field_error(allow, "system");
    let titles = crate::resource::load(|| (), |_| system_titles());
    let remove_handle = handle.clone();
    view! {
        <section aria-labelledby="allowed-heading">
            <h2 id="allowed-heading">"Systems this contractor may ask for"</h2>
            <p class="muted small">"Their sponsor keeps this list; a contractor can request access to these systems only, and for themselves only."</p>
            <FormError message=form_error(allow) />
            <FormError message=form_error(disallow) />
            {if list.is_empty() {
                view! { <p class="muted">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="allowed">
                        {list
                            .into_iter()
                            .map(|s| {
                                let handle = remove_handle.clone();
                                view! {
                                    <li>
                                        {s.title.clone()}
                                        {can_edit.then(|| view! {
                                            <ActionForm action=disallow attr:class="inline">
                                                <input type="hidden" name="handle" value=handle />
                                                <input type="hidden" name="system_id" value=s.id.to_string() />
                                                <button type="submit" class="btn btn-quiet btn-small"
                                                    aria-label=format!("Remove {}", s.title)>"Remove"</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {can_edit.then(|| view! {
                <ActionForm action=allow attr:class="inline-form">
                    <input type="hidden" name="handle" value=handle.clone() />
                    <div class="field">
                        <label for="allow-system">"Allow a system"</label>
                        <input id="allow-system" name="system" type="text" list="allow-systems" autocomplete="off"
                            maxlength="200" required aria-describedby="allow-system-error"
                            aria-invalid=move || system_error.get().is_some().to_string() />
                        <FieldError id="allow-system-error" message=system_error />
                    </div>
                    <button type="submit" class="btn btn-secondary">"Allow"</button>
                </ActionForm>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let titles = titles.await.unwrap_or_default();
                        view! {
                            <datalist id="allow-systems">
                                {titles.into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
                            </datalist>
                        }
                    })}
                </Suspense>
            })}
        </section>
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
                                <td>
                                    {g.request_key.clone().map(|k| {
                                        if g.request_open {
                                            view! { <a href=format!("/requests/{k}")>{k.clone()}</a> }.into_any()
                                        } else {
                                            view! { <span>{k}</span> }.into_any()
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
