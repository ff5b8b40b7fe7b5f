//! The fields of a request form, built from a kind's field specs, and where their values and
//! messages come from: the URL or a refused attempt's draft, the browser's own check, the server.

use crate::components::{debounced_input, use_viewer, FieldError};
use crate::domain::catalog::Submission;
use crate::domain::error::AppError;
use crate::domain::form::{FieldSpec, FieldType, MAX_LINES};
use crate::domain::kinds::RequestKind;
use crate::domain::time::{Day, Timestamp};
use crate::requests::{choose_system, SubmitRequest};
use leptos::prelude::*;

/// Where a form's field errors come from: the browser's own check of the last attempt (with
/// JavaScript, the same parser the server runs), else the server's answer to the last submission.
#[derive(Clone, Copy)]
pub struct Errors {
    pub server: ServerAction<SubmitRequest>,
    pub browser: RwSignal<Option<AppError>>,
}

impl Errors {
    /// The last attempt's error: the browser's check, else the server's answer.
    pub fn current(self) -> Signal<Option<AppError>> {
        Signal::derive(move || {
            self.browser.get().or_else(|| {
                self.server.value().with(|v| match v {
                    Some(Err(e)) => Some(e.clone()),
                    _ => None,
                })
            })
        })
    }

    /// The message for `field`, if the last attempt named it.
    pub fn for_field(self, field: String) -> Signal<Option<String>> {
        Signal::derive(move || {
            if let Some(e) = self.browser.get() {
                return e.message_for(&field);
            }
            self.server.value().with(|v| match v {
                Some(Err(e)) => e.message_for(&field),
                _ => None,
            })
        })
    }

    /// Runs the kind's parser on what is about to be sent. On a mistake the submission stops
    /// before any round trip, the field shows the same message the server would give, and the
    /// field gets focus. Rules that need the database (unknown systems, people) stay with the
    /// server.
    pub fn check(self, ev: &leptos::ev::SubmitEvent) {
        use leptos::form::FromFormData;
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::{js_sys, HtmlElement};
        let Ok(attempt) = SubmitRequest::from_event(ev) else {
            return;
        };
        let today = Day::of(Timestamp::from_millis(js_sys::Date::now() as i64));
        match Submission::parse(&attempt.kind, &attempt.fields, today) {
            Ok(_) => self.browser.set(None),
            Err(error) => {
                ev.prevent_default();
                let field = error.field().map(str::to_string);
                self.browser.set(Some(error));
                if let Some(el) = field
                    .and_then(|f| document().get_element_by_id(&f))
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                {
                    _ = el.focus();
                }
            }
        }
    }
}

/// Values carried in the URL: a draft kept by "Check guides first" or "Add another system"
/// without JavaScript, or a link such as a system page's "Request access".
#[derive(Clone)]
pub struct Initial(pub std::collections::BTreeMap<String, String>);

impl Initial {
    pub fn get(&self, name: &str) -> String {
        self.0
            .get(&format!("fields[{name}]"))
            .or_else(|| self.0.get(name))
            .cloned()
            .unwrap_or_default()
    }
}

/// The name each field of `kind`'s form goes by, for the list of problems at its top.
pub fn field_labels(kind: RequestKind) -> Vec<(String, String)> {
    let mut labels = vec![
        ("title".to_string(), "Title".to_string()),
        (
            "description".to_string(),
            kind.description_label().to_string(),
        ),
        ("priority".to_string(), "Priority".to_string()),
        ("attachments".to_string(), "Files".to_string()),
    ];
    for spec in kind.fields() {
        if spec.ty == FieldType::SystemLines {
            for line in 0..MAX_LINES {
                labels.push((
                    format!("system_{line}"),
                    format!("System, line {}", line + 1),
                ));
                labels.push((format!("role_{line}"), format!("Role, line {}", line + 1)));
                labels.push((
                    format!("justification_{line}"),
                    format!("Why, line {}", line + 1),
                ));
            }
        } else {
            labels.push((spec.name.to_string(), spec.label.to_string()));
        }
    }
    labels
}

