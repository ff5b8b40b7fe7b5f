#![recursion_limit = "256"]
//! Tierdesk's isomorphic crate: pages, components, server functions and the domain. Server-only
//! code sits behind the `ssr` feature; the browser build uses `hydrate`.

pub mod api_doc;
pub mod automation;
pub mod components;
pub mod domain;
pub mod guides;
pub mod home;
pub mod model;
pub mod queue;
pub mod requests;
pub mod resource;
pub mod routes;
pub mod session;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod systems;
pub mod tracker;

#[cfg(test)]
mod architecture_tests;

use components::Header;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};
use routes::{lazy, not_found::NotFoundPage};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // Named with the build's content hash, as the script and the WebAssembly are
                // (see the server's `assets`): rendered here, once, on the server.
                <link
                    rel="stylesheet"
                    href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
                />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The document title for a page's `<Title text>`. On the server leptos_meta writes the title
/// into `<head>` as it is, so it is escaped here, once for every page: a request titled
/// `</title><script>` must stay text. In the browser it is set through `document.title`, which
/// takes text, so it is left alone there.
fn page_title(text: String) -> String {
    let title = if text.is_empty() {
        "Tierdesk".to_string()
    } else {
        format!("{text} · Tierdesk")
    };
    if cfg!(feature = "ssr") {
        domain::text::escape_html(&title)
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::provide_viewer();

    view! {
        <Title formatter=page_title />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <Header />
            // Every page renders whole before it is sent (SsrMode::Async), so it is complete
            // without JavaScript and 404/403 statuses can still be set.
            <main id="main" class="page">
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("") view={Lazy::<lazy::Home>::new()} ssr=SsrMode::Async />
                    <Route path=path!("sign-in") view={Lazy::<lazy::SignIn>::new()} ssr=SsrMode::Async />
                    <Route path=path!("help/locked-out") view={Lazy::<lazy::LockedOut>::new()} ssr=SsrMode::Async />
                    <Route path=path!("help/api") view={Lazy::<lazy::ApiReference>::new()} ssr=SsrMode::Async />
                    <Route path=path!("guides") view={Lazy::<lazy::Guides>::new()} ssr=SsrMode::Async />
                    <Route path=path!("guides/new") view={Lazy::<lazy::GuideNew>::new()} ssr=SsrMode::Async />
                    <Route path=path!("guides/:slug") view={Lazy::<lazy::Guide>::new()} ssr=SsrMode::Async />
                    <Route path=path!("guides/:slug/edit") view={Lazy::<lazy::GuideEdit>::new()} ssr=SsrMode::Async />
                    <Route path=path!("guides/:slug/history") view={Lazy::<lazy::GuideHistory>::new()} ssr=SsrMode::Async />
                    <Route path=path!("request") view={Lazy::<lazy::Catalog>::new()} ssr=SsrMode::Async />
                    <Route path=path!("request/:kind") view={Lazy::<lazy::RequestForm>::new()} ssr=SsrMode::Async />
                    <Route path=path!("requests") view={Lazy::<lazy::MyRequests>::new()} ssr=SsrMode::Async />
                    <Route path=path!("requests/:key") view={Lazy::<lazy::Request>::new()} ssr=SsrMode::Async />
                    <Route path=path!("queue") view={Lazy::<lazy::Queue>::new()} ssr=SsrMode::Async />
                    <Route path=path!("queue/macros") view={Lazy::<lazy::Macros>::new()} ssr=SsrMode::Async />
                    <Route path=path!("approvals") view={Lazy::<lazy::Approvals>::new()} ssr=SsrMode::Async />
                    <Route path=path!("people/:handle") view={Lazy::<lazy::Person>::new()} ssr=SsrMode::Async />
                    <Route path=path!("systems") view={Lazy::<lazy::Systems>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/registry") view={Lazy::<lazy::RegistryAdmin>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/role-templates") view={Lazy::<lazy::RoleTemplates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/coverage") view={Lazy::<lazy::Coverage>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/issue-templates") view={Lazy::<lazy::IssueTemplates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/rules") view={Lazy::<lazy::Rules>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/notifications") view={Lazy::<lazy::NotificationSettings>::new()} ssr=SsrMode::Async />
                    <Route path=path!("issues") view={Lazy::<lazy::Issues>::new()} ssr=SsrMode::Async />
                    <Route path=path!("issues/board") view={Lazy::<lazy::Board>::new()} ssr=SsrMode::Async />
                    <Route path=path!("issues/new") view={Lazy::<lazy::IssueNew>::new()} ssr=SsrMode::Async />
                    <Route path=path!("issues/:key") view={Lazy::<lazy::Issue>::new()} ssr=SsrMode::Async />
                    <Route path=path!("systems/:slug") view={Lazy::<lazy::System>::new()} ssr=SsrMode::Async />
                    <Route path=path!("systems/:slug/edit") view={Lazy::<lazy::SystemEdit>::new()} ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>
                    "Tierdesk · IT & Corporate Security helpdesk · Ask the channel, not a person: requests go to the team queue."
                </p>
                <p>
                    <a href="/help/api">"API"</a>
                </p>
            </footer>
        </Router>
    }
}
