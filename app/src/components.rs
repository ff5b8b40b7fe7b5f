//! Pieces shared by pages: the header, badges, field errors, and the signed-in person.

use crate::domain::error::AppError;
use crate::domain::request::{Priority, RequestState};
use crate::domain::user::Viewer;
use crate::model::{ClockView, FormDraft};
use crate::session::{form_draft, get_viewer};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

/// The signed-in person, loaded once per page load and shared through context.
#[derive(Clone, Copy)]
pub struct ViewerResource(pub crate::resource::Data<Result<Option<Viewer>, AppError>>);

pub fn provide_viewer() {
    // Blocking: the header is in the first HTML sent, so it is right without JavaScript too.
    provide_context(ViewerResource(crate::resource::load_blocking(
        || (),
        |_| get_viewer(),
    )));
}

pub fn use_viewer() -> crate::resource::Data<Result<Option<Viewer>, AppError>> {
    expect_context::<ViewerResource>().0
}

#[component]
pub fn Header() -> impl IntoView {
    let viewer = use_viewer();
    // Counted again on every page change (zero for a visitor).
    let location = leptos_router::hooks::use_location();
    let waiting = crate::resource::load(
        move || location.pathname.get(),
        |_| crate::requests::waiting_count(),
    );
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
                                    let count = waiting.await.unwrap_or(0);
                                    view! {
                                        // Only the list itself: someone else's request is not one of "My
                                        // requests" (the request page's crumbs say where it belongs).
                                        <A href="/requests" exact=true>"My requests"</A>
                                        <WaitingLink count />
                                        <A href="/systems">"Systems"</A>
                                        {v.works_queue().then(|| view! { <A href="/queue">"Queue"</A> })}
                                        {v.is_staff().then(|| view! { <A href="/issues">"Tracker"</A> })}
                                    }
                                        .into_any()
                                }
                                None => ().into_any(),
                            }
                        })}
                    </Transition>
                </nav>
                <form method="get" action="/guides" role="search" class="header-search" aria-label="Search guides and systems">
                    <label for="header-q" class="sr-only">
                        "Search guides and systems"
                    </label>
                    <input id="header-q" type="search" name="q" maxlength="500" placeholder="Search guides, systems" />
                </form>
                <div class="account">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match viewer.await.ok().flatten() {
                                Some(v) => view! { <AccountMenu viewer=v /> }.into_any(),
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

/// "Waiting for me" with its count, for those who have approval steps or tasks; nobody else
/// needs it in the navigation.
#[component]
fn WaitingLink(count: u32) -> impl IntoView {
    (count > 0).then(|| {
        view! {
            <A href="/approvals">
                "Waiting for me"
                <span class="nav-count">
                    <span class="sr-only">" ("</span>
                    {count}
                    <span class="sr-only">")"</span>
                </span>
            </A>
        }
    })
}

/// The signed-in person's menu: who is signed in, their access, the admin pages for admins, and
/// signing out. A `<details>` disclosure, so it opens without JavaScript too.
#[component]
fn AccountMenu(viewer: Viewer) -> impl IntoView {
    let initial = viewer
        .name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    let admin = viewer.has(crate::domain::user::Role::Admin);
    // With JavaScript the header stays across pages: the menu closes once one of its links is
    // followed, and on Escape.
    let menu = NodeRef::<leptos::html::Details>::new();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        use leptos::wasm_bindgen::JsCast;
        let on_link = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            .and_then(|el| el.closest("a").ok().flatten())
            .is_some();
        if let (true, Some(m)) = (on_link, menu.get_untracked()) {
            m.set_open(false);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            if let Some(m) = menu.get_untracked() {
                m.set_open(false);
                if let Some(summary) = m.first_element_child() {
                    use leptos::wasm_bindgen::JsCast;
                    if let Ok(summary) = summary.dyn_into::<leptos::web_sys::HtmlElement>() {
                        _ = summary.focus();
                    }
                }
            }
        }
    };
    view! {
        <details class="account-menu" node_ref=menu on:keydown=on_key>
            <summary class="who">
                <span class="avatar" aria-hidden="true">{initial}</span>
                <span class="who-name">{viewer.name.clone()}</span>
            </summary>
            <div class="menu-panel" on:click=on_click>
                <p class="menu-who">
                    <strong>{viewer.name.clone()}</strong>
                    <span class="muted small">{viewer.email.clone()}</span>
                </p>
                <a href=format!("/people/{}", viewer.handle)>"My access"</a>
                <a href="/settings/notifications">"E-mail notifications"</a>
                {admin
                    .then(|| {
                        view! {
                            <p class="menu-heading">"Admin"</p>
                            <a href="/admin/registry">"Tech-stack registry"</a>
                            <a href="/admin/role-templates">"Role templates"</a>
                            <a href="/admin/coverage">"Coverage and shifts"</a>
                            <a href="/admin/issue-templates">"Issue templates"</a>
                            <a href="/admin/rules">"Rules and outbox"</a>
                        }
                    })}
                // A plain form: signing out reloads the whole page.
                <form method="post" action="/fn/sign_out" class="menu-signout">
                    <button type="submit" class="btn btn-secondary">
                        "Sign out"
                    </button>
                </form>
            </div>
        </details>
    }
}

