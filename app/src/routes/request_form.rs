use crate::components::{field_error, form_error, FieldError, FormError};
use crate::domain::request::{Priority, RequestKind, DESCRIPTION_MAX, TITLE_MAX};
use crate::requests::SubmitRequest;
use crate::routes::not_found::NotFoundPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The form for one kind of request. Works as a plain form post without JavaScript.
#[component]
pub fn RequestFormPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || params.read().get("kind").and_then(|k| k.parse::<RequestKind>().ok());
    move || match kind() {
        Some(kind) => view! { <RequestForm kind /> }.into_any(),
        None => view! { <NotFoundPage /> }.into_any(),
    }
}

#[component]
fn RequestForm(kind: RequestKind) -> impl IntoView {
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
        <div class="card form-card">
            <FormError message=form_error(submit) />
            <ActionForm action=submit attr:class="stack" attr:novalidate=true>
                <input type="hidden" name="kind" value=kind.as_str() />
                <div class="field">
                    <label for="title">"Title"</label>
                    <p class="hint" id="title-hint">
                        "One line that says what is wrong, e.g. \u{201c}Zoom crashes when I share my screen\u{201d}."
                    </p>
                    <input
                        id="title"
                        name="title"
                        type="text"
                        required
                        maxlength=TITLE_MAX.to_string()
                        aria-invalid=move || title_error.get().is_some().to_string()
                        aria-describedby="title-hint title-error"
                    />
                    <FieldError id="title-error" message=title_error />
                </div>
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
                    ></textarea>
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
                                    <option value=p.as_str() selected={*p == Priority::Normal}>
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
                    <a class="btn btn-quiet" href="/request">
                        "Back"
                    </a>
                </div>
            </ActionForm>
        </div>
    }
}
