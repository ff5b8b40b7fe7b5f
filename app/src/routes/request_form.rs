use crate::components::{
    debounced_input, field_error, form_error, FieldError, FormError, TextField,
};
use crate::domain::error::AppError;
use crate::domain::guide::search_terms;
use crate::domain::request::{Priority, RequestKind, DESCRIPTION_MAX, TITLE_MAX};
use crate::guides::{suggest_guides, GuideHit, GuideSolved};
use crate::requests::SubmitRequest;
use crate::routes::not_found::NotFoundPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The form for one kind of request. Works as a plain form post without JavaScript.
#[component]
pub fn RequestFormPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || {
        params
            .read()
            .get("kind")
            .and_then(|k| k.parse::<RequestKind>().ok())
    };
    move || match kind() {
        Some(kind) => view! { <RequestForm kind /> }.into_any(),
        None => view! { <NotFoundPage /> }.into_any(),
    }
}

#[component]
fn RequestForm(kind: RequestKind) -> impl IntoView {
    // "Check guides first" without JavaScript comes back here with the draft in the query.
    let query = use_query_map();
    let initial = move |k: &str| query.with_untracked(|q| q.get(k).unwrap_or_default());
    let (title0, description0, priority0) = (
        initial("title"),
        initial("description"),
        initial("priority"),
    );
    let priority0 = priority0.parse::<Priority>().unwrap_or(Priority::Normal);

    // Suggestions follow the title as it is typed, 300 ms after the last key.
    let (lookup, set_lookup) = signal(title0.clone());
    let on_title = debounced_input(300, move |value| set_lookup.set(value));
    let suggestions = Resource::new(
        move || lookup.get(),
        |title| async move {
            if search_terms(&title).is_empty() {
                Ok(Vec::new())
            } else {
                suggest_guides(title).await
            }
        },
    );
    // The no-JavaScript button is replaced by live suggestions once the page is interactive.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    let submit = ServerAction::<SubmitRequest>::new();
    let title_error = field_error(submit, "title");
    let description_error = field_error(submit, "description");
    let priority_error = field_error(submit, "priority");
    let pending = submit.pending();
    view! {
        <Title text=kind.label() />
        <p class="crumbs">
            <a href="/request">"Request help"</a>
            " / "
        </p>
        <h1>{kind.label()}</h1>
        <p class="lead">{kind.summary()}</p>
        <div class="form-with-suggestions">
        <div class="card form-card">
            <FormError message=form_error(submit) />
            <ActionForm action=submit attr:class="stack" attr:novalidate=true>
                <input type="hidden" name="kind" value=kind.as_str() />
                <TextField
                    name="title"
                    label="Title"
                    hint="One line that says what is wrong, e.g. \u{201c}Zoom crashes when I share my screen\u{201d}."
                    maxlength=TITLE_MAX
                    value=title0
                    error=title_error
                    on:input=on_title
                />
                <div class="field">
                    <label for="description">"Description"</label>
                    <p class="hint" id="description-hint">
                        "What happened, what you expected, and what you already tried. Never include passwords."
                    </p>
                    <textarea
                        id="description"
                        name="description"
                        rows="8"
                        required
                        maxlength=DESCRIPTION_MAX.to_string()
                        aria-invalid=move || description_error.get().is_some().to_string()
                        aria-describedby="description-hint description-error"
                    >
                        {description0}
                    </textarea>
                    <FieldError id="description-error" message=description_error />
                </div>
                <div class="field">
                    <label for="priority">"Priority"</label>
                    <select
                        id="priority"
                        name="priority"
                        aria-invalid=move || priority_error.get().is_some().to_string()
                        aria-describedby="priority-error"
                    >
                        {Priority::ALL
                            .iter()
                            .map(|p| {
                                view! {
                                    <option value=p.as_str() selected={*p == priority0}>
                                        {p.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError id="priority-error" message=priority_error />
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Submitting\u{2026}" } else { "Submit request" }}
                    </button>
                    <Show when=move || !interactive.get()>
                        <button
                            type="submit"
                            class="btn btn-quiet"
                            formmethod="get"
                            formaction=format!("/request/{}", kind.as_str())
                            formnovalidate=true
                        >
                            "Check guides first"
                        </button>
                    </Show>
                    <a class="btn btn-quiet" href="/request">
                        "Back"
                    </a>
                </div>
            </ActionForm>
        </div>
        <Suggestions suggestions />
        </div>
    }
}

/// Guides that may answer the request before it is sent (deflection).
#[component]
fn Suggestions(suggestions: Resource<Result<Vec<GuideHit>, AppError>>) -> impl IntoView {
    let solved = ServerAction::<GuideSolved>::new();
    view! {
        <aside class="suggestions" aria-labelledby="suggestions-heading" aria-live="polite">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let hits = suggestions.await.unwrap_or_default();
                    if hits.is_empty() {
                        return view! {
                            <h2 id="suggestions-heading">"Guides that may help"</h2>
                            <p class="muted small">"Type a title and matching guides appear here."</p>
                        }
                            .into_any();
                    }
                    view! {
                        <h2 id="suggestions-heading">"Guides that may help"</h2>
                        <ul class="suggestion-list">
                            {hits
                                .into_iter()
                                .map(|h| {
                                    view! {
                                        <li class="suggestion">
                                            <a href=format!("/guides/{}", h.slug) target="_blank">
                                                {h.title.clone()}
                                            </a>
                                            <ActionForm action=solved>
                                                <input type="hidden" name="slug" value=h.slug.clone() />
                                                <button type="submit" class="btn btn-quiet btn-small">
                                                    "This solved it"
                                                </button>
                                            </ActionForm>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                })}
            </Transition>
        </aside>
    }
}
