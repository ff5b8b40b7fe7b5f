//! Rules as pure functions: parsing every condition and action, matching, planning, backoff.

use super::request::Priority;
use super::rule::*;

fn facts() -> Facts {
    Facts {
        kind: "access".into(),
        priority: Some(Priority::Normal),
        state: "new".into(),
        title: "Okta access for the close".into(),
        labels: vec!["sox".into()],
        systems: vec![("okta".into(), "Okta".into())],
        department: Some("Finance".into()),
        details: vec![("end_date".into(), "2026-12-31".into())],
        assignee: None,
    }
}

fn rule(trigger: Trigger, all: bool, conditions: &str, actions: &str) -> Rule {
    Rule {
        id: 7,
        name: "Okta from Finance".into(),
        enabled: true,
        trigger,
        match_all: all,
        conditions: parse_conditions("conditions", conditions).unwrap(),
        actions: parse_actions("actions", actions).unwrap(),
    }
}

fn holds(line: &str) -> bool {
    matches(&rule(Trigger::Created, true, line, "add label x"), &facts())
}

#[test]
fn every_condition_matches_what_it_names_and_nothing_else() {
    for (yes, no) in [
        ("kind is access", "kind is laptop"),
        ("kind is not laptop", "kind is not access"),
        ("priority is normal", "priority is high"),
        ("state is new", "state is resolved"),
        ("label is sox", "label is vip"),
        ("label is not vip", "label is not sox"),
        ("system is okta", "system is slack"),
        ("system is OKTA", "system contains slack"),
        ("system contains Ok", "system is not okta"),
        ("department is finance", "department is Legal"),
        ("title contains close", "title contains laptop"),
        (
            "field end_date is 2026-12-31",
            "field end_date is 2027-01-01",
        ),
        (
            "field end_date contains 2026",
            "field start_date is 2026-12-31",
        ),
    ] {
        assert!(holds(yes), "{yes} should hold");
        assert!(!holds(no), "{no} should not hold");
    }
}

#[test]
fn a_request_without_a_department_matches_no_department_and_is_not_any() {
    let mut f = facts();
    f.department = None;
    let r = rule(
        Trigger::Created,
        true,
        "department is Finance",
        "add label x",
    );
    assert!(!matches(&r, &f));
    let r = rule(
        Trigger::Created,
        true,
        "department is not Finance",
        "add label x",
    );
    assert!(matches(&r, &f));
}

#[test]
fn all_needs_every_condition_and_any_needs_one() {
    let both = "system is okta\ndepartment is Legal";
    assert!(!matches(
        &rule(Trigger::Created, true, both, "add label x"),
        &facts()
    ));
    assert!(matches(
        &rule(Trigger::Created, false, both, "add label x"),
        &facts()
    ));
    assert!(!matches(
        &rule(
            Trigger::Created,
            false,
            "system is slack\ndepartment is Legal",
            "add label x"
        ),
        &facts()
    ));
    // No condition: every request.
    assert!(matches(
        &rule(Trigger::Created, true, "", "add label x"),
        &facts()
    ));
}

#[test]
fn every_action_parses_and_reads_back_as_written() {
    let text = "add label finsys\nremove label triage\nset priority high\nassign jsmith\nassign round-robin it-helpdesk\nreply with macro Password reset\nnotify requester\nnotify assignee\nnotify channel\napprove baseline\nescalate with corpsys";
    let actions = parse_actions("actions", text).unwrap();
    assert_eq!(
        actions,
        vec![
            Action::AddLabel("finsys".into()),
            Action::RemoveLabel("triage".into()),
            Action::SetPriority(Priority::High),
            Action::Assign("jsmith".into()),
            Action::RoundRobin("it-helpdesk".into()),
            Action::ReplyWithMacro("Password reset".into()),
            Action::Notify(Audience::Requester),
            Action::Notify(Audience::Assignee),
            Action::Notify(Audience::Channel),
            Action::ApproveBaseline,
            Action::Escalate("corpsys".into()),
        ]
    );
    assert!(actions[9].is_follow_up() && actions[10].is_follow_up());
    assert!(!actions[0].is_follow_up());
    assert_eq!(actions_text(&actions), text);
    let conditions = "kind is access\nfield end_date is not 2026-01-01\ntitle contains x";
    assert_eq!(
        conditions_text(&parse_conditions("c", conditions).unwrap()),
        conditions
    );
}

