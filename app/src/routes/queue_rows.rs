//! The rows of the queue's list, drawn on the server only: once for everyone shown the same
//! page of the same view (`ssr::queue::dashboard` keeps the drawing with the shared rows), and
//! handed to the page as HTML. Rows are links and ticks, with nothing to hydrate; drawn for
//! each analyst and each view every second under a busy desk, they were the biggest part of
//! rendering the queue page (issue 18).

use crate::components::{ClockBadge, PriorityBadge, StateBadge};
use crate::model::RequestSummary;
use crate::routes::request_resolution::RatingBadge;
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// The `<tr>`s of `rows`, escaped as any view is.
pub fn rows_html(rows: &[RequestSummary]) -> String {
    rows.iter()
        .cloned()
        .enumerate()
        .map(|(i, r)| view! { <Row i r /> })
        .collect_view()
        .to_html()
}

#[component]
fn Row(i: usize, r: RequestSummary) -> impl IntoView {
    let href = format!("/requests/{}", r.key);
    let select_id = format!("row-select-{i}");
    view! {
        <tr>
            <td>
                <label class="sr-only" for=select_id.clone()>{format!("Select {}", r.key)}</label>
                <input type="checkbox" id=select_id name=format!("selected[{}]", r.key) />
            </td>
            <td class="key">
                <a href=href.clone() class="row-link" id=format!("row-link-{i}")>{r.key.clone()}</a>
            </td>
            <td class="title">
                <a href=href>{r.title.clone()}</a>
            </td>
            <td class="due">{r.clock.map(|c| view! { <ClockBadge clock=c /> })}</td>
            <td>
                <PriorityBadge priority=r.priority />
            </td>
            <td>
                <StateBadge state=r.state />
                {r.tasks_done.then(|| view! { " " <span class="badge badge-ready">"Ready to resolve"</span> })}
                {r.rating.map(|rating| view! { " " <RatingBadge rating /> })}
            </td>
            <td class="assignee">{r.assignee.clone().unwrap_or_else(|| "Unassigned".to_string())}</td>
            <td class="requester">{r.requester.clone()}</td>
        </tr>
    }
}
