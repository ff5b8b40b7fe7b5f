use crate::components::{field_error, form_error, FieldError, FormError};
use crate::session::SignIn;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let email_error = field_error(action, "email");
    let password_error = field_error(action, "password");
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in" />
        <div class="narrow card">
            <h1>"Sign in"</h1>
            <FormError message=form_error(action) />
            // A plain form post (not ActionForm): the whole page reloads with the new session.
            <form method="post" action=SignIn::PATH class="stack" novalidate>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="email">"Work e-mail"</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        required
                        aria-invalid=move || email_error.get().is_some().to_string()
                        aria-describedby="email-error"
                    />
                    <FieldError id="email-error" message=email_error />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        aria-invalid=move || password_error.get().is_some().to_string()
                        aria-describedby="password-error"
                    />
                    <FieldError id="password-error" message=password_error />
                </div>
                <button type="submit" class="btn btn-primary">
                    "Sign in"
                </button>
            </form>
            <p class="muted small">
                "Locked out or lost your second factor? Ask in the helpdesk channel; an analyst will check who you are over video."
            </p>
        </div>
    }
}
