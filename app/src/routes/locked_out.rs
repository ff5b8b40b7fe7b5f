use crate::components::{field_error, form_error, refused_form, FieldError, FormError, TextField};
use crate::requests::ReportLockout;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// "I can't sign in": a form for visitors, no account needed. It never says whether the address
/// has an account; an analyst confirms who is asking before anything is unlocked.
#[component]
pub fn LockedOutPage() -> impl IntoView {
    let action = ServerAction::<ReportLockout>::new();
    let query = use_query_map();
    let sent =
        move || query.read().get("sent").is_some() || matches!(action.value().get(), Some(Ok(_)));
    let email_error = field_error(action, "email");
    let system_error = field_error(action, "system");
    let what_error = field_error(action, "what");
    let draft = refused_form();
    view! {
        <Title text="Locked out" />
        <div class="narrow card">
            <h1>"Locked out?"</h1>
            <Show
                when=sent
                fallback=move || view! {
                    <p class="lead">
                        "Tell the helpdesk what you cannot get into. Never send a password here."
                    </p>
                    <FormError message=form_error(action) />
                    <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let draft = draft.await;
                        let typed = move |name: &str| draft.value(ReportLockout::PATH, name).unwrap_or_default().to_string();
                        view! {
                    <ActionForm action attr:class="stack" attr:novalidate=true>
                        <TextField name="email" label="Work e-mail" input_type="email" autocomplete="email" error=email_error
                            value=typed("email") />
                        <TextField name="system" label="What you are locked out of"
                            hint="e.g. Okta, Google Workspace, Slack, your laptop." maxlength=200 error=system_error
                            value=typed("system") />
                        <div class="field">
                            <label for="what">"What happens when you try"</label>
                            <textarea id="what" name="what" rows="4" required maxlength="2000"
                                aria-invalid=move || what_error.get().is_some().to_string()
                                aria-describedby="what-error">{crate::components::textarea_text(typed("what"))}</textarea>
                            <FieldError id="what-error" message=what_error />
                        </div>
                        <button type="submit" class="btn btn-primary">"Send to the helpdesk"</button>
                    </ActionForm>
                        }
                    })}
                    </Suspense>
                }
            >
                <div class="alert alert-info" role="status">
                    <p>{crate::domain::kinds::LOCKOUT_ANSWER}</p>
                </div>
                <p><a href="/guides">"Browse the self-service guides"</a></p>
            </Show>
        </div>
    }
}
