use crate::components::{field_error, form_error, FieldError, FormError, LoadError, TextField};
use crate::domain::request::RequestState;
use crate::queue::{list_macros, DeleteMacro, SaveMacro};
use leptos::prelude::*;
use leptos_meta::Title;

/// Macros: canned replies with placeholders that may also set a state and add labels. Analysts
/// and admins keep them; the request page applies them.
#[component]
pub fn MacrosPage() -> impl IntoView {
    let save = ServerAction::<SaveMacro>::new();
    let delete = ServerAction::<DeleteMacro>::new();
    let page = crate::resource::load(
        move || (save.version().get(), delete.version().get()),
        |_| list_macros(),
    );
    let name_error = field_error(save, "name");
    let body_error = field_error(save, "body");
    let state_error = field_error(save, "set_state");
    let labels_error = field_error(save, "add_labels");
    view! {
        <Title text="Macros" />
        <p class="crumbs"><a href="/queue">"Queue"</a> " / "</p>
        <h1>"Macros"</h1>
        <p class="lead">"Saved replies for the answers you give every day. Saving a name that exists replaces that macro."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! {
                        <p class="hint">"Placeholders: " {p.placeholders.join(", ")}</p>
                        {if p.macros.is_empty() {
                            view! { <p class="muted">"No macros yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="macro-list">
                                    {p.macros.into_iter().map(|m| view! {
                                        <li class="card">
                                            <h2>{m.name.clone()}</h2>
                                            <p class="prose plain">{m.body.clone()}</p>
                                            <p class="small muted">
                                                {m.set_state.map(|s| format!("Sets the state to {}. ", s.label().to_lowercase()))}
                                                {(!m.add_labels.is_empty()).then(|| format!("Adds {}.", m.add_labels.join(", ")))}
                                            </p>
                                            <ActionForm action=delete>
                                                <input type="hidden" name="id" value=m.id.to_string() />
                                                <button type="submit" class="btn btn-quiet btn-small">{format!("Delete {}", m.name)}</button>
                                            </ActionForm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card" aria-labelledby="macro-form">
            <h2 id="macro-form">"Add or replace a macro"</h2>
            <FormError message=form_error(save) />
            <ActionForm action=save attr:class="stack" attr:novalidate=true>
                <TextField name="name" label="Name" maxlength=80 error=name_error />
                <div class="field">
                    <label for="body">"Reply"</label>
                    <p class="hint" id="body-hint">"What the requester receives, e.g. " <code>"Hi {{requester.first_name}}, …"</code></p>
                    <textarea id="body" name="body" rows="5" required
                        aria-invalid=move || body_error.get().is_some().to_string()
                        aria-describedby="body-hint body-error"></textarea>
                    <FieldError id="body-error" message=body_error />
                </div>
                <div class="field">
                    <label for="set_state">"Then set the state to"</label>
                    <select id="set_state" name="set_state" aria-describedby="set_state-error">
                        <option value="">"Leave it as it is"</option>
                        {[RequestState::InProgress, RequestState::WaitingOnRequester, RequestState::Resolved]
                            .iter()
                            .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError id="set_state-error" message=state_error />
                </div>
                <div class="field">
                    <label for="add_labels">"And add labels"</label>
                    <p class="hint" id="add_labels-hint">"Optional, up to 10, separated by spaces or commas."</p>
                    <input type="text" id="add_labels" name="add_labels" maxlength="200"
                        aria-describedby="add_labels-hint add_labels-error" />
                    <FieldError id="add_labels-error" message=labels_error />
                </div>
                <button type="submit" class="btn btn-primary">"Save macro"</button>
            </ActionForm>
        </section>
    }
}
