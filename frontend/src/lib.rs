#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    // Asynchronously: the page's own code is a lazily loaded chunk (app::routes::lazy), which
    // hydration waits for.
    wasm_bindgen_futures::spawn_local(async move {
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        app.forget();
        // Lets end-to-end tests (and curious people) tell when the page has come alive: only
        // now, once the page itself, not just the header around it, answers.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
