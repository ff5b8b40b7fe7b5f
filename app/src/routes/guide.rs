use crate::components::{form_error, FormError, LoadError};
use crate::guides::{get_guide, VoteGuide};
use crate::model::guides::GuideView;
use crate::routes::guides::category_href;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// One guide, rendered from Markdown (sanitized on the server), with votes and related guides.
#[component]
pub fn GuidePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let guide = crate::resource::load(slug, get_guide);
    let solved = move || query.read().get("solved").is_some();
    let voted = move || query.read().get("voted").is_some();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match guide.await {
                    Ok(g) => view! { <GuideArticle g solved=solved() voted=voted() /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GuideArticle(g: GuideView, solved: bool, voted: bool) -> impl IntoView {
    let s = g.summary.clone();
    view! {
        <Title text=s.title.clone() />
        <p class="crumbs">
            <a href="/guides">"Guides"</a>
            " / "
            <a href=category_href(s.category)>{s.category.label()}</a>
        </p>
        {solved
            .then(|| {
                view! {
                    <div class="alert alert-ok" role="status">
                        "Glad this guide solved it. Your request was not sent."
                    </div>
                }
            })}
        <div class="guide-layout">
            <article class="card guide">
                <header class="guide-head">
                    <h1>{s.title.clone()}</h1>
                    {s.internal.then(|| view! { <span class="badge badge-internal">"Runbook \u{b7} staff only"</span> })}
                    <p class="muted small">
                        {(!g.owner.is_empty()).then(|| format!("Owner: {} \u{b7} ", g.owner))}
                        "Last reviewed " {g.last_reviewed.to_string()}
                    </p>
                </header>
                <div class="prose" inner_html=g.html.clone()></div>
                <Helpful slug=s.slug.clone() voted />
            </article>
            <aside class="guide-side">
                {g
                    .stats
                    .clone()
                    .map(|st| {
                        view! {
                            <section class="card" aria-labelledby="stats-heading">
                                <h2 id="stats-heading">"For editors"</h2>
                                <dl class="facts">
                                    <dt>"Helpful"</dt>
                                    <dd>{format!("{} yes \u{b7} {} no", st.helpful_yes, st.helpful_no)}</dd>
                                    <dt>"Solved a request"</dt>
                                    <dd>{st.solved}</dd>
                                    <dt>"Revision"</dt>
                                    <dd>{g.revision}</dd>
                                </dl>
                                <p class="actions">
                                    <a class="btn btn-secondary" href=format!("/guides/{}/edit", s.slug)>"Edit"</a>
                                    <a class="btn btn-quiet" href=format!("/guides/{}/history", s.slug)>"History"</a>
                                </p>
                            </section>
                        }
                    })}
                {(!g.related.is_empty())
                    .then(|| {
                        view! {
                            <section class="card" aria-labelledby="related-heading">
                                <h2 id="related-heading">"Related guides"</h2>
                                <ul class="guide-list">
                                    {g
                                        .related
                                        .iter()
                                        .map(|r| view! { <li><a href=format!("/guides/{}", r.slug)>{r.title.clone()}</a></li> })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })}
                <section class="card">
                    <h2>"Still stuck?"</h2>
                    <p>
                        <a class="btn btn-secondary" href="/request">
                            "Ask the helpdesk"
                        </a>
                    </p>
                </section>
            </aside>
        </div>
    }
}

/// "Was this helpful?" Yes / No, working as a plain form without JavaScript.
#[component]
fn Helpful(slug: String, voted: bool) -> impl IntoView {
    let vote = ServerAction::<VoteGuide>::new();
    let voted = move || voted || matches!(vote.value().get(), Some(Ok(())));
    let error = form_error(vote);
    view! {
        <section class="helpful" aria-labelledby="helpful-heading">
            <FormError message=error />
            <Show
                when=voted
                fallback=move || {
                    let slug = slug.clone();
                    view! {
                        <ActionForm action=vote attr:class="helpful-form">
                            <h2 id="helpful-heading">"Was this helpful?"</h2>
                            <input type="hidden" name="slug" value=slug />
                            <button type="submit" name="helpful" value="yes" class="btn btn-quiet">
                                "Yes"
                            </button>
                            <button type="submit" name="helpful" value="no" class="btn btn-quiet">
                                "No"
                            </button>
                        </ActionForm>
                    }
                }
            >
                <p id="helpful-heading" role="status">
                    "Thank you for the feedback."
                </p>
            </Show>
        </section>
    }
}
