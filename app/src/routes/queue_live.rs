//! What the queue page does in the browser only (effects never run on the server): it reloads
//! when requests change, and keyboard shortcuts move through the list.

use crate::model::QueuePageView;
use crate::queue::queue_version;
use leptos::prelude::*;

/// Polls the latest change every few seconds; when it moved, the dashboard reloads. Only in the
/// browser: effects never run on the server.
pub(crate) fn live_refresh(
    data: crate::resource::Data<Result<QueuePageView, crate::domain::error::AppError>>,
    changed: RwSignal<u32>,
) {
    Effect::new(move |_| {
        let seen = StoredValue::new(None::<i64>);
        let handle = set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let Ok(latest) = queue_version().await else {
                        return;
                    };
                    let shown = data.get_untracked().and_then(|r| r.ok()).map(|p| p.version);
                    let before = seen.get_value();
                    seen.set_value(Some(latest));
                    // Reload while what is shown is older than the latest change (a reload may
                    // be answered from the server's read cache, up to a second old: the next
                    // round asks again). With nothing shown, reload when the marker moves.
                    let stale = match shown {
                        Some(v) => v != latest,
                        None => before.is_some_and(|b| b != latest),
                    };
                    // Not while someone has chosen rows to change: the list drawn again
                    // would put other requests under their ticks (the next round asks again).
                    if stale && !rows_selected() {
                        changed.update(|n| *n += 1);
                    }
                });
            },
            std::time::Duration::from_secs(5),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
}

/// Whether any row of the list is ticked for a change to many requests.
fn rows_selected() -> bool {
    document()
        .query_selector(".batch-form tbody input[type=checkbox]:checked")
        .ok()
        .flatten()
        .is_some()
}

/// `j`/`k` move through the list, `x` selects the focused row, `/` jumps to the search box.
pub(crate) fn keyboard_shortcuts() {
    Effect::new(move |_| {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::{HtmlElement, HtmlInputElement};
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let typing = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlElement>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                });
            if typing {
                return;
            }
            let doc = document();
            let link = |i: usize| {
                doc.get_element_by_id(&format!("row-link-{i}"))
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            };
            let count = (0..).take_while(|i| link(*i).is_some()).count();
            let current = doc.active_element().map(|a| a.id()).and_then(|id| {
                id.strip_prefix("row-link-")
                    .and_then(|n| n.parse::<usize>().ok())
            });
            match ev.key().as_str() {
                "j" | "k" => {
                    if count == 0 {
                        return;
                    }
                    let next = match (ev.key().as_str(), current) {
                        ("j", Some(i)) => (i + 1).min(count - 1),
                        ("k", Some(i)) => i.saturating_sub(1),
                        _ => 0,
                    };
                    ev.prevent_default();
                    if let Some(l) = link(next) {
                        _ = l.focus();
                    }
                }
                "x" => {
                    let Some(i) = current else { return };
                    if let Some(cb) = doc
                        .get_element_by_id(&format!("row-select-{i}"))
                        .and_then(|c| c.dyn_into::<HtmlInputElement>().ok())
                    {
                        ev.prevent_default();
                        cb.set_checked(!cb.checked());
                    }
                }
                "/" => {
                    if let Some(el) = doc
                        .get_element_by_id("filter-q")
                        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                    {
                        ev.prevent_default();
                        _ = el.focus();
                    }
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    });
}
