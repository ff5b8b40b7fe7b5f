use crate::components::{field_error, FieldError, StateBadge};
use crate::home::{home_page, SetNotice};
use crate::model::HomeView;
use leptos::prelude::*;
use leptos_meta::Title;

/// The front door: any outage notice first, then the guide search, the most used guides, the
/// person's open requests, and the tiers of support in the order people should try them.
#[component]
pub fn HomePage() -> impl IntoView {
    let set_notice = ServerAction::<SetNotice>::new();
    let data = crate::resource::load(move || set_notice.version().get(), |_| home_page());
    view! {
        <Title text="" />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let home = data.await.unwrap_or_default();
                view! { <Notice home=home.clone() action=set_notice /> }
            })}
        </Transition>
        <section class="hero">
            <h1>"How can we help?"</h1>
            <p class="lead">
                "IT and Corporate Security support: find a guide, or ask the helpdesk. An analyst on shift picks up every request; nobody needs to be messaged directly."
            </p>
            <form class="home-search" method="get" action="/guides" role="search" aria-label="Search the guides">
                <label for="home-q">"Search the guides"</label>
                <div class="search-row">
                    <input id="home-q" type="search" name="q" maxlength="500" placeholder="e.g. reset my password, VPN, new laptop" />
                    <button type="submit" class="btn btn-primary">"Search"</button>
                </div>
            </form>
        </section>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let home = data.await.unwrap_or_default();
                view! { <HomeLists home /> }
            })}
        </Transition>
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

/// The notice, and for admins the form that sets or clears it.
#[component]
fn Notice(home: HomeView, action: ServerAction<SetNotice>) -> impl IntoView {
    let banner = home.notice.clone().map(|n| {
        view! {
            <div class="notice-banner" role="status">
                <strong>"Notice: "</strong>
                {n}
            </div>
        }
    });
    let form = home.can_set_notice.then(|| {
        view! {
            <details class="notice-admin">
                <summary>"Front page notice (admins)"</summary>
                <ActionForm action attr:class="stack">
                    <div class="field">
                        <label for="notice">"Notice for everyone (empty takes it down)"</label>
                        <textarea id="notice" name="notice" rows="2" maxlength="500" aria-describedby="notice-error">
                            {crate::components::textarea_text(home.notice.clone().unwrap_or_default())}
                        </textarea>
                        <FieldError id="notice-error" message=field_error(action, "notice") />
                    </div>
                    <div class="actions">
                        <button type="submit" class="btn btn-secondary btn-small">"Publish notice"</button>
                    </div>
                </ActionForm>
            </details>
        }
    });
    view! { {banner} {form} }
}

/// The most used guides and, for someone signed in, their open requests.
#[component]
fn HomeLists(home: HomeView) -> impl IntoView {
    let open = (!home.open.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="home-open">
                <h2 id="home-open">"Your open requests"</h2>
                <ul class="plain-list">
                    {home
                        .open
                        .into_iter()
                        .map(|r| {
                            view! {
                                <li>
                                    <a href=format!("/requests/{}", r.key)>
                                        <span class="key">{r.key.clone()}</span>
                                        " "
                                        {r.title.clone()}
                                    </a>
                                    " "
                                    <StateBadge state=r.state />
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <p><a href="/requests">"All my requests"</a></p>
            </section>
        }
    });
    let popular = (!home.popular.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="home-popular">
                <h2 id="home-popular">"Most used guides"</h2>
                <ul class="plain-list">
                    {home
                        .popular
                        .into_iter()
                        .map(|g| view! { <li><a href=format!("/guides/{}", g.slug)>{g.title}</a></li> })
                        .collect_view()}
                </ul>
            </section>
        }
    });
    view! { <div class="home-lists">{open} {popular}</div> }
}
