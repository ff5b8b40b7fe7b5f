//! The end of a request's flow on its page: resolving with a reply to the requester, the
//! requester's rating and reopening, and the colleagues copied on it (CC). Each is a plain form,
//! so all of it works without JavaScript; the server decides again on every submission.

use crate::components::{field_error, follow, form_error, FieldError, FormError};
use crate::domain::request::Rating;
use crate::model::{FormDraft, ParticipantView, RatedRequest, RequestDetail};
use crate::requests::{AddParticipant, ChangeState, RateRequest, RemoveParticipant, ReopenRequest};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[derive(Clone, Copy)]
pub struct ResolutionActions {
    pub reopen: ServerAction<ReopenRequest>,
    pub rate: ServerAction<RateRequest>,
    pub add: ServerAction<AddParticipant>,
    pub remove: ServerAction<RemoveParticipant>,
}

impl ResolutionActions {
    pub fn new() -> Self {
        let remove = ServerAction::<RemoveParticipant>::new();
        // Someone who took themselves off no longer sees the request: go where the server said.
        follow(remove, |next| next.to_string());
        ResolutionActions {
            reopen: ServerAction::new(),
            rate: ServerAction::new(),
            add: ServerAction::new(),
            remove,
        }
    }

    /// Changes whenever any of them completes, so the page reloads its data.
    pub fn version(&self) -> usize {
        self.reopen.version().get()
            + self.rate.version().get()
            + self.add.version().get()
            + self.remove.version().get()
    }
}

/// Resolving: the reply to the requester the resolution carries, and the button.
#[component]
pub fn ResolveForm(
    action: ServerAction<ChangeState>,
    key: String,
    /// Every task is closed: the request only waits for this reply.
    tasks_done: bool,
    /// The text of a refused attempt, kept.
    typed: String,
) -> impl IntoView {
    let error = field_error(action, "reply");
    view! {
        <ActionForm action attr:class="stack resolve-form">
            <input type="hidden" name="key" value=key />
            <input type="hidden" name="to" value="resolved" />
            {tasks_done.then(|| view! {
                <p class="notice small">"Every task is closed. Write the resolution reply to resolve it."</p>
            })}
            <div class="field">
                <label for="resolve-reply">"Resolution reply to the requester"</label>
                <textarea
                    id="resolve-reply"
                    name="reply"
                    rows="3"
                    aria-describedby="resolve-reply-hint resolve-reply-error"
                    aria-invalid=move || error.get().is_some().to_string()
                >
                    {crate::components::textarea_text(typed)}
                </textarea>
                <p class="hint" id="resolve-reply-hint">"What was done, and anything they should do now."</p>
                <FieldError id="resolve-reply-error" message=error />
            </div>
            <button type="submit" class="btn btn-secondary">"Resolve"</button>
        </ActionForm>
    }
}

/// "How did we do?": the requester's one-click rating with an optional comment, and reopening
/// within the week with a reason.
#[component]
pub fn Feedback(
    detail: RequestDetail,
    actions: ResolutionActions,
    draft: FormDraft,
) -> impl IntoView {
    let can = detail.actions.clone();
    let key = detail.summary.key.clone();
    let comment_typed = draft
        .value(RateRequest::PATH, "comment")
        .map(str::to_string)
        .or_else(|| detail.feedback.as_ref().map(|f| f.comment.clone()))
        .unwrap_or_default();
    let reason_typed = draft
        .value(ReopenRequest::PATH, "reason")
        .unwrap_or_default()
        .to_string();
    let rate_error = form_error(actions.rate);
    let comment_error = field_error(actions.rate, "comment");
    let rating_error = field_error(actions.rate, "rating");
    let reopen_error = form_error(actions.reopen);
    let reason_error = field_error(actions.reopen, "reason");
    let rate_key = key.clone();
    (can.rate || can.reopen).then(move || {
        view! {
            <section class="card feedback" aria-labelledby="feedback-heading">
                <h2 id="feedback-heading">"How did we do?"</h2>
                {detail.feedback.clone().map(|f| view! {
                    <p class="small given-rating">
                        "Your rating: "
                        <strong>{f.rating.choice()}</strong>
                        {format!(" ({}).", f.at)}
                        {(!f.comment.is_empty()).then(|| view! { " " <q>{f.comment.clone()}</q> })}
                        {can.rate.then_some(" You can change it below.")}
                    </p>
                })}
                {can.rate.then(|| view! {
                    <FormError message=rate_error />
                    <ActionForm action=actions.rate attr:class="stack rate-form">
                        <input type="hidden" name="key" value=rate_key.clone() />
                        <div class="field">
                            <label for="rating-comment">"Comment (optional)"</label>
                            <textarea id="rating-comment" name="comment" rows="2" maxlength="2000"
                                aria-describedby="rating-comment-error"
                                aria-invalid=move || comment_error.get().is_some().to_string()>
                                {crate::components::textarea_text(comment_typed.clone())}
                            </textarea>
                            <FieldError id="rating-comment-error" message=comment_error />
                        </div>
                        <div class="actions rating-choices" role="group" aria-label="Rate the help">
                            {[Rating::Good, Rating::Bad].into_iter().map(|r| view! {
                                <button type="submit" name="rating" value=r.as_str()
                                    class=format!("btn btn-secondary rate-{}", r.as_str())>
                                    {r.choice()}
                                </button>
                            }).collect_view()}
                        </div>
                        <FieldError id="rating-error" message=rating_error />
                    </ActionForm>
                })}
                {can.reopen.then(|| view! {
                    <h3>"Not solved after all?"</h3>
                    <FormError message=reopen_error />
                    <ActionForm action=actions.reopen attr:class="stack reopen-form">
                        <input type="hidden" name="key" value=key.clone() />
                        <div class="field">
                            <label for="reopen-reason">"What is still wrong?"</label>
                            <textarea id="reopen-reason" name="reason" rows="3"
                                aria-describedby="reopen-reason-hint reopen-reason-error"
                                aria-invalid=move || reason_error.get().is_some().to_string()>
                                {crate::components::textarea_text(reason_typed.clone())}
                            </textarea>
                            <p class="hint" id="reopen-reason-hint">
                                {detail.reopen_until.map(|u| format!("You can reopen it until {u}; it goes back to the helpdesk."))}
                            </p>
                            <FieldError id="reopen-reason-error" message=reason_error />
                        </div>
                        <button type="submit" class="btn btn-secondary">"Reopen request"</button>
                    </ActionForm>
                })}
            </section>
        }
        .into_any()
    })
}

