//! Submitting any kind of request: parse with the domain, look up the people and systems named,
//! apply the kind's approval policy, plan its tasks when none is needed, save in one transaction.
//! Server functions and the JSON API both call these.

use super::attachments::Carried;
use super::ctx::AppState;
use super::reading::StoredDetail;
use super::store::{NewApproval, NewLine, NewRequestRecord, NewTask, PersonRow, SystemBrief};
use crate::domain::access;
use crate::domain::approval::{self, Approver, LineFacts, PersonFacts, PolicyInput};
use crate::domain::catalog::Submission;
use crate::domain::error::{AppError, Problems};
use crate::domain::form::{FieldType, Input, LineDraft, PersonName, Value, Values};
use crate::domain::kinds::{Held, Named, PlanFacts, PlanLine, RequestKind, Subjects};
use crate::domain::registry::is_sox;
use crate::domain::request::{RequestKey, RequestState};
use crate::domain::role_template::template_key;
use crate::domain::time::{Day, Timestamp};
use crate::domain::user::Viewer;
use crate::model::SystemChoice;
use std::collections::BTreeMap;

pub(crate) async fn find_person(
    st: &AppState,
    field: &str,
    name: &PersonName,
) -> Result<PersonRow, AppError> {
    let found = match name {
        PersonName::Email(e) => st.db.person_by_email(e).await?,
        PersonName::Handle(h) => st.db.person_by_handle(h).await?,
    };
    found.ok_or_else(|| {
        AppError::invalid(
            field,
            format!("No one here is {name}. Check the spelling, or ask an analyst to add them."),
        )
    })
}

/// Finds a system the helpdesk can act on; one it does not manage is named with its owner and
/// channel, since that is where the request belongs.
pub(crate) async fn find_system(
    st: &AppState,
    field: &str,
    title: &str,
) -> Result<SystemBrief, AppError> {
    let key = crate::domain::registry::title_key(title);
    let s = st.db.system_brief(&key).await?.ok_or_else(|| {
        AppError::invalid(
            field,
            format!("There is no system called \u{201c}{}\u{201d} in the registry; choose one from the list.", title.chars().take(80).collect::<String>()),
        )
    })?;
    if !s.managed {
        return Err(AppError::invalid(
            field,
            unmanaged_message(&s.title, &s.group_owner, &s.owner_channel),
        ));
    }
    Ok(s)
}

pub fn unmanaged_message(title: &str, owner: &str, channel: &str) -> String {
    let owner = if owner.is_empty() {
        "its owners"
    } else {
        owner
    };
    let channel = if channel.is_empty() {
        String::new()
    } else {
        format!(" in {channel}")
    };
    format!("The helpdesk does not manage {title}: ask {owner}{channel}.")
}

/// What the form shows once a system is chosen.
pub async fn system_choice(st: &AppState, title: &str) -> Result<Option<SystemChoice>, AppError> {
    let key = crate::domain::registry::title_key(title);
    Ok(st.db.system_brief(&key).await?.map(|s| SystemChoice {
        title: s.title,
        slug: s.slug,
        managed: s.managed,
        owner: s.group_owner,
        channel: s.owner_channel,
        classification: s.classification,
        baseline: s.baseline == Some(true),
    }))
}

pub async fn system_titles(st: &AppState) -> Result<Vec<String>, AppError> {
    Ok(st.db.system_titles().await?)
}

pub(crate) fn facts(p: &PersonRow) -> PersonFacts {
    PersonFacts {
        id: p.id,
        manager_id: p.manager_id,
    }
}

fn new_approval(step: &approval::Step) -> NewApproval {
    let (approver_id, team, system_id) = match &step.approver {
        Approver::Person(id) => (Some(*id), None, None),
        Approver::Team(t) => (None, Some(t.as_str().to_string()), None),
        Approver::SystemOwners(id) => (None, None, Some(*id)),
    };
    NewApproval {
        step: step.kind.as_str().to_string(),
        reason: step.reason.clone(),
        approver_id,
        team,
        system_id,
    }
}

fn named_person(p: &PersonRow) -> Named {
    Named {
        id: p.id,
        name: p.name.clone(),
    }
}

