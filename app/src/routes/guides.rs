use leptos::prelude::*;
use leptos_meta::Title;

/// Tier 1. Until guides are published this shows the empty state and the way forward.
#[component]
pub fn GuidesPage() -> impl IntoView {
    view! {
        <Title text="Guides" />
        <h1>"Guides"</h1>
        <div class="empty">
            <p>"No guides have been published yet."</p>
            <p>
                "If you are stuck, " <a href="/request">"ask the helpdesk"</a>
                ": an analyst on shift will pick it up."
            </p>
        </div>
    }
}
