//! The approval policy's spec: a table of cases over every kind, and a property test that no
//! form values skip a required approval. Kept apart from `approval` and `kinds` because it
//! exercises both, and the catalog's parser too.

#[cfg(test)]
mod tests {
    use crate::domain::approval::*;
    use crate::domain::entitlement::GrantKind;
    use crate::domain::kinds::RequestKind;

    const REQUESTER: i64 = 1;
    const MANAGER: i64 = 2;
    const GRAND: i64 = 3;

    fn person(id: i64, manager: Option<i64>) -> PersonFacts {
        PersonFacts {
            id,
            manager_id: manager,
        }
    }

    fn line(id: i64, f: impl Fn(&mut LineFacts)) -> LineFacts {
        let mut l = LineFacts {
            system_id: id,
            title: format!("System {id}"),
            grant: GrantKind::Role,
            cloud: false,
            role_is_baseline: false,
            baseline: false,
            infrastructure: false,
            red_data: false,
            owners_known: true,
        };
        f(&mut l);
        l
    }

    fn for_self(lines: Vec<LineFacts>) -> PolicyInput {
        PolicyInput {
            requester: Some(person(REQUESTER, Some(MANAGER))),
            subjects: vec![person(REQUESTER, Some(MANAGER))],
            lines,
            ..Default::default()
        }
    }

    /// (name, kind, input, expected steps as (kind, approver), expected labels)
    type Case = (
        &'static str,
        RequestKind,
        PolicyInput,
        Vec<(StepKind, Approver)>,
        Vec<&'static str>,
    );

