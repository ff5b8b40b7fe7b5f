//! Submitting any kind of request, deciding approval steps and closing tasks: parse with the
//! domain, look up the people and systems named, apply the approval policy, save in one
//! transaction. Server functions and the JSON API both call these.

use super::ctx::AppState;
use super::store::{
    now_ms, NewApproval, NewLine, NewRequestRecord, NewTask, PersonRow, SystemBrief, TaskRow,
};
use crate::domain::access;
use crate::domain::approval::{self, Approver, LineFacts, PersonFacts, PolicyInput, StepKind};
use crate::domain::catalog::{
    parse_template_lines, template_diff, template_key, FieldType, Input, PersonName, Submission,
    Value, IDENTITY_METHODS, LINE_MAX,
};
use crate::domain::error::AppError;
use crate::domain::request::{parse_text, RequestKey, RequestKind, RequestState};
use crate::domain::task::{offboarding_due, Closing, TaskAction, TaskState};
use crate::domain::time::{Day, Timestamp};
use crate::domain::user::Viewer;
use crate::model::{DetailItem, GrantView, PersonView, SystemChoice, WaitingItem, WaitingView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One stored detail: the field's name, its label, what people see, and the value as parsed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDetail {
    pub name: String,
    pub label: String,
    pub value: String,
    pub raw: String,
}

pub fn details_of(json: &str) -> Vec<StoredDetail> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn detail_items(json: &str) -> Vec<DetailItem> {
    details_of(json)
        .into_iter()
        .map(|d| DetailItem {
            name: d.name,
            label: d.label,
            value: d.value,
        })
        .collect()
}

