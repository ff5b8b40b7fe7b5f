use crate::components::{use_viewer, ErrorPanel};
use crate::domain::access;
use crate::domain::guide::Category;
use crate::guides::list_guides;
use crate::model::guides::{CategoryGuides, GuideHit};
use crate::model::systems::SystemSummary;
use crate::routes::systems::urlencode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Tier 1: guides by category, or search results with the matching words highlighted.
#[component]
pub fn GuidesPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let category = move || query.read().get("category").unwrap_or_default();
    let data = crate::resource::load(move || (q(), category()), |(q, c)| list_guides(q, c));
    let viewer = use_viewer();
    view! {
        <Title text="Guides" />
        <div class="page-head">
            <h1>"Guides"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let v = viewer.await.ok().flatten();
                    access::can_edit_guides(v.as_ref())
                        .then(|| view! { <a class="btn btn-primary" href="/guides/new">"New guide"</a> })
                })}
            </Transition>
        </div>
        <p class="lead">
            "Most questions have an answer here. Search first: it is usually quicker than waiting for the helpdesk."
        </p>
        <GuideSearchForm q=Signal::derive(q) />
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        let systems = view.systems.clone();
                        let systems = (!systems.is_empty()).then(|| view! { <SystemMatches systems /> });
                        let corrected = view.corrected.clone();
                        let suggestions = view.suggestions.clone();
                        match view.hits {
                            Some(hits) => view! { {systems} <SearchHits hits q=q() corrected suggestions /> }.into_any(),
                            None => view! { <Categories groups=view.categories /> }.into_any(),
                        }
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Systems named in the search, before the guides: who owns it and where to ask.
#[component]
fn SystemMatches(systems: Vec<SystemSummary>) -> impl IntoView {
    view! {
        <section class="card system-matches" aria-labelledby="system-matches-heading">
            <h2 id="system-matches-heading">"Systems"</h2>
            <ul class="guide-list">
                {systems
                    .into_iter()
                    .map(|s| {
                        let owner = [s.group_owner.clone(), s.owner_channel.clone()]
                            .into_iter()
                            .filter(|x| !x.is_empty())
                            .collect::<Vec<_>>()
                            .join(" \u{b7} ");
                        view! {
                            <li>
                                <a href=format!("/systems/{}", s.slug)>{s.title.clone()}</a>
                                {s.managed.then(|| view! { <span class="badge badge-managed">"Helpdesk"</span> })}
                                {(!owner.is_empty()).then(|| view! { <span class="muted small">" \u{2014} owned by " {owner}</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// A plain GET form: the results page has its own URL and works without JavaScript.
#[component]
pub fn GuideSearchForm(q: Signal<String>) -> impl IntoView {
    view! {
        <form method="get" action="/guides" class="search-form" role="search" aria-label="Search guides">
            <label for="guide-q" class="sr-only">
                "Search guides"
            </label>
            <input
                id="guide-q"
                type="search"
                name="q"
                maxlength="500"
                placeholder="Search guides, e.g. reset 2FA"
                prop:value=move || q.get()
                value=move || q.get()
            />
            <button type="submit" class="btn btn-primary">
                "Search"
            </button>
        </form>
    }
}

#[component]
fn SearchHits(
    hits: Vec<GuideHit>,
    q: String,
    /// The search as it ran, when a misspelt word was put right.
    corrected: Option<String>,
    /// The closest known words, when nothing matched.
    suggestions: Vec<String>,
) -> impl IntoView {
    if hits.is_empty() {
        return view! {
            <div class="empty">
                <p>"No guide matches \u{201c}" {q} "\u{201d}."</p>
                {(!suggestions.is_empty()).then(|| view! {
                    <p class="suggestions">
                        "Did you mean "
                        {suggestions.iter().enumerate().map(|(i, w)| view! {
                            {(i > 0).then_some(", ")}
                            <a href=format!("/guides?q={}", urlencode(w))>{w.clone()}</a>
                        }).collect_view()}
                        "?"
                    </p>
                })}
                <p>"Try other words, or " <a href="/request">"ask the helpdesk"</a> "."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <p class="muted small" role="status">
            {format!("{} guide{} found", hits.len(), if hits.len() == 1 { "" } else { "s" })}
            {corrected.map(|c| view! { " for " <strong class="corrected">{c}</strong> })}
        </p>
        <ol class="hits" aria-label="Search results">
            {hits.into_iter().map(|h| view! { <HitItem hit=h /> }).collect_view()}
        </ol>
    }
    .into_any()
}

/// One result: title, category, and a snippet with the matching words in `<mark>`.
#[component]
pub fn HitItem(hit: GuideHit) -> impl IntoView {
    view! {
        <li class="hit">
            <a class="hit-title" href=format!("/guides/{}", hit.slug)>
                {hit.title.clone()}
            </a>
            <span class="badge">{hit.category.label()}</span>
            {hit.internal.then(|| view! { <span class="badge badge-internal">"Runbook"</span> })}
            <p class="snippet">
                {hit
                    .snippet
                    .into_iter()
                    .map(|(text, marked)| {
                        if marked { view! { <mark>{text}</mark> }.into_any() } else { text.into_any() }
                    })
                    .collect_view()}
            </p>
        </li>
    }
}

#[component]
fn Categories(groups: Vec<CategoryGuides>) -> impl IntoView {
    let groups: Vec<_> = groups
        .into_iter()
        .filter(|g| !g.guides.is_empty())
        .collect();
    if groups.is_empty() {
        return view! {
            <div class="empty">
                <p>"No guides have been published yet."</p>
                <p>"If you are stuck, " <a href="/request">"ask the helpdesk"</a> "."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="categories">
            {groups
                .into_iter()
                .map(|g| {
                    let heading = format!("cat-{}", g.category.as_str());
                    let labelled_by = heading.clone();
                    view! {
                        <section class="card category" aria-labelledby=labelled_by>
                            <h2 id=heading>
                                <a href=category_href(g.category)>{g.category.label()}</a>
                            </h2>
                            <ul class="guide-list">
                                {g
                                    .guides
                                    .into_iter()
                                    .map(|s| {
                                        view! {
                                            <li>
                                                <a href=format!("/guides/{}", s.slug)>{s.title}</a>
                                                {s.internal.then(|| view! { <span class="badge badge-internal">"Runbook"</span> })}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </section>
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}

pub fn category_href(c: Category) -> String {
    format!("/guides?category={}", c.as_str())
}
