//! Every page as a lazily loaded route, so that the browser downloads the code of the pages it
//! opens and not the code of all the others (issue 18: a guide reader must not download the
//! analyst's queue). The build (`scripts/lib.sh`) splits the WebAssembly at these points; the
//! server names the chunks of the page it renders in `<head>` as preloads, and the
//! browser half loads them before it hydrates (`frontend`). On the server a lazy page is an ordinary
//! async view.
//!
//! The one module that allows `unsafe_code`: leptos's `lazy` expands (in the browser
//! build) to the `extern` imports and `no_mangle` exports that link a page's chunk to the main
//! module. Nothing here is written by hand.
#![allow(unsafe_code)]

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// For each page, a unit struct that is its route (loading nothing ahead: each page's resources
/// start with its view, as they did before) and a lazily loaded function that views it, named
/// into its group's chunk. `lazy` makes the function's loader `__preload_<function>`: it is
/// named beside the function because a declarative macro cannot join names.
///
/// Pages are split in groups, not one by one: the build makes a chunk of every set of modules
/// that share code, and thirty modules gave a page more than 160 chunks, which over HTTP/1.1
/// cost more round trips than the bytes they saved (time to interactive 5.7 s instead of 4.2 s
/// on a slow connection). Seven groups, of pages people open together, give a page 30 to 50. Every `#[lazy(group)]` below must stay in
/// this one invocation: leptos names a lazy function's module after its group and the place
/// the macro was invoked, so pages of one group invoked elsewhere would become a module of
/// their own.
macro_rules! lazy_pages {
    ($($group:ident: [$($route:ident($view:ident, $preload:ident) => $page:path),* $(,)?]),* $(,)?) => {$($(
        #[doc = concat!("The lazily loaded `", stringify!($page), "`.")]
        pub struct $route;

        #[::leptos::lazy($group)]
        fn $view() -> AnyView {
            $page().into_any()
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                $view().await
            }

            // Loads the chunk before the view is asked for: hydration needs the page's code at
            // hand, or it meets the page's markup with nothing to match it.
            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                $preload().await;
            }
        }
    )*)*};
}

use super::*;

lazy_pages! {
    // What anyone opens first: the start page and signing in.
    start: [
        Home(home_view, __preload_home_view) => home::HomePage,
        SignIn(sign_in_view, __preload_sign_in_view) => sign_in::SignInPage,
        LockedOut(locked_out_view, __preload_locked_out_view) => locked_out::LockedOutPage,
    ],
    // Tier 1: the self-service guides, read by everyone and often linked to from outside.
    guides: [
        Guides(guides_view, __preload_guides_view) => guides::GuidesPage,
        Guide(guide_view, __preload_guide_view) => guide::GuidePage,
    ],
    // A requester's own pages: the catalogue, their requests, their notifications.
    requester: [
        Catalog(catalog_view, __preload_catalog_view) => catalog::CatalogPage,
        MyRequests(my_requests_view, __preload_my_requests_view) => my_requests::MyRequestsPage,
        NotificationSettings(notification_settings_view, __preload_notification_settings_view)
            => notification_settings::NotificationSettingsPage,
    ],
    // The request form, the heaviest page, alone: it is where many first visits land.
    form: [
        RequestForm(request_form_view, __preload_request_form_view) => request_form::RequestFormPage,
    ],
    // A request's page (opened from notification e-mails) and a person's.
    request: [
        Request(request_view, __preload_request_view) => request::RequestPage,
        Person(person_view, __preload_person_view) => person::PersonPage,
    ],
    // The analysts' and engineers' daily pages.
    work: [
        Queue(queue_view, __preload_queue_view) => queue::QueuePage,
        Macros(macros_view, __preload_macros_view) => macros::MacrosPage,
        Approvals(approvals_view, __preload_approvals_view) => approvals::ApprovalsPage,
        Issues(issues_view, __preload_issues_view) => issues::IssuesPage,
        Board(board_view, __preload_board_view) => issues::BoardPage,
        IssueNew(issue_new_view, __preload_issue_new_view) => issue::IssueNewPage,
        Issue(issue_view, __preload_issue_view) => issue::IssuePage,
        Systems(systems_view, __preload_systems_view) => systems::SystemsPage,
        System(system_view, __preload_system_view) => system::SystemPage,
    ],
    // Editors', admins' and integrators' pages.
    admin: [
        GuideNew(guide_new_view, __preload_guide_new_view) => guide_edit::GuideNewPage,
        GuideEdit(guide_edit_view, __preload_guide_edit_view) => guide_edit::GuideEditPage,
        GuideHistory(guide_history_view, __preload_guide_history_view)
            => guide_history::GuideHistoryPage,
        SystemEdit(system_edit_view, __preload_system_edit_view) => system::SystemEditPage,
        RegistryAdmin(registry_admin_view, __preload_registry_admin_view)
            => admin_registry::RegistryAdminPage,
        RoleTemplates(role_templates_view, __preload_role_templates_view)
            => admin_templates::RoleTemplatesPage,
        Coverage(coverage_view, __preload_coverage_view) => admin_coverage::CoveragePage,
        IssueTemplates(issue_templates_view, __preload_issue_templates_view)
            => admin_issue_templates::IssueTemplatesPage,
        Rules(rules_view, __preload_rules_view) => admin_rules::RulesPage,
        ApiReference(api_reference_view, __preload_api_reference_view)
            => api_reference::ApiReferencePage,
    ],
}