async fn find_person(st: &AppState, field: &str, name: &PersonName) -> Result<PersonRow, AppError> {
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
async fn find_system(st: &AppState, field: &str, title: &str) -> Result<SystemBrief, AppError> {
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

fn facts(p: &PersonRow) -> PersonFacts {
    PersonFacts {
        id: p.id,
        manager_id: p.manager_id,
    }
}

/// In SOX scope, by the registry's compliance field.
pub(crate) fn is_sox(compliance: Option<&str>) -> bool {
    compliance.is_some_and(|c| c.to_ascii_uppercase().contains("SOX"))
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

fn task(action: TaskAction, title: String) -> NewTask {
    NewTask {
        action: action.as_str().to_string(),
        title,
        ..Default::default()
    }
}

/// Submits a request of any kind for `v`. Nothing is saved unless every field, person and system
/// checks out; then the request, its approvals and its first tasks are saved together.
pub async fn submit(
    st: &AppState,
    v: &Viewer,
    kind: &str,
    input: &Input,
) -> Result<RequestKey, AppError> {
    let today = Day::of(Timestamp::from_millis(now_ms()));
    let sub = Submission::parse(kind, input, today)?;
    if !access::can_submit(v, sub.kind) {
        return Err(AppError::Forbidden);
    }
    let requester = st.db.person(v.id).await?.ok_or(AppError::Unauthenticated)?;

    // Look up everyone and everything named, in form order, so the first mistake is named.
    let mut persons: BTreeMap<&'static str, PersonRow> = BTreeMap::new();
    let mut people: Vec<PersonRow> = Vec::new();
    let mut systems: BTreeMap<&'static str, SystemBrief> = BTreeMap::new();
    let mut lines: Vec<(SystemBrief, crate::domain::catalog::LineDraft)> = Vec::new();
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
    let subjects: Vec<PersonFacts> = match sub.kind {
        RequestKind::ExternalCollaborator => {
            persons.get("sponsor").map(facts).into_iter().collect()
        }
        RequestKind::Contractor => persons
            .get("manager")
            .map(|m| PersonFacts {
                id: 0,
                manager_id: Some(m.id),
            })
            .into_iter()
            .collect(),
        RequestKind::Laptop => vec![facts(&requester)],
        _ => people.iter().map(facts).collect(),
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
    let decision = approval::decide(sub.kind, &policy);

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
    };
    let plan = Plan {
        kind: sub.kind,
        sub: &sub,
        requester: &requester,
        people: &people,
        systems: &systems,
    };
    let line_plan: Vec<(i64, String, String)> = lines
        .iter()
        .map(|(s, l)| (s.id, s.title.clone(), l.role.clone()))
        .collect();
    if decision.steps.is_empty() {
        record.tasks = plan.tasks(st, &line_plan, today).await?;
    }
    let key = st.db.create_request(&record).await?;
    tracing::info!(request = %key, requester = v.id, kind = %sub.kind, approvals = record.approvals.len(), "request submitted");
    Ok(key)
}

/// What a request's checklist is made of, once it may start.
struct Plan<'a> {
    kind: RequestKind,
    sub: &'a Submission,
    requester: &'a PersonRow,
    people: &'a [PersonRow],
    systems: &'a BTreeMap<&'static str, SystemBrief>,
}

impl Plan<'_> {
    async fn tasks(
        &self,
        st: &AppState,
        lines: &[(i64, String, String)],
        today: Day,
    ) -> Result<Vec<NewTask>, AppError> {
        use RequestKind as K;
        // A field as text: dates too, so titles can name them.
        let t = |n: &str| {
            self.sub
                .text(n)
                .map(str::to_string)
                .or_else(|| self.sub.date(n).map(|d| d.to_string()))
                .unwrap_or_default()
        };
        let system = |n: &str| self.systems.get(n);
        let mut out = Vec::new();
        match self.kind {
            K::Access => {
                for (i, (system_id, title, role)) in lines.iter().enumerate() {
                    out.push(NewTask {
                        system_id: Some(*system_id),
                        line: Some(i),
                        role: Some(role.clone()),
                        ..task(TaskAction::Grant, format!("Grant {role} on {title}"))
                    });
                }
            }
            K::ExternalCollaborator => {
                for (i, (system_id, title, role)) in lines.iter().enumerate() {
                    out.push(NewTask {
                        system_id: Some(*system_id),
                        line: Some(i),
                        role: Some(role.clone()),
                        ..task(
                            TaskAction::Work,
                            format!(
                                "Give {} ({}) {role} on {title}, ending {}",
                                t("name"),
                                t("organisation"),
                                t("end_date")
                            ),
                        )
                    });
                }
            }
            K::AccessChange => {
                if let (Some(s), Some(p)) = (system("system"), self.people.first()) {
                    out.push(NewTask {
                        system_id: Some(s.id),
                        person_id: Some(p.id),
                        ..task(
                            TaskAction::Revoke,
                            format!("Remove {}'s current access to {}", p.name, s.title),
                        )
                    });
                    if t("change") == "downgrade" {
                        out.push(NewTask {
                            system_id: Some(s.id),
                            person_id: Some(p.id),
                            role: Some(t("new_role")),
                            ..task(
                                TaskAction::Grant,
                                format!("Grant {} on {}", t("new_role"), s.title),
                            )
                        });
                    }
                }
            }
            K::Reset | K::Lockout => {
                let s = system("system")
                    .map(|s| s.title.clone())
                    .unwrap_or_default();
                let what = if self.kind == K::Reset {
                    self.sub
                        .text("what")
                        .map(|w| if w == "2fa" { "2FA" } else { "password" })
                        .unwrap_or("password")
                } else {
                    "account lockout"
                };
                out.push(NewTask {
                    system_id: system("system").map(|s| s.id),
                    team: Some(approval::Team::It.as_str().to_string()),
                    ..task(
                        TaskAction::Reset,
                        format!("Reset the {what} on {s} for {}", self.requester.name),
                    )
                });
            }
            K::Laptop => out.push(NewTask {
                team: Some(approval::Team::Logistics.as_str().to_string()),
                ..task(
                    TaskAction::Laptop,
                    format!(
                        "Laptop {} for {}",
                        t("laptop").replace('-', " "),
                        self.requester.name
                    ),
                )
            }),
            K::Onboarding => {
                let baseline = st.db.baseline_systems().await?;
                for s in &baseline {
                    out.push(NewTask {
                        system_id: Some(s.0),
                        ..task(
                            TaskAction::Work,
                            format!("Create {}'s baseline access to {}", t("new_hire_name"), s.1),
                        )
                    });
                }
                let key = template_key(&t("department"), &t("job_role"));
                for (id, title, role) in st.db.template_systems(&key).await?.unwrap_or_default() {
                    if baseline.iter().any(|b| b.0 == id) {
                        continue;
                    }
                    out.push(NewTask {
                        system_id: Some(id),
                        role: Some(role.clone()),
                        ..task(
                            TaskAction::Work,
                            format!("Create {}'s {role} access to {title}", t("new_hire_name")),
                        )
                    });
                }
                out.push(NewTask {
                    team: Some(approval::Team::Logistics.as_str().to_string()),
                    ..task(
                        TaskAction::Laptop,
                        format!(
                            "Laptop for {}, starting {}",
                            t("new_hire_name"),
                            t("start_date")
                        ),
                    )
                });
            }
            K::Offboarding => {
                if let Some(p) = self.people.first() {
                    let last_day = self.sub.date("last_day").unwrap_or(today);
                    for h in st.db.held_systems(p.id).await? {
                        let tier = h.tier.and_then(|t| u8::try_from(t).ok());
                        let (due, urgent) = offboarding_due(
                            last_day,
                            self.sub.yes("involuntary"),
                            now_ms(),
                            tier,
                            is_sox(h.compliance.as_deref()),
                        );
                        out.push(NewTask {
                            system_id: Some(h.system_id),
                            person_id: Some(p.id),
                            due_at: Some(due),
                            urgent,
                            ..task(
                                TaskAction::Revoke,
                                format!("Remove {}'s access to {}", p.name, h.title),
                            )
                        });
                    }
                }
            }
            K::RoleChange => {
                let Some(p) = self.people.first() else {
                    return Ok(out);
                };
                let dept = t("department");
                let new = st.db.template_systems(&template_key(&dept, &t("new_role"))).await?.ok_or_else(|| {
                    AppError::invalid(
                        "new_role",
                        format!("There is no role template for {} in {dept}; ask an admin to add one, or request access directly.", t("new_role")),
                    )
                })?;
                let old = st
                    .db
                    .template_systems(&template_key(&dept, &t("old_role")))
                    .await?
                    .unwrap_or_default();
                let ids = |v: &[(i64, String, String)]| {
                    v.iter()
                        .map(|(id, _, role)| (*id, role.clone()))
                        .collect::<Vec<_>>()
                };
                let title_of = |id: i64| {
                    new.iter()
                        .chain(old.iter())
                        .find(|s| s.0 == id)
                        .map(|s| s.1.clone())
                        .unwrap_or_default()
                };
                let (grants, revokes) = template_diff(&ids(&old), &ids(&new));
                for (id, role) in grants {
                    out.push(NewTask {
                        system_id: Some(id),
                        person_id: Some(p.id),
                        role: Some(role.clone()),
                        ..task(
                            TaskAction::Grant,
                            format!("Grant {role} on {} to {}", title_of(id), p.name),
                        )
                    });
                }
                for id in revokes {
                    out.push(NewTask {
                        system_id: Some(id),
                        person_id: Some(p.id),
                        ..task(
                            TaskAction::Revoke,
                            format!("Remove {}'s access to {}", p.name, title_of(id)),
                        )
                    });
                }
            }
            K::Contractor | K::Infrastructure | K::ServiceAccount => {
                let (title, team) = match self.kind {
                    K::Contractor => (
                        format!(
                            "Create accounts for contractor {}, ending {}",
                            t("name"),
                            t("end_date")
                        ),
                        approval::Team::It,
                    ),
                    K::Infrastructure => (
                        format!("Set up {} for {}", t("what").replace('-', " "), t("team")),
                        approval::Team::Infrastructure,
                    ),
                    _ => (
                        format!("Create the service account with scopes {}", t("scopes")),
                        approval::Team::Engineering,
                    ),
                };
                out.push(NewTask {
                    system_id: system("system").map(|s| s.id),
                    team: Some(team.as_str().to_string()),
                    ..task(TaskAction::Work, title)
                });
            }
            K::Software | K::Training | K::Other => {}
        }
        Ok(out)
    }
}

// ----- approvals ---------------------------------------------------------------------------------

/// Approves or denies one step. An approver may narrow line roles first (`narrow`: line id →
/// new role). Nobody decides on their own request; only the named person, team or owners may.
pub async fn decide(
    st: &AppState,
    v: &Viewer,
    key: &str,
    approval_id: i64,
    decision: &str,
    note: &str,
    narrow: &BTreeMap<i64, String>,
) -> Result<(), AppError> {
    let r = super::service::load_visible(st, v, key).await?;
    let a = st
        .db
        .approval(approval_id, v.id)
        .await?
        .filter(|a| a.request_id == r.id)
        .ok_or_else(|| AppError::not_found("That approval"))?;
    let subjects: Vec<i64> = st
        .db
        .request_people(r.key())
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    if access::is_own(v, r.requester_id, &subjects) {
        return Err(AppError::conflict(
            "Nobody approves their own request or their own access; another approver decides.",
        ));
    }
    if !a.eligible {
        return Err(AppError::Forbidden);
    }
    if a.state != "pending" || r.state() != RequestState::AwaitingApproval {
        return Err(AppError::conflict("This step has already been decided."));
    }
    let note = note.trim();
    if note.chars().count() > 2_000 {
        return Err(AppError::invalid(
            "note",
            "The note is too long; the limit is 2000 characters.",
        ));
    }
    match decision {
        "deny" => {
            if note.is_empty() {
                return Err(AppError::invalid(
                    "note",
                    "Give a reason for the denial; the requester sees it.",
                ));
            }
            st.db.deny(r.key(), a.id, v.id, note).await?;
            tracing::info!(request = %r.key(), approval = a.id, by = v.id, "approval denied");
            Ok(())
        }
        "approve" => {
            let step = StepKind::parse(&a.step);
            let mut lines = st.db.request_lines(r.key()).await?;
            let mut narrowed = Vec::new();
            for (line_id, role) in narrow {
                let role = role.trim();
                if role.is_empty() {
                    continue;
                }
                let field = format!("role_{line_id}");
                let line = lines.iter_mut().find(|l| l.id == *line_id).ok_or_else(|| {
                    AppError::invalid(&field, "That line is not on this request.")
                })?;
                if role == line.role {
                    continue;
                }
                if !step.is_some_and(StepKind::may_narrow) {
                    return Err(AppError::invalid(
                        &field,
                        "This step cannot change the requested role.",
                    ));
                }
                let role = parse_text(&field, "a role", role, LINE_MAX)?;
                let system = st
                    .db
                    .system_brief_by_id(line.system_id)
                    .await?
                    .ok_or(AppError::Internal)?;
                let ladder = system.access();
                ladder.check_narrowing(&field, &system.title, &line.role, &role)?;
                let role = ladder.canonical(&role).unwrap_or(&role).to_string();
                narrowed.push((line.id, line.role.clone(), role.clone()));
                line.role = role;
            }
            let kind = r.kind();
            // Always built: the store adds them only if this turns out to be the last pending
            // step inside its transaction. Deciding that here from a separate count raced with
            // a concurrent approval, which could leave an approved request with no tasks.
            let tasks = tasks_after_approval(st, &r, kind, &lines).await?;
            st.db
                .approve(r.key(), a.id, v.id, note, &narrowed, &tasks)
                .await?;
            tracing::info!(request = %r.key(), approval = a.id, by = v.id, narrowed = narrowed.len(), "approved");
            Ok(())
        }
        _ => Err(AppError::invalid("decision", "Choose approve or deny.")),
    }
}

/// The tasks of a request whose approvals are all in, rebuilt from what was saved.
async fn tasks_after_approval(
    st: &AppState,
    r: &super::store::RequestRow,
    kind: RequestKind,
    lines: &[super::store::LineRow],
) -> Result<Vec<NewTask>, AppError> {
    let details = details_of(&r.details);
    let raw = |n: &str| {
        details
            .iter()
            .find(|d| d.name == n)
            .map(|d| d.raw.clone())
            .unwrap_or_default()
    };
    let requester = st
        .db
        .person(r.requester_id)
        .await?
        .ok_or(AppError::Internal)?;
    let people = st.db.request_people(r.key()).await?;
    let mut systems = BTreeMap::new();
    for spec in kind.fields() {
        if spec.ty == FieldType::System {
            let title = raw(spec.name);
            if let Some(s) = st
                .db
                .system_brief(&crate::domain::registry::title_key(&title))
                .await?
            {
                systems.insert(spec.name, s);
            }
        }
    }
    let sub = Submission::stored(
        kind,
        &r.title,
        &r.description,
        &details
            .iter()
            .map(|d| (d.name.as_str(), d.raw.as_str()))
            .collect::<Vec<_>>(),
    );
    let plan = Plan {
        kind,
        sub: &sub,
        requester: &requester,
        people: &people,
        systems: &systems,
    };
    let today = Day::of(Timestamp::from_millis(now_ms()));
    let line_plan: Vec<(i64, String, String)> = lines
        .iter()
        .map(|l| (l.system_id, l.system_title.clone(), l.role.clone()))
        .collect();
    let mut tasks = plan.tasks(st, &line_plan, today).await?;
    // Tasks made now point at saved lines by id.
    for t in &mut tasks {
        if let Some(i) = t.line.take() {
            t.line_id = lines.get(i).map(|l| l.id);
        }
    }
    Ok(tasks)
}

// ----- tasks -------------------------------------------------------------------------------------

/// Closes a task as done or not applicable. Its system's provisioners (or its team) and queue
/// staff may; never before the approvals are in, and a reset never before the identity check.
pub async fn close_task(
    st: &AppState,
    v: &Viewer,
    key: &str,
    task_id: i64,
    outcome: &str,
    note: &str,
) -> Result<(), AppError> {
    let r = super::service::load_visible(st, v, key).await?;
    let t: TaskRow = st
        .db
        .task(task_id, v.id)
        .await?
        .filter(|t| t.request_id == r.id)
        .ok_or_else(|| AppError::not_found("That task"))?;
    if !(t.eligible || v.works_queue()) {
        return Err(AppError::Forbidden);
    }
    let mut subjects: Vec<i64> = st
        .db
        .request_people(r.key())
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    subjects.extend(t.person_id);
    if access::is_own(v, r.requester_id, &subjects) {
        return Err(AppError::conflict(
            "Nobody works a task on their own request or their own access; another provisioner or analyst does.",
        ));
    }
    if st.db.pending_approvals(r.key()).await? > 0 {
        return Err(AppError::conflict(
            "Work cannot start before the approvals are in.",
        ));
    }
    if TaskState::parse(&t.state) != Some(TaskState::Open) {
        return Err(AppError::conflict("This task is already closed."));
    }
    if !r.state().is_open() {
        return Err(AppError::conflict("This request is finished."));
    }
    let closing = Closing::parse(outcome, note)?;
    let action = TaskAction::parse(&t.action);
    let done = closing.state == TaskState::Done;
    if action == Some(TaskAction::Reset) && done && st.db.identity_checks(r.key()).await?.is_empty()
    {
        return Err(AppError::conflict(
            "Record the identity check before closing the reset.",
        ));
    }
    let grant = if done && action == Some(TaskAction::Grant) {
        let end = details_of(&r.details)
            .into_iter()
            .find(|d| d.name == "end_date")
            .and_then(|d| Day::parse(&d.raw))
            .map(|d| d.add_days(1).start_ms());
        Some((t.role.clone().unwrap_or_default(), end))
    } else {
        None
    };
    let revoke = done && action == Some(TaskAction::Revoke);
    let resolved = st
        .db
        .close_task(
            r.key(),
            t.id,
            v.id,
            closing.state.as_str(),
            &closing.note,
            grant.as_ref().map(|(role, end)| (role.as_str(), *end)),
            revoke,
        )
        .await?;
    tracing::info!(request = %r.key(), task = t.id, by = v.id, outcome = closing.state.as_str(), resolved, "task closed");
    Ok(())
}

pub async fn record_identity_check(
    st: &AppState,
    v: &Viewer,
    key: &str,
    method: &str,
    note: &str,
) -> Result<(), AppError> {
    let r = super::service::load_visible(st, v, key).await?;
    if !v.works_queue() {
        return Err(AppError::Forbidden);
    }
    let subjects: Vec<i64> = st
        .db
        .request_people(r.key())
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    if access::is_own(v, r.requester_id, &subjects) {
        return Err(AppError::conflict(
            "Nobody checks their own identity; another analyst records the check.",
        ));
    }
    if !matches!(r.kind(), RequestKind::Reset | RequestKind::Lockout) {
        return Err(AppError::conflict(
            "Identity checks belong to reset and lockout requests.",
        ));
    }
    if !IDENTITY_METHODS.iter().any(|(m, _)| *m == method) {
        return Err(AppError::invalid(
            "method",
            "Choose how you checked: video call or manager vouch.",
        ));
    }
    let note = parse_text("note", "what you checked and how", note, 2_000)?;
    st.db
        .record_identity_check(r.key(), v.id, method, &note)
        .await?;
    Ok(())
}

// ----- waiting for me, people ---------------------------------------------------------------------

pub async fn waiting_for(st: &AppState, v: &Viewer) -> Result<WaitingView, AppError> {
    let approvals = st.db.approvals_waiting_for(v.id, 200).await?;
    let tasks = st.db.tasks_waiting_for(v.id, 200).await?;
    let mut out = WaitingView {
        approvals: Vec::new(),
        tasks: Vec::new(),
    };
    for a in approvals {
        let key = RequestKey::new(a.request_id);
        let title = st
            .db
            .request(key)
            .await?
            .map(|r| r.title)
            .unwrap_or_default();
        out.approvals.push(WaitingItem {
            key: key.to_string(),
            request_title: title,
            what: StepKind::parse(&a.step)
                .map(|s| s.label())
                .unwrap_or("Approval")
                .to_string(),
            detail: a.reason,
            due_at: None,
            urgent: false,
        });
    }
    for t in tasks {
        let key = RequestKey::new(t.request_id);
        let title = st
            .db
            .request(key)
            .await?
            .map(|r| r.title)
            .unwrap_or_default();
        out.tasks.push(WaitingItem {
            key: key.to_string(),
            request_title: title,
            what: t.title,
            detail: t.system_title.unwrap_or_default(),
            due_at: t.due_at.map(Timestamp::from_millis),
            urgent: t.urgent,
        });
    }
    Ok(out)
}

fn grant_view(g: super::store::GrantRow) -> GrantView {
    GrantView {
        system_slug: g.system_slug,
        system: g.system_title,
        role: g.role,
        granted_by: g.granted_by_name,
        granted_at: Timestamp::from_millis(g.granted_at),
        expires_at: g.expires_at.map(Timestamp::from_millis),
        request_key: g.request_id.map(|id| RequestKey::new(id).to_string()),
        revoked_by: g.revoked_by_name,
        revoked_at: g.revoked_at.map(Timestamp::from_millis),
    }
}

/// A person's page: who they are and what they hold. Themselves, their manager and staff only;
/// anyone else gets "not found".
pub async fn person_view(st: &AppState, v: &Viewer, handle: &str) -> Result<PersonView, AppError> {
    let p = st
        .db
        .person_by_handle(handle.trim_start_matches('@'))
        .await?
        .filter(|p| access::can_view_person(v, p.id, p.manager_id))
        .ok_or_else(|| AppError::not_found("That person"))?;
    let (holds, held): (Vec<_>, Vec<_>) = st
        .db
        .grants_of(p.id)
        .await?
        .into_iter()
        .map(grant_view)
        .partition(|g| g.revoked_at.is_none());
    let contractor = st
        .db
        .viewer(p.id)
        .await?
        .is_some_and(|u| u.has(crate::domain::user::Role::Contractor));
    let allowed = if contractor {
        Some(
            st.db
                .contractor_systems(p.id)
                .await?
                .into_iter()
                .map(|(id, title)| crate::model::AllowedSystem { id, title })
                .collect(),
        )
    } else {
        None
    };
    Ok(PersonView {
        can_edit_allowed: contractor && access::can_keep_allow_list(v, p.manager_id),
        allowed,
        name: p.name,
        handle: p.handle,
        email: p.email,
        manager: p.manager_name,
        holds,
        held,
    })
}

/// The contractor `handle`, for someone who keeps their allow-list; anyone else gets "not found"
/// (or "forbidden" when they may see the person but not change the list).
async fn contractor_for_sponsor(
    st: &AppState,
    v: &Viewer,
    handle: &str,
) -> Result<PersonRow, AppError> {
    let p = st
        .db
        .person_by_handle(handle.trim_start_matches('@'))
        .await?
        .filter(|p| access::can_view_person(v, p.id, p.manager_id))
        .ok_or_else(|| AppError::not_found("That person"))?;
    let contractor = st
        .db
        .viewer(p.id)
        .await?
        .is_some_and(|u| u.has(crate::domain::user::Role::Contractor));
    if !contractor {
        return Err(AppError::conflict(
            "Only contractors have a list of systems they may ask for.",
        ));
    }
    if !access::can_keep_allow_list(v, p.manager_id) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

pub async fn allow_system(
    st: &AppState,
    v: &Viewer,
    handle: &str,
    system: &str,
) -> Result<(), AppError> {
    let p = contractor_for_sponsor(st, v, handle).await?;
    let system = parse_text("system", "a system", system, LINE_MAX)?;
    let s = find_system(st, "system", &system).await?;
    if st.db.allow_contractor_system(p.id, s.id, v.id).await? {
        tracing::info!(
            contractor = p.id,
            system = s.id,
            by = v.id,
            "contractor allowed a system"
        );
    }
    Ok(())
}

pub async fn disallow_system(
    st: &AppState,
    v: &Viewer,
    handle: &str,
    system_id: i64,
) -> Result<(), AppError> {
    let p = contractor_for_sponsor(st, v, handle).await?;
    if !st.db.disallow_contractor_system(p.id, system_id).await? {
        return Err(AppError::not_found("That system on the list"));
    }
    tracing::info!(
        contractor = p.id,
        system = system_id,
        by = v.id,
        "contractor no longer allowed a system"
    );
    Ok(())
}

// ----- the sign-in-free lockout form ---------------------------------------------------------------

/// Reports per address, and per network address, in an hour.
pub const LOCKOUT_PER_EMAIL: i64 = 3;
pub const LOCKOUT_PER_IP: i64 = 10;

pub use crate::domain::catalog::LOCKOUT_ANSWER;

/// A visitor reports being locked out. The answer, and the work done before it, are the same
/// whether or not the address has an account: the report is only recorded (and counted against
/// the limits per address and network address). [`work_lockout_reports`] makes the request
/// afterwards, out of the visitor's sight, for an address with an account.
pub async fn report_lockout(
    st: &AppState,
    email: &str,
    system: &str,
    what: &str,
    ip: &str,
) -> Result<&'static str, AppError> {
    let email = crate::domain::user::Email::parse(email)?;
    let system = parse_text("system", "what you are locked out of", system, LINE_MAX)?;
    let what = parse_text("what", "what happens when you try", what, 2_000)?;
    let report = super::store::LockoutReport {
        email: email.as_str(),
        ip,
        system: &system,
        what: &what,
    };
    let since = now_ms() - 3_600_000;
    if !st
        .db
        .record_lockout_report(&report, since, LOCKOUT_PER_EMAIL, LOCKOUT_PER_IP)
        .await?
    {
        return Err(AppError::TooManyRequests {
            message: "Too many reports in the last hour. Please wait, or ask a colleague to post in the helpdesk channel for you.".into(),
        });
    }
    // The request is made next, by a task of its own: the visitor's answer does not wait for it.
    let worker = st.clone();
    tokio::spawn(async move {
        if let Err(e) = work_lockout_reports(&worker).await {
            tracing::warn!(error = %e, "lockout reports wait for the next round");
        }
    });
    Ok(LOCKOUT_ANSWER)
}

/// Turns waiting lockout reports into requests (addresses with an account) or forgets them
/// (addresses without). Each report is claimed in the transaction that makes its request, so
/// with several instances, or after a crash, each report becomes at most one request; the
/// scheduler calls this too, so none is left behind. Returns how many requests it made.
pub async fn work_lockout_reports(st: &AppState) -> Result<usize, AppError> {
    let mut made = 0;
    for report in st.db.waiting_lockout_reports(100).await? {
        let Some(person) = st.db.person_by_email(&report.email).await? else {
            st.db.discard_lockout_report(report.id).await?;
            continue;
        };
        let key = crate::domain::registry::title_key(&report.system);
        let known = st.db.system_brief(&key).await?.filter(|s| s.managed);
        let shown = known
            .as_ref()
            .map(|s| s.title.clone())
            .unwrap_or_else(|| report.system.clone());
        let details = vec![
            StoredDetail {
                name: "system".into(),
                label: "System".into(),
                value: shown.clone(),
                raw: shown.clone(),
            },
            StoredDetail {
                name: "channel".into(),
                label: "Reported".into(),
                value: "Through the sign-in-free form: check identity before acting".into(),
                raw: "visitor-form".into(),
            },
        ];
        let record = NewRequestRecord {
            kind: RequestKind::Lockout.as_str().to_string(),
            title: format!("Locked out of {shown}"),
            description: report.what.clone(),
            priority: crate::domain::request::Priority::High.as_str().to_string(),
            state: RequestState::New.as_str().to_string(),
            requester_id: person.id,
            details: serde_json::to_string(&details).map_err(|_| AppError::Internal)?,
            people: vec![person.id],
            tasks: vec![NewTask {
                system_id: known.as_ref().map(|s| s.id),
                team: Some(approval::Team::It.as_str().to_string()),
                ..task(
                    TaskAction::Reset,
                    format!("Unlock {shown} for {}", person.name),
                )
            }],
            from_lockout_report: Some(report.id),
            ..Default::default()
        };
        match st.db.create_request(&record).await {
            Ok(key) => {
                made += 1;
                tracing::info!(request = %key, "lockout reported without sign-in");
            }
            // Another instance made it first.
            Err(super::store::StoreError::Stale) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if made > 0 {
        st.cache.invalidate();
    }
    Ok(made)
}

// ----- role templates ---------------------------------------------------------------------------

fn require_admin(v: &Viewer) -> Result<(), AppError> {
    if v.has(crate::domain::user::Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn role_templates(
    st: &AppState,
    v: &Viewer,
) -> Result<Vec<crate::model::RoleTemplateView>, AppError> {
    require_admin(v)?;
    Ok(st
        .db
        .role_templates()
        .await?
        .into_iter()
        .map(|t| crate::model::RoleTemplateView {
            id: t.id,
            department: t.department,
            job_role: t.job_role,
            systems: t
                .systems
                .into_iter()
                .map(|(_, title, role)| (title, role))
                .collect(),
        })
        .collect())
}

/// Creates or replaces a template. Every system must be in the registry; nothing is saved otherwise.
pub async fn save_role_template(
    st: &AppState,
    v: &Viewer,
    department: &str,
    job_role: &str,
    systems: &str,
) -> Result<(), AppError> {
    require_admin(v)?;
    let department = parse_text("department", "the department", department, LINE_MAX)?;
    let job_role = parse_text("job_role", "the job role", job_role, LINE_MAX)?;
    let mut resolved = Vec::new();
    for (title, role) in parse_template_lines(systems)? {
        let key = crate::domain::registry::title_key(&title);
        let s = st.db.system_brief(&key).await?.ok_or_else(|| {
            AppError::invalid(
                "systems",
                format!("There is no system called \u{201c}{title}\u{201d} in the registry."),
            )
        })?;
        resolved.push((s.id, role));
    }
    st.db
        .save_role_template(
            &department,
            &job_role,
            &template_key(&department, &job_role),
            &resolved,
        )
        .await?;
    tracing::info!(by = v.id, department = %department, job_role = %job_role, "role template saved");
    Ok(())
}

pub async fn delete_role_template(st: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    require_admin(v)?;
    if st.db.delete_role_template(id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That template"))
    }
}