/// One field of a kind, rendered from its spec.
#[component]
pub fn SpecField(spec: FieldSpec, errors: Errors, initial: Initial) -> impl IntoView {
    if spec.ty == FieldType::SystemLines {
        return view! { <SystemLines spec errors initial /> }.into_any();
    }
    let name = spec.name;
    let form_name = format!("fields[{name}]");
    let error = errors.for_field(name.to_string());
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = format!("{hint_id} {error_id}");
    let invalid = move || error.get().is_some().to_string();
    let value = initial.get(name);
    let optional = (!spec.required && spec.ty != FieldType::YesNo)
        .then(|| view! { <span class="muted small">" (optional)"</span> });
    let hint = (!spec.hint.is_empty())
        .then(|| view! { <p class="hint" id=hint_id.clone()>{spec.hint}</p> });
    let control = match spec.ty {
        FieldType::Text | FieldType::People => {
            let value = if spec.ty == FieldType::People && value.is_empty() {
                // Most access requests are for oneself.
                use_viewer()
                    .get_untracked()
                    .and_then(|r| r.ok().flatten())
                    .map(|v| v.email)
                    .unwrap_or_default()
            } else {
                value
            };
            view! {
                <textarea id=name name=form_name rows="3" required=spec.required
                    aria-invalid=invalid aria-describedby=described.clone()>{crate::components::textarea_text(value)}</textarea>
            }
            .into_any()
        }
        FieldType::YesNo => {
            return view! {
                <div class="field field-check">
                    <input type="checkbox" id=name name=form_name value="yes" checked=value == "yes"
                        aria-invalid=invalid aria-describedby=described.clone() />
                    <label for=name>{spec.label}</label>
                    {hint}
                    <FieldError id=error_id message=error />
                </div>
            }
            .into_any();
        }
        FieldType::Choice(choices) => view! {
            <select id=name name=form_name required=spec.required aria-invalid=invalid aria-describedby=described.clone()>
                {(!spec.required || value.is_empty()).then(|| view! { <option value="">"Choose\u{2026}"</option> })}
                {choices
                    .iter()
                    .map(|(v, l)| view! { <option value=*v selected=*v == value>{*l}</option> })
                    .collect_view()}
            </select>
        }
        .into_any(),
        FieldType::Date { .. } => view! {
            <input type="date" id=name name=form_name value=value required=spec.required
                aria-invalid=invalid aria-describedby=described.clone() />
        }
        .into_any(),
        FieldType::System => {
            return view! {
                <div class="field">
                    <label for=name>{spec.label}</label>
                    {hint}
                    <SystemInput id=name.to_string() form_name value required=spec.required error described=described.clone() />
                    <FieldError id=error_id message=error />
                </div>
            }
            .into_any();
        }
        FieldType::Email | FieldType::Line | FieldType::Person => {
            let (input_type, placeholder) = match spec.ty {
                FieldType::Email => ("email", ""),
                FieldType::Person => ("text", "name@company.com or @handle"),
                _ => ("text", ""),
            };
            view! {
                <input type=input_type id=name name=form_name value=value required=spec.required
                    placeholder=placeholder maxlength="200"
                    aria-invalid=invalid aria-describedby=described.clone() />
            }
            .into_any()
        }
        FieldType::SystemLines => unreachable!("handled above"),
    };
    view! {
        <div class="field">
            <label for=name>{spec.label} {optional}</label>
            {hint}
            {control}
            <FieldError id=error_id message=error />
        </div>
    }
    .into_any()
}

