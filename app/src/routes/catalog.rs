use crate::domain::request::RequestKind;
use leptos::prelude::*;
use leptos_meta::Title;

/// What people can ask for, each with one line on when to use it.
#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <Title text="Request help" />
        <h1>"Request help"</h1>
        <p class="lead">"Choose what you need. Your request goes to the helpdesk queue."</p>
        <ul class="catalog">
            {RequestKind::ALL
                .iter()
                .map(|k| {
                    view! {
                        <li>
                            <a class="tile" href=format!("/request/{}", k.as_str())>
                                <h2>{k.label()}</h2>
                                <p>{k.summary()}</p>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
