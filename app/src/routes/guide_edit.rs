use crate::components::{
    action_error, debounced_input, field_error, refused_form, use_viewer, ErrorPanel, ErrorSummary,
    FieldError, LoadError, TextField,
};
use crate::domain::access;
use crate::domain::attachment::IDS_FIELD;
use crate::domain::error::AppError;
use crate::domain::guide::{Category, Visibility, GUIDE_BODY_MAX, GUIDE_TITLE_MAX, SLUG_MAX};
use crate::guides::{get_guide_source, preview_markdown, SaveGuide};
use crate::model::guides::GuideSource;
use crate::model::FormDraft;
use crate::routes::files::{FilePicker, Picker};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/guides/new`: for analysts and engineers; the server checks again on save.
#[component]
pub fn GuideNewPage() -> impl IntoView {
    let viewer = use_viewer();
    let draft = refused_form();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let v = viewer.await.ok().flatten();
                let draft = draft.await;
                if access::can_edit_guides(v.as_ref()) {
                    view! { <GuideEditor source=None draft /> }.into_any()
                } else {
                    let error = if v.is_some() { AppError::Forbidden } else { AppError::Unauthenticated };
                    view! { <LoadError error /> }.into_any()
                }
            })}
        </Suspense>
    }
}

/// `/guides/{slug}/edit`.
#[component]
pub fn GuideEditPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let source = crate::resource::load(slug, get_guide_source);
    let draft = refused_form();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let draft = draft.await;
                match source.await {
                    Ok(src) => view! { <GuideEditor source=Some(src) draft /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The editor: Markdown on the left, a live preview (with JavaScript) or a preview button
/// (without) showing exactly what readers will see.
#[component]
fn GuideEditor(source: Option<GuideSource>, draft: FormDraft) -> impl IntoView {
    // A no-JavaScript preview comes back with the text in the query, and a refused save with
    // it kept as a draft; either wins over the saved source.
    let picker = Picker::new();
    let kept_files = draft
        .value(SaveGuide::PATH, IDS_FIELD)
        .unwrap_or_default()
        .to_string();
    let query = use_query_map();
    let from_query = move |k: &str| {
        draft
            .value(SaveGuide::PATH, k)
            .map(str::to_string)
            .or_else(|| query.with_untracked(|q| q.get(k)))
    };
    let editing = source.is_some();
    let original = source.as_ref().map(|s| s.slug.clone()).unwrap_or_default();
    let revision = source
        .as_ref()
        .map(|s| s.revision.to_string())
        .unwrap_or_default();
    let title0 = from_query("title")
        .or_else(|| source.as_ref().map(|s| s.title.clone()))
        .unwrap_or_default();
    let slug0 = from_query("slug").unwrap_or_else(|| original.clone());
    let category0 = from_query("category")
        .or_else(|| source.as_ref().map(|s| s.category.as_str().to_string()))
        .unwrap_or_default();
    let visibility0 = from_query("visibility")
        .or_else(|| source.as_ref().map(|s| s.visibility.as_str().to_string()))
        .unwrap_or_else(|| "public".to_string());
    let owner0 = from_query("owner")
        .or_else(|| source.as_ref().map(|s| s.owner.clone()))
        .unwrap_or_default();
    let body0 = from_query("body")
        .or_else(|| source.as_ref().map(|s| s.body.clone()))
        .unwrap_or_default();

    let (preview_src, set_preview_src) = signal(body0.clone());
    let on_body = debounced_input(300, move |value| set_preview_src.set(value));
    let preview = crate::resource::load(
        move || preview_src.get(),
        |body| async move {
            if body.trim().is_empty() {
                Ok(String::new())
            } else {
                preview_markdown(body).await
            }
        },
    );
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    let save = ServerAction::<SaveGuide>::new();
    crate::components::follow(save, str::to_string);
    let here = if editing {
        format!("/guides/{original}/edit")
    } else {
        "/guides/new".to_string()
    };
    let heading = if editing {
        format!("Edit \u{201c}{title0}\u{201d}")
    } else {
        "New guide".to_string()
    };
    view! {
        <Title text=heading.clone() />
        <p class="crumbs">
            <a href="/guides">"Guides"</a>
            " / "
        </p>
        <h1>{heading}</h1>
        <div class="editor-layout">
            <div class="card">
                <ErrorSummary error=action_error(save) labels=guide_labels() />
                <ActionForm action=save attr:class="stack" attr:novalidate=true attr:enctype="multipart/form-data">
                    <input type="hidden" name="original" value=original.clone() />
                    <input type="hidden" name="revision" value=revision />
                    <TextField name="title" label="Title" maxlength=GUIDE_TITLE_MAX value=title0 error=field_error(save, "title") />
                    {if editing {
                        view! {
                            <input type="hidden" name="slug" value=slug0.clone() />
                            <p class="muted small">"Address: /guides/" {slug0.clone()}</p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <TextField
                                name="slug"
                                label="Address (slug)"
                                hint="Lower-case words joined by hyphens. Leave empty to make one from the title."
                                maxlength=SLUG_MAX
                                value=slug0.clone()
                                error=field_error(save, "slug")
                            />
                        }
                            .into_any()
                    }}
                    <div class="field-row">
                        <div class="field">
                            <label for="category">"Category"</label>
                            <select id="category" name="category" aria-describedby="category-error">
                                <option value="" selected=category0.is_empty()>"Choose\u{2026}"</option>
                                {Category::ALL
                                    .iter()
                                    .map(|c| view! { <option value=c.as_str() selected={category0 == c.as_str()}>{c.label()}</option> })
                                    .collect_view()}
                            </select>
                            <FieldError id="category-error" message=field_error(save, "category") />
                        </div>
                        <div class="field">
                            <label for="visibility">"Who can read it"</label>
                            <select id="visibility" name="visibility" aria-describedby="visibility-error">
                                <option value=Visibility::Public.as_str() selected={visibility0 == "public"}>"Everyone (public guide)"</option>
                                <option value=Visibility::Internal.as_str() selected={visibility0 == "internal"}>"Staff only (runbook)"</option>
                            </select>
                            <FieldError id="visibility-error" message=field_error(save, "visibility") />
                        </div>
                    </div>
                    <TextField name="owner" label="Owner" hint="The team that keeps this guide right." value=owner0 error=field_error(save, "owner") />
                    <div class="field">
                        <label for="body">"Text (Markdown)"</label>
                        <textarea
                            id="body"
                            name="body"
                            rows="18"
                            class="mono"
                            maxlength=GUIDE_BODY_MAX.to_string()
                            aria-describedby="body-error"
                            on:input=on_body
                            on:paste=move |ev| picker.paste(ev)
                        >
                            {crate::components::textarea_text(body0)}
                        </textarea>
                        <FieldError id="body-error" message=field_error(save, "body") />
                    </div>
                    <FilePicker
                        picker
                        id="attachments"
                        label="Add images or files"
                        kept=kept_files.clone()
                        error=field_error(save, IDS_FIELD)
                    />
                    <TextField name="note" label="What changed (optional)" maxlength=200usize
                        value=from_query("note").unwrap_or_default() error=field_error(save, "note") />
                    <div class="actions">
                        <button type="submit" class="btn btn-primary">"Save guide"</button>
                        <Show when=move || !interactive.get()>
                            <button type="submit" class="btn btn-quiet" formmethod="get" formaction=here.clone() formnovalidate=true>
                                "Preview"
                            </button>
                        </Show>
                    </div>
                </ActionForm>
            </div>
            <section class="card preview" aria-labelledby="preview-heading">
                <h2 id="preview-heading">"Preview"</h2>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Ok(html) if html.is_empty() => view! { <p class="muted">"Nothing to preview yet."</p> }.into_any(),
                            Ok(html) => view! { <div class="prose" inner_html=html></div> }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

fn guide_labels() -> Vec<(String, String)> {
    [
        ("title", "Title"),
        ("slug", "Address"),
        ("category", "Category"),
        ("visibility", "Who can read it"),
        ("owner", "Owner"),
        ("body", "Text"),
        ("note", "What changed"),
        ("attachments", "Images and files"),
    ]
    .into_iter()
    .map(|(f, l)| (f.to_string(), l.to_string()))
    .collect()
}