/// The colleagues copied on a request, with adding and taking off.
#[component]
pub fn Participants(
    detail: RequestDetail,
    actions: ResolutionActions,
    draft: FormDraft,
) -> impl IntoView {
    let can_add = detail.actions.add_participant;
    let people = detail.participants.clone();
    let key = detail.summary.key.clone();
    let typed = draft
        .value(AddParticipant::PATH, "person")
        .unwrap_or_default()
        .to_string();
    let add_error = form_error(actions.add);
    let person_error = field_error(actions.add, "person");
    let remove_error = action_message(actions.remove);
    (can_add || !people.is_empty()).then(move || {
        view! {
            <section class="card" aria-labelledby="participants-heading">
                <h2 id="participants-heading">"Copied (CC)"</h2>
                <FormError message=remove_error />
                {if people.is_empty() {
                    view! { <p class="muted small">"Nobody else follows this request."</p> }.into_any()
                } else {
                    view! {
                        <ul class="participants">
                            {people.into_iter().map(|p| view! { <Participant p key=key.clone() action=actions.remove /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {can_add.then(|| view! {
                    <FormError message=add_error />
                    <ActionForm action=actions.add attr:class="stack">
                        <input type="hidden" name="key" value=key.clone() />
                        <div class="field">
                            <label for="participant-person">"Copy a colleague"</label>
                            <input type="text" id="participant-person" name="person" value=typed.clone()
                                placeholder="e-mail or @handle" autocomplete="off" maxlength="200"
                                aria-describedby="participant-person-hint participant-person-error"
                                aria-invalid=move || person_error.get().is_some().to_string() />
                            <p class="hint" id="participant-person-hint">"They will see this request and its public replies."</p>
                            <FieldError id="participant-person-error" message=person_error />
                        </div>
                        <button type="submit" class="btn btn-secondary btn-small">"Add"</button>
                    </ActionForm>
                })}
            </section>
        }
        .into_any()
    })
}

#[component]
fn Participant(
    p: ParticipantView,
    key: String,
    action: ServerAction<RemoveParticipant>,
) -> impl IntoView {
    let name = p.person.name.clone();
    let label = format!("Remove {name}");
    view! {
        <li>
            {if p.person.link {
                view! { <a href=format!("/people/{}", p.person.handle)>{name.clone()}</a> }.into_any()
            } else {
                view! { <span>{name.clone()}</span> }.into_any()
            }}
            {p.can_remove.then(|| view! {
                <ActionForm action attr:class="inline">
                    <input type="hidden" name="key" value=key />
                    <input type="hidden" name="handle" value=p.person.handle.clone() />
                    <button type="submit" class="btn btn-quiet btn-small" aria-label=label>"Remove"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// Any error of the action's last call, as one message.
fn action_message<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = crate::domain::error::AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| match v {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    })
}

/// A rating, as a small badge.
#[component]
pub fn RatingBadge(rating: Rating) -> impl IntoView {
    view! { <span class=format!("badge rating-{}", rating.as_str())>{rating.label()}</span> }
}

/// The latest ratings, for the queue.
#[component]
pub fn LatestRatings(ratings: Vec<RatedRequest>) -> impl IntoView {
    (!ratings.is_empty()).then(|| {
        view! {
            <section class="card latest-ratings" aria-labelledby="ratings-heading">
                <h2 id="ratings-heading">"Latest ratings"</h2>
                <ul class="plain-list">
                    {ratings.into_iter().map(|r| view! {
                        <li>
                            <RatingBadge rating=r.rating />
                            " "
                            <a href=format!("/requests/{}", r.key)>{format!("{} {}", r.key, r.title)}</a>
                            <br />
                            <span class="small muted">
                                {format!("{} · {}{}", r.requester, r.at, r.assignee.map(|a| format!(" · worked by {a}")).unwrap_or_default())}
                            </span>
                            {(!r.comment.is_empty()).then(|| view! { <br /> <q class="small">{r.comment.clone()}</q> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}
