//! The parts of a request page that carry its flow: what was asked, the approval steps, the task
//! checklist and the identity check. Every button is a plain form, so all of it works without
//! JavaScript; the server decides again on every submission.

use crate::components::{field_error, form_error, FieldError, FormError};
use crate::model::{ApprovalView, IdentityCheckView, RequestDetail, TaskView};
use crate::requests::{CloseTask, DecideApproval, RecordIdentityCheck};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct FlowActions {
    /// Approve and deny are one action: without JavaScript an error comes back by URL to every
    /// action of the same server function, so two would both show it.
    pub decide: ServerAction<DecideApproval>,
    pub close: ServerAction<CloseTask>,
    pub check: ServerAction<RecordIdentityCheck>,
}

impl FlowActions {
    pub fn new() -> Self {
        FlowActions {
            decide: ServerAction::new(),
            close: ServerAction::new(),
            check: ServerAction::new(),
        }
    }

    /// Changes whenever any of them completes, so the page reloads its data.
    pub fn version(&self) -> usize {
        self.decide.version().get() + self.close.version().get() + self.check.version().get()
    }
}

/// The kind's fields, the people it is for and the systems asked for.
#[component]
pub fn WhatWasAsked(detail: RequestDetail) -> impl IntoView {
    let has_any =
        !detail.details.is_empty() || !detail.people.is_empty() || !detail.lines.is_empty();
    has_any.then(|| {
        view! {
            <section class="card" aria-labelledby="asked-heading">
                <h2 id="asked-heading">"What is asked"</h2>
                {(!detail.labels.is_empty()).then(|| view! {
                    <p class="labels">
                        {detail.labels.iter().map(|l| view! { <span class="badge badge-label">{l.clone()}</span> }).collect_view()}
                    </p>
                })}
                <dl class="facts">
                    {(!detail.people.is_empty()).then(|| view! {
                        <dt>"For"</dt>
                        <dd class="people">
                            {detail.people.iter().map(|p| if p.link {
                                view! { <a href=format!("/people/{}", p.handle)>{p.name.clone()}</a> }.into_any()
                            } else {
                                view! { <span>{p.name.clone()}</span> }.into_any()
                            }).collect_view()}
                        </dd>
                    })}
                    {detail.details.iter().map(|d| view! {
                        <dt>{d.label.clone()}</dt>
                        <dd>{d.value.clone()}</dd>
                    }).collect_view()}
                </dl>
                {(!detail.lines.is_empty()).then(|| view! {
                    <table class="lines-table">
                        <caption class="sr-only">"Systems asked for"</caption>
                        <thead><tr><th scope="col">"System"</th><th scope="col">"Role"</th><th scope="col">"Why"</th></tr></thead>
                        <tbody>
                            {detail.lines.iter().map(|l| view! {
                                <tr>
                                    <td><a href=format!("/systems/{}", l.system_slug)>{l.system.clone()}</a>
                                        {(l.grant != "role").then(|| view! { <span class="muted small">{format!(" ({})", l.grant.replace('-', " "))}</span> })}
                                    </td>
                                    <td>{l.role.clone()}</td>
                                    <td class="text">{l.justification.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </section>
        }
    })
}

fn state_badge(state: &str) -> impl IntoView {
    let label = match state {
        "pending" => "Pending",
        "approved" => "Approved",
        "denied" => "Denied",
        "skipped" => "Skipped",
        "open" => "Open",
        "done" => "Done",
        "not-applicable" => "Not applicable",
        other => other,
    }
    .to_string();
    view! { <span class=format!("badge status-{state}")>{label}</span> }
}

#[component]
pub fn Approvals(
    key: String,
    approvals: Vec<ApprovalView>,
    lines: Vec<crate::model::LineView>,
    actions: FlowActions,
) -> impl IntoView {
    (!approvals.is_empty()).then(|| {
        let decide_error = form_error(actions.decide);
        view! {
            <section class="card" aria-labelledby="approvals-heading">
                <h2 id="approvals-heading">"Approvals"</h2>
                <FormError message=decide_error />
                <ol class="steps">
                    {approvals
                        .into_iter()
                        .map(|a| view! { <ApprovalStep key=key.clone() a lines=lines.clone() actions /> })
                        .collect_view()}
                </ol>
            </section>
        }
    })
}

#[component]
fn ApprovalStep(
    key: String,
    a: ApprovalView,
    lines: Vec<crate::model::LineView>,
    actions: FlowActions,
) -> impl IntoView {
    let note_error = field_error(actions.decide, "note");
    let deny_id = format!("deny-{}", a.id);
    let approve_id = format!("approve-note-{}", a.id);
    let (approve_key, deny_key) = (key.clone(), key);
    view! {
        <li class=format!("step step-{}", a.state)>
            <p class="step-head">
                <strong>{a.step_label.clone()}</strong>
                " · "
                {a.approver.clone()}
                " "
                {state_badge(&a.state)}
            </p>
            <p class="muted small">{a.reason.clone()}</p>
            {a.decided_by.clone().map(|by| view! {
                <p class="small">
                    {by} " · " {a.decided_at.map(|t| t.to_string()).unwrap_or_default()}
                    {a.note.clone().filter(|n| !n.is_empty()).map(|n| view! { <br /> <q>{n}</q> })}
                </p>
            })}
            {a.can_decide.then(move || view! {
                <div class="decide">
                    <ActionForm action=actions.decide attr:class="stack">
                        <input type="hidden" name="key" value=approve_key />
                        <input type="hidden" name="approval" value=a.id.to_string() />
                        <input type="hidden" name="decision" value="approve" />
                        {a.can_narrow.then(|| lines.iter().map(|l| {
                            let id = format!("narrow-{}-{}", a.id, l.id);
                            view! {
                                <div class="field">
                                    <label for=id.clone()>{format!("Role on {}", l.system)}</label>
                                    <input type="text" id=id name=format!("narrow[{}]", l.id) value=l.role.clone() maxlength="200" />
                                </div>
                            }
                        }).collect_view())}
                        {a.can_narrow.then(|| view! { <p class="hint">"Change a role to narrow it before approving; the change is recorded."</p> })}
                        <div class="field">
                            <label for=approve_id.clone()>"Approval note (optional)"</label>
                            <input type="text" id=approve_id.clone() name="note" maxlength="2000" />
                        </div>
                        <button type="submit" class="btn btn-primary">"Approve"</button>
                    </ActionForm>
                    <ActionForm action=actions.decide attr:class="stack">
                        <input type="hidden" name="key" value=deny_key />
                        <input type="hidden" name="approval" value=a.id.to_string() />
                        <input type="hidden" name="decision" value="deny" />
                        <div class="field">
                            <label for=deny_id.clone()>"Reason for denying"</label>
                            <textarea id=deny_id.clone() name="note" rows="2" maxlength="2000"
                                aria-invalid=move || note_error.get().is_some().to_string()
                                aria-describedby=format!("{deny_id}-error")></textarea>
                            <FieldError id=format!("{deny_id}-error") message=note_error />
                        </div>
                        <button type="submit" class="btn btn-danger">"Deny"</button>
                    </ActionForm>
                </div>
            })}
        </li>
    }
}

#[component]
pub fn Tasks(key: String, tasks: Vec<TaskView>, actions: FlowActions) -> impl IntoView {
    (!tasks.is_empty()).then(|| {
        // One message for the section: tasks share the action, so a per-task message would
        // show under every task.
        let close = actions.close;
        let error = Signal::derive(move || {
            close.value().with(|v| match v {
                Some(Err(e)) => Some(e.to_string()),
                _ => None,
            })
        });
        let open = tasks.iter().filter(|t| t.state == "open").count();
        let total = tasks.len();
        view! {
            <section class="card" aria-labelledby="tasks-heading">
                <h2 id="tasks-heading">"Tasks"</h2>
                <p class="muted small">{format!("{} of {total} closed", total - open)}</p>
                <FormError message=error />
                <ol class="tasks">
                    {tasks.into_iter().map(|t| view! { <TaskItem key=key.clone() t actions last=open == 1 /> }).collect_view()}
                </ol>
            </section>
        }
    })
}

#[component]
fn TaskItem(
    key: String,
    t: TaskView,
    actions: FlowActions,
    /// It is the only open task: closing it may resolve the request, with a reply.
    last: bool,
) -> impl IntoView {
    let outcome_id = format!("outcome-{}", t.id);
    let note_id = format!("task-note-{}", t.id);
    let reply_id = format!("task-reply-{}", t.id);
    let reply_hint = format!("task-reply-hint-{}", t.id);
    view! {
        <li class=format!("task task-{}", t.state) aria-label=t.title.clone()>
            <p class="task-head">
                <span class="task-title">{t.title.clone()}</span>
                " "
                {state_badge(&t.state)}
                {t.urgent.then(|| view! { <span class="badge badge-urgent">"Urgent (SOX)"</span> })}
            </p>
            <p class="muted small task-meta">
                {t.system.clone().zip(t.system_slug.clone()).map(|(s, slug)| view! { <a href=format!("/systems/{slug}")>{s}</a> })}
                {t.person.clone().map(|p| view! { <span>{p}</span> })}
                {t.due_at.map(|d| view! { <span class="due">{format!("Due {d}")}</span> })}
            </p>
            {t.closed_by.clone().map(|by| view! {
                <p class="small">{by} " · " {t.closed_at.map(|d| d.to_string()).unwrap_or_default()}
                    {t.note.clone().filter(|n| !n.is_empty()).map(|n| view! { <br /> <q>{n}</q> })}
                </p>
            })}
            {t.needs_identity_check.then(|| view! {
                <p class="small warn">"Waiting for the identity check before the reset."</p>
            })}
            {t.can_close.then(|| view! {
                <ActionForm action=actions.close attr:class="task-close">
                    <input type="hidden" name="key" value=key.clone() />
                    <input type="hidden" name="task" value=t.id.to_string() />
                    <div class="field">
                        <label for=outcome_id.clone()>"Outcome"</label>
                        <select id=outcome_id.clone() name="outcome">
                            <option value="done">"Done"</option>
                            <option value="not-applicable">"Not applicable"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for=note_id.clone()>"Note"</label>
                        <input type="text" id=note_id.clone() name="note" maxlength="2000" />
                    </div>
                    {last.then(|| view! {
                        <div class="field task-reply">
                            <label for=reply_id.clone()>"Resolution reply to the requester"</label>
                            <textarea id=reply_id.clone() name="reply" rows="3" aria-describedby=reply_hint.clone()></textarea>
                            <p class="hint" id=reply_hint.clone()>
                                "This is the last open task. With a reply, closing it resolves the request; without one, it waits in the queue for its resolution reply."
                            </p>
                        </div>
                    })}
                    <button type="submit" class="btn btn-secondary">"Close task"</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
pub fn IdentityCheck(
    key: String,
    checks: Vec<IdentityCheckView>,
    can_record: bool,
    actions: FlowActions,
) -> impl IntoView {
    let method_error = field_error(actions.check, "method");
    let note_error = field_error(actions.check, "note");
    let error = form_error(actions.check);
    (can_record || !checks.is_empty()).then(|| view! {
        <section class="card" aria-labelledby="identity-heading">
            <h2 id="identity-heading">"Identity check"</h2>
            {checks.is_empty().then(|| view! { <p class="muted small">"Not recorded yet. The reset cannot be closed before it is."</p> })}
            <ul class="checks">
                {checks.into_iter().map(|c| view! {
                    <li>
                        <strong>{c.method.replace('-', " ")}</strong> " · " {c.checked_by} " · " {c.at.to_string()}
                        {(!c.note.is_empty()).then(|| view! { <br /> <span class="small">{c.note}</span> })}
                    </li>
                }).collect_view()}
            </ul>
            {can_record.then(|| view! {
                <FormError message=error />
                <ActionForm action=actions.check attr:class="stack">
                    <input type="hidden" name="key" value=key.clone() />
                    <div class="field">
                        <label for="identity-method">"How you checked"</label>
                        <select id="identity-method" name="method" aria-describedby="identity-method-error">
                            {crate::domain::form::IDENTITY_METHODS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                        </select>
                        <FieldError id="identity-method-error" message=method_error />
                    </div>
                    <div class="field">
                        <label for="identity-note">"What you checked"</label>
                        <textarea id="identity-note" name="note" rows="2" maxlength="2000"
                            aria-invalid=move || note_error.get().is_some().to_string()
                            aria-describedby="identity-note-error"></textarea>
                        <FieldError id="identity-note-error" message=note_error />
                    </div>
                    <button type="submit" class="btn btn-secondary">"Record identity check"</button>
                </ActionForm>
            })}
        </section>
    })
}
