use leptos::prelude::*;
use leptos_meta::Title;

/// The front door: the tiers of support, in the order people should try them.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"How can we help?"</h1>
            <p class="lead">
                "IT and Corporate Security support: find a guide, or ask the helpdesk. An analyst on shift picks up every request; nobody needs to be messaged directly."
            </p>
        </section>
        <section class="tiles" aria-label="Ways to get help">
            <a class="tile" href="/guides">
                <h2>"Help yourself"</h2>
                <p>"Guides for access, resets, laptops, onboarding and offboarding."</p>
            </a>
            <a class="tile" href="/request">
                <h2>"Request help"</h2>
                <p>"Ask the helpdesk for access, a reset, a laptop, or help with software."</p>
            </a>
            <a class="tile" href="/requests">
                <h2>"My requests"</h2>
                <p>"Follow what you asked for and answer the helpdesk."</p>
            </a>
        </section>
    }
}
