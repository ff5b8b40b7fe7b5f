//! Tests of `domain::registry`.

use super::*;
use serde_json::json;

fn fields(v: Value) -> Fields {
    v.as_object().cloned().unwrap()
}

#[test]
fn tiers_as_the_real_file_spells_them() {
    for (raw, want) in [
        ("Tier 3 / Non-critical", Some(3)),
        ("TIer 3 / Non-critical", Some(3)),
        ("Tier 3 Non-Critical", Some(3)),
        ("Tier 1 Business", Some(1)),
        ("Tier 2 / Support", Some(2)),
        ("Tier 2", Some(2)),
        ("tier4", Some(4)),
        ("Tier 7", None),
        ("TBD", None),
        ("", None),
        ("Non-critical", None),
    ] {
        assert_eq!(normalise_tier(raw), want, "{raw}");
    }
}

#[test]
fn classifications_and_unknowns() {
    assert_eq!(
        normalise_classification("Orange"),
        Some(Classification::Orange)
    );
    assert_eq!(normalise_classification(" red "), Some(Classification::Red));
    assert_eq!(
        normalise_classification("N/A - OSQuery does not store any data"),
        None
    );
    assert_eq!(normalise_classification("Greenish"), None);
}

#[test]
fn compliance_from_old_and_new_field_names() {
    let c = |v: Value| compliance_scope(&fields(v));
    assert_eq!(c(json!({"compliance_scope": "SOX"})), Some("SOX".into()));
    assert_eq!(c(json!({"compliance_scope": "SOC2"})), Some("SOC2".into()));
    assert_eq!(c(json!({"compliance_scope": "none"})), Some(String::new()));
    assert_eq!(c(json!({"compliance_scope": false})), Some(String::new()));
    assert_eq!(c(json!({"compliance_scope": null})), None);
    assert_eq!(c(json!({"compliance_scope": "TBD"})), None);
    assert_eq!(c(json!({"in_sox_scope": true})), Some("SOX".into()));
    assert_eq!(c(json!({"in_sox_scope": false})), Some(String::new()));
    assert_eq!(
        c(json!({"compliance_scope": "SOC2", "in_sox_scope": true})),
        Some("SOX,SOC2".into())
    );
}

#[test]
fn handles_from_free_text_provisioners() {
    // Entries from the real file.
    assert_eq!(
        handles(
            r#"Leave "Assignee" blank, then tag the group @gitlab-com/business-technology/team-member-enablement (copy and paste the group tag if it does not appear in the dropdown) in the comments and add the label IT::to do."#
        ),
        ["gitlab-com/business-technology/team-member-enablement"]
    );
    assert_eq!(
        handles("@kristie.thomas, @jennifergarcia20  (this is also a baseline entitlement"),
        ["kristie.thomas", "jennifergarcia20"]
    );
    assert_eq!(handles("`@jdoe`, `@jdoe`."), ["jdoe"]);
    assert!(handles("automatic via Slack Application").is_empty());
    assert!(handles("mail it-ops@example.com").is_empty());
    assert!(is_group_handle("gitlab-com/it") && !is_group_handle("jdoe"));
}

#[test]
fn labels_from_provisioning_instructions() {
    assert_eq!(
        labels(
            r#"Please add the labels "FinSys - Adaptive Insights", "BT Finance Systems", "BT-Priority::1", "FinSys::Service Desk")"#
        ),
        [
            "FinSys - Adaptive Insights",
            "BT Finance Systems",
            "BT-Priority::1",
            "FinSys::Service Desk"
        ]
    );
    assert_eq!(
        labels(
            r#"Leave "Assignee" blank, then tag the group @gitlab-com/x in the comments and add the label IT::to do."#
        ),
        ["IT::to do"]
    );
    assert!(labels("@jdoe and @asmith").is_empty());
    assert!(labels("automatic via Slack Application").is_empty());
}

#[test]
fn baseline_and_managed_defaults() {
    assert_eq!(normalise_bool(Some(&json!(true))), Some(true));
    assert_eq!(normalise_bool(Some(&json!("No"))), Some(false));
    assert_eq!(normalise_bool(Some(&json!(null))), None);
    assert_eq!(normalise_bool(None), None);
    assert!(managed_by_default(Some("IT Ops")));
    assert!(managed_by_default(Some("Corporate Security")));
    assert!(managed_by_default(Some("it")));
    assert!(!managed_by_default(Some(
        "IT Infrastructure, Eng Infrastructure"
    )));
    assert!(!managed_by_default(Some("Finance")));
    assert!(!managed_by_default(None));
}

#[test]
fn facts_of_a_real_entry() {
    let f = fields(json!({
        "title": "Adaptive Insights",
        "team_member_baseline_entitlement": false,
        "provisioner": "Please add the labels \"FinSys - Adaptive Insights\", \"BT-Priority::1\")",
        "deprovisioner": "@jdoe",
        "technical_owner": "FinSys Admin Team '@gitlab-com/business-technology/enterprise-apps/financeops'",
        "data_classification": "Orange",
        "critical_systems_tier": "Tier 3 / Non-critical",
        "compliance_scope": "SOX",
    }));
    let facts = SystemFacts::of(&f);
    assert_eq!(facts.classification, Some(Classification::Orange));
    assert_eq!(facts.tier, Some(3));
    assert_eq!(facts.compliance.as_deref(), Some("SOX"));
    assert_eq!(facts.baseline, Some(false));
    assert_eq!(
        facts.labels,
        ["FinSys - Adaptive Insights", "BT-Priority::1"]
    );
    assert_eq!(
        facts.handles,
        [
            ("deprovisioner", "jdoe".to_string()),
            (
                "technical_owner",
                "gitlab-com/business-technology/enterprise-apps/financeops".to_string()
            )
        ]
    );
}

#[test]
fn three_way_merge_keeps_local_edits_unless_overwritten() {
    let base = fields(json!({"a": "1", "b": "1", "c": "1", "d": "1"}));
    // Edited here: b and c. The file changes a, c and adds e.
    let local = fields(json!({"a": "1", "b": "local", "c": "local", "d": "1"}));
    let file = fields(json!({"a": "2", "b": "1", "c": "file", "d": "1", "e": "new"}));
    let (merged, changed, conflicts) = merge_import(&base, &local, &file, false);
    assert_eq!(
        merged,
        fields(json!({"a": "2", "b": "local", "c": "local", "d": "1", "e": "new"}))
    );
    assert_eq!(changed, ["a", "e"]);
    assert_eq!(conflicts, ["c"]);
    let (merged, changed, conflicts) = merge_import(&base, &local, &file, true);
    assert_eq!(merged["c"], json!("file"));
    assert_eq!(changed, ["a", "c", "e"]);
    assert_eq!(conflicts, ["c"]);
    // The same file again changes nothing.
    let (again, changed, conflicts) = merge_import(&file, &merged, &file, false);
    assert_eq!(again, merged);
    assert!(changed.is_empty() && conflicts.is_empty());
    // A field removed from the file is removed, unless edited here.
    let gone = fields(json!({"a": "1", "b": "1", "c": "1"}));
    let (merged, changed, _) = merge_import(&base, &base, &gone, false);
    assert!(!merged.contains_key("d"));
    assert_eq!(changed, ["d"]);
}

#[test]
fn slugs_and_keys() {
    assert_eq!(system_slug("Ally.io "), "ally-io");
    assert_eq!(system_slug("!!!"), "system");
    assert_eq!(title_key("  Google   Workspace "), "google workspace");
}
