//! The registry and each kind's pure task plan, over facts given here.

use super::*;
use crate::domain::approval::Team;
use crate::domain::form::{PersonName, Value, Values};
use crate::domain::task::{offboarding_due, TaskAction};

fn today() -> Day {
    Day::parse("2026-11-24").unwrap()
}

fn named(id: i64, name: &str) -> Named {
    Named {
        id,
        name: name.into(),
    }
}

struct Facts {
    values: Values,
    requester: Named,
    people: Vec<Named>,
    systems: BTreeMap<&'static str, Named>,
    lines: Vec<PlanLine>,
    baseline: Vec<Named>,
    held: Vec<Held>,
    templates: BTreeMap<String, TemplateSystems>,
}

impl Facts {
    fn new(values: &[(&'static str, Value)]) -> Facts {
        let mut v = Values::default();
        for (name, value) in values {
            v.insert(name, value.clone());
        }
        Facts {
            values: v,
            requester: named(1, "Mia"),
            people: Vec::new(),
            systems: BTreeMap::new(),
            lines: Vec::new(),
            baseline: Vec::new(),
            held: Vec::new(),
            templates: BTreeMap::new(),
        }
    }

    fn plan(&self, kind: RequestKind) -> Result<Vec<TaskDraft>, AppError> {
        (kind.def().plan)(&PlanFacts {
            values: &self.values,
            requester: &self.requester,
            people: &self.people,
            systems: &self.systems,
            lines: &self.lines,
            baseline: &self.baseline,
            held: &self.held,
            templates: &self.templates,
            today: today(),
            now: today().start_ms() + 10 * 3_600_000,
        })
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn titles(tasks: &[TaskDraft]) -> Vec<&str> {
    tasks.iter().map(|t| t.title.as_str()).collect()
}

#[test]
fn every_kind_has_one_slug_that_reads_back() {
    let mut slugs: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), RequestKind::ALL.len());
    for k in RequestKind::ALL {
        assert_eq!(k.as_str().parse::<RequestKind>(), Ok(*k));
        assert!(!k.label().is_empty() && !k.summary().is_empty(), "{k}");
        let json = serde_json::to_string(k).unwrap();
        assert_eq!(json, format!("\"{}\"", k.as_str()));
        assert_eq!(serde_json::from_str::<RequestKind>(&json).unwrap(), *k);
        assert!(Service::ALL.contains(&k.service()));
    }
    let err = "rocket".parse::<RequestKind>().unwrap_err();
    assert!(err.contains("Unknown request kind") && err.contains("access, access-change"));
    assert!(serde_json::from_str::<RequestKind>("\"rocket\"").is_err());
    // Every kind is in exactly one section of the catalog.
    let listed: usize = Service::ALL.iter().map(|s| s.kinds().count()).sum();
    assert_eq!(listed, RequestKind::ALL.len());
}

#[test]
fn the_jobs_find_their_kinds_in_the_definitions() {
    assert_eq!(
        RequestKind::ending().collect::<Vec<_>>(),
        [RequestKind::ExternalCollaborator, RequestKind::Contractor]
    );
    assert_eq!(
        RequestKind::rotating().collect::<Vec<_>>(),
        [RequestKind::ServiceAccount]
    );
    let identity: Vec<RequestKind> = RequestKind::ALL
        .iter()
        .copied()
        .filter(|k| k.def().identity_check)
        .collect();
    assert_eq!(identity, [RequestKind::Reset, RequestKind::Lockout]);
}

#[test]
fn access_grants_each_line_and_a_collaborator_gets_each_until_the_end() {
    let mut f = Facts::new(&[
        ("name", text("Ada")),
        ("organisation", text("Agency")),
        ("end_date", Value::Date(Day::parse("2027-01-31").unwrap())),
    ]);
    f.lines = vec![
        PlanLine {
            system_id: 7,
            title: "Slack".into(),
            role: "member".into(),
        },
        PlanLine {
            system_id: 9,
            title: "Figma".into(),
            role: "editor".into(),
        },
    ];
    let access = f.plan(RequestKind::Access).unwrap();
    assert_eq!(
        titles(&access),
        ["Grant member on Slack", "Grant editor on Figma"]
    );
    assert_eq!(access[1].line, Some(1));
    assert_eq!(access[1].action, TaskAction::Grant);
    let collab = f.plan(RequestKind::ExternalCollaborator).unwrap();
    assert_eq!(
        titles(&collab),
        [
            "Give Ada (Agency) member on Slack, ending 2027-01-31",
            "Give Ada (Agency) editor on Figma, ending 2027-01-31"
        ]
    );
}

#[test]
fn a_downgrade_removes_then_grants_the_lesser_role() {
    let mut f = Facts::new(&[("change", text("downgrade")), ("new_role", text("viewer"))]);
    f.people = vec![named(3, "Max")];
    f.systems.insert("system", named(7, "Figma"));
    let tasks = f.plan(RequestKind::AccessChange).unwrap();
    assert_eq!(
        titles(&tasks),
        [
            "Remove Max's current access to Figma",
            "Grant viewer on Figma"
        ]
    );
    assert_eq!(tasks[1].role.as_deref(), Some("viewer"));
    f.values.insert("change", text("remove"));
    assert_eq!(f.plan(RequestKind::AccessChange).unwrap().len(), 1);
}

#[test]
fn resets_and_unlocks_go_to_it() {
    let mut f = Facts::new(&[("what", text("2fa"))]);
    f.systems.insert("system", named(4, "Okta"));
    let reset = f.plan(RequestKind::Reset).unwrap();
    assert_eq!(titles(&reset), ["Reset the 2FA on Okta for Mia"]);
    assert_eq!(reset[0].team, Some(Team::It));
    assert_eq!(reset[0].system_id, Some(4));
    let unlock = f.plan(RequestKind::Lockout).unwrap();
    assert_eq!(
        titles(&unlock),
        ["Reset the account lockout on Okta for Mia"]
    );
}

#[test]
fn onboarding_gives_the_baseline_then_the_template_then_a_laptop() {
    let mut f = Facts::new(&[
        ("new_hire_name", text("Noor")),
        ("department", text("Sales")),
        ("job_role", text("Account Executive")),
        ("start_date", Value::Date(Day::parse("2026-12-07").unwrap())),
    ]);
    f.baseline = vec![named(1, "Slack")];
    f.templates.insert(
        "sales/account executive".into(),
        vec![
            (1, "Slack".into(), "member".into()),
            (5, "Salesforce".into(), "rep".into()),
        ],
    );
    let tasks = f.plan(RequestKind::Onboarding).unwrap();
    assert_eq!(
        titles(&tasks),
        [
            "Create Noor's baseline access to Slack",
            "Create Noor's rep access to Salesforce",
            "Laptop for Noor, starting 2026-12-07"
        ]
    );
    assert_eq!(tasks[2].team, Some(Team::Logistics));
    // Without a template, the baseline and the laptop only.
    f.templates.clear();
    assert_eq!(f.plan(RequestKind::Onboarding).unwrap().len(), 2);
}

#[test]
fn offboarding_removes_each_held_system_by_its_tiers_deadline() {
    let last_day = Day::parse("2026-11-30").unwrap();
    let mut f = Facts::new(&[("last_day", Value::Date(last_day))]);
    f.people = vec![named(3, "Max")];
    f.held = vec![
        Held {
            system_id: 7,
            title: "Okta".into(),
            tier: Some(1),
            sox: false,
        },
        Held {
            system_id: 9,
            title: "Figma".into(),
            tier: None,
            sox: false,
        },
    ];
    let tasks = f.plan(RequestKind::Offboarding).unwrap();
    assert_eq!(
        titles(&tasks),
        [
            "Remove Max's access to Okta",
            "Remove Max's access to Figma"
        ]
    );
    let now = today().start_ms() + 10 * 3_600_000;
    assert_eq!(
        (tasks[0].due_at.unwrap(), tasks[0].urgent),
        offboarding_due(last_day, false, now, Some(1), false)
    );
    assert_ne!(tasks[0].due_at, tasks[1].due_at);
    assert!(tasks.iter().all(|t| t.person_id == Some(3)));
}

#[test]
fn a_role_change_grants_and_removes_the_difference_and_needs_the_new_template() {
    let mut f = Facts::new(&[
        ("department", text("Sales")),
        ("old_role", text("SDR")),
        ("new_role", text("AE")),
    ]);
    f.people = vec![named(3, "Max")];
    let err = f.plan(RequestKind::RoleChange).unwrap_err();
    assert_eq!(err.field(), Some("new_role"));
    f.templates.insert(
        "sales/sdr".into(),
        vec![
            (1, "Slack".into(), "member".into()),
            (2, "Outreach".into(), "user".into()),
        ],
    );
    f.templates.insert(
        "sales/ae".into(),
        vec![
            (1, "Slack".into(), "member".into()),
            (5, "Salesforce".into(), "rep".into()),
        ],
    );
    let tasks = f.plan(RequestKind::RoleChange).unwrap();
    assert_eq!(
        titles(&tasks),
        [
            "Grant rep on Salesforce to Max",
            "Remove Max's access to Outreach"
        ]
    );
}

#[test]
fn teams_work_what_no_system_provisions() {
    let f = Facts::new(&[
        ("name", text("Cy")),
        ("end_date", Value::Date(Day::parse("2027-05-24").unwrap())),
        ("what", text("gcp-project")),
        ("team", text("Data")),
        ("scopes", text("read:logs")),
        ("laptop", text("new-hire")),
    ]);
    let team = |k: RequestKind| f.plan(k).unwrap()[0].team;
    assert_eq!(team(RequestKind::Contractor), Some(Team::It));
    assert_eq!(
        team(RequestKind::Infrastructure),
        Some(Team::Infrastructure)
    );
    assert_eq!(team(RequestKind::ServiceAccount), Some(Team::Engineering));
    assert_eq!(team(RequestKind::Laptop), Some(Team::Logistics));
    assert_eq!(
        titles(&f.plan(RequestKind::Infrastructure).unwrap()),
        ["Set up gcp project for Data"]
    );
    for k in [
        RequestKind::Software,
        RequestKind::Training,
        RequestKind::Other,
    ] {
        assert!(f.plan(k).unwrap().is_empty(), "{k}");
    }
}

#[test]
fn the_end_of_access_is_planned_per_kind() {
    let end = Day::parse("2026-11-24").unwrap();
    let lines = [Held {
        system_id: 7,
        title: "Slack".into(),
        tier: Some(2),
        sox: false,
    }];
    let facts = EndFacts {
        name: "Ada",
        end,
        now: end.start_ms(),
        lines: &lines,
    };
    let collab = (RequestKind::ExternalCollaborator.def().ends.unwrap())(&facts);
    assert_eq!(titles(&collab), ["Remove Ada's access to Slack"]);
    assert_eq!(collab[0].system_id, Some(7));
    let contractor = (RequestKind::Contractor.def().ends.unwrap())(&facts);
    assert_eq!(titles(&contractor), ["Close contractor Ada's accounts"]);
    assert_eq!(contractor[0].team, Some(Team::It));
}

#[test]
fn default_titles_come_from_the_kind() {
    let mut v = Values::default();
    v.insert("what", text("password"));
    let people = ["Mia".to_string()];
    let systems = ["Okta".to_string()];
    assert_eq!(
        (RequestKind::Reset.def().title)(&v, &people, &systems),
        "Reset password on Okta"
    );
    let many: Vec<String> = (1..=5).map(|i| format!("P{i}")).collect();
    assert_eq!(
        (RequestKind::Access.def().title)(&v, &many, &systems),
        "Access to Okta for P1, P2 and 3 more"
    );
    let _ = PersonName::Handle("x".into());
}

#[test]
fn new_software_is_approved_by_the_manager_then_bought_or_installed_by_it() {
    use crate::domain::approval::{Decision, PersonFacts, PolicyInput};
    let kind: RequestKind = "software-request".parse().unwrap();
    let mut v = Values::default();
    v.insert("software", text("Figma Professional"));
    v.insert("what", text("licence"));
    assert_eq!(
        (kind.def().title)(&v, &[], &[]),
        "Licence: Figma Professional"
    );
    let f = Facts::new(&[
        ("software", text("Figma Professional")),
        ("what", text("licence")),
    ]);
    let tasks = f.plan(kind).unwrap();
    assert_eq!(
        titles(&tasks),
        ["Buy a licence of Figma Professional for Mia"]
    );
    assert_eq!(tasks[0].team, Some(Team::It));
    // It costs money: the requester's manager decides.
    let mia = PersonFacts {
        id: 1,
        manager_id: Some(9),
    };
    let input = PolicyInput {
        requester: Some(mia),
        subjects: vec![mia],
        ..PolicyInput::default()
    };
    let mut d = Decision::default();
    (kind.def().approvals)(&input, &mut d);
    assert_eq!(d.steps.len(), 1);
    // And it is not the breakage form.
    assert_ne!(kind, RequestKind::Software);
    assert!(kind.label().contains("licence"));
}
