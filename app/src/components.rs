//! Pieces shared by pages: the header, badges, field errors, and the signed-in person.

use crate::domain::error::AppError;
use crate::domain::request::{Priority, RequestState};
use crate::domain::user::Viewer;
use crate::session::get_viewer;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

/// The signed-in person, loaded once per page load and shared through context.
#[derive(Clone, Copy)]
pub struct ViewerResource(pub Resource<Result<Option<Viewer>, AppError>>);

pub fn provide_viewer() {
    // Blocking: the header is in the first HTML sent, so it is right without JavaScript too.
    provide_context(ViewerResource(Resource::new_blocking(|| (), |_| get_viewer())));
}

pub fn use_viewer() -> Resource<Result<Option<Viewer>, AppError>> {
    expect_context::<ViewerResource>().0
}

#[component]
pub fn Header() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">
                        "T"
                    </span>
                    "Tierdesk"
                </a>
                <nav aria-label="Main" class="mainnav">
                    <A href="/guides">"Guides"</A>
                    <A href="/request">"Request help"</A>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match viewer.await.ok().flatten() {
                                Some(v) => {
                                    view! {
                                        <A href="/requests">"My requests"</A>
                                        {v.works_queue().then(|| view! { <A href="/queue">"Queue"</A> })}
                                    }
                                        .into_any()
                                }
                                None => ().into_any(),
                            }
                        })}
                    </Transition>
                </nav>
                <div class="account">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match viewer.await.ok().flatten() {
                                Some(v) => {
                                    view! {
                                        <span class="who" title=v.email.clone()>
                                            {v.name.clone()}
                                        </span>
                                        // A plain form: signing out reloads the whole page.
                                        <form method="post" action="/fn/sign_out" class="inline">
                                            <button type="submit" class="btn btn-quiet">
                                                "Sign out"
                                            </button>
                                        </form>
                                    }
                                        .into_any()
                                }
                                None => {
                                    view! {
                                        <a class="btn btn-quiet" href="/sign-in">
                                            "Sign in"
                                        </a>
                                    }
                                        .into_any()
                                }
                            }
                        })}
                    </Transition>
                </div>
            </div>
        </header>
    }
}

#[component]
pub fn StateBadge(state: RequestState) -> impl IntoView {
    view! { <span class=format!("badge state-{}", state.as_str())>{state.label()}</span> }
}

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    let text = match priority {
        Priority::High => "High",
        Priority::Normal => "Normal",
        Priority::Low => "Low",
    };
    view! { <span class=format!("badge priority-{}", priority.as_str())>{text}</span> }
}

/// The error of the action's last call, if it concerns `field`.
pub fn field_error<S>(action: ServerAction<S>, field: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| match v {
            Some(Err(e)) => e.message_for(field),
            _ => None,
        })
    })
}

/// The error of the action's last call when it concerns no single field.
pub fn form_error<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| match v {
            Some(Err(e)) if e.field().is_none() => Some(e.to_string()),
            _ => None,
        })
    })
}

/// A message tied to its input by `id` (the input names it in `aria-describedby`).
#[component]
pub fn FieldError(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p id=id class="field-error" role="alert" aria-live="polite">
            {move || message.get()}
        </p>
    }
}

/// A banner for errors that belong to the whole form.
#[component]
pub fn FormError(message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|m| {
            view! {
                <div class="alert alert-error" role="alert">
                    {m}
                </div>
            }
        })
    }
}

/// Shown where a page's data could not be loaded.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated);
    view! {
        <div class="alert alert-error" role="alert">
            <p>{error.to_string()}</p>
            {sign_in.then(|| view! { <p><a href="/sign-in">"Sign in"</a></p> })}
        </div>
    }
}
