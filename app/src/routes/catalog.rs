use crate::domain::kinds::{RequestKind, Service};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Whether a kind answers what someone typed in the catalog's search: every word appears in its
/// name, its line, its section or its slug (British and American spellings alike).
pub fn kind_matches(kind: RequestKind, query: &str) -> bool {
    let normal = |s: &str| s.to_lowercase().replace("license", "licence");
    let haystack = normal(&format!(
        "{} {} {} {}",
        kind.label(),
        kind.summary(),
        kind.service().label(),
        kind.as_str().replace('-', " ")
    ));
    let words: Vec<String> = normal(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    words.iter().all(|w| haystack.contains(w.as_str()))
}

/// What people can ask for, grouped by service, each kind with one line on when to use it, and
/// a search over them (a plain GET form; with JavaScript it filters as one types).
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let typed = RwSignal::new(query.with_untracked(|q| q.get("q").unwrap_or_default()));
    let visible = move |k: RequestKind| kind_matches(k, &typed.get());
    let none =
        move || !typed.get().trim().is_empty() && !RequestKind::ALL.iter().any(|k| visible(*k));
    view! {
        <Title text="Request help" />
        <h1>"Request help"</h1>
        <p class="lead">"Choose what you need. Your request goes to the helpdesk queue, never to one person."</p>
        <form class="catalog-search" method="get" action="/request" role="search" aria-label="Search the catalog">
            <label for="catalog-q">"Search the catalog"</label>
            <div class="search-row">
                <input
                    id="catalog-q"
                    name="q"
                    type="search"
                    placeholder="e.g. licence, laptop, password"
                    prop:value=move || typed.get()
                    value=typed.get_untracked()
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
                <button type="submit" class="btn btn-secondary">"Search"</button>
            </div>
        </form>
        <Show when=none>
            <div class="empty" role="status">
                <p>
                    "Nothing in the catalog matches \u{201c}" {move || typed.get()} "\u{201d}. "
                    <a href="/request/other">"Ask for something else"</a>
                    " or "
                    <a href=move || format!("/guides?q={}", percent_encoding::utf8_percent_encode(&typed.get(), percent_encoding::NON_ALPHANUMERIC))>
                        "search the guides"
                    </a>
                    "."
                </p>
            </div>
        </Show>
        {Service::ALL
            .iter()
            .map(|service| {
                let service = *service;
                let id = format!("service-{}", service.label().to_lowercase().replace(|c: char| !c.is_alphanumeric(), "-"));
                let shown = move || service.kinds().any(visible);
                view! {
                    <section class="catalog-section" aria-labelledby=id.clone() hidden=move || !shown()>
                        <h2 id=id.clone()>{service.label()}</h2>
                        <ul class="catalog">
                            {service
                                .kinds()
                                .map(|k| {
                                    view! {
                                        <li hidden=move || !visible(k)>
                                            <a class="tile" href=format!("/request/{}", k.as_str())>
                                                <h3>{k.label()}</h3>
                                                <p>{k.summary()}</p>
                                            </a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </section>
                }
            })
            .collect_view()}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(q: &str) -> Vec<&'static str> {
        RequestKind::ALL
            .iter()
            .filter(|k| kind_matches(**k, q))
            .map(|k| k.as_str())
            .collect()
    }

    #[test]
    fn the_catalog_search_finds_kinds_by_their_words() {
        assert!(found("license").contains(&"software-request"));
        assert!(found("Licence").contains(&"software-request"));
        assert_eq!(found("laptop repair"), vec!["laptop"]);
        assert!(found("password").contains(&"reset"));
        assert!(found("rocket science").is_empty());
        assert_eq!(found("").len(), RequestKind::ALL.len());
    }
}
