//! Each person chooses which e-mails they receive.

use crate::automation::{email_prefs, SetEmailPrefs};
use crate::components::{form_error, FormError, LoadError};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let save = ServerAction::<SetEmailPrefs>::new();
    let prefs = crate::resource::load(move || save.version().get(), |_| email_prefs());
    let error = form_error(save);
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(()))));
    view! {
        <Title text="E-mail notifications" />
        <h1>"E-mail notifications"</h1>
        <p class="lead">"Choose what the helpdesk e-mails you. You can always read everything on the portal."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match prefs.await {
                    Ok(prefs) => view! {
                        <section class="card narrow-card">
                            <FormError message=error />
                            {move || saved.get().then(|| view! { <div class="alert alert-ok" role="status">"Saved."</div> })}
                            <ActionForm action=save attr:class="stack">
                                <fieldset class="choices">
                                    <legend>"E-mail me about"</legend>
                                    {prefs.into_iter().map(|p| {
                                        let id = format!("pref-{}", p.topic);
                                        view! {
                                            <div class="field checkbox">
                                                <input id=id.clone() name=p.topic.clone() type="checkbox" value="on" checked=p.on />
                                                <label for=id>{p.label}</label>
                                            </div>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <button type="submit" class="btn btn-primary">"Save choices"</button>
                            </ActionForm>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
