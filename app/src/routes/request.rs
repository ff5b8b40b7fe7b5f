use crate::components::{
    field_error, form_error, refused_form, ClockBadge, FieldError, FormError, History, LoadError,
    PriorityBadge, StateBadge,
};
use crate::domain::attachment::IDS_FIELD;
use crate::domain::request::RequestState;
use crate::model::{CommentView, FormDraft, RequestDetail};
use crate::queue::{ApplyMacro, AssignRequest};
use crate::requests::{get_request, ChangeState, ClaimRequest, PostComment};
use crate::routes::files::{AttachmentList, FilePicker, Picker};
use crate::routes::request_escalation::{escalate_action, EscalateCard, Escalations};
use crate::routes::request_flow::{Approvals, FlowActions, IdentityCheck, Tasks, WhatWasAsked};
use crate::routes::request_resolution::{Feedback, Participants, ResolutionActions, ResolveForm};
use crate::tracker::OpenIssue;
use leptos::html::Form;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// One request: its details, conversation, history and what the viewer may do with it.
#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();

    let claim = ServerAction::<ClaimRequest>::new();
    let reply = ServerAction::<PostComment>::new();
    let note = ServerAction::<PostComment>::new();
    let change = ServerAction::<ChangeState>::new();
    let assign = ServerAction::<AssignRequest>::new();
    let apply_macro = ServerAction::<ApplyMacro>::new();
    let flow = FlowActions::new();
    let resolution = ResolutionActions::new();
    let escalate = escalate_action();
    let draft = refused_form();

    let request = crate::resource::load(
        move || {
            (
                key(),
                claim.version().get(),
                reply.version().get(),
                note.version().get(),
                change.version().get(),
                assign.version().get(),
                apply_macro.version().get(),
                flow.version(),
                resolution.version(),
            )
        },
        |(key, ..)| get_request(key),
    );

    let actions = Actions {
        claim,
        reply,
        note,
        change,
        assign,
        apply_macro,
        flow,
        resolution,
        escalate,
    };
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let draft = draft.await;
                match request.await {
                    Ok(detail) => view! { <RequestView detail actions draft /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    claim: ServerAction<ClaimRequest>,
    reply: ServerAction<PostComment>,
    note: ServerAction<PostComment>,
    change: ServerAction<ChangeState>,
    assign: ServerAction<AssignRequest>,
    apply_macro: ServerAction<ApplyMacro>,
    flow: FlowActions,
    resolution: ResolutionActions,
    escalate: ServerAction<OpenIssue>,
}

#[component]
fn RequestView(detail: RequestDetail, actions: Actions, draft: FormDraft) -> impl IntoView {
    // A reply or note refused without JavaScript comes back with its text.
    let typed = |visibility: &str| {
        (draft.value(PostComment::PATH, "visibility") == Some(visibility))
            .then(|| draft.value(PostComment::PATH, "body"))
            .flatten()
            .unwrap_or_default()
            .to_string()
    };
    let kept = |visibility: &str| {
        (draft.value(PostComment::PATH, "visibility") == Some(visibility))
            .then(|| draft.value(PostComment::PATH, IDS_FIELD))
            .flatten()
            .unwrap_or_default()
            .to_string()
    };
    let (reply_typed, note_typed) = (typed("public"), typed("internal"));
    let (reply_kept, note_kept) = (kept("public"), kept("internal"));
    let s = detail.summary.clone();
    let key = s.key.clone();
    let can = detail.actions.clone();
    let claim_error = form_error(actions.claim);
    let change_error = form_error(actions.change);
    let has_actions = can.claim || !can.moves.is_empty();
    let can_resolve = can.moves.contains(&RequestState::Resolved);
    let resolve_typed = draft
        .value(ChangeState::PATH, "reply")
        .unwrap_or_default()
        .to_string();
    view! {
        <Title text=format!("{} {}", s.key, s.title) />
        <p class="crumbs">
            {if can.mine || can.participant {
                view! { <a href="/requests">"My requests"</a> }.into_any()
            } else if can.queue {
                view! { <a href="/queue">"Queue"</a> }.into_any()
            } else {
                view! { <a href="/approvals">"Waiting for me"</a> }.into_any()
            }}
            " / "
            <span class="key">{s.key.clone()}</span>
            " · "
            {s.kind.label()}
        </p>
        <div class="request-head">
            <h1>{s.title.clone()}</h1>
            <div class="badges">
                <StateBadge state=s.state />
                <PriorityBadge priority=s.priority />
            </div>
        </div>
        <div class="request-layout">
            <div class="request-main">
                <Feedback detail=detail.clone() actions=actions.resolution draft=draft.clone() />
                <section class="card" aria-labelledby="description-heading">
                    <h2 id="description-heading" class="sr-only">
                        "Description"
                    </h2>
                    <p class="meta">
                        <strong>{s.requester.clone()}</strong>
                        " asked on "
                        {s.created_at.to_string()}
                    </p>
                    {(!detail.description.is_empty())
                        .then(|| view! { <div class="prose plain">{detail.description.clone()}</div> })}
                    <AttachmentList files=detail.attachments.clone() />
                </section>
                {view! {
                    <WhatWasAsked detail=detail.clone() />
                    <Approvals key=key.clone() approvals=detail.approvals.clone() lines=detail.lines.clone() actions=actions.flow />
                    <IdentityCheck key=key.clone() checks=detail.identity_checks.clone() can_record=can.identity_check actions=actions.flow />
                    <Tasks key=key.clone() tasks=detail.tasks.clone() actions=actions.flow />
                }
                    .into_any()}
                <section aria-labelledby="conversation-heading">
                    <h2 id="conversation-heading">"Conversation"</h2>
                    <Conversation comments=detail.comments.clone() />
                    {can.reply.then(|| view! { <CommentForm action=actions.reply key=key.clone() internal=false typed=reply_typed.clone() kept=reply_kept.clone() /> })}
                    {can.note.then(|| view! { <CommentForm action=actions.note key=key.clone() internal=true typed=note_typed.clone() kept=note_kept.clone() /> })}
                </section>
            </div>
            <aside class="request-side">
                <section class="card" aria-labelledby="details-heading">
                    <h2 id="details-heading">"Details"</h2>
                    <dl class="facts">
                        <dt>"State"</dt>
                        <dd>{s.state.label()}</dd>
                        <dt>"Assignee"</dt>
                        <dd>{s.assignee.clone().unwrap_or_else(|| "Unassigned".to_string())}</dd>
                        <dt>"Requester"</dt>
                        <dd>{s.requester.clone()}</dd>
                        <dt>"Updated"</dt>
                        <dd>{s.updated_at.to_string()}</dd>
                        {detail
                            .clocks
                            .iter()
                            .map(|c| {
                                view! {
                                    <dt>{c.target.clone()}</dt>
                                    <dd>
                                        <ClockBadge clock=c.clone() />
                                        <br />
                                        <span class="small muted">{format!("due {}", c.due)}</span>
                                    </dd>
                                }
                            })
                            .collect_view()}
                    </dl>
                    {(s.state.is_open() && s.assignee.is_none())
                        .then(|| {
                            let nobody = detail.on_shift.is_empty();
                            view! {
                                <p class="muted small">
                                    "An analyst on shift will pick this up."
                                    {nobody.then_some(
                                        " Nobody is on shift right now: coverage runs from Sunday 22:00 to Friday 24:00 UTC.",
                                    )}
                                </p>
                            }
                        })}
                </section>
                <Escalations escalations=detail.escalations.clone() staff=detail.escalations.iter().any(|e| e.key.is_some()) />
                <Participants detail=detail.clone() actions=actions.resolution draft=draft.clone() />
                {(!detail.assignees.is_empty())
                    .then(|| view! { <Triage detail=detail.clone() actions /> })}
                {has_actions
                    .then(|| {
                        let key = key.clone();
                        let claim_key = key.clone();
                        view! {
                            <section class="card" aria-labelledby="actions-heading">
                                <h2 id="actions-heading">"Actions"</h2>
                                <FormError message=claim_error />
                                <FormError message=change_error />
                                <div class="action-buttons">
                                    {can
                                        .claim
                                        .then(|| {
                                            view! {
                                                <ActionForm action=actions.claim>
                                                    <input type="hidden" name="key" value=claim_key />
                                                    <button type="submit" class="btn btn-primary">
                                                        "Claim"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                    {can
                                        .moves
                                        .iter()
                                        .filter(|to| **to != RequestState::Resolved)
                                        .map(|to| view! { <MoveButton action=actions.change key=key.clone() to=*to /> })
                                        .collect_view()}
                                </div>
                                {can_resolve.then(|| view! {
                                    <ResolveForm action=actions.change key=key.clone() tasks_done=s.tasks_done typed=resolve_typed.clone() />
                                })}
                            </section>
                        }
                        .into_any()
                    })}
                {detail.escalate.clone().map(|options| view! {
                    <EscalateCard key=key.clone() options action=actions.escalate draft=draft.clone() />
                })}
                <section class="card" aria-labelledby="history-heading">
                    <h2 id="history-heading">"History"</h2>
                    <History entries=detail.history.clone() />
                </section>
            </aside>
        </div>
    }
}

/// Staff tools: assign to someone, or answer with a macro.
#[component]
fn Triage(detail: RequestDetail, actions: Actions) -> impl IntoView {
    let key = detail.summary.key.clone();
    let assign_error = form_error(actions.assign);
    let assignee_error = field_error(actions.assign, "assignee");
    let macro_error = form_error(actions.apply_macro);
    let assign_key = key.clone();
    view! {
        <section class="card" aria-labelledby="triage-heading">
            <h2 id="triage-heading">"Assign and answer"</h2>
            <FormError message=assign_error />
            <ActionForm action=actions.assign attr:class="stack">
                <input type="hidden" name="key" value=assign_key />
                <div class="field">
                    <label for="assign-to">"Assign to"</label>
                    <select id="assign-to" name="assignee" aria-describedby="assign-to-error">
                        <option value="me">"Me"</option>
                        <option value="none">"Nobody"</option>
                        {detail
                            .assignees
                            .iter()
                            .map(|p| view! { <option value=p.handle.clone()>{p.name.clone()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError id="assign-to-error" message=assignee_error />
                </div>
                <button type="submit" class="btn btn-secondary">"Assign"</button>
            </ActionForm>
            {(!detail.macros.is_empty())
                .then(|| {
                    let key = key.clone();
                    view! {
                        <FormError message=macro_error />
                        <ActionForm action=actions.apply_macro attr:class="stack">
                            <input type="hidden" name="key" value=key.clone() />
                            <div class="field">
                                <label for="macro-id">"Macro"</label>
                                <select id="macro-id" name="macro_id">
                                    {detail
                                        .macros
                                        .iter()
                                        .map(|m| view! { <option value=m.id.to_string()>{m.name.clone()}</option> })
                                        .collect_view()}
                                </select>
                                <p class="hint">"Sends its reply to the requester, and sets its state and labels."</p>
                            </div>
                            <button type="submit" class="btn btn-secondary">"Apply macro"</button>
                        </ActionForm>
                    }
                })}
        </section>
    }
}

#[component]
fn MoveButton(action: ServerAction<ChangeState>, key: String, to: RequestState) -> impl IntoView {
    let class = match to {
        RequestState::Resolved | RequestState::InProgress => "btn btn-secondary",
        RequestState::Cancelled | RequestState::Denied => "btn btn-danger",
        _ => "btn btn-quiet",
    };
    view! {
        <ActionForm action>
            <input type="hidden" name="key" value=key />
            <input type="hidden" name="to" value=to.as_str() />
            <button type="submit" class=class>
                {to.action_label()}
            </button>
        </ActionForm>
    }
}

#[component]
fn Conversation(comments: Vec<CommentView>) -> impl IntoView {
    if comments.is_empty() {
        return view! { <p class="muted">"No replies yet."</p> }.into_any();
    }
    view! {
        <ol class="conversation">
            {comments
                .into_iter()
                .map(|c| {
                    let class = if c.internal { "comment internal" } else { "comment" };
                    view! {
                        <li class=class>
                            <p class="meta">
                                <strong>{c.author.clone()}</strong>
                                {c.internal.then(|| view! { <span class="badge badge-internal">"Internal note"</span> })}
                                <span class="muted small">{c.at.to_string()}</span>
                            </p>
                            <div class="prose plain">{c.body.clone()}</div>
                            <AttachmentList files=c.attachments.clone() />
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn CommentForm(
    action: ServerAction<PostComment>,
    key: String,
    internal: bool,
    /// The text of a refused attempt, kept.
    typed: String,
    /// The files of a refused attempt (their ids), kept.
    kept: String,
) -> impl IntoView {
    let picker = Picker::new();
    let files_error = field_error(action, IDS_FIELD);
    let form = NodeRef::<Form>::new();
    let value = action.value();
    let body_error = field_error(action, "body");
    let general = form_error(action);
    // Clear the text once it has been saved.
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(()))) {
            if let Some(f) = form.get() {
                f.reset();
            }
            picker.clear();
        }
    });
    let (id, label, button, visibility) = if internal {
        (
            "note-body",
            "Internal note (staff only; the requester never sees it)",
            "Add internal note",
            "internal",
        )
    } else {
        ("reply-body", "Reply", "Send reply", "public")
    };
    let error_id = if internal {
        "note-body-error"
    } else {
        "reply-body-error"
    };
    view! {
        <div class=if internal { "card comment-form internal" } else { "card comment-form" }>
            <FormError message=general />
            <ActionForm action node_ref=form attr:class="stack" attr:enctype="multipart/form-data">
                <input type="hidden" name="key" value=key />
                <input type="hidden" name="visibility" value=visibility />
                <div class="field">
                    <label for=id>{label}</label>
                    <textarea
                        id=id
                        name="body"
                        rows="4"
                        required
                        aria-invalid=move || body_error.get().is_some().to_string()
                        aria-describedby=error_id
                        on:paste=move |ev| picker.paste(ev)
                    >
                        {crate::components::textarea_text(typed)}
                    </textarea>
                    <FieldError id=error_id message=body_error />
                </div>
                <FilePicker
                    picker
                    id=if internal { "note-files" } else { "reply-files" }
                    label=if internal { "Attach files to the note" } else { "Attach files" }
                    kept
                    error=files_error
                />
                <div class="actions">
                    <button type="submit" class=if internal { "btn btn-secondary" } else { "btn btn-primary" }>
                        {button}
                    </button>
                </div>
            </ActionForm>
        </div>
    }
}
