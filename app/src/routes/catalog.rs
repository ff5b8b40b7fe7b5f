use crate::domain::kinds::Service;
use leptos::prelude::*;
use leptos_meta::Title;

/// What people can ask for, grouped by service, each kind with one line on when to use it.
#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <Title text="Request help" />
        <h1>"Request help"</h1>
        <p class="lead">"Choose what you need. Your request goes to the helpdesk queue, never to one person."</p>
        {Service::ALL
            .iter()
            .map(|service| {
                let id = format!("service-{}", service.label().to_lowercase().replace(|c: char| !c.is_alphanumeric(), "-"));
                view! {
                    <section class="catalog-section" aria-labelledby=id.clone()>
                        <h2 id=id.clone()>{service.label()}</h2>
                        <ul class="catalog">
                            {service
                                .kinds()
                                .map(|k| {
                                    view! {
                                        <li>
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
