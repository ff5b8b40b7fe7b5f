use crate::components::LoadError;
use crate::domain::registry::Classification;
use crate::model::systems::{SystemSummary, SystemsQuery, SystemsView};
use crate::systems::list_systems;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The tech-stack registry: "who owns X?". A plain GET form, so every filter has a URL and works
/// without JavaScript.
#[component]
pub fn SystemsPage() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.read();
        let get = |k: &str| m.get(k).unwrap_or_default();
        SystemsQuery {
            q: get("q"),
            classification: get("classification"),
            tier: get("tier"),
            baseline: get("baseline"),
            compliance: get("compliance"),
            group: get("group"),
            sort: get("sort"),
            page: get("page"),
        }
    };
    let data = crate::resource::load(current, list_systems);
    view! {
        <Title text="Systems" />
        <div class="page-head">
            <h1>"Systems"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    data.await.ok().filter(|v| v.can_import).map(|_| view! {
                        <a class="btn btn-secondary" href="/admin/registry">"Import registry"</a>
                    })
                })}
            </Transition>
        </div>
        <p class="lead">
            "Who owns a system, who grants access to it, and where to ask. The helpdesk handles requests for the systems marked "
            <span class="badge badge-managed">"Helpdesk"</span>
            "; for the others, ask the owner\u{2019}s channel."
        </p>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let q = current();
                match data.await {
                    Ok(view) => view! { <Filters q=q.clone() groups=view.groups.clone() /> <Results view q /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn option(value: &str, label: &str, current: &str) -> impl IntoView {
    view! {
        <option value=value.to_string() selected=value == current>
            {label.to_string()}
        </option>
    }
}

#[component]
fn Filters(q: SystemsQuery, groups: Vec<String>) -> impl IntoView {
    view! {
        <form method="get" action="/systems" class="card filters" role="search" aria-label="Filter systems">
            <div class="field filter-q">
                <label for="systems-q">"Name, description or owner"</label>
                <input id="systems-q" type="search" name="q" maxlength="200" value=q.q.clone() placeholder="e.g. okta" />
            </div>
            <div class="field">
                <label for="f-classification">"Data"</label>
                <select id="f-classification" name="classification">
                    {option("", "Any", &q.classification)}
                    {Classification::ALL.iter().map(|c| option(c.as_str(), c.label(), &q.classification)).collect_view()}
                    {option("unknown", "Unknown", &q.classification)}
                </select>
            </div>
            <div class="field">
                <label for="f-tier">"Tier"</label>
                <select id="f-tier" name="tier">
                    {option("", "Any", &q.tier)}
                    {["1", "2", "3", "4"].iter().map(|t| option(t, &format!("Tier {t}"), &q.tier)).collect_view()}
                    {option("unknown", "Unknown", &q.tier)}
                </select>
            </div>
            <div class="field">
                <label for="f-baseline">"Baseline"</label>
                <select id="f-baseline" name="baseline">
                    {option("", "Any", &q.baseline)}
                    {option("yes", "Everyone gets it", &q.baseline)}
                    {option("no", "On request", &q.baseline)}
                </select>
            </div>
            <div class="field">
                <label for="f-compliance">"Compliance"</label>
                <select id="f-compliance" name="compliance">
                    {option("", "Any", &q.compliance)}
                    {option("SOX", "SOX", &q.compliance)}
                    {option("SOC2", "SOC 2", &q.compliance)}
                    {option("none", "None", &q.compliance)}
                </select>
            </div>
            <div class="field">
                <label for="f-group">"Owner group"</label>
                <select id="f-group" name="group">
                    {option("", "Any", &q.group)}
                    {groups.iter().map(|g| option(g, g, &q.group)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-sort">"Sort by"</label>
                <select id="f-sort" name="sort">
                    {option("", "Name", &q.sort)}
                    {option("tier", "Tier (critical first)", &q.sort)}
                    {option("classification", "Data (Red first)", &q.sort)}
                    {option("updated", "Recently changed", &q.sort)}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Show"</button>
                <a class="btn btn-quiet" href="/systems">"Clear"</a>
            </div>
        </form>
    }
}

/// The page's URL with other values for some parameters.
fn href(q: &SystemsQuery, page: i64) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("q", &q.q),
        ("classification", &q.classification),
        ("tier", &q.tier),
        ("baseline", &q.baseline),
        ("compliance", &q.compliance),
        ("group", &q.group),
        ("sort", &q.sort),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    }
    if page > 0 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        "/systems".into()
    } else {
        format!("/systems?{}", parts.join("&"))
    }
}

/// Percent-encodes a query-string value (everything but letters, digits and `-_.~`).
pub fn urlencode(s: &str) -> String {
    const VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, VALUE).to_string()
}

#[component]
fn Results(view: SystemsView, q: SystemsQuery) -> impl IntoView {
    if view.systems.is_empty() {
        return view! {
            <div class="empty">
                <p>"No system matches these filters."</p>
                <p><a href="/systems">"Show all systems"</a></p>
            </div>
        }
        .into_any();
    }
    let (page, more) = (view.page, view.more);
    view! {
        <div class="table-wrap">
            <table class="queue systems">
                <caption class="sr-only">"Systems"</caption>
                <thead>
                    <tr>
                        <th scope="col">"System"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Data"</th>
                        <th scope="col">"Tier"</th>
                        <th scope="col">"Compliance"</th>
                    </tr>
                </thead>
                <tbody>
                    {view.systems.into_iter().map(|s| view! { <SystemRowView s /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {(page > 0).then(|| view! { <a class="btn btn-quiet" href=href(&q, page - 1)>"\u{2190} Previous"</a> })}
            {more.then(|| view! { <a class="btn btn-quiet" href=href(&q, page + 1)>"Next \u{2192}"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
pub fn ClassificationBadge(c: Option<Classification>) -> impl IntoView {
    match c {
        Some(c) => {
            view! { <span class=format!("badge data-{}", c.as_str())>{c.label()}</span> }.into_any()
        }
        None => view! { <span class="muted small">"Unknown"</span> }.into_any(),
    }
}

pub fn tier_text(t: Option<u8>) -> String {
    t.map_or_else(|| "Unknown".into(), |t| format!("Tier {t}"))
}

pub fn compliance_text(c: &Option<String>) -> String {
    match c.as_deref() {
        None => "Unknown".into(),
        Some("") => "None".into(),
        Some(s) => s.replace(',', ", "),
    }
}

#[component]
fn SystemRowView(s: SystemSummary) -> impl IntoView {
    view! {
        <tr>
            <td>
                <a class="system-name" href=format!("/systems/{}", s.slug)>{s.title.clone()}</a>
                {s.managed.then(|| view! { <span class="badge badge-managed">"Helpdesk"</span> })}
                {(s.baseline == Some(true)).then(|| view! { <span class="badge">"Baseline"</span> })}
                <div class="muted small">{s.blurb.clone()}</div>
            </td>
            <td>
                {s.group_owner.clone()}
                <div class="muted small">{s.owner_channel.clone()}</div>
            </td>
            <td><ClassificationBadge c=s.classification /></td>
            <td class="nowrap">{tier_text(s.tier)}</td>
            <td>{compliance_text(&s.compliance)}</td>
        </tr>
    }
}
