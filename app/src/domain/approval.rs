//! Who must approve a request before work starts, decided once at submission from the kind, the
//! people involved and what the registry says about each system (DOMAIN.md, "The request
//! catalog"). Plain data in, plain data out: the table of cases in the tests is the policy's spec.

use super::entitlement::{name_key, GrantKind, SystemAccess, BASELINE};
use serde::{Deserialize, Serialize};

/// Built-in approver teams. Their members are kept in `team_members`, like registry groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Team {
    Security,
    Infrastructure,
    Logistics,
    Engineering,
    It,
}

impl Team {
    pub const ALL: &'static [Team] = &[
        Team::Security,
        Team::Infrastructure,
        Team::Logistics,
        Team::Engineering,
        Team::It,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Team::Security => "security",
            Team::Infrastructure => "infrastructure",
            Team::Logistics => "logistics",
            Team::Engineering => "engineering",
            Team::It => "it",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Team::Security => "Security",
            Team::Infrastructure => "Infrastructure",
            Team::Logistics => "IT Logistics",
            Team::Engineering => "Engineering",
            Team::It => "IT",
        }
    }

    pub fn parse(s: &str) -> Option<Team> {
        Team::ALL.iter().copied().find(|t| t.as_str() == s)
    }
}

/// Who may decide a step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Approver {
    /// One person (a manager).
    Person(i64),
    /// Any member of a team.
    Team(Team),
    /// The owners named in the registry for this system.
    SystemOwners(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Manager,
    SystemOwner,
    Infrastructure,
    Security,
    Logistics,
    Engineering,
    It,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Manager => "manager",
            StepKind::SystemOwner => "system-owner",
            StepKind::Infrastructure => "infrastructure",
            StepKind::Security => "security",
            StepKind::Logistics => "logistics",
            StepKind::Engineering => "engineering",
            StepKind::It => "it",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        [
            StepKind::Manager,
            StepKind::SystemOwner,
            StepKind::Infrastructure,
            StepKind::Security,
            StepKind::Logistics,
            StepKind::Engineering,
            StepKind::It,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            StepKind::Manager => "Manager",
            StepKind::SystemOwner => "System owner",
            StepKind::Infrastructure => "Infrastructure",
            StepKind::Security => "Security",
            StepKind::Logistics => "IT Logistics",
            StepKind::Engineering => "Engineering",
            StepKind::It => "IT",
        }
    }

    /// Approvers who may narrow a requested role before approving.
    pub fn may_narrow(self) -> bool {
        matches!(
            self,
            StepKind::Manager | StepKind::SystemOwner | StepKind::Security
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub approver: Approver,
    /// Why the step is there, shown to everyone who looks at the request.
    pub reason: String,
}

/// A person as the policy needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts {
    pub id: i64,
    pub manager_id: Option<i64>,
}

/// What the registry says about a system, as the policy needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemFacts {
    pub id: i64,
    pub title: String,
    /// The registry marks it a baseline entitlement of every team member.
    pub baseline: bool,
    /// Owned by Infrastructure in the registry.
    pub infrastructure: bool,
    /// Holds Red data.
    pub red_data: bool,
    /// Somebody here is named as its owner (else Security stands in).
    pub owners_known: bool,
}

/// A system line as the policy needs it: what was asked and what the registry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub system_id: i64,
    pub title: String,
    /// Read from the admin's list of the system's roles and groups, never from the requester.
    pub grant: GrantKind,
    /// A mail group that grants cloud permissions.
    pub cloud: bool,
    pub role_is_baseline: bool,
    /// The registry marks it a baseline entitlement of every team member.
    pub baseline: bool,
    /// Owned by Infrastructure in the registry.
    pub infrastructure: bool,
    /// Holds Red data.
    pub red_data: bool,
    /// Somebody here is named as its owner (else Security stands in).
    pub owners_known: bool,
}

impl LineFacts {
    /// A line asking for `role` on `system`. The only thing the requester chose that reaches the
    /// policy is the role's name, and what that name grants is looked up in `access`.
    pub fn new(system: &SystemFacts, access: &SystemAccess, role: &str) -> LineFacts {
        let (grant, cloud) = access.classify(role);
        LineFacts {
            system_id: system.id,
            title: system.title.clone(),
            grant,
            cloud,
            role_is_baseline: grant == GrantKind::Role && name_key(role) == BASELINE,
            baseline: system.baseline,
            infrastructure: system.infrastructure,
            red_data: system.red_data,
            owners_known: system.owners_known,
        }
    }

    /// DOMAIN.md: no manager approval for a baseline entitlement granted unchanged, an internal
    /// chat group, or a mail group that grants no cloud permissions.
    pub fn manager_exempt(&self) -> bool {
        match self.grant {
            GrantKind::ChatGroup => true,
            GrantKind::MailGroup => !self.cloud,
            GrantKind::Role => self.baseline && self.role_is_baseline,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyInput {
    pub requester: Option<PersonFacts>,
    /// The people the request is for; for a contractor or collaborator, their manager or sponsor.
    pub subjects: Vec<PersonFacts>,
    pub lines: Vec<LineFacts>,
    pub admin: bool,
    /// For laptops: refresh, repair, replacement, loss-or-theft, new-hire, out-of-spec.
    pub laptop: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    pub steps: Vec<Step>,
    pub labels: Vec<&'static str>,
}

impl Decision {
    pub fn add(&mut self, kind: StepKind, approver: Approver, reason: impl Into<String>) {
        if !self
            .steps
            .iter()
            .any(|s| s.kind == kind && s.approver == approver)
        {
            self.steps.push(Step {
                kind,
                approver,
                reason: reason.into(),
            });
        }
    }

    /// One step per distinct manager of the subjects. Nobody approves their own request: when the
    /// requester is the manager, their own manager decides; with no manager on record, Security.
    pub fn managers(&mut self, input: &PolicyInput, why: &str) {
        let requester = input.requester.map(|r| r.id);
        for s in &input.subjects {
            let mut manager = s.manager_id;
            let mut reason = why.to_string();
            if manager.is_some() && manager == requester {
                manager = input.requester.and_then(|r| r.manager_id);
                reason = format!("{why} You asked as the manager, so your own manager decides.");
            }
            match manager {
                Some(m) if Some(m) != requester => {
                    self.add(StepKind::Manager, Approver::Person(m), reason)
                }
                _ => self.add(
                    StepKind::Security,
                    Approver::Team(Team::Security),
                    format!("{why} No manager on record, so Security decides."),
                ),
            }
        }
    }

    pub fn system_lines(&mut self, input: &PolicyInput) {
        for l in &input.lines {
            if l.red_data {
                if l.owners_known {
                    self.add(
                        StepKind::SystemOwner,
                        Approver::SystemOwners(l.system_id),
                        format!("{} holds Red data: its owner approves.", l.title),
                    );
                } else {
                    self.add(
                        StepKind::Security,
                        Approver::Team(Team::Security),
                        format!(
                            "{} holds Red data and no owner has an account here.",
                            l.title
                        ),
                    );
                }
            }
        }
        if let Some(l) = input.lines.iter().find(|l| l.infrastructure) {
            self.add(
                StepKind::Infrastructure,
                Approver::Team(Team::Infrastructure),
                format!("{} is owned by Infrastructure.", l.title),
            );
        }
        if input.admin {
            self.add(
                StepKind::Security,
                Approver::Team(Team::Security),
                "Admin access needs a security approval.",
            );
            self.labels.push("admin-access");
        }
    }
}