/// A deadline: its standing, what is left, and the due time on hover and for screen readers.
#[component]
pub fn ClockBadge(clock: ClockView) -> impl IntoView {
    let title = format!("{} due {}", clock.target, clock.due);
    view! {
        <span class=clock.standing.class() title=title.clone()>
            <span class="clock-label">{clock.standing.label()}</span>
            " "
            <span class="clock-text">{clock.text.clone()}</span>
            <span class="sr-only">{format!(", {title}")}</span>
        </span>
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

/// The text of a `<textarea>` as a view must be given it. tachys writes a textarea's children
/// unescaped on the server (as it does `<script>`'s), so `</textarea>` in what someone typed
/// would close the element and the rest would be markup: the server escapes it here. The
/// browser's half keeps it as it is (it makes a text node, which is never markup, and hydration
/// takes the server's node without rewriting it).
pub fn textarea_text(s: impl Into<String>) -> String {
    let s = s.into();
    #[cfg(feature = "ssr")]
    {
        crate::domain::text::escape_html(&s)
    }
    #[cfg(not(feature = "ssr"))]
    {
        s
    }
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

/// With JavaScript, goes to the path `action` answered once it succeeds (the request just
/// submitted, the guide just saved). A form posted without JavaScript is redirected by the server
/// instead (`ssr::ctx::redirect_form`): a redirect in the middle of the app's call would leave
/// the page while the action still had its answer to deliver there.
pub fn follow<S>(action: ServerAction<S>, path: impl Fn(&str) -> String + 'static)
where
    S: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(answer)) = action.value().get() {
            navigate(&path(&answer), Default::default());
        }
    });
}

/// A message tied to its input by `id` (the input names it in `aria-describedby`).
#[component]
pub fn FieldError(#[prop(into)] id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p id=id class="field-error" role="alert" aria-live="polite">
            {move || message.get()}
        </p>
    }
}

/// A labelled one-line input with its hint and error tied to it for screen readers.
#[component]
pub fn TextField(
    /// The input's `id` and form `name` (the server function's argument).
    name: &'static str,
    label: &'static str,
    error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    /// The initial value (e.g. kept from a no-JavaScript round trip).
    #[prop(optional, into)]
    value: String,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=name
                name=name
                type=input_type
                autocomplete=autocomplete
                maxlength=maxlength.map(|m| m.to_string())
                value=value
                required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by
            />
            <FieldError id=error_id message=error />
        </div>
    }
}

