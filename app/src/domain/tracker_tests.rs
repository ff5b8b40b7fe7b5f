//! The tracker's rules: keys, legal moves, labels, priorities, typed lists and templates.

use super::tracker::*;

#[test]
fn keys_round_trip_and_refuse_junk() {
    assert_eq!(IssueKey::new(42).to_string(), "ENG-42");
    assert_eq!("eng-7".parse::<IssueKey>().unwrap(), IssueKey::new(7));
    for bad in [
        "",
        "ENG-",
        "ENG-0",
        "ENG--1",
        "ENG-1x",
        "REQ-1",
        "ENG-+1",
        "ENG-99999999999999999999",
    ] {
        assert!(bad.parse::<IssueKey>().is_err(), "{bad}");
    }
}

#[test]
fn work_goes_through_review_before_it_closes() {
    use IssueState::*;
    assert!(Inbox.check_move(Backlog).is_ok());
    assert!(Wip.check_move(Blocked).is_ok() && Blocked.check_move(Wip).is_ok());
    assert!(Wip.check_move(Waiting).is_ok() && Waiting.check_move(Wip).is_ok());
    assert!(Wip.check_move(Review).is_ok() && Review.check_move(Closed).is_ok());
    let e = Wip.check_move(Closed).unwrap_err();
    assert_eq!(
        e.to_string(),
        "An issue that is in progress cannot be moved to closed."
    );
    assert!(Blocked.check_move(Review).is_err());
    assert!(Closed.check_move(Wip).is_err());
    assert!(Closed.check_move(Backlog).is_ok());
    // Every state can reach closed, and nothing moves to itself.
    for s in IssueState::ALL {
        assert!(!s.next_states().contains(s), "{s:?}");
        let mut seen = vec![*s];
        let mut i = 0;
        while i < seen.len() {
            for n in seen[i].next_states() {
                if !seen.contains(n) {
                    seen.push(*n);
                }
            }
            i += 1;
        }
        assert!(seen.contains(&Closed), "{s:?} never closes");
    }
    assert!("done"
        .parse::<IssueState>()
        .unwrap_err()
        .contains("inbox, backlog"));
}

#[test]
fn labels_and_priorities_are_checked() {
    assert_eq!(
        parse_label("labels", " CorpSys-Slack ").unwrap(),
        "corpsys-slack"
    );
    for bad in ["", "a b", "<b>", "-x", "x-", &"x".repeat(61)] {
        assert!(parse_label("labels", bad).is_err(), "{bad}");
    }
    assert_eq!(
        IssuePriority::parse("priority", "P1").unwrap(),
        IssuePriority::P1
    );
    assert_eq!(
        IssuePriority::parse("priority", "p4").unwrap_err().field(),
        Some("priority")
    );
    assert_eq!(system_label("Google Workspace"), "corpsys-google-workspace");
    assert_eq!(
        team_label("IT Ops & Security"),
        "corpsec-team-it-ops-security"
    );
}

#[test]
fn a_template_labels_and_assigns_the_system_owners() {
    let t = Template {
        name: "corpsys".into(),
        labels: vec!["corpsec-team-it".into(), "needs-{system}-owner".into()],
        priority: IssuePriority::P2,
        assign_owners: true,
        description: "## What broke\n".into(),
    };
    let slack = SystemOwners {
        slug: "slack".into(),
        owners: vec![
            "@jburton".into(),
            "gitlab-com/it-team".into(),
            "@jburton".into(),
        ],
    };
    let start = t.apply(Some(&slack));
    assert_eq!(
        start.labels,
        ["corpsec-team-it", "needs-slack-owner", "corpsys-slack"]
    );
    assert_eq!(start.assignees, ["jburton", "gitlab-com/it-team"]);
    assert_eq!(start.priority, IssuePriority::P2);
    // Without a system: no system label, nobody assigned.
    let bare = t.apply(None);
    assert_eq!(bare.labels, ["corpsec-team-it"]);
    assert!(bare.assignees.is_empty());
    // A template that does not assign owners leaves the issue unassigned.
    let quiet = Template {
        assign_owners: false,
        ..t
    };
    assert!(quiet.apply(Some(&slack)).assignees.is_empty());
}

#[test]
fn typed_labels_assignees_and_dates_are_checked() {
    assert_eq!(
        parse_labels("labels", "corpsys-slack, p2\nCorpsec-team-it corpsys-slack").unwrap(),
        vec!["corpsys-slack", "p2", "corpsec-team-it"]
    );
    assert!(parse_labels("labels", "").unwrap().is_empty());
    assert_eq!(
        parse_labels("labels", "ok, <b>").unwrap_err().field(),
        Some("labels")
    );
    assert!(parse_labels("labels", "needs-{system}").is_err());
    assert_eq!(
        parse_template_labels("labels", "corpsys-{system} x").unwrap(),
        vec!["corpsys-{system}", "x"]
    );
    let many = (0..21)
        .map(|i| format!("l{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(parse_labels("labels", &many).is_err());
    assert_eq!(
        parse_assignees("assignees", "@eli\nIT Operations, @ELI").unwrap(),
        vec!["eli", "IT Operations"]
    );
    assert!(parse_assignees("assignees", "<script>").is_err());
    assert_eq!(parse_due("due_on", " ").unwrap(), None);
    assert_eq!(
        parse_due("due_on", "2027-02-28").unwrap().as_deref(),
        Some("2027-02-28")
    );
    assert_eq!(
        parse_due("due_on", "2027-02-30").unwrap_err().field(),
        Some("due_on")
    );
}

#[test]
fn descriptions_are_trimmed_bounded_and_readable() {
    assert_eq!(
        parse_description("description", "  ## Tried\n- restart  ").unwrap(),
        "## Tried\n- restart"
    );
    let long = "x".repeat(DESCRIPTION_MAX + 1);
    let e = parse_description("description", &long).unwrap_err();
    assert_eq!(e.field(), Some("description"));
    assert!(e.to_string().contains("20000"), "{e}");
    assert!(parse_description("description", &"x".repeat(DESCRIPTION_MAX)).is_ok());
    assert_eq!(
        parse_description("body", "a\u{0}b").unwrap_err().field(),
        Some("body")
    );
}

#[test]
fn owners_come_from_handles_or_a_team_name() {
    let s = SystemOwners::from_registry("slack", "IT Operations", "IT Operations");
    assert_eq!(s.owners, vec!["IT Operations"]);
    let s = SystemOwners::from_registry("figma", "@jburton and @gitlab-com/it", "Jo (ask in #it)");
    assert_eq!(s.owners, vec!["jburton", "gitlab-com/it"]);
    let s = SystemOwners::from_registry(
        "x",
        "",
        "Please ask the owner in the channel #x before anything else",
    );
    assert!(s.owners.is_empty());
}
