//! One engineering issue: its description, discussion and history, and for engineers the forms
//! that move, relabel, reassign and edit it; and the page that opens a new issue. Plain forms
//! throughout, so everything works without JavaScript; the server checks every change.

use crate::components::{
    field_error, follow, form_error, refused_form, FieldError, FormError, History, LoadError,
};
use crate::domain::tracker::IssuePriority;
use crate::model::tracker::IssueDetail;
use crate::model::FormDraft;
use crate::requests::system_titles;
use crate::routes::issues::{IssuePriorityBadge, IssueStateBadge, Labels, NoSameDay};
use crate::tracker::{
    get_issue, list_issue_templates, CommentIssue, EditIssue, MoveIssue, OpenIssue, ReassignIssue,
    RelabelIssue,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct IssueActions {
    moved: ServerAction<MoveIssue>,
    comment: ServerAction<CommentIssue>,
    relabel: ServerAction<RelabelIssue>,
    reassign: ServerAction<ReassignIssue>,
    edit: ServerAction<EditIssue>,
}

impl IssueActions {
    fn version(&self) -> usize {
        self.moved.version().get()
            + self.comment.version().get()
            + self.relabel.version().get()
            + self.reassign.version().get()
            + self.edit.version().get()
    }
}

/// `/issues/:key`.
#[component]
pub fn IssuePage() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let actions = IssueActions {
        moved: ServerAction::new(),
        comment: ServerAction::new(),
        relabel: ServerAction::new(),
        reassign: ServerAction::new(),
        edit: ServerAction::new(),
    };
    let draft = refused_form();
    let issue = crate::resource::load(
        move || (key(), actions.version()),
        |(key, _)| get_issue(key),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let draft = draft.await;
                match issue.await {
                    Ok(detail) => view! { <IssueView detail actions draft /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IssueView(detail: IssueDetail, actions: IssueActions, draft: FormDraft) -> impl IntoView {
    let c = detail.card.clone();
    let key = c.key.clone();
    let kept = |path: &str, field: &str, or: String| {
        draft.value(path, field).map(str::to_string).unwrap_or(or)
    };
    let body_typed = kept(CommentIssue::PATH, "body", String::new());
    let labels_typed = kept(RelabelIssue::PATH, "labels", c.labels.join(" "));
    let assignees_typed = kept(
        ReassignIssue::PATH,
        "assignees",
        detail
            .assignees_detail
            .iter()
            .map(|a| {
                a.handle
                    .clone()
                    .map(|h| format!("@{h}"))
                    .unwrap_or(a.name.clone())
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let move_error = form_error(actions.moved);
    let comment_error = field_error(actions.comment, "body");
    let (comment_key, move_key, work_key) = (key.clone(), key.clone(), key.clone());
    let moves = detail.moves.clone();
    let (can_comment, can_work) = (detail.can_comment, detail.can_work);
    let work_detail = detail.clone();
    view! {
        <Title text=format!("{} {}", c.key, c.title) />
        <p class="crumbs">
            <a href="/issues">"Engineering tracker"</a>
            " / "
            <span class="key">{c.key.clone()}</span>
        </p>
        <div class="request-head">
            <h1>{c.title.clone()}</h1>
            <div class="badges">
                <IssueStateBadge state=c.state />
                <IssuePriorityBadge priority=c.priority />
            </div>
        </div>
        <NoSameDay />
        <div class="request-layout">
            <div class="request-main">
                <section class="card" aria-labelledby="description-heading">
                    <h2 id="description-heading">"Description"</h2>
                    <p class="meta">
                        <strong>{detail.created_by.clone()}</strong>
                        " opened it on "
                        {c.created_at.to_string()}
                        {detail.template.clone().map(|t| format!(" from the \u{201c}{t}\u{201d} template"))}
                    </p>
                    {if detail.description.is_empty() {
                        view! { <p class="muted">"No description."</p> }.into_any()
                    } else {
                        view! { <div class="prose" inner_html=detail.description_html.clone()></div> }.into_any()
                    }}
                </section>
                <section aria-labelledby="discussion-heading">
                    <h2 id="discussion-heading">"Discussion"</h2>
                    {if detail.comments.is_empty() {
                        view! { <p class="muted">"No comments yet."</p> }.into_any()
                    } else {
                        view! {
                            <ol class="conversation">
                                {detail.comments.iter().map(|m| view! {
                                    <li class="comment">
                                        <p class="meta">
                                            <strong>{m.author.clone()}</strong>
                                            <span class="muted small">{m.at.to_string()}</span>
                                        </p>
                                        <div class="prose plain">{m.body.clone()}</div>
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                    {can_comment.then(move || view! {
                        <ActionForm action=actions.comment attr:class="stack comment-form">
                            <input type="hidden" name="key" value=comment_key />
                            <div class="field">
                                <label for="issue-comment">"Comment"</label>
                                <textarea id="issue-comment" name="body" rows="3" maxlength="10000"
                                    aria-describedby="issue-comment-hint issue-comment-error"
                                    aria-invalid=move || comment_error.get().is_some().to_string()>
                                    {crate::components::textarea_text(body_typed.clone())}
                                </textarea>
                                <p class="hint" id="issue-comment-hint">"Engineers and the helpdesk see it; the requester never does."</p>
                                <FieldError id="issue-comment-error" message=comment_error />
                            </div>
                            <button type="submit" class="btn btn-primary">"Comment"</button>
                        </ActionForm>
                    })}
                </section>
            </div>
            <aside class="request-side">
                <Facts detail=detail.clone() />
                {(!moves.is_empty()).then(move || {
                    let key = move_key;
                    view! {
                        <section class="card" aria-labelledby="move-heading">
                            <h2 id="move-heading">"State"</h2>
                            <FormError message=move_error />
                            <ActionForm action=actions.moved attr:class="stack">
                                <input type="hidden" name="key" value=key />
                                <div class="field">
                                    <label for="issue-move">"Move to"</label>
                                    <select id="issue-move" name="to">
                                        {moves.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <button type="submit" class="btn btn-secondary">"Move"</button>
                            </ActionForm>
                        </section>
                    }
                })}
                {can_work.then(move || view! {
                    <WorkForms key=work_key detail=work_detail actions labels_typed assignees_typed />
                })}
                <section class="card" aria-labelledby="history-heading">
                    <h2 id="history-heading">"History"</h2>
                    <History entries=detail.history.clone() />
                </section>
            </aside>
        </div>
    }
}

#[component]
fn Facts(detail: IssueDetail) -> impl IntoView {
    let c = detail.card.clone();
    view! {
        <section class="card" aria-labelledby="facts-heading">
            <h2 id="facts-heading">"Details"</h2>
            <dl class="facts">
                <dt>"State"</dt>
                <dd>{c.state.label()}</dd>
                <dt>"Priority"</dt>
                <dd>{c.priority.as_str().to_uppercase()}</dd>
                <dt>"Due"</dt>
                <dd>{c.due_on.clone().unwrap_or_else(|| "No due date".into())}</dd>
                {c.system.clone().map(|s| {
                    let href = detail.system_slug.clone().map(|slug| format!("/systems/{slug}"));
                    view! { <dt>"System"</dt><dd><a href=href>{s}</a></dd> }
                })}
                {c.request.clone().map(|r| view! {
                    <dt>"Escalated from"</dt>
                    <dd>
                        <a href=format!("/requests/{r}")><span class="key">{r.clone()}</span></a>
                        " "
                        {detail.request_title.clone().unwrap_or_default()}
                    </dd>
                })}
                <dt>"Labels"</dt>
                <dd>
                    {if c.labels.is_empty() {
                        view! { <span class="muted">"None"</span> }.into_any()
                    } else {
                        view! { <Labels labels=c.labels.clone() /> }.into_any()
                    }}
                </dd>
                <dt>"Assignees"</dt>
                <dd>
                    {if detail.assignees_detail.is_empty() {
                        view! { <span class="muted">"Nobody yet"</span> }.into_any()
                    } else {
                        view! {
                            <ul class="plain-list assignees">
                                {detail.assignees_detail.iter().map(|a| view! {
                                    <li>
                                        {a.name.clone()}
                                        {a.handle.is_none().then(|| view! { <span class="badge badge-label">"group"</span> })}
                                        {(!a.members.is_empty()).then(|| view! {
                                            <span class="small muted">{format!(" ({})", a.members.join(", "))}</span>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </dd>
                {detail.closed_at.map(|t| view! { <dt>"Closed"</dt><dd>{t.to_string()}</dd> })}
            </dl>
        </section>
    }
}

/// Relabel, reassign and edit: engineers and admins.
#[component]
fn WorkForms(
    key: String,
    detail: IssueDetail,
    actions: IssueActions,
    labels_typed: String,
    assignees_typed: String,
) -> impl IntoView {
    let labels_error = field_error(actions.relabel, "labels");
    let assignees_error = field_error(actions.reassign, "assignees");
    let edit_form_error = form_error(actions.edit);
    let title_error = field_error(actions.edit, "title");
    let due_error = field_error(actions.edit, "due_on");
    let priority_error = field_error(actions.edit, "priority");
    let description_error = field_error(actions.edit, "description");
    let c = detail.card.clone();
    let (labels_key, assignees_key) = (key.clone(), key.clone());
    view! {
        <section class="card" aria-labelledby="labels-heading">
            <h2 id="labels-heading">"Labels and assignees"</h2>
            <ActionForm action=actions.relabel attr:class="stack">
                <input type="hidden" name="key" value=labels_key />
                <div class="field">
                    <label for="issue-labels">"Labels"</label>
                    <input id="issue-labels" name="labels" type="text" maxlength="1300" value=labels_typed
                        aria-describedby="issue-labels-hint issue-labels-error"
                        aria-invalid=move || labels_error.get().is_some().to_string() />
                    <p class="hint" id="issue-labels-hint">"Separated by spaces or commas, e.g. corpsys-slack corpsec-team-it."</p>
                    <FieldError id="issue-labels-error" message=labels_error />
                </div>
                <button type="submit" class="btn btn-secondary">"Save labels"</button>
            </ActionForm>
            <ActionForm action=actions.reassign attr:class="stack">
                <input type="hidden" name="key" value=assignees_key />
                <div class="field">
                    <label for="issue-assignees">"Assignees"</label>
                    <textarea id="issue-assignees" name="assignees" rows="3" maxlength="2100"
                        aria-describedby="issue-assignees-hint issue-assignees-error"
                        aria-invalid=move || assignees_error.get().is_some().to_string()>
                        {crate::components::textarea_text(assignees_typed)}
                    </textarea>
                    <p class="hint" id="issue-assignees-hint">"One per line: a person's @handle or a group's name."</p>
                    <FieldError id="issue-assignees-error" message=assignees_error />
                </div>
                <button type="submit" class="btn btn-secondary">"Save assignees"</button>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="edit-heading">
            <h2 id="edit-heading">"Edit the issue"</h2>
            <FormError message=edit_form_error />
            <ActionForm action=actions.edit attr:class="stack">
                <input type="hidden" name="key" value=key />
                <div class="field">
                    <label for="issue-title">"Title"</label>
                    <input id="issue-title" name="title" type="text" maxlength="200" required value=c.title.clone()
                        aria-describedby="issue-title-error" aria-invalid=move || title_error.get().is_some().to_string() />
                    <FieldError id="issue-title-error" message=title_error />
                </div>
                <div class="field">
                    <label for="issue-priority">"Priority"</label>
                    <select id="issue-priority" name="priority" aria-describedby="issue-priority-error">
                        {IssuePriority::ALL.iter().map(|p| view! {
                            <option value=p.as_str() selected=*p == c.priority>{p.as_str().to_uppercase()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError id="issue-priority-error" message=priority_error />
                </div>
                <div class="field">
                    <label for="issue-due">"Due date"</label>
                    <input id="issue-due" name="due_on" type="date" value=c.due_on.clone().unwrap_or_default()
                        aria-describedby="issue-due-error" aria-invalid=move || due_error.get().is_some().to_string() />
                    <FieldError id="issue-due-error" message=due_error />
                </div>
                <div class="field">
                    <label for="issue-description">"Description (Markdown)"</label>
                    <textarea id="issue-description" name="description" rows="6" maxlength="20000"
                        aria-describedby="issue-description-error" aria-invalid=move || description_error.get().is_some().to_string()>
                        {crate::components::textarea_text(detail.description.clone())}
                    </textarea>
                    <FieldError id="issue-description-error" message=description_error />
                </div>
                <button type="submit" class="btn btn-secondary">"Save changes"</button>
            </ActionForm>
        </section>
    }
}

/// `/issues/new`: an issue that does not come from a request (engineers and admins).
#[component]
pub fn IssueNewPage() -> impl IntoView {
    let open = ServerAction::<OpenIssue>::new();
    follow(open, |key| format!("/issues/{key}"));
    let templates = crate::resource::load(|| (), |_| list_issue_templates());
    let titles = crate::resource::load(|| (), |_| system_titles());
    let draft = refused_form();
    view! {
        <Title text="New issue" />
        <p class="crumbs"><a href="/issues">"Engineering tracker"</a> " / New issue"</p>
        <h1>"New issue"</h1>
        <NoSameDay />
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let draft = draft.await;
                let works = crate::components::use_viewer()
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|v| crate::domain::access::can_work_issues(&v));
                match templates.await {
                    Ok(_) if !works => view! {
                        <p class="notice">"Issues of their own are opened by engineers. To send a request to engineering, use \u{201c}Escalate to engineering\u{201d} on the request's page."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="card narrow">
                            <IssueForm action=open templates=list request=String::new() system=String::new() title=String::new() draft />
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let titles = titles.await.unwrap_or_default();
                view! {
                    <datalist id="issue-systems">
                        {titles.into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
                    </datalist>
                }
            })}
        </Suspense>
    }
}

/// The form that opens an issue, on its own page or as an escalation from a request.
#[component]
pub fn IssueForm(
    action: ServerAction<OpenIssue>,
    templates: Vec<crate::model::tracker::IssueTemplateView>,
    /// The request escalated (`REQ-12`), or empty.
    request: String,
    system: String,
    title: String,
    draft: FormDraft,
) -> impl IntoView {
    let kept = |field: &str, or: String| {
        draft
            .value(OpenIssue::PATH, field)
            .map(str::to_string)
            .unwrap_or(or)
    };
    let template_kept = kept(
        "template",
        templates
            .first()
            .map(|t| t.id.to_string())
            .unwrap_or_default(),
    );
    let system = kept("system", system);
    let title = kept("title", title);
    let description = kept("description", String::new());
    let error = form_error(action);
    let template_error = field_error(action, "template");
    let system_error = field_error(action, "system");
    let title_error = field_error(action, "title");
    let description_error = field_error(action, "description");
    let escalating = !request.is_empty();
    view! {
        <FormError message=error />
        <ActionForm action attr:class="stack issue-form">
            <input type="hidden" name="request" value=request />
            <div class="field">
                <label for="issue-template">"Template"</label>
                <select id="issue-template" name="template" aria-describedby="issue-template-hint issue-template-error">
                    <option value="" selected=template_kept.is_empty()>"No template"</option>
                    {templates.iter().map(|t| {
                        let id = t.id.to_string();
                        view! { <option value=id.clone() selected=id == template_kept>{t.name.clone()}</option> }
                    }).collect_view()}
                </select>
                <div class="hint" id="issue-template-hint">
                    <p>"A template labels the issue, sets its priority and assigns the system's owners from the registry."</p>
                    <ul class="plain-list">
                        {templates.iter().map(|t| view! {
                            <li>
                                <strong>{t.name.clone()}</strong>
                                {format!(
                                    ": {} · {}{}",
                                    if t.labels.is_empty() { "no labels".to_string() } else { t.labels.join(", ") },
                                    t.priority.as_str().to_uppercase(),
                                    if t.assign_owners { " · assigns the system's owners" } else { "" }
                                )}
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
                <FieldError id="issue-template-error" message=template_error />
            </div>
            <div class="field">
                <label for="issue-system">"System"</label>
                <input id="issue-system" name="system" type="text" list="issue-systems" autocomplete="off" maxlength="200"
                    value=system aria-describedby="issue-system-hint issue-system-error"
                    aria-invalid=move || system_error.get().is_some().to_string() />
                <p class="hint" id="issue-system-hint">"From the registry; its owners are assigned and it is labelled corpsys-\u{2026}."</p>
                <FieldError id="issue-system-error" message=system_error />
            </div>
            <div class="field">
                <label for="issue-new-title">"Title"</label>
                <input id="issue-new-title" name="title" type="text" maxlength="200" required value=title
                    aria-describedby="issue-new-title-error" aria-invalid=move || title_error.get().is_some().to_string() />
                <FieldError id="issue-new-title-error" message=title_error />
            </div>
            <div class="field">
                <label for="issue-new-description">"What engineering needs to know (Markdown)"</label>
                <textarea id="issue-new-description" name="description" rows="5" maxlength="20000"
                    aria-describedby="issue-new-description-hint issue-new-description-error"
                    aria-invalid=move || description_error.get().is_some().to_string()>
                    {crate::components::textarea_text(description)}
                </textarea>
                <p class="hint" id="issue-new-description-hint">"The template's outline is added below what you write."</p>
                <FieldError id="issue-new-description-error" message=description_error />
            </div>
            <button type="submit" class="btn btn-primary">
                {if escalating { "Escalate to engineering" } else { "Open issue" }}
            </button>
        </ActionForm>
    }
}
