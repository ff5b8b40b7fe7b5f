use crate::components::{field_error, form_error, FieldError, FormError, LoadError};
use crate::domain::entitlement::{GrantKind, SystemAccess};
use crate::domain::registry::{field_label, EDITABLE_FIELDS, FIELD_MAX};
use crate::model::systems::{PersonRef, SystemEventView, SystemView};
use crate::routes::systems::{compliance_text, tier_text, urlencode, ClassificationBadge};
use crate::systems::{get_system, EditSystem, SaveSystemAccess};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/systems/{slug}`: who owns the system, who grants access and how, and where to ask.
#[component]
pub fn SystemPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let system = crate::resource::load(slug, get_system);
    let saved = move || query.read().get("saved").is_some();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match system.await {
                    Ok(s) => view! { <SystemDetail s saved=saved() /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn People(list: Vec<PersonRef>) -> impl IntoView {
    view! {
        <ul class="people">
            {list
                .into_iter()
                .map(|p| {
                    let label = match (&p.name, p.group) {
                        (Some(name), _) => format!("{name} (@{})", p.handle),
                        (None, true) => format!("@{} (group)", p.handle),
                        (None, false) => format!("@{}", p.handle),
                    };
                    match p.email {
                        Some(email) => view! { <li><a href=format!("mailto:{email}")>{label}</a></li> }.into_any(),
                        None => {
                            view! {
                                <li>
                                    {label}
                                    {(!p.group).then(|| view! { <span class="muted small">" \u{b7} no account here"</span> })}
                                </li>
                            }
                                .into_any()
                        }
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The access request form with this system chosen on its first line.
fn request_access_href(title: &str) -> String {
    format!("/request/access?system_0={}", urlencode(title))
}

fn or_unknown(s: &str) -> String {
    if s.is_empty() {
        "Not recorded".into()
    } else {
        s.to_string()
    }
}

#[component]
fn SystemDetail(s: SystemView, saved: bool) -> impl IntoView {
    let sum = s.summary.clone();
    let ask = if sum.owner_channel.is_empty() {
        or_unknown(&sum.group_owner)
    } else if sum.group_owner.is_empty() {
        sum.owner_channel.clone()
    } else {
        format!("{} in {}", sum.group_owner, sum.owner_channel)
    };
    view! {
        <Title text=sum.title.clone() />
        <p class="crumbs">
            <a href="/systems">"Systems"</a>
        </p>
        {saved.then(|| view! { <div class="alert alert-ok" role="status">"Saved. The change is in the history below."</div> })}
        <div class="guide-layout">
            <article class="card system">
                <header class="guide-head">
                    <h1>{sum.title.clone()}</h1>
                    <p class="badges">
                        {sum.managed.then(|| view! { <span class="badge badge-managed">"Helpdesk"</span> })}
                        <ClassificationBadge c=sum.classification />
                        <span class="badge">{tier_text(sum.tier)}</span>
                        {(sum.baseline == Some(true)).then(|| view! { <span class="badge">"Baseline: everyone gets it"</span> })}
                    </p>
                </header>
                <div class="prose" inner_html=s.description_html.clone()></div>
                {if sum.managed {
                    view! {
                        <p class="actions">
                            <a class="btn btn-primary" href=request_access_href(&sum.title)>"Request access"</a>
                        </p>
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="alert alert-info" role="note">
                            <strong>"The helpdesk does not manage this system."</strong>
                            " Ask its owner: " {ask.clone()} "."
                        </div>
                    }
                        .into_any()
                }}
                <h2>"How access is granted"</h2>
                <p class="muted small">"As written by the system\u{2019}s owners:"</p>
                <blockquote class="as-written">{or_unknown(&s.provisioner_text)}</blockquote>
                {(!s.labels.is_empty())
                    .then(|| {
                        view! {
                            <p>
                                "Labels: "
                                {s.labels.iter().map(|l| view! { <span class="badge badge-label">{l.clone()}</span> " " }).collect_view()}
                            </p>
                        }
                    })}
                <RolesAndGroups access=s.access.clone() />
                <h2>"How access is removed"</h2>
                <blockquote class="as-written">{or_unknown(&s.deprovisioner_text)}</blockquote>
                <details class="all-fields">
                    <summary>"Every field as recorded"</summary>
                    <dl class="facts">
                        {s
                            .fields
                            .iter()
                            .map(|f| view! { <dt>{f.label.clone()}</dt><dd>{f.raw.clone().unwrap_or_else(|| "\u{2014}".into())}</dd> })
                            .collect_view()}
                    </dl>
                </details>
            </article>
            <aside class="guide-side">
                <section class="card" aria-labelledby="owner-heading">
                    <h2 id="owner-heading">"Who owns it"</h2>
                    <dl class="facts">
                        <dt>"Owner group"</dt>
                        <dd>{or_unknown(&sum.group_owner)}</dd>
                        <dt>"Channel"</dt>
                        <dd>{or_unknown(&sum.owner_channel)}</dd>
                        <dt>"Business owner"</dt>
                        <dd>{or_unknown(&s.business_owner)}</dd>
                        <dt>"Technical owner"</dt>
                        <dd>{or_unknown(&s.technical_owner)}</dd>
                    </dl>
                    {(!s.owners.is_empty()).then(|| view! { <People list=s.owners.clone() /> })}
                </section>
                <section class="card" aria-labelledby="prov-heading">
                    <h2 id="prov-heading">"Provisioners"</h2>
                    {if s.provisioners.is_empty() {
                        view! { <p class="muted small">"No @handle named; see how access is granted."</p> }.into_any()
                    } else {
                        view! { <People list=s.provisioners.clone() /> }.into_any()
                    }}
                    <h3>"Deprovisioners"</h3>
                    {if s.deprovisioners.is_empty() {
                        view! { <p class="muted small">"No @handle named."</p> }.into_any()
                    } else {
                        view! { <People list=s.deprovisioners.clone() /> }.into_any()
                    }}
                </section>
                <section class="card" aria-labelledby="facts-heading">
                    <h2 id="facts-heading">"Facts"</h2>
                    <dl class="facts">
                        <dt>"Access to"</dt>
                        <dd>{or_unknown(&s.access_to)}</dd>
                        <dt>"Authentication"</dt>
                        <dd>{or_unknown(&s.authentication)}</dd>
                        <dt>"Compliance"</dt>
                        <dd>{compliance_text(&sum.compliance)}</dd>
                    </dl>
                    {(!s.links_html.is_empty()).then(|| view! { <div class="prose small" inner_html=s.links_html.clone()></div> })}
                </section>
                {s.can_edit.then(|| view! {
                    <section class="card">
                        <h2>"For admins"</h2>
                        <p><a class="btn btn-secondary" href=format!("/systems/{}/edit", sum.slug)>"Edit"</a></p>
                    </section>
                })}
            </aside>
        </div>
        {s.history.clone().map(|h| view! { <History events=h /> })}
    }
}

/// The roles a person can ask for, lowest first, and the groups that need no manager.
#[component]
fn RolesAndGroups(access: SystemAccess) -> impl IntoView {
    if access.is_empty() {
        return view! {
            <h2>"Roles and groups"</h2>
            <p class="muted small">
                "None written down yet: any role may be asked for, and every line needs its approvals."
            </p>
        }
        .into_any();
    }
    let roles: Vec<String> = access.roles().map(|o| o.name.clone()).collect();
    let groups: Vec<(String, &'static str)> = access
        .options
        .iter()
        .filter(|o| o.kind != GrantKind::Role)
        .map(|o| {
            let what = match (o.kind, o.cloud) {
                (GrantKind::ChatGroup, _) => "chat group: no manager approval",
                (_, false) => "mail group: no manager approval",
                (_, true) => "mail group with cloud permissions: needs the manager",
            };
            (o.name.clone(), what)
        })
        .collect();
    view! {
        <h2>"Roles and groups"</h2>
        {(!roles.is_empty()).then(|| view! {
            <p class="small">"Roles, lowest first (an approver may only narrow down this list):"</p>
            <ol class="roles">{roles.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ol>
        })}
        {(!groups.is_empty()).then(|| view! {
            <ul class="groups small">
                {groups.into_iter().map(|(n, what)| view! { <li><strong>{n}</strong> " \u{b7} " {what}</li> }).collect_view()}
            </ul>
        })}
    }
    .into_any()
}

#[component]
fn History(events: Vec<SystemEventView>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <ol class="history">
                {events
                    .into_iter()
                    .map(|e| {
                        let what = if e.import { "Import" } else { "Edited by" };
                        let who = if e.import { String::new() } else { e.who.clone() };
                        view! {
                            <li>
                                <p class="small">
                                    <strong>{what} " " {who}</strong>
                                    " \u{b7} "
                                    <time datetime=e.at.rfc3339()>{e.at.to_string()}</time>
                                </p>
                                <ul class="changes small">
                                    {e
                                        .changes
                                        .into_iter()
                                        .take(30)
                                        .map(|c| {
                                            view! {
                                                <li>
                                                    <strong>{c.field}</strong>
                                                    ": "
                                                    <del>{if c.before.is_empty() { "\u{2014}".to_string() } else { c.before }}</del>
                                                    " \u{2192} "
                                                    <ins>{if c.after.is_empty() { "\u{2014}".to_string() } else { c.after }}</ins>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

/// `/systems/{slug}/edit`: admins only; the server checks again on save.
#[component]
pub fn SystemEditPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let system = crate::resource::load(slug, get_system);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match system.await {
                    Ok(s) if s.can_edit => view! { <SystemEditor s /> }.into_any(),
                    Ok(_) => view! { <LoadError error=crate::domain::error::AppError::Forbidden /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SystemEditor(s: SystemView) -> impl IntoView {
    let save = ServerAction::<EditSystem>::new();
    crate::components::follow(save, str::to_string);
    let error = form_error(save);
    let values: std::collections::BTreeMap<String, String> = s
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.raw.clone().unwrap_or_default()))
        .collect();
    let value = move |name: &str| values.get(name).cloned().unwrap_or_default();
    let baseline = value("team_member_baseline_entitlement");
    let slug = s.summary.slug.clone();
    let access_slug = slug.clone();
    view! {
        <Title text=format!("Edit {}", s.summary.title) />
        <p class="crumbs">
            <a href="/systems">"Systems"</a>
            " / "
            <a href=format!("/systems/{slug}")>{s.summary.title.clone()}</a>
        </p>
        <h1>"Edit " {s.summary.title.clone()}</h1>
        <p class="lead">
            "Edits are kept when the registry is imported again: the import reports them as conflicts instead of overwriting them."
        </p>
        <ActionForm action=save attr:class="card form-card">
            <FormError message=error />
            <input type="hidden" name="slug" value=slug.clone() />
            <div class="check-row">
                <input id="managed" type="checkbox" name="managed" value="on" checked=s.summary.managed />
                <label for="managed">"The helpdesk handles requests for this system"</label>
            </div>
            {EDITABLE_FIELDS
                .iter()
                .map(|name| {
                    let name: &'static str = name;
                    let id = format!("f-{name}");
                    let err_id = format!("{id}-error");
                    let err = field_error(save, name);
                    let field = format!("fields[{name}]");
                    if name == "team_member_baseline_entitlement" {
                        view! {
                            <div class="field">
                                <label for=id.clone()>{field_label(name).to_string()}</label>
                                <select id=id name=field aria-describedby=err_id.clone()>
                                    <option value="" selected=baseline.is_empty()>"Unknown"</option>
                                    <option value="true" selected=baseline == "true">"Yes: everyone gets it"</option>
                                    <option value="false" selected=baseline == "false">"No"</option>
                                </select>
                                <FieldError id=err_id message=err />
                            </div>
                        }
                            .into_any()
                    } else {
                        let v = value(name);
                        let long = matches!(name, "description" | "provisioner" | "deprovisioner" | "notes" | "handbook_link");
                        view! {
                            <div class="field">
                                <label for=id.clone()>{field_label(name).to_string()}</label>
                                {if long {
                                    view! { <textarea id=id name=field rows="4" maxlength=FIELD_MAX.to_string() aria-describedby=err_id.clone()>{crate::components::textarea_text(v)}</textarea> }.into_any()
                                } else {
                                    view! { <input id=id name=field type="text" maxlength=FIELD_MAX.to_string() value=v aria-describedby=err_id.clone() /> }.into_any()
                                }}
                                <FieldError id=err_id message=err />
                            </div>
                        }
                            .into_any()
                    }
                })
                .collect_view()}
            <p class="actions">
                <button type="submit" class="btn btn-primary">"Save"</button>
                <a class="btn btn-quiet" href=format!("/systems/{slug}")>"Cancel"</a>
            </p>
        </ActionForm>
        <AccessEditor slug=access_slug access=s.access.clone() />
    }
}

/// The roles and groups admins keep: what the approval policy reads to tell a group from a
/// role, and the ladder approvers narrow down.
#[component]
fn AccessEditor(slug: String, access: SystemAccess) -> impl IntoView {
    let save = ServerAction::<SaveSystemAccess>::new();
    crate::components::follow(save, str::to_string);
    let error = field_error(save, "access");
    view! {
        <h2 id="access-heading">"Roles and groups"</h2>
        <ActionForm action=save attr:class="card form-card" attr:aria-labelledby="access-heading">
            <FormError message=form_error(save) />
            <input type="hidden" name="slug" value=slug />
            <div class="field">
                <label for="access">"Roles and groups, one per line"</label>
                <p class="hint" id="access-hint">
                    "Roles lowest first; an approver may only narrow a role to one listed before it. "
                    "Mark groups after a colon: \u{201c}#it-help: chat group\u{201d}, \u{201c}it-all@: mail group\u{201d}, "
                    "\u{201c}gcp-admins@: mail group with cloud permissions\u{201d}. Chat groups and mail groups without cloud "
                    "permissions need no manager approval; nothing a requester types changes that."
                </p>
                <textarea id="access" name="access" rows="8" aria-describedby="access-hint access-error"
                    aria-invalid=move || error.get().is_some().to_string()>{crate::components::textarea_text(access.to_text())}</textarea>
                <FieldError id="access-error" message=error />
            </div>
            <p class="actions">
                <button type="submit" class="btn btn-primary">"Save roles and groups"</button>
            </p>
        </ActionForm>
    }
}
