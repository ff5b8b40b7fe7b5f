use crate::components::{field_error, form_error, FieldError, FormError, LoadError, TextField};
use crate::requests::{list_role_templates, DeleteRoleTemplate, SaveRoleTemplate};
use leptos::prelude::*;
use leptos_meta::Title;

/// Role templates: which systems (and role in each) a department's job role gets. Onboarding
/// grants them; a role change grants and revokes the difference. Admins only.
#[component]
pub fn RoleTemplatesPage() -> impl IntoView {
    let save = ServerAction::<SaveRoleTemplate>::new();
    let delete = ServerAction::<DeleteRoleTemplate>::new();
    let templates = crate::resource::load(
        move || (save.version().get(), delete.version().get()),
        |_| list_role_templates(),
    );
    let department_error = field_error(save, "department");
    let role_error = field_error(save, "job_role");
    let systems_error = field_error(save, "systems");
    view! {
        <Title text="Role templates" />
        <h1>"Role templates"</h1>
        <p class="lead">"The systems each job role gets. Saving a department and role that exist replaces their systems."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match templates.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No templates yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="grants" aria-label="Role templates">
                            <thead><tr><th scope="col">"Department"</th><th scope="col">"Role"</th><th scope="col">"Systems"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| view! {
                                    <tr>
                                        <td class="text">{t.department.clone()}</td>
                                        <td class="text">{t.job_role.clone()}</td>
                                        <td class="text">{t.systems.iter().map(|(s, r)| format!("{s} ({r})")).collect::<Vec<_>>().join(", ")}</td>
                                        <td>
                                            <ActionForm action=delete>
                                                <input type="hidden" name="id" value=t.id.to_string() />
                                                <button type="submit" class="btn btn-quiet btn-small">{format!("Delete {} / {}", t.department, t.job_role)}</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card" aria-labelledby="template-form">
            <h2 id="template-form">"Add or replace a template"</h2>
            <FormError message=form_error(save) />
            <ActionForm action=save attr:class="stack" attr:novalidate=true>
                <TextField name="department" label="Department" maxlength=200 error=department_error />
                <TextField name="job_role" label="Job role" maxlength=200 error=role_error />
                <div class="field">
                    <label for="systems">"Systems"</label>
                    <p class="hint" id="systems-hint">"One per line: " <code>"System = role"</code> ", e.g. " <code>"Slack = member"</code> "."</p>
                    <textarea id="systems" name="systems" rows="6" required
                        aria-invalid=move || systems_error.get().is_some().to_string()
                        aria-describedby="systems-hint systems-error"></textarea>
                    <FieldError id="systems-error" message=systems_error />
                </div>
                <button type="submit" class="btn btn-primary">"Save template"</button>
            </ActionForm>
        </section>
    }
}
