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
use leptos_router::{path, SsrMode};
use routes::{
    admin_coverage::CoveragePage,
    admin_issue_templates::IssueTemplatesPage,
    admin_registry::RegistryAdminPage,
    admin_rules::RulesPage,
    admin_templates::RoleTemplatesPage,
    api_reference::ApiReferencePage,
    approvals::ApprovalsPage,
    catalog::CatalogPage,
    guide::GuidePage,
    guide_edit::{GuideEditPage, GuideNewPage},
    guide_history::GuideHistoryPage,
    guides::GuidesPage,
    home::HomePage,
    issue::{IssueNewPage, IssuePage},
    issues::{BoardPage, IssuesPage},
    locked_out::LockedOutPage,
    macros::MacrosPage,
    my_requests::MyRequestsPage,
    not_found::NotFoundPage,
    notification_settings::NotificationSettingsPage,
    person::PersonPage,
    queue::QueuePage,
    request::RequestPage,
    request_form::RequestFormPage,
    sign_in::SignInPage,
    system::{SystemEditPage, SystemPage},
    systems::SystemsPage,
};

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

    // Lets end-to-end tests (and curious people) tell when the page has come alive.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

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
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("help/locked-out") view=LockedOutPage ssr=SsrMode::Async />
                    <Route path=path!("help/api") view=ApiReferencePage ssr=SsrMode::Async />
                    <Route path=path!("guides") view=GuidesPage ssr=SsrMode::Async />
                    <Route path=path!("guides/new") view=GuideNewPage ssr=SsrMode::Async />
                    <Route path=path!("guides/:slug") view=GuidePage ssr=SsrMode::Async />
                    <Route path=path!("guides/:slug/edit") view=GuideEditPage ssr=SsrMode::Async />
                    <Route path=path!("guides/:slug/history") view=GuideHistoryPage ssr=SsrMode::Async />
                    <Route path=path!("request") view=CatalogPage ssr=SsrMode::Async />
                    <Route path=path!("request/:kind") view=RequestFormPage ssr=SsrMode::Async />
                    <Route path=path!("requests") view=MyRequestsPage ssr=SsrMode::Async />
                    <Route path=path!("requests/:key") view=RequestPage ssr=SsrMode::Async />
                    <Route path=path!("queue") view=QueuePage ssr=SsrMode::Async />
                    <Route path=path!("queue/macros") view=MacrosPage ssr=SsrMode::Async />
                    <Route path=path!("approvals") view=ApprovalsPage ssr=SsrMode::Async />
                    <Route path=path!("people/:handle") view=PersonPage ssr=SsrMode::Async />
                    <Route path=path!("systems") view=SystemsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/registry") view=RegistryAdminPage ssr=SsrMode::Async />
                    <Route path=path!("admin/role-templates") view=RoleTemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("admin/coverage") view=CoveragePage ssr=SsrMode::Async />
                    <Route path=path!("admin/issue-templates") view=IssueTemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("admin/rules") view=RulesPage ssr=SsrMode::Async />
                    <Route path=path!("settings/notifications") view=NotificationSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("issues") view=IssuesPage ssr=SsrMode::Async />
                    <Route path=path!("issues/board") view=BoardPage ssr=SsrMode::Async />
                    <Route path=path!("issues/new") view=IssueNewPage ssr=SsrMode::Async />
                    <Route path=path!("issues/:key") view=IssuePage ssr=SsrMode::Async />
                    <Route path=path!("systems/:slug") view=SystemPage ssr=SsrMode::Async />
                    <Route path=path!("systems/:slug/edit") view=SystemEditPage ssr=SsrMode::Async />
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