/// Submits a request of any kind for `v`. Nothing is saved unless every field, person and system
/// checks out; then the request, its approvals and its first tasks are saved together.
pub async fn submit(
    st: &AppState,
    v: &Viewer,
    kind: &str,
    input: &Input,
    files: Carried<'_>,
) -> Result<RequestKey, AppError> {
    let today = Day::of(Timestamp::from_millis(st.db.now()));
    // Every field's message at once, the files' among them.
    let mut problems = Problems::default();
    let sub = problems.check(Submission::parse(kind, input, today));
    let files = problems.check(super::attachments::take(st, v, files).await);
    problems.finish()?;
    let (Some(sub), Some(files)) = (sub, files) else {
        return Err(AppError::Internal);
    };
    if !access::can_submit(v, sub.kind) {
        return Err(AppError::Forbidden);
    }
    let requester = st.db.person(v.id).await?.ok_or(AppError::Unauthenticated)?;

    // Look up everyone and everything named, in form order, so the first mistake is named.
    let mut persons: BTreeMap<&'static str, PersonRow> = BTreeMap::new();
    let mut people: Vec<PersonRow> = Vec::new();
    let mut systems: BTreeMap<&'static str, SystemBrief> = BTreeMap::new();
    let mut lines: Vec<(SystemBrief, LineDraft)> = Vec::new();
    let mut details: Vec<StoredDetail> = Vec::new();
    for spec in sub.kind.fields() {
        let Some(value) = sub.values.get(spec.name) else {
            continue;
        };
        let (shown, raw) = match value {
            Value::Person(n) => {
                let p = find_person(st, spec.name, n).await?;
                let shown = format!("{} (@{})", p.name, p.handle);
                persons.insert(spec.name, p);
                (shown, n.to_string())
            }
            Value::People(ns) => {
                for n in ns {
                    people.push(find_person(st, spec.name, n).await?);
                }
                continue;
            }
            Value::System(t) => {
                let s = find_system(st, spec.name, t).await?;
                let shown = s.title.clone();
                systems.insert(spec.name, s);
                (shown.clone(), shown)
            }
            Value::Lines(ls) => {
                for l in ls {
                    let s = find_system(st, &format!("system_{}", l.row), &l.system).await?;
                    let access = s.access();
                    let role_field = format!("role_{}", l.row);
                    access.check_request(
                        &role_field,
                        &s.title,
                        &l.role,
                        s.baseline == Some(true),
                    )?;
                    // Kept as the list spells it, so the provisioner grants exactly that.
                    let mut l = l.clone();
                    if let Some(name) = access.canonical(&l.role) {
                        l.role = name.to_string();
                    }
                    lines.push((s, l));
                }
                continue;
            }
            Value::Text(t) => {
                let shown = match spec.ty {
                    FieldType::Choice(choices) => choices
                        .iter()
                        .find(|(v, _)| v == t)
                        .map(|(_, l)| l.to_string())
                        .unwrap_or_else(|| t.clone()),
                    _ => t.clone(),
                };
                (shown, t.clone())
            }
            Value::Date(d) => (d.to_string(), d.to_string()),
            Value::Bool(b) => ((if *b { "Yes" } else { "No" }).to_string(), b.to_string()),
        };
        details.push(StoredDetail {
            name: spec.name.to_string(),
            label: spec.label.to_string(),
            value: shown,
            raw,
        });
    }
    if let Some(p) = persons.get("person") {
        people.push(p.clone());
    }
    if v.has(crate::domain::user::Role::Contractor) {
        // Every person a contractor names, in any kind, is themselves.
        let named: Vec<(&str, i64)> = persons
            .iter()
            .map(|(field, p)| (*field, p.id))
            .chain(people.iter().map(|p| ("people", p.id)))
            .collect();
        access::contractor_names_only_self(v, &named)?;
        // And they ask only for what their sponsor allows.
        let allowed = st.db.contractor_systems(v.id).await?;
        for (s, l) in &lines {
            access::contractor_may_ask_for(
                &format!("system_{}", l.row),
                &s.title,
                allowed.iter().any(|(id, _)| *id == s.id),
                requester.manager_name.as_deref(),
            )?;
        }
    }

    // The policy: who approves.
    let subjects: Vec<PersonFacts> = match sub.kind.def().subjects {
        Subjects::People => people.iter().map(facts).collect(),
        Subjects::Requester => vec![facts(&requester)],
        Subjects::Person(field) => persons.get(field).map(facts).into_iter().collect(),
        Subjects::ManagedBy(field) => persons
            .get(field)
            .map(|m| PersonFacts {
                id: 0,
                manager_id: Some(m.id),
            })
            .into_iter()
            .collect(),
    };
    let policy = PolicyInput {
        requester: Some(facts(&requester)),
        subjects,
        lines: lines
            .iter()
            .map(|(s, l)| LineFacts::new(&s.facts(), &s.access(), &l.role))
            .collect(),
        admin: sub.yes("admin"),
        laptop: sub.text("laptop").map(str::to_string),
    };
    let decision = sub.kind.approvals(&policy);

    let system_names: Vec<String> = lines
        .iter()
        .map(|(s, _)| s.title.clone())
        .chain(systems.values().map(|s| s.title.clone()))
        .collect();
    let people_names: Vec<String> = people.iter().map(|p| p.name.clone()).collect();
    let title = sub.title_or_default(&people_names, &system_names);

    let mut record = NewRequestRecord {
        kind: sub.kind.as_str().to_string(),
        title,
        description: sub.description.clone(),
        priority: sub.priority.as_str().to_string(),
        state: if decision.steps.is_empty() {
            RequestState::New
        } else {
            RequestState::AwaitingApproval
        }
        .as_str()
        .to_string(),
        requester_id: v.id,
        details: serde_json::to_string(&details).map_err(|_| AppError::Internal)?,
        labels: decision.labels.iter().map(|l| l.to_string()).collect(),
        people: {
            let mut ids: Vec<i64> = Vec::new();
            for p in &people {
                if !ids.contains(&p.id) {
                    ids.push(p.id);
                }
            }
            ids
        },
        lines: lines
            .iter()
            .map(|(s, l)| NewLine {
                system_id: s.id,
                role: l.role.clone(),
                justification: l.justification.clone(),
                grant_kind: s.access().classify(&l.role).0.as_str().to_string(),
            })
            .collect(),
        approvals: decision.steps.iter().map(new_approval).collect(),
        tasks: Vec::new(),
        from_lockout_report: None,
        from_outbox: None,
        attachments: files,
    };
    if decision.steps.is_empty() {
        let line_plan: Vec<PlanLine> = lines
            .iter()
            .map(|(s, l)| PlanLine {
                system_id: s.id,
                title: s.title.clone(),
                role: l.role.clone(),
            })
            .collect();
        record.tasks = plan_tasks(
            st,
            sub.kind,
            &sub.values,
            &requester,
            &people,
            &systems,
            &line_plan,
        )
        .await?;
    }
    let key = st.db.create_request(&record).await?;
    tracing::info!(request = %key, requester = v.id, kind = %sub.kind, approvals = record.approvals.len(), "request submitted");
    Ok(key)
}

