use crate::components::{debounced_input, follow, refused_form, ErrorSummary, FieldError};
use crate::domain::attachment::IDS_FIELD;
use crate::domain::error::AppError;
use crate::domain::form::FieldType;
use crate::domain::guide::search_terms;
use crate::domain::kinds::RequestKind;
use crate::domain::request::{Priority, DESCRIPTION_MAX, TITLE_MAX};
use crate::guides::{suggest_guides, GuideSolved};
use crate::model::guides::GuideHit;
use crate::model::FormDraft;
use crate::requests::{system_titles, SubmitRequest};
use crate::routes::files::{FilePicker, Picker};
use crate::routes::not_found::NotFoundPage;
use crate::routes::request_fields::{field_labels, Errors, Initial, SpecField};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The form for one kind of request, built from the kind's field specs. Works as a plain form
/// post without JavaScript.
#[component]
pub fn RequestFormPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || {
        params
            .read()
            .get("kind")
            .and_then(|k| k.parse::<RequestKind>().ok())
    };
    let draft = refused_form();
    move || match kind() {
        Some(kind) => view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let draft = draft.await;
                    view! { <RequestForm kind draft /> }
                })}
            </Suspense>
        }
        .into_any(),
        None => view! { <NotFoundPage /> }.into_any(),
    }
}

#[component]
fn RequestForm(kind: RequestKind, draft: FormDraft) -> impl IntoView {
    let query = use_query_map();
    let mut initial = Initial(query.with_untracked(|q| {
        q.clone()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }));
    // What was typed before the server refused it without JavaScript comes back whole.
    let draft_kept = draft
        .value(<SubmitRequest as ServerFn>::PATH, IDS_FIELD)
        .map(str::to_string);
    if draft.action == <SubmitRequest as ServerFn>::PATH {
        initial.0.extend(draft.fields);
    }
    let priority0 = initial
        .get("priority")
        .parse::<Priority>()
        .unwrap_or(Priority::Normal);
    let title0 = initial.get("title");

    // Suggestions follow the title as it is typed, 300 ms after the last key.
    let (lookup, set_lookup) = signal(title0.clone());
    let on_title = debounced_input(300, move |value| set_lookup.set(value));
    let suggestions = crate::resource::load(
        move || lookup.get(),
        |title| async move {
            if search_terms(&title).is_empty() {
                Ok(Vec::new())
            } else {
                suggest_guides(title).await
            }
        },
    );
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    let submit = ServerAction::<SubmitRequest>::new();
    follow(submit, |key| format!("/requests/{key}"));
    let pending = submit.pending();
    let needs_systems = kind
        .fields()
        .iter()
        .any(|f| matches!(f.ty, FieldType::System | FieldType::SystemLines));
    let titles = crate::resource::load(|| (), |_| system_titles());
    let title_hint = if kind.title_required() {
        "One line that says what is wrong, e.g. \u{201c}Zoom crashes when I share my screen\u{201d}."
    } else {
        "Optional: leave it empty and one is made from what you fill in below."
    };
    let description_hint = if kind.description_required() {
        "What happened, what you expected, and what you already tried. Never include passwords."
    } else {
        "Optional: anything the helpdesk should know. Never include passwords."
    };
    let errors = Errors {
        server: submit,
        browser: RwSignal::new(None),
    };
    let title_error = errors.for_field("title".into());
    let description_error = errors.for_field("description".into());
    let priority_error = errors.for_field("priority".into());
    let files_error = errors.for_field(IDS_FIELD.into());
    let picker = Picker::new();
    let kept_files = draft_kept.unwrap_or_default();
    let description0 = initial.get("description");
    let fields_initial = initial.clone();
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
                <ErrorSummary error=errors.current() labels=field_labels(kind) />
                // The check runs in the capture phase, before ActionForm's own handler, which
                // leaves a submission alone once its default action is prevented.
                <div on:submit:capture=move |ev| errors.check(&ev)>
                <ActionForm
                    action=submit
                    attr:class="stack"
                    attr:novalidate=true
                    attr:enctype="multipart/form-data"
                >
                    <input type="hidden" name="kind" value=kind.as_str() />
                    <div class="field">
                        <label for="title">
                            "Title" {(!kind.title_required()).then(|| view! { <span class="muted small">" (optional)"</span> })}
                        </label>
                        <p class="hint" id="title-hint">{title_hint}</p>
                        <input
                            id="title"
                            name="fields[title]"
                            type="text"
                            maxlength=TITLE_MAX.to_string()
                            value=title0
                            required=kind.title_required()
                            aria-invalid=move || title_error.get().is_some().to_string()
                            aria-describedby="title-hint title-error"
                            on:input=on_title
                        />
                        <FieldError id="title-error" message=title_error />
                    </div>
                    {kind
                        .fields()
                        .iter()
                        .map(|spec| view! { <SpecField spec=*spec errors initial=fields_initial.clone() /> })
                        .collect_view()}
                    <div class="field">
                        <label for="description">
                            {kind.description_label()}
                            {(!kind.description_required()).then(|| view! { <span class="muted small">" (optional)"</span> })}
                        </label>
                        <p class="hint" id="description-hint">{description_hint}</p>
                        <textarea
                            id="description"
                            name="fields[description]"
                            rows="6"
                            required=kind.description_required()
                            maxlength=DESCRIPTION_MAX.to_string()
                            aria-invalid=move || description_error.get().is_some().to_string()
                            aria-describedby="description-hint description-error"
                            on:paste=move |ev| picker.paste(ev)
                        >
                            {crate::components::textarea_text(description0)}
                        </textarea>
                        <FieldError id="description-error" message=description_error />
                    </div>
                    <div class="field">
                        <label for="priority">"Priority"</label>
                        <select
                            id="priority"
                            name="fields[priority]"
                            aria-invalid=move || priority_error.get().is_some().to_string()
                            aria-describedby="priority-error"
                        >
                            {Priority::ALL
                                .iter()
                                .map(|p| {
                                    view! {
                                        <option value=p.as_str() selected=*p == priority0>
                                            {p.label()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                        <FieldError id="priority-error" message=priority_error />
                    </div>
                    <FilePicker picker id="attachments" kept=kept_files error=files_error />
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
                {needs_systems
                    .then(|| {
                        view! {
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let titles = titles.await.unwrap_or_default();
                                    view! {
                                        <datalist id="registry-systems">
                                            {titles
                                                .into_iter()
                                                .map(|t| view! { <option value=t></option> })
                                                .collect_view()}
                                        </datalist>
                                    }
                                })}
                            </Suspense>
                        }
                    })}
            </div>
            <Suggestions suggestions />
        </div>
    }
}

/// Guides that may answer the request before it is sent (deflection).
#[component]
fn Suggestions(
    suggestions: crate::resource::Data<Result<Vec<GuideHit>, AppError>>,
) -> impl IntoView {
    let solved = ServerAction::<GuideSolved>::new();
    follow(solved, str::to_string);
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