/// A registry system: the browser's own list filters as one types (a datalist, so it works
/// without JavaScript too); once chosen, the form says who manages it.
#[component]
fn SystemInput(
    id: String,
    form_name: String,
    value: String,
    required: bool,
    error: Signal<Option<String>>,
    described: String,
) -> impl IntoView {
    let (chosen, set_chosen) = signal(value.clone());
    let on_input = debounced_input(250, move |v| set_chosen.set(v));
    let choice = crate::resource::load(
        move || chosen.get(),
        |title| async move {
            if title.trim().is_empty() {
                Ok(None)
            } else {
                choose_system(title).await
            }
        },
    );
    let note_id = format!("{id}-system");
    let described = format!("{described} {note_id}");
    view! {
        <input
            type="text"
            id=id.clone()
            name=form_name
            list="registry-systems"
            autocomplete="off"
            value=value
            required=required
            maxlength="200"
            placeholder="Start typing a system name"
            aria-invalid=move || error.get().is_some().to_string()
            aria-describedby=described
            on:input=on_input
        />
        <p class="system-note small" id=note_id aria-live="polite">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match choice.await {
                        Ok(Some(s)) if s.managed => view! {
                            <span class="ok">
                                "The helpdesk manages "
                                <a href=format!("/systems/{}", s.slug) target="_blank">{s.title.clone()}</a>
                                {s.baseline.then_some(": a baseline entitlement")}
                                "."
                            </span>
                        }
                        .into_any(),
                        Ok(Some(s)) => {
                            let owner = if s.owner.is_empty() { "its owners".to_string() } else { s.owner.clone() };
                            let channel = if s.channel.is_empty() { String::new() } else { format!(" in {}", s.channel) };
                            view! {
                                <span class="warn">
                                    "The helpdesk does not manage " {s.title.clone()} ": ask " {owner} {channel} "."
                                </span>
                            }
                            .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </p>
    }
}

/// Systems asked for, one row each: system, role (or group), justification. Empty rows are
/// ignored. More rows come with JavaScript at once, without it by reloading with the draft.
#[component]
fn SystemLines(spec: FieldSpec, errors: Errors, initial: Initial) -> impl IntoView {
    let filled = (0..MAX_LINES)
        .filter(|i| !initial.get(&format!("system_{i}")).is_empty())
        .max()
        .map_or(0, |i| i + 1);
    let start = initial
        .get("lines")
        .parse::<usize>()
        .unwrap_or(2)
        .max(filled)
        .clamp(1, MAX_LINES);
    let rows = RwSignal::new(start);
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    view! {
        <fieldset class="lines">
            <legend>{spec.label}</legend>
            <p class="hint">{spec.hint}</p>
            <For each=move || 0..rows.get() key=|i| *i let:i>
                <LineRow i errors initial=initial.clone() />
            </For>
            <div class="actions">
                <Show
                    when=move || interactive.get()
                    fallback=move || view! {
                        <button type="submit" class="btn btn-quiet" formmethod="get" formnovalidate=true
                            name="lines" value=(start + 1).min(MAX_LINES).to_string()>
                            "Add another system"
                        </button>
                    }
                >
                    <button type="button" class="btn btn-quiet"
                        disabled=move || { rows.get() >= MAX_LINES }
                        on:click=move |_| rows.update(|n| *n = (*n + 1).min(MAX_LINES))>
                        "Add another system"
                    </button>
                </Show>
            </div>
        </fieldset>
    }
}

#[component]
fn LineRow(i: usize, errors: Errors, initial: Initial) -> impl IntoView {
    let n = i + 1;
    let id = |f: &str| format!("{f}_{i}");
    let system_error = errors.for_field(id("system"));
    let role_error = errors.for_field(id("role"));
    let why_error = errors.for_field(id("justification"));
    view! {
        <div class="line-row" role="group" aria-label=format!("Line {n}")>
            <div class="field">
                <label for=id("system")>{format!("System {n}")}</label>
                <SystemInput id=id("system") form_name=format!("fields[{}]", id("system")) value=initial.get(&id("system"))
                    required=false error=system_error described=format!("{}-error", id("system")) />
                <FieldError id=format!("{}-error", id("system")) message=system_error />
            </div>
            <div class="field">
                <label for=id("role")>{format!("Role {n}")}</label>
                <input type="text" id=id("role") name=format!("fields[{}]", id("role")) value=initial.get(&id("role"))
                    maxlength="200" placeholder="e.g. member, editor, or baseline"
                    aria-invalid=move || role_error.get().is_some().to_string() aria-describedby=format!("{}-error", id("role")) />
                <FieldError id=format!("{}-error", id("role")) message=role_error />
            </div>
            <div class="field">
                <label for=id("justification")>{format!("Why {n}")}</label>
                <input type="text" id=id("justification") name=format!("fields[{}]", id("justification")) value=initial.get(&id("justification"))
                    maxlength="1000" placeholder="What it is needed for"
                    aria-invalid=move || why_error.get().is_some().to_string() aria-describedby=format!("{}-error", id("justification")) />
                <FieldError id=format!("{}-error", id("justification")) message=why_error />
            </div>
        </div>
    }
}
