//! Issue templates (admins): what an escalation to engineering starts with. Each names labels
//! (`corpsys-{system}`, `corpsec-team-<team>`), a priority, whether the system's owners are
//! assigned, and a description outline.

use crate::components::{field_error, form_error, refused_form, FieldError, FormError, LoadError};
use crate::domain::tracker::IssuePriority;
use crate::model::tracker::IssueTemplateView;
use crate::tracker::{list_issue_templates, DeleteIssueTemplate, SaveIssueTemplate};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// Admins only: others are refused here as the server refuses their saves.
#[component]
pub fn IssueTemplatesPage() -> impl IntoView {
    let viewer = crate::components::use_viewer();
    let save = ServerAction::<SaveIssueTemplate>::new();
    let delete = ServerAction::<DeleteIssueTemplate>::new();
    let templates = crate::resource::load(
        move || (save.version().get(), delete.version().get()),
        |_| list_issue_templates(),
    );
    let draft = refused_form();
    // Which form was sent last (its template id, empty for the new one), so that its errors show
    // on it alone: with JavaScript from the submit, without from the refused form's draft.
    let sent = RwSignal::new(None::<String>);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let refused = draft.await.value(SaveIssueTemplate::PATH, "id").map(str::to_string);
                let list = templates.await;
                match viewer.await {
                    Ok(Some(v)) if v.has(crate::domain::user::Role::Admin) => view! { <Templates save delete list sent refused /> }.into_any(),
                    Ok(Some(_)) => view! { <LoadError error=crate::domain::error::AppError::Forbidden /> }.into_any(),
                    _ => view! { <LoadError error=crate::domain::error::AppError::Unauthenticated /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Templates(
    save: ServerAction<SaveIssueTemplate>,
    delete: ServerAction<DeleteIssueTemplate>,
    list: Result<Vec<IssueTemplateView>, crate::domain::error::AppError>,
    sent: RwSignal<Option<String>>,
    refused: Option<String>,
) -> impl IntoView {
    let delete_error = form_error(delete);
    let new_refused = refused.clone();
    view! {
        <Title text="Issue templates" />
        <h1>"Issue templates"</h1>
        <p class="lead">"What an escalation to engineering starts with. In a label, " <code>"{system}"</code> " stands for the system's name, as in " <code>"corpsys-{system}"</code> "."</p>
        <FormError message=delete_error />
        {match list {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No templates yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="template-list">
                            {list.into_iter().map(|t| {
                                let id = t.id.to_string();
                                let name = t.name.clone();
                                view! {
                                    <details class="card">
                                        <summary>
                                            <strong>{t.name.clone()}</strong>
                                            <span class="small muted">{format!(
                                                " · {} · {}{}",
                                                if t.labels.is_empty() { "no labels".to_string() } else { t.labels.join(", ") },
                                                t.priority.as_str().to_uppercase(),
                                                if t.assign_owners { " · assigns the system's owners" } else { "" }
                                            )}</span>
                                        </summary>
                                        <TemplateForm save sent refused=refused.clone() template=Some(t) />
                                        <ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit" class="btn btn-danger btn-small">{format!("Delete {name}")}</button>
                                        </ActionForm>
                                    </details>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
        }}
        <section class="card" aria-labelledby="new-template">
            <h2 id="new-template">"New template"</h2>
            <TemplateForm save sent refused=new_refused template=None />
        </section>
    }
}

#[component]
fn TemplateForm(
    save: ServerAction<SaveIssueTemplate>,
    sent: RwSignal<Option<String>>,
    /// The form refused without JavaScript, by its template id.
    refused: Option<String>,
    template: Option<IssueTemplateView>,
) -> impl IntoView {
    let prefix = template
        .as_ref()
        .map(|t| format!("t{}-", t.id))
        .unwrap_or_else(|| "new-".into());
    let id = |f: &str| format!("{prefix}{f}");
    let (name_id, name_err_id) = (id("name"), id("name-error"));
    let (labels_id, labels_hint_id, labels_err_id) =
        (id("labels"), id("labels-hint"), id("labels-error"));
    let (priority_id, priority_err_id) = (id("priority"), id("priority-error"));
    let owners_id = id("owners");
    let (description_id, description_err_id) = (id("description"), id("description-error"));
    let mine = template
        .as_ref()
        .map(|t| t.id.to_string())
        .unwrap_or_default();
    let err = |field: &'static str| {
        let e = field_error(save, field);
        let mine = mine.clone();
        let refused = refused.clone();
        Signal::derive(move || {
            let last = sent.get().or_else(|| refused.clone());
            if last.as_deref() == Some(mine.as_str()) {
                e.get()
            } else {
                None
            }
        })
    };
    let sending = mine.clone();
    let (name_error, labels_error, priority_error, description_error) = (
        err("name"),
        err("labels"),
        err("priority"),
        err("description"),
    );
    let t = template.unwrap_or(IssueTemplateView {
        id: 0,
        name: String::new(),
        labels: vec!["corpsys-{system}".into()],
        priority: IssuePriority::P2,
        assign_owners: true,
        description: String::new(),
    });
    view! {
        <div on:submit=move |_| sent.set(Some(sending.clone()))>
        <ActionForm action=save attr:class="stack">
            <input type="hidden" name="id" value=mine />
            <div class="field">
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id.clone() name="name" type="text" maxlength="80" required value=t.name.clone()
                    aria-describedby=name_err_id.clone() aria-invalid=move || name_error.get().is_some().to_string() />
                <FieldError id=name_err_id.clone() message=name_error />
            </div>
            <div class="field">
                <label for=labels_id.clone()>"Labels"</label>
                <input id=labels_id.clone() name="labels" type="text" maxlength="1300" value=t.labels.join(" ")
                    aria-describedby=format!("{labels_hint_id} {labels_err_id}")
                    aria-invalid=move || labels_error.get().is_some().to_string() />
                <p class="hint" id=labels_hint_id.clone()>"Separated by spaces, e.g. corpsys-{system} corpsec-team-it."</p>
                <FieldError id=labels_err_id.clone() message=labels_error />
            </div>
            <div class="field">
                <label for=priority_id.clone()>"Priority"</label>
                <select id=priority_id.clone() name="priority" aria-describedby=priority_err_id.clone()>
                    {IssuePriority::ALL.iter().map(|p| view! {
                        <option value=p.as_str() selected=*p == t.priority>{p.as_str().to_uppercase()}</option>
                    }).collect_view()}
                </select>
                <FieldError id=priority_err_id.clone() message=priority_error />
            </div>
            <div class="field checkbox">
                <input id=owners_id.clone() name="assign_owners" type="checkbox" value="on" checked=t.assign_owners />
                <label for=owners_id.clone()>"Assign the system's owners from the registry (a group when the owners are a team)"</label>
            </div>
            <div class="field">
                <label for=description_id.clone()>"Description outline (Markdown)"</label>
                <textarea id=description_id.clone() name="description" rows="5" maxlength="20000"
                    aria-describedby=description_err_id.clone() aria-invalid=move || description_error.get().is_some().to_string()>
                    {crate::components::textarea_text(t.description.clone())}
                </textarea>
                <FieldError id=description_err_id.clone() message=description_error />
            </div>
            <button type="submit" class="btn btn-primary">{if t.id == 0 { "Add template" } else { "Save template" }}</button>
        </ActionForm>
        </div>
    }
}
