//! The API page: the JSON API's reference, rendered from the OpenAPI description the server
//! generates (`/openapi.json`), so it never drifts from what the server answers.

use crate::api_doc::api_reference;
use crate::components::LoadError;
use crate::model::api_doc::{ApiDocView, ApiField, ApiOperation, ApiSchema, ApiType};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let doc = crate::resource::load(|| (), |_| api_reference());
    view! {
        <Title text="API" />
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match doc.await {
                    Ok(doc) => view! { <Reference doc /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Reference(doc: ApiDocView) -> impl IntoView {
    view! {
        <h1>{doc.title}</h1>
        <p class="lead">{prose(doc.description)}</p>
        <p>
            "The same description as JSON, for client generators and fuzzers: "
            <a href="/openapi.json">
                <code>"/openapi.json"</code>
            </a> " (OpenAPI 3.1). Every path below starts at this portal's address."
        </p>
        <nav class="card api-toc" aria-label="API sections">
            <ul class="plain-list">
                {doc
                    .groups
                    .iter()
                    .map(|g| {
                        let href = format!("#tag-{}", g.name);
                        view! {
                            <li>
                                <a href=href>{g.name.clone()}</a>
                                " \u{2014} "
                                <span class="muted">{prose(g.description.clone())}</span>
                            </li>
                        }
                    })
                    .collect_view()}
                <li>
                    <a href="#schemas">"Types"</a>
                </li>
            </ul>
        </nav>
        {doc
            .groups
            .into_iter()
            .map(|g| {
                let id = format!("tag-{}", g.name);
                view! {
                    <section class="api-group" id=id>
                        <h2>{g.name}</h2>
                        <p class="muted">{prose(g.description)}</p>
                        {g.operations.into_iter().map(|op| view! { <Operation op /> }).collect_view()}
                    </section>
                }
            })
            .collect_view()}
        <section id="schemas" class="api-group">
            <h2>"Types"</h2>
            {doc.schemas.into_iter().map(|s| view! { <Schema s /> }).collect_view()}
        </section>
    }
}

/// Text whose `backticked` parts are code, as the descriptions are written. Only text nodes and
/// `<code>` are made: nothing in a description is read as markup.
fn prose(text: String) -> AnyView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_string();
            if i % 2 == 1 {
                view! { <code>{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
        .into_any()
}

/// A type, linked to its definition when it has one.
fn type_view(t: ApiType) -> AnyView {
    match t.link {
        Some(name) => {
            let href = format!("#schema-{name}");
            view! {
                <a href=href>
                    <code>{t.text}</code>
                </a>
            }
            .into_any()
        }
        None => view! { <code>{t.text}</code> }.into_any(),
    }
}

fn fields_table(caption: String, fields: Vec<ApiField>, location: bool) -> AnyView {
    if fields.is_empty() {
        return ().into_any();
    }
    let label = caption.clone();
    view! {
        // Focusable, so that a keyboard can scroll it sideways on a narrow screen.
        <div class="api-table" tabindex="0" role="region" aria-label=label>
            <table class="api-fields">
                <caption class="sr-only">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        {location.then(|| view! { <th scope="col">"In"</th> })}
                        <th scope="col">"Type"</th>
                        <th scope="col">"Description"</th>
                    </tr>
                </thead>
                <tbody>
                    {fields
                        .into_iter()
                        .map(|f| {
                            view! {
                                <tr>
                                    <td>
                                        <code>{f.name}</code>
                                        {f.required.then(|| view! { <span class="muted">" required"</span> })}
                                    </td>
                                    {location.then(|| view! { <td>{f.location}</td> })}
                                    <td>{type_view(f.kind)}</td>
                                    <td>{prose(f.description)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Operation(op: ApiOperation) -> impl IntoView {
    let method_class = format!("api-method api-{}", op.method.to_lowercase());
    let caption = format!("Parameters of {} {}", op.method, op.path);
    let (ok, errors): (Vec<_>, Vec<_>) = op
        .responses
        .into_iter()
        .partition(|r| r.status.starts_with('2'));
    view! {
        <article class="card api-op">
            <h3>
                <span class=method_class>{op.method}</span>
                " "
                <code class="api-path">{op.path}</code>
                {op.public.then(|| view! { <span class="badge badge-ready">"no sign-in needed"</span> })}
            </h3>
            {(!op.description.is_empty()).then(|| view! { <p>{prose(op.description)}</p> })}
            {fields_table(caption, op.params, true)}
            {op.body.map(|b| view! { <p>"Body: " {type_view(b)}</p> })}
            {ok.into_iter()
                .map(|r| {
                    view! {
                        <p class="api-ok">
                            <strong>{r.status}</strong>
                            " "
                            {prose(r.description)}
                            {r.body.map(|b| view! { " " {type_view(b)} })}
                        </p>
                    }
                })
                .collect_view()}
            <details>
                <summary>"Errors"</summary>
                <ul class="plain-list api-answers">
                    {errors
                        .into_iter()
                        .map(|r| {
                            view! {
                                <li>
                                    <strong>{r.status}</strong>
                                    " "
                                    {prose(r.description)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </details>
        </article>
    }
}

#[component]
fn Schema(s: ApiSchema) -> impl IntoView {
    let id = format!("schema-{}", s.name);
    let caption = format!("Fields of {}", s.name);
    view! {
        <article class="card api-schema" id=id>
            <h3>
                <code>{s.name}</code>
            </h3>
            {(!s.description.is_empty()).then(|| view! { <p>{prose(s.description)}</p> })}
            {(!s.values.is_empty()).then(|| view! { <p>"One of: " <code>{s.values.join(", ")}</code></p> })}
            {fields_table(caption, s.fields, false)}
        </article>
    }
}
