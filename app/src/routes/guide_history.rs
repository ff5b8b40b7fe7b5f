use crate::components::{form_error, FormError, LoadError};
use crate::guides::{get_guide_history, RestoreGuide};
use crate::model::guides::GuideHistory;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Every revision of a guide, a diff between any two, and restoring an old one.
#[component]
pub fn GuideHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let num = move |k: &str| query.read().get(k).unwrap_or_default();
    let restore = ServerAction::<RestoreGuide>::new();
    let history = crate::resource::load(
        move || (slug(), num("from"), num("to"), restore.version().get()),
        |(slug, from, to, _)| get_guide_history(slug, from, to),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(h) => view! { <HistoryView h restore /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HistoryView(h: GuideHistory, restore: ServerAction<RestoreGuide>) -> impl IntoView {
    let latest = h.revisions.first().map(|r| r.number).unwrap_or(1);
    let (from, to) = h
        .diff
        .as_ref()
        .map(|(a, b, _)| (*a, *b))
        .unwrap_or((latest.saturating_sub(1).max(1), latest));
    let numbers: Vec<i32> = h.revisions.iter().map(|r| r.number).collect();
    let options = |selected: i32| {
        numbers
            .iter()
            .copied()
            .map(|n| view! { <option value=n.to_string() selected={n == selected}>{format!("Revision {n}")}</option> })
            .collect_view()
    };
    let slug = h.slug.clone();
    let from_options = options(from);
    let to_options = options(to);
    view! {
        <Title text=format!("History of {}", h.title) />
        <p class="crumbs">
            <a href="/guides">"Guides"</a>
            " / "
            <a href=format!("/guides/{}", h.slug)>{h.title.clone()}</a>
            " / "
        </p>
        <h1>"History"</h1>
        <FormError message=form_error(restore) />
        <div class="table-wrap">
            <table class="queue">
                <thead>
                    <tr>
                        <th scope="col">"Revision"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"When"</th>
                        <th scope="col">"Note"</th>
                        <th scope="col"><span class="sr-only">"Restore"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {h
                        .revisions
                        .into_iter()
                        .map(|r| {
                            let current = r.number == latest;
                            let slug = slug.clone();
                            view! {
                                <tr>
                                    <td>{r.number}{current.then_some(" (current)")}</td>
                                    <td>{r.author.clone()}</td>
                                    <td class="nowrap">{r.at.to_string()}</td>
                                    <td>{r.note.clone()}</td>
                                    <td>
                                        {(!current)
                                            .then(|| {
                                                view! {
                                                    <ActionForm action=restore>
                                                        <input type="hidden" name="slug" value=slug />
                                                        <input type="hidden" name="number" value=r.number.to_string() />
                                                        <button type="submit" class="btn btn-quiet btn-small">
                                                            {format!("Restore revision {}", r.number)}
                                                        </button>
                                                    </ActionForm>
                                                }
                                            })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <h2 class="section-heading">"Compare revisions"</h2>
        <form method="get" class="compare-form">
            <label for="from">"From"</label>
            <select id="from" name="from">{from_options}</select>
            <label for="to">"To"</label>
            <select id="to" name="to">{to_options}</select>
            <button type="submit" class="btn btn-secondary">"Compare"</button>
        </form>
        {h
            .diff
            .map(|(a, b, lines)| {
                view! {
                    <pre class="diff" aria-label=format!("Changes from revision {a} to revision {b}")>
                        {lines
                            .into_iter()
                            .map(|l| {
                                let class = match l.tag {
                                    '+' => "diff-add",
                                    '-' => "diff-del",
                                    _ => "diff-same",
                                };
                                view! { <span class=class>{format!("{} {}\n", l.tag, l.text)}</span> }
                            })
                            .collect_view()}
                    </pre>
                }
            })}
    }
}