    fn cases() -> Vec<Case> {
        use Approver::*;
        use StepKind as S;
        let plain = line(10, |_| {});
        let mut admin = for_self(vec![plain.clone()]);
        admin.admin = true;
        let mut two_people = for_self(vec![plain.clone()]);
        two_people.subjects = vec![
            person(4, Some(MANAGER)),
            person(5, Some(MANAGER)),
            person(6, Some(9)),
        ];
        let mut as_manager = for_self(vec![plain.clone()]);
        as_manager.requester = Some(person(MANAGER, Some(GRAND)));
        as_manager.subjects = vec![person(4, Some(MANAGER))];
        let mut top = for_self(vec![plain.clone()]);
        top.requester = Some(person(MANAGER, None));
        top.subjects = vec![person(4, Some(MANAGER))];
        let mut no_manager = for_self(vec![plain.clone()]);
        no_manager.subjects = vec![person(4, None)];
        let laptop = |what: &str| PolicyInput {
            laptop: Some(what.to_string()),
            ..for_self(vec![])
        };
        vec![
            (
                "access: manager",
                RequestKind::Access,
                for_self(vec![plain.clone()]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "access: baseline unchanged is exempt",
                RequestKind::Access,
                for_self(vec![line(10, |l| {
                    l.baseline = true;
                    l.role_is_baseline = true;
                })]),
                vec![],
                vec![],
            ),
            (
                "access: baseline with another role is not",
                RequestKind::Access,
                for_self(vec![line(10, |l| l.baseline = true)]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "access: baseline role on a non-baseline system is not",
                RequestKind::Access,
                for_self(vec![line(10, |l| l.role_is_baseline = true)]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "access: chat group is exempt",
                RequestKind::Access,
                for_self(vec![line(10, |l| l.grant = GrantKind::ChatGroup)]),
                vec![],
                vec![],
            ),
            (
                "access: mail group is exempt",
                RequestKind::Access,
                for_self(vec![line(10, |l| l.grant = GrantKind::MailGroup)]),
                vec![],
                vec![],
            ),
            (
                "access: a mail group with cloud permissions is not",
                RequestKind::Access,
                for_self(vec![line(10, |l| {
                    l.grant = GrantKind::MailGroup;
                    l.cloud = true;
                })]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "access: one non-exempt line needs the manager",
                RequestKind::Access,
                for_self(vec![
                    line(10, |l| l.grant = GrantKind::ChatGroup),
                    plain.clone(),
                ]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "access: admin adds security and the label",
                RequestKind::Access,
                admin,
                vec![
                    (S::Manager, Person(MANAGER)),
                    (S::Security, Team(crate::domain::approval::Team::Security)),
                ],
                vec!["admin-access"],
            ),
            (
                "access: infrastructure-owned systems, once",
                RequestKind::Access,
                for_self(vec![
                    line(10, |l| l.infrastructure = true),
                    line(11, |l| l.infrastructure = true),
                ]),
                vec![
                    (S::Manager, Person(MANAGER)),
                    (
                        S::Infrastructure,
                        Team(crate::domain::approval::Team::Infrastructure),
                    ),
                ],
                vec![],
            ),
            (
                "access: infrastructure even when manager-exempt",
                RequestKind::Access,
                for_self(vec![line(10, |l| {
                    l.infrastructure = true;
                    l.grant = GrantKind::MailGroup;
                })]),
                vec![(
                    S::Infrastructure,
                    Team(crate::domain::approval::Team::Infrastructure),
                )],
                vec![],
            ),
            (
                "access: red data adds each owner",
                RequestKind::Access,
                for_self(vec![
                    line(10, |l| l.red_data = true),
                    line(11, |l| l.red_data = true),
                ]),
                vec![
                    (S::Manager, Person(MANAGER)),
                    (S::SystemOwner, SystemOwners(10)),
                    (S::SystemOwner, SystemOwners(11)),
                ],
                vec![],
            ),
            (
                "access: red data with no owner here goes to security",
                RequestKind::Access,
                for_self(vec![line(10, |l| {
                    l.red_data = true;
                    l.owners_known = false;
                })]),
                vec![
                    (S::Manager, Person(MANAGER)),
                    (S::Security, Team(crate::domain::approval::Team::Security)),
                ],
                vec![],
            ),
            (
                "access: one step per distinct manager",
                RequestKind::Access,
                two_people,
                vec![(S::Manager, Person(MANAGER)), (S::Manager, Person(9))],
                vec![],
            ),
            (
                "access: the manager asking is approved by their manager",
                RequestKind::Access,
                as_manager,
                vec![(S::Manager, Person(GRAND))],
                vec![],
            ),
            (
                "access: a manager with no manager asking goes to security",
                RequestKind::Access,
                top,
                vec![(S::Security, Team(crate::domain::approval::Team::Security))],
                vec![],
            ),
            (
                "access: no manager on record goes to security",
                RequestKind::Access,
                no_manager,
                vec![(S::Security, Team(crate::domain::approval::Team::Security))],
                vec![],
            ),
            (
                "access-change: manager",
                RequestKind::AccessChange,
                for_self(vec![]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "collaborator: sponsor's manager",
                RequestKind::ExternalCollaborator,
                for_self(vec![plain.clone()]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "contractor: manager",
                RequestKind::Contractor,
                for_self(vec![]),
                vec![(S::Manager, Person(MANAGER))],
                vec![],
            ),
            (
                "laptop: repair needs IT and manager",
                RequestKind::Laptop,
                laptop("repair"),
                vec![
                    (S::It, Team(crate::domain::approval::Team::It)),
                    (S::Manager, Person(MANAGER)),
                ],
                vec![],
            ),
            (
                "laptop: replacement needs logistics and manager",
                RequestKind::Laptop,
                laptop("replacement"),
                vec![
                    (S::Logistics, Team(crate::domain::approval::Team::Logistics)),
                    (S::Manager, Person(MANAGER)),
                ],
                vec![],
            ),
            (
                "laptop: out-of-spec needs manager and logistics",
                RequestKind::Laptop,
                laptop("out-of-spec"),
                vec![
                    (S::Manager, Person(MANAGER)),
                    (S::Logistics, Team(crate::domain::approval::Team::Logistics)),
                ],
                vec![],
            ),
            (
                "laptop: refresh needs none",
                RequestKind::Laptop,
                laptop("refresh"),
                vec![],
                vec![],
            ),
            (
                "laptop: loss or theft needs none",
                RequestKind::Laptop,
                laptop("loss-or-theft"),
                vec![],
                vec![],
            ),
            (
                "service account: engineering",
                RequestKind::ServiceAccount,
                for_self(vec![]),
                vec![(
                    S::Engineering,
                    Team(crate::domain::approval::Team::Engineering),
                )],
                vec![],
            ),
            (
                "infrastructure: infrastructure",
                RequestKind::Infrastructure,
                for_self(vec![]),
                vec![(
                    S::Infrastructure,
                    Team(crate::domain::approval::Team::Infrastructure),
                )],
                vec![],
            ),
            (
                "reset: none",
                RequestKind::Reset,
                for_self(vec![]),
                vec![],
                vec![],
            ),
            (
                "lockout: none",
                RequestKind::Lockout,
                for_self(vec![]),
                vec![],
                vec![],
            ),
            (
                "offboarding: none",
                RequestKind::Offboarding,
                for_self(vec![]),
                vec![],
                vec![],
            ),
            (
                "onboarding: none",
                RequestKind::Onboarding,
                for_self(vec![]),
                vec![],
                vec![],
            ),
            (
                "software: none",
                RequestKind::Software,
                for_self(vec![]),
                vec![],
                vec![],
            ),
        ]
    }

    #[test]
    fn the_policy_table() {
        for (name, kind, input, steps, labels) in cases() {
            let d = kind.approvals(&input);
            let got: Vec<(StepKind, Approver)> = d
                .steps
                .iter()
                .map(|s| (s.kind, s.approver.clone()))
                .collect();
            assert_eq!(got, steps, "{name}");
            assert_eq!(d.labels, labels, "{name}");
            assert!(d.steps.iter().all(|s| !s.reason.is_empty()), "{name}");
            // Nobody approves their own request.
            assert!(
                !d.steps
                    .iter()
                    .any(|s| s.approver == Approver::Person(input.requester.unwrap().id)),
                "{name}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for t in Team::ALL {
            assert_eq!(Team::parse(t.as_str()), Some(*t));
        }
        for k in ["manager", "system-owner", "security", "it"] {
            assert_eq!(StepKind::parse(k).unwrap().as_str(), k);
        }
    }
}

/// The policy against everything a requester can send: whatever the form values (a grant kind
/// ticked, a role spelled with other case, spaces or invisible characters, an admin box, extra
/// fields), every line gets the approvals DOMAIN.md requires for its system, read from the
/// registry and the admin's list alone.
#[cfg(test)]
mod properties {
    use crate::domain::approval::*;
    use crate::domain::catalog::Submission;
    use crate::domain::entitlement::GrantKind;
    use crate::domain::entitlement::SystemAccess;
    use crate::domain::form::Input;
    use crate::domain::kinds::RequestKind;
    use crate::domain::time::Day;
    use proptest::prelude::*;

    /// Four systems with every combination of the facts that matter, each with an admin's list.
    fn registry() -> Vec<(SystemFacts, SystemAccess)> {
        let list = |text: &str| SystemAccess::parse(text).unwrap();
        let sys = |id: i64, title: &str, baseline: bool, infrastructure: bool, red_data: bool| {
            SystemFacts {
                id,
                title: title.into(),
                baseline,
                infrastructure,
                red_data,
                owners_known: id % 2 == 0,
            }
        };
        vec![
            (
                sys(1, "Chat", true, false, false),
                list("guest\nmember\nadmin\n#help: chat group\nall@: mail group"),
            ),
            (
                sys(2, "Vault", false, false, true),
                list("reader\nwriter\nroot\nvault-news@: mail group"),
            ),
            (
                sys(3, "Cloud", false, true, false),
                list("viewer\nowner\ncloud-admins@: mail group with cloud permissions"),
            ),
            (sys(4, "Wiki", true, false, false), SystemAccess::default()),
        ]
    }

    /// What a requester might type as a role: the lists' own names in other spellings, the
    /// baseline keyword, and names made to look like groups.
    fn role() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("guest".to_string()),
            Just("admin".to_string()),
            Just("ROOT".to_string()),
            Just(" owner ".to_string()),
            Just("#help".to_string()),
            Just("#HELP".to_string()),
            Just("#help\u{200b}".to_string()),
            Just("all@".to_string()),
            Just("vault-news@".to_string()),
            Just("cloud-admins@".to_string()),
            Just("baseline".to_string()),
            Just("Baseline".to_string()),
            Just("default".to_string()),
            "[#a-z@ ]{1,12}",
        ]
    }

    fn grant() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("chat-group".to_string()),
            Just("mail-group".to_string()),
            Just("role".to_string()),
            Just(String::new()),
            "[a-z-]{0,12}",
        ]
    }

    /// What DOMAIN.md says a line needs, spelled out here apart from the code under test: no
    /// manager only for a chat group or a mail group without cloud permissions that the admin's
    /// list names, or the baseline of a baseline system.
    fn manager_free(facts: &SystemFacts, access: &SystemAccess, role: &str) -> bool {
        let key = role
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let listed = access.options.iter().find(|o| o.name.to_lowercase() == key);
        match listed {
            Some(o) => match o.kind {
                GrantKind::ChatGroup => true,
                GrantKind::MailGroup => !o.cloud,
                GrantKind::Role => false,
            },
            None => facts.baseline && key == "baseline",
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn no_form_values_skip_a_required_approval(
            lines in prop::collection::vec((0usize..4, role(), grant()), 1..4),
            admin in prop_oneof![Just(""), Just("yes"), Just("no"), Just("on"), Just("true")],
            for_self in any::<bool>(),
        ) {
            let reg = registry();
            let mut input = Input::new();
            input.insert("people".into(), "a@example.com".into());
            input.insert("admin".into(), admin.into());
            for (row, (system, role, grant)) in lines.iter().enumerate() {
                input.insert(format!("system_{row}"), reg[*system].0.title.clone());
                input.insert(format!("role_{row}"), role.clone());
                input.insert(format!("justification_{row}"), "because".into());
                input.insert(format!("grant_{row}"), grant.clone());
            }
            let Ok(sub) = Submission::parse("access", &input, Day::parse("2026-11-30").unwrap())
            else {
                // Refused input is saved as nothing: no approvals to check.
                return Ok(());
            };
            let requester = PersonFacts { id: 1, manager_id: Some(2) };
            let subject = if for_self { requester } else { PersonFacts { id: 3, manager_id: Some(2) } };
            let drafts: Vec<(&SystemFacts, &SystemAccess, &str)> = sub
                .lines()
                .iter()
                .map(|l| {
                    let (f, a) = reg.iter().find(|(f, _)| f.title == l.system).map(|(f, a)| (f, a)).unwrap();
                    (f, a, l.role.as_str())
                })
                .collect();
            let d = RequestKind::Access.approvals(
                &PolicyInput {
                    requester: Some(requester),
                    subjects: vec![subject],
                    lines: drafts.iter().map(|(f, a, r)| LineFacts::new(f, a, r)).collect(),
                    admin: sub.yes("admin"),
                    laptop: None,
                },
            );
            let has = |kind: StepKind, who: &Approver| d.steps.iter().any(|s| s.kind == kind && s.approver == *who);
            for (facts, access, role) in &drafts {
                if !manager_free(facts, access, role) {
                    prop_assert!(has(StepKind::Manager, &Approver::Person(2)),
                        "{} as {role:?} needs the manager: {:?}", facts.title, d.steps);
                }
                if facts.red_data {
                    let owner = if facts.owners_known {
                        has(StepKind::SystemOwner, &Approver::SystemOwners(facts.id))
                    } else {
                        has(StepKind::Security, &Approver::Team(Team::Security))
                    };
                    prop_assert!(owner, "{} holds Red data: {:?}", facts.title, d.steps);
                }
                if facts.infrastructure {
                    prop_assert!(has(StepKind::Infrastructure, &Approver::Team(Team::Infrastructure)));
                }
            }
            if sub.yes("admin") {
                prop_assert!(has(StepKind::Security, &Approver::Team(Team::Security)));
                prop_assert!(d.labels.contains(&"admin-access"));
            }
            // Nobody approves their own request.
            prop_assert!(!d.steps.iter().any(|s| s.approver == Approver::Person(1)));
        }
    }
}