#[test]
fn bad_lines_are_refused_naming_the_field_and_the_line() {
    for (text, says) in [
        ("colour is red", "Line 1"),
        ("kind is spaceship", "no request kind"),
        ("priority is urgent", "high, normal or low"),
        ("state is lost", "no state"),
        ("kind access", "is not"),
        ("\n\nsystem is", "Line 3"),
        ("field Bad-Name is x", "form field"),
    ] {
        let e = parse_conditions("conditions", text).unwrap_err();
        assert_eq!(e.field(), Some("conditions"), "{text}");
        assert!(e.to_string().contains(says), "{text}: {e}");
    }
    for (text, says) in [
        ("", "at least one"),
        ("launch rockets", "an action is"),
        ("add label Not A Label", "lower-case"),
        ("set priority p0", "high, normal or low"),
        ("notify everyone", "requester"),
        ("add label ", "Line 1"),
    ] {
        let e = parse_actions("actions", text).unwrap_err();
        assert_eq!(e.field(), Some("actions"), "{text}");
        assert!(e.to_string().contains(says), "{text}: {e}");
    }
    let many = "add label x\n".repeat(RULE_LINES_MAX + 1);
    assert!(parse_actions("actions", &many).is_err());
    let control = "title contains a\u{7}b";
    assert!(parse_conditions("conditions", control).is_err());
}

#[test]
fn the_plan_runs_matching_enabled_rules_of_the_trigger_in_order() {
    let first = rule(
        Trigger::Created,
        true,
        "system is okta\ndepartment is Finance",
        "add label finsys\nset priority high",
    );
    let mut second = rule(Trigger::Created, true, "label is finsys", "notify channel");
    second.id = 8;
    second.name = "Finance channel".into();
    let mut off = rule(Trigger::Created, true, "", "add label never");
    off.enabled = false;
    off.name = "Off".into();
    let other_trigger = rule(Trigger::StateChanged, true, "", "add label later");
    let rules = vec![first, second, off, other_trigger];
    let (steps, skipped) = plan(&rules, Trigger::Created, &facts());
    let done: Vec<(i64, String)> = steps
        .iter()
        .map(|s| (s.rule_id, s.action.describe()))
        .collect();
    // The second rule sees the label the first one added.
    assert_eq!(
        done,
        vec![
            (7, "add label finsys".to_string()),
            (7, "set priority high".to_string()),
            (8, "notify channel".to_string()),
        ]
    );
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].reason, "switched off");
    // In the other order the second rule does not match: order matters and is kept.
    let (steps, skipped) = plan(
        &[rules[1].clone(), rules[0].clone()],
        Trigger::Created,
        &facts(),
    );
    assert_eq!(steps.len(), 2);
    assert_eq!(skipped[0].reason, "its conditions do not hold");
}

#[test]
fn actions_that_change_nothing_are_left_out() {
    let r = rule(
        Trigger::Updated,
        true,
        "",
        "add label sox\nremove label absent\nset priority normal\nassign jdoe\nassign jdoe",
    );
    let (steps, _) = plan(&[r], Trigger::Updated, &facts());
    let done: Vec<String> = steps.iter().map(|s| s.action.describe()).collect();
    assert_eq!(done, vec!["assign jdoe".to_string()]);
}

#[test]
fn history_lines_raise_the_triggers_they_stand_for() {
    assert_eq!(Trigger::of_history("created"), &[Trigger::Created]);
    assert!(Trigger::of_history("state").contains(&Trigger::StateChanged));
    assert!(Trigger::of_history("approval").contains(&Trigger::ApprovalDecided));
    assert_eq!(Trigger::of_history("label"), &[Trigger::Updated]);
    assert!(Trigger::of_history("internal-note").is_empty());
    for t in Trigger::ALL {
        assert_eq!(Trigger::parse("trigger", t.as_str()).unwrap(), *t);
    }
    assert!(Trigger::parse("trigger", "sometimes").is_err());
}

#[test]
fn backoff_doubles_to_an_hour_and_spreads() {
    assert_eq!(backoff_ms(0, 0), 10_000);
    assert_eq!(backoff_ms(1, 0), 20_000);
    assert_eq!(backoff_ms(3, 0), 80_000);
    assert_eq!(backoff_ms(30, 0), 3_600_000);
    assert!(backoff_ms(0, 999) > backoff_ms(0, 0));
    assert!(backoff_ms(0, 999) <= 12_000);
}
