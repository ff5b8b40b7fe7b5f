use leptos::prelude::*;
use leptos_meta::Title;

/// Also used for requests the viewer may not see, so that their existence is not revealed.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::ctx::set_status(404);
    view! {
        <Title text="Not found" />
        <div class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing here, or you do not have access to it."</p>
            <p>
                <a href="/">"Back to the start"</a>
            </p>
        </div>
    }
}
