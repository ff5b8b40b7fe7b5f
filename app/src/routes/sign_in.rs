use crate::components::{field_error, form_error, refused_form, FormError, TextField};
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
    // A refused attempt comes back with the e-mail (never the password).
    let draft = refused_form();
    view! {
        <Title text="Sign in" />
        <div class="narrow card">
            <h1>"Sign in"</h1>
            <FormError message=form_error(action) />
            // A plain form post (not ActionForm): the whole page reloads with the new session.
            <form method="post" action=SignIn::PATH class="stack" novalidate>
                <input type="hidden" name="next" value=next />
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let email = draft.await.value(SignIn::PATH, "email").unwrap_or_default().to_string();
                        view! {
                            <TextField
                                name="email"
                                label="Work e-mail"
                                input_type="email"
                                autocomplete="username"
                                error=email_error
                                value=email
                            />
                        }
                    })}
                </Suspense>
                <TextField
                    name="password"
                    label="Password"
                    input_type="password"
                    autocomplete="current-password"
                    error=password_error
                />
                <button type="submit" class="btn btn-primary">
                    "Sign in"
                </button>
            </form>
            <p class="muted small">
                "Locked out or lost your second factor? "
                <a href="/help/locked-out">"Tell the helpdesk without signing in"</a>
                "; an analyst will check who you are over video."
            </p>
        </div>
    }
}
