//! Tier 3 on a request's page: the engineering issues it was escalated to, and for those who
//! work the queue, the form that escalates it. The requester sees that engineers are on it and
//! where that stands, never the issue's own discussion.

use crate::components::follow;
use crate::model::tracker::{EscalateOptions, EscalationView};
use crate::model::FormDraft;
use crate::routes::issue::IssueForm;
use crate::routes::issues::IssueStateBadge;
use crate::tracker::OpenIssue;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The escalation form's action: once it opens the issue, the page moves to it.
pub fn escalate_action() -> ServerAction<OpenIssue> {
    let action = ServerAction::<OpenIssue>::new();
    follow(action, |key| format!("/issues/{key}"));
    action
}

/// "Engineering": each issue the request was escalated to.
#[component]
pub fn Escalations(escalations: Vec<EscalationView>, staff: bool) -> impl IntoView {
    (!escalations.is_empty()).then(|| {
        let open = escalations.iter().any(|e| e.state.is_open());
        view! {
            <section class="card escalations" aria-labelledby="escalations-heading">
                <h2 id="escalations-heading">"Engineering"</h2>
                <p class="small">
                    {if open {
                        "Part of this is with our engineers. Engineering work has no same-day promise; updates come here."
                    } else {
                        "Our engineers have finished their part."
                    }}
                </p>
                <ul class="plain-list">
                    {escalations.into_iter().map(|e| view! {
                        <li>
                            {match (e.key.clone(), staff) {
                                (Some(key), true) => view! {
                                    <a href=format!("/issues/{key}")><span class="key">{key.clone()}</span></a>
                                    " "
                                    {e.title.clone().unwrap_or_default()}
                                    " "
                                }.into_any(),
                                _ => view! { <span>"Engineering issue "</span> }.into_any(),
                            }}
                            <IssueStateBadge state=e.state />
                            <br />
                            <span class="small muted">{format!("Since {} · updated {}", e.since, e.updated_at)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// "Escalate to engineering": choose a template and the system; the issue opens linked to the
/// request.
#[component]
pub fn EscalateCard(
    key: String,
    options: EscalateOptions,
    action: ServerAction<OpenIssue>,
    draft: FormDraft,
) -> impl IntoView {
    // A refused escalation comes back open, with what was typed.
    let open = draft.action == OpenIssue::PATH;
    view! {
        <details class="card escalate" open=open>
            <summary><h2>"Escalate to engineering"</h2></summary>
            <p class="small muted">"When the helpdesk cannot solve it: the issue opens in the engineering tracker, linked to this request."</p>
            <IssueForm action templates=options.templates request=key system=options.system title=options.title draft />
            <datalist id="issue-systems">
                {options.systems.into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
            </datalist>
        </details>
    }
}