/// What a form held when the server refused it without JavaScript (the `__draft` in the page's
/// address), so that it comes back with everything typed. Empty when there is none; read it
/// with [`FormDraft::value`] and the form's action path.
pub fn refused_form() -> crate::resource::Data<FormDraft> {
    let query = leptos_router::hooks::use_query_map();
    crate::resource::load(
        move || query.read().get("__draft"),
        |id| async move {
            match id {
                Some(id) => form_draft(id).await.ok().flatten().unwrap_or_default(),
                None => FormDraft::default(),
            }
        },
    )
}

/// The error of the action's last call, whatever it concerns.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| match v {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        })
    })
}

/// Every problem of the last attempt at the top of a form: an error about no field as it is,
/// field messages as a list whose links move to each field. `labels` names the fields
/// (`("title", "Title")`); a field without one is listed by its message alone.
#[component]
pub fn ErrorSummary(
    error: Signal<Option<AppError>>,
    #[prop(optional)] labels: Vec<(String, String)>,
) -> impl IntoView {
    move || {
        let error = error.get()?;
        let problems = error.problems();
        if problems.is_empty() {
            return Some(
                view! {
                    <div class="alert alert-error" role="alert">
                        {error.to_string()}
                    </div>
                }
                .into_any(),
            );
        }
        let heading = match problems.len() {
            1 => "Please correct this field:".to_string(),
            n => format!("Please correct these {n} fields:"),
        };
        let items = problems
            .into_iter()
            .map(|p| {
                let label = labels
                    .iter()
                    .find(|(f, _)| *f == p.field)
                    .map(|(_, l)| format!("{l}: "));
                view! {
                    <li>
                        <a href=format!("#{}", p.field)>{label}{p.message}</a>
                    </li>
                }
            })
            .collect_view();
        Some(
            view! {
                <div class="alert alert-error error-summary" role="alert">
                    <p class="error-summary-title">{heading}</p>
                    <ul>{items}</ul>
                </div>
            }
            .into_any(),
        )
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

/// What a page shows when its data could not be loaded: the not-found page for anything missing
/// or hidden (so hidden things look missing), otherwise the error, with the HTTP status it calls
/// for when rendered on the server.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound { .. } => {
            view! { <crate::routes::not_found::NotFoundPage /> }.into_any()
        }
        error => {
            #[cfg(feature = "ssr")]
            crate::ssr::ctx::set_status(error.status());
            view! { <ErrorPanel error /> }.into_any()
        }
    }
}

/// Returns an input handler that calls `apply` with the input's value once typing has paused
/// for `ms` milliseconds (suggestions, live previews).
pub fn debounced_input(
    ms: u64,
    apply: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl Fn(leptos::ev::Event) + Clone + 'static {
    let typed = RwSignal::new(0u32);
    move |ev| {
        let value = event_target_value(&ev);
        let n = typed.get_untracked().wrapping_add(1);
        typed.set(n);
        let apply = apply.clone();
        set_timeout(
            move || {
                // The page may have gone meanwhile (a submit, a link): then there is nothing
                // left to update.
                if typed.try_get_untracked() == Some(n) {
                    apply(value);
                }
            },
            std::time::Duration::from_millis(ms),
        );
    }
}

/// Shown where a page's data could not be loaded.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated);
    // A page loaded with a bad value in its address names that value.
    let field = error.field().map(str::to_string);
    let text = match &field {
        Some(f) => format!("\u{201c}{f}\u{201d} in the address: {error}"),
        None => error.to_string(),
    };
    view! {
        <div class="alert alert-error" role="alert" data-field=field>
            <p>{text}</p>
            {sign_in.then(|| view! { <p><a href="/sign-in">"Sign in"</a></p> })}
        </div>
    }
}

/// A history, oldest first: who did what, and when (a request's or an issue's).
#[component]
pub fn History(entries: Vec<crate::model::HistoryEntry>) -> impl IntoView {
    view! {
        <ol class="history">
            {entries
                .into_iter()
                .map(|e| {
                    view! {
                        <li>
                            <strong>{e.actor.clone()}</strong>
                            " "
                            {e.change.clone()}
                            <br />
                            <span class="muted small">{e.at.to_string()}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