/// A request's checklist, once it may start: looks up the facts its kind needs, then lets the
/// kind plan.
pub(crate) async fn plan_tasks(
    st: &AppState,
    kind: RequestKind,
    values: &Values,
    requester: &PersonRow,
    people: &[PersonRow],
    systems: &BTreeMap<&'static str, SystemBrief>,
    lines: &[PlanLine],
) -> Result<Vec<NewTask>, AppError> {
    let def = kind.def();
    let now = st.db.now();
    let baseline: Vec<Named> = if def.needs.baseline {
        st.db
            .baseline_systems()
            .await?
            .into_iter()
            .map(|(id, name)| Named { id, name })
            .collect()
    } else {
        Vec::new()
    };
    let mut held: Vec<Held> = Vec::new();
    if let (true, Some(p)) = (def.needs.held, people.first()) {
        for h in st.db.held_systems(p.id).await? {
            held.push(Held {
                system_id: h.system_id,
                title: h.title,
                tier: h.tier.and_then(|t| u8::try_from(t).ok()),
                sox: is_sox(h.compliance.as_deref()),
            });
        }
    }
    let mut templates = BTreeMap::new();
    for (department, job_role) in def.needs.templates {
        let key = template_key(&values.shown(department), &values.shown(job_role));
        if let Some(t) = st.db.template_systems(&key).await? {
            templates.insert(key, t);
        }
    }
    let systems: BTreeMap<&'static str, Named> = systems
        .iter()
        .map(|(field, s)| {
            (
                *field,
                Named {
                    id: s.id,
                    name: s.title.clone(),
                },
            )
        })
        .collect();
    let people: Vec<Named> = people.iter().map(named_person).collect();
    let facts = PlanFacts {
        values,
        requester: &named_person(requester),
        people: &people,
        systems: &systems,
        lines,
        baseline: &baseline,
        held: &held,
        templates: &templates,
        today: Day::of(Timestamp::from_millis(now)),
        now,
    };
    Ok((def.plan)(&facts)?.into_iter().map(NewTask::from).collect())
}
