//! Rules (admins): when something happens to a request, if it matches, then act. A rule is tried
//! on an existing request before it is saved; rules run in the order listed; the outbox below
//! shows what waits to be delivered and what failed for good.

use crate::automation::{automation, try_rule, ChangeRule, RetryDeadLetter, SaveRule};
use crate::components::{field_error, form_error, refused_form, FieldError, FormError, LoadError};
use crate::domain::error::AppError;
use crate::model::automation::{AutomationView, RuleOutcome, RuleView, TryView};
use crate::model::FormDraft;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The form's starting values: a try sent without JavaScript (in the address), a refused save,
/// the rule being edited, or a new rule.
#[derive(Clone, Default)]
struct Draft {
    id: String,
    name: String,
    trigger: String,
    match_all: String,
    conditions: String,
    actions: String,
    enabled: bool,
    try_request: String,
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let viewer = crate::components::use_viewer();
    let save = ServerAction::<SaveRule>::new();
    let change = ServerAction::<ChangeRule>::new();
    let retry = ServerAction::<RetryDeadLetter>::new();
    let query = use_query_map();
    let data = crate::resource::load(
        move || {
            (
                save.version().get(),
                change.version().get(),
                retry.version().get(),
            )
        },
        |_| automation(),
    );
    // A try sent without JavaScript comes back in the address; the page tries it again.
    let tried = crate::resource::load(
        move || {
            let q = query.read();
            let get = |k: &str| q.get(k).unwrap_or_default();
            (
                get("name"),
                get("trigger"),
                get("match_all"),
                get("conditions"),
                get("actions"),
                get("try_request"),
            )
        },
        |(name, trigger, match_all, conditions, actions, try_request)| async move {
            if try_request.is_empty() {
                None
            } else {
                Some(try_rule(name, trigger, match_all, conditions, actions, try_request).await)
            }
        },
    );
    let draft = refused_form();
    view! {
        <Title text="Rules" />
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                let refused = draft.await;
                let tried = tried.await;
                let data = data.await;
                match viewer.await {
                    Ok(Some(v)) if v.has(crate::domain::user::Role::Admin) => match data {
                        Ok(data) => {
                            let start = starting_draft(&query.get_untracked(), &refused, &data.rules);
                            view! { <Rules data save change retry start tried /> }.into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    },
                    Ok(Some(_)) => view! { <LoadError error=AppError::Forbidden /> }.into_any(),
                    _ => view! { <LoadError error=AppError::Unauthenticated /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn starting_draft(
    q: &leptos_router::params::ParamsMap,
    refused: &FormDraft,
    rules: &[RuleView],
) -> Draft {
    // The form's fields read from one source: the refused form, or the address.
    let from = |get: &dyn Fn(&str) -> String, enabled: bool| Draft {
        id: get("id"),
        name: get("name"),
        trigger: get("trigger"),
        match_all: get("match_all"),
        conditions: get("conditions"),
        actions: get("actions"),
        enabled,
        try_request: get("try_request"),
    };
    let path = SaveRule::PATH;
    if refused.value(path, "name").is_some() {
        let get = |k: &str| refused.value(path, k).unwrap_or_default().to_string();
        return from(&get, refused.value(path, "enabled").is_some());
    }
    let get = |k: &str| q.get(k).unwrap_or_default();
    if !get("try_request").is_empty() {
        return from(&get, true);
    }
    if let Some(r) = rules.iter().find(|r| r.id.to_string() == get("edit")) {
        return Draft {
            id: r.id.to_string(),
            name: r.name.clone(),
            trigger: r.trigger.clone(),
            match_all: if r.match_all { "all" } else { "any" }.into(),
            conditions: r.conditions.clone(),
            actions: r.actions.clone(),
            enabled: r.enabled,
            try_request: String::new(),
        };
    }
    Draft {
        trigger: "created".into(),
        match_all: "all".into(),
        enabled: true,
        ..Draft::default()
    }
}

#[component]
fn Rules(
    data: AutomationView,
    save: ServerAction<SaveRule>,
    change: ServerAction<ChangeRule>,
    retry: ServerAction<RetryDeadLetter>,
    start: Draft,
    tried: Option<Result<TryView, AppError>>,
) -> impl IntoView {
    let change_error = form_error(change);
    let retry_error = form_error(retry);
    let count = data.rules.len();
    view! {
        <h1>"Rules"</h1>
        <p class="lead">
            "When something happens to a request, and it matches, the helpdesk acts by itself. Rules run in this order; each sees what the ones above it changed. What a rule changes never sets off another rule, so rules cannot loop. Every change a rule makes is in the request's history under the rule's name."
        </p>
        <FormError message=change_error />
        {if data.rules.is_empty() {
            view! { <p class="muted">"No rules yet."</p> }.into_any()
        } else {
            view! {
                <ol class="rule-list">
                    {data.rules.into_iter().enumerate().map(|(i, r)| view! { <RuleCard r first={i == 0} last={i + 1 == count} change /> }).collect_view()}
                </ol>
            }.into_any()
        }}
        <RuleForm save start triggers=data.triggers tried />
        <section class="card" aria-labelledby="outbox-heading">
            <h2 id="outbox-heading">"Outbox"</h2>
            <p class="muted small">"Every e-mail, chat notice and rule run waits here until a server delivers it; a failure is retried with growing pauses, then kept as a dead letter."</p>
            <FormError message=retry_error />
            {if data.counts.is_empty() {
                view! { <p class="muted">"Nothing has gone through the outbox yet."</p> }.into_any()
            } else {
                view! {
                    <table class="outbox-table">
                        <caption class="sr-only">"Outbox entries by kind and state"</caption>
                        <thead><tr><th scope="col">"Kind"</th><th scope="col">"State"</th><th scope="col">"Entries"</th></tr></thead>
                        <tbody>
                            {data.counts.into_iter().map(|(topic, state, n)| view! {
                                <tr><td>{topic}</td><td>{state}</td><td>{n}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h3>"Dead letters"</h3>
            {if data.dead.is_empty() {
                view! { <p class="muted">"None: everything was delivered or is still being tried."</p> }.into_any()
            } else {
                view! {
                    <ul class="dead-letters">
                        {data.dead.into_iter().map(|d| {
                            let id = d.id.to_string();
                            let label = format!("Retry {} #{}", d.topic, d.id);
                            view! {
                                <li>
                                    <strong>{format!("{} #{}", d.topic, d.id)}</strong>
                                    {d.request.map(|k| view! { " for " <a href=format!("/requests/{k}")>{k.clone()}</a> })}
                                    <span class="muted small">{format!(" · {} attempts · ", d.attempts)}</span>
                                    <span class="small">{d.last_error}</span>
                                    <ActionForm action=retry attr:class="inline-form">
                                        <input type="hidden" name="id" value=id />
                                        <button type="submit" class="btn btn-secondary btn-small">{label}</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RuleCard(
    r: RuleView,
    first: bool,
    last: bool,
    change: ServerAction<ChangeRule>,
) -> impl IntoView {
    let id = r.id.to_string();
    let button = move |op: &'static str, text: String, class: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=change attr:class="inline-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="op" value=op />
                <button type="submit" class=format!("btn btn-small {class}")>{text}</button>
            </ActionForm>
        }
    };
    let name = r.name.clone();
    view! {
        <li class="card rule-card" class:rule-off=!r.enabled>
            <div class="rule-head">
                <strong>{r.name.clone()}</strong>
                <span class="badge">{if r.enabled { "On" } else { "Off" }}</span>
            </div>
            <p class="small"><span class="muted">"When: "</span>{r.trigger_label.clone()}</p>
            <p class="small muted">{if r.match_all { "If all of:" } else { "If any of:" }}</p>
            <pre class="rule-text">{if r.conditions.is_empty() { "(every request)".to_string() } else { r.conditions.clone() }}</pre>
            <p class="small muted">"Then:"</p>
            <pre class="rule-text">{r.actions.clone()}</pre>
            <div class="rule-buttons">
                <a class="btn btn-secondary btn-small" href=format!("/admin/rules?edit={}#rule-form", r.id)>{format!("Edit {name}")}</a>
                {if r.enabled {
                    button("disable", format!("Switch off {name}"), "btn-secondary")
                } else {
                    button("enable", format!("Switch on {name}"), "btn-secondary")
                }}
                {(!first).then(|| button("up", format!("Move {name} up"), "btn-secondary"))}
                {(!last).then(|| button("down", format!("Move {name} down"), "btn-secondary"))}
                {button("delete", format!("Delete {name}"), "btn-danger")}
            </div>
        </li>
    }
}

#[component]
fn RuleForm(
    save: ServerAction<SaveRule>,
    start: Draft,
    triggers: Vec<(String, String)>,
    tried: Option<Result<TryView, AppError>>,
) -> impl IntoView {
    let (name_error, trigger_error, match_error, conditions_error, actions_error, try_error) = (
        field_error(save, "name"),
        field_error(save, "trigger"),
        field_error(save, "match_all"),
        field_error(save, "conditions"),
        field_error(save, "actions"),
        field_error(save, "try_request"),
    );
    let save_error = form_error(save);
    // The try sent without JavaScript (from the address), until the form is used.
    let loaded_try = tried.clone();
    let try_result = Signal::derive(move || match save.value().get() {
        Some(Ok(RuleOutcome::Tried(t))) => Some(t),
        Some(_) => None,
        None => loaded_try.clone().and_then(Result::ok),
    });
    let loaded_try_error = tried
        .and_then(|t| t.err())
        .and_then(|e| e.message_for("try_request"));
    let try_error = Signal::derive(move || try_error.get().or_else(|| loaded_try_error.clone()));
    let saved =
        Signal::derive(move || matches!(save.value().get(), Some(Ok(RuleOutcome::Saved(_)))));
    let editing = !start.id.is_empty();
    view! {
        <section class="card" id="rule-form" aria-labelledby="rule-form-heading">
            <h2 id="rule-form-heading">{if editing { format!("Edit rule {}", start.name) } else { "New rule".to_string() }}</h2>
            <FormError message=save_error />
            {move || saved.get().then(|| view! { <div class="alert alert-ok" role="status">"Rule saved."</div> })}
            <ActionForm action=save attr:class="stack">
                <input type="hidden" name="id" value=start.id.clone() />
                <div class="field">
                    <label for="rule-name">"Name"</label>
                    <input id="rule-name" name="name" type="text" maxlength="80" required value=start.name.clone()
                        aria-describedby="rule-name-error" aria-invalid=move || name_error.get().is_some().to_string() />
                    <FieldError id="rule-name-error" message=name_error />
                </div>
                <div class="field">
                    <label for="rule-trigger">"When"</label>
                    <select id="rule-trigger" name="trigger" aria-describedby="rule-trigger-error">
                        {triggers.into_iter().map(|(value, label)| {
                            let selected = value == start.trigger;
                            view! { <option value=value selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError id="rule-trigger-error" message=trigger_error />
                </div>
                <div class="field">
                    <label for="rule-match">"Conditions that must hold"</label>
                    <select id="rule-match" name="match_all" aria-describedby="rule-match-error">
                        <option value="all" selected=start.match_all != "any">"All of them"</option>
                        <option value="any" selected=start.match_all == "any">"Any one of them"</option>
                    </select>
                    <FieldError id="rule-match-error" message=match_error />
                </div>
                <div class="field">
                    <label for="rule-conditions">"If (one condition per line; none: every request)"</label>
                    <textarea id="rule-conditions" name="conditions" rows="4" maxlength="4000" spellcheck="false"
                        aria-describedby="rule-conditions-hint rule-conditions-error" aria-invalid=move || conditions_error.get().is_some().to_string()>
                        {crate::components::textarea_text(start.conditions.clone())}
                    </textarea>
                    <p class="hint" id="rule-conditions-hint">
                        "For example " <code>"system is okta"</code> ", " <code>"department is Finance"</code> ", " <code>"kind is access"</code> ", " <code>"label is not vip"</code> ", " <code>"priority is high"</code> ", " <code>"state is new"</code> ", " <code>"title contains laptop"</code> ", " <code>"field end_date is 2026-12-31"</code> "."
                    </p>
                    <FieldError id="rule-conditions-error" message=conditions_error />
                </div>
                <div class="field">
                    <label for="rule-actions">"Then (one action per line)"</label>
                    <textarea id="rule-actions" name="actions" rows="4" maxlength="4000" spellcheck="false" required
                        aria-describedby="rule-actions-hint rule-actions-error" aria-invalid=move || actions_error.get().is_some().to_string()>
                        {crate::components::textarea_text(start.actions.clone())}
                    </textarea>
                    <p class="hint" id="rule-actions-hint">
                        <code>"add label finsys"</code> ", " <code>"remove label triage"</code> ", " <code>"set priority high"</code> ", " <code>"assign jsmith"</code> ", " <code>"assign round-robin it-helpdesk"</code> ", " <code>"reply with macro Password reset"</code> ", " <code>"notify requester"</code> " (or " <code>"assignee"</code> ", " <code>"channel"</code> "), " <code>"approve baseline"</code> ", " <code>"escalate with corpsys"</code> "."
                    </p>
                    <FieldError id="rule-actions-error" message=actions_error />
                </div>
                <div class="field checkbox">
                    <input id="rule-enabled" name="enabled" type="checkbox" value="on" checked=start.enabled />
                    <label for="rule-enabled">"Switched on"</label>
                </div>
                <fieldset class="try-box">
                    <legend>"Try it first"</legend>
                    <div class="field">
                        <label for="rule-try">"On request"</label>
                        <input id="rule-try" name="try_request" type="text" inputmode="text" maxlength="20" placeholder="REQ-12" value=start.try_request.clone()
                            aria-describedby="rule-try-error" aria-invalid=move || try_error.get().is_some().to_string() />
                        <FieldError id="rule-try-error" message=try_error />
                    </div>
                    <button type="submit" name="intent" value="try" class="btn btn-secondary">"Try on this request"</button>
                    <div aria-live="polite">
                        {move || try_result.get().map(|t| view! { <TryResult t /> })}
                    </div>
                </fieldset>
                <button type="submit" name="intent" value="save" class="btn btn-primary">{if editing { "Save rule" } else { "Add rule" }}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn TryResult(t: TryView) -> impl IntoView {
    view! {
        <div class="try-result" role="status">
            <p>
                <strong>{format!("On {}", t.request)}</strong>
                <span class="muted">{format!(" ({}) ", t.title)}</span>
                {if t.steps.is_empty() { "it would do nothing".to_string() } else { "it would:".to_string() }}
            </p>
            {(!t.steps.is_empty()).then(|| view! {
                <ul>{t.steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
            })}
            {t.skipped.map(|why| view! { <p class="muted small">{format!("Why: {why}.")}</p> })}
            <p class="muted small">"Nothing was changed."</p>
        </div>
    }
}
