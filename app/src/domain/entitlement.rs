//! What can be granted on a system, as admins keep it: its roles from lowest to highest, and its
//! chat and mail groups. The approval policy reads whether a line is a group from here, never
//! from what the requester ticked, and an approver may only narrow a role down this ladder.

use super::error::AppError;
use serde::{Deserialize, Serialize};

/// What a line grants: a role in the system, or membership of a chat or mail group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum GrantKind {
    Role,
    ChatGroup,
    MailGroup,
}

impl GrantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::Role => "role",
            GrantKind::ChatGroup => "chat-group",
            GrantKind::MailGroup => "mail-group",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "role" => Some(GrantKind::Role),
            "chat-group" => Some(GrantKind::ChatGroup),
            "mail-group" => Some(GrantKind::MailGroup),
            _ => None,
        }
    }
}

/// Most roles and groups one system keeps.
pub const MAX_OPTIONS: usize = 60;
/// Longest name of a role or group.
pub const NAME_MAX: usize = 200;
/// The role that means "a baseline entitlement, as everyone gets it".
pub const BASELINE: &str = "baseline";

/// One role or group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessOption {
    pub name: String,
    pub kind: GrantKind,
    /// A mail group that also grants cloud permissions (it needs the manager like a role).
    pub cloud: bool,
}

/// A system's roles (lowest first) and groups. Empty when nobody has written them down, and then
/// every line is a role that needs its approvals and none can be narrowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemAccess {
    pub options: Vec<AccessOption>,
}

/// How names compare: case, surrounding space and inner runs of space do not matter; anything
/// else (a zero-width character, a look-alike letter) makes another name, which then needs its
/// approvals.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl SystemAccess {
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    fn find(&self, name: &str) -> Option<&AccessOption> {
        let key = name_key(name);
        self.options.iter().find(|o| name_key(&o.name) == key)
    }

    /// The roles, lowest first.
    pub fn roles(&self) -> impl Iterator<Item = &AccessOption> {
        self.options.iter().filter(|o| o.kind == GrantKind::Role)
    }

    fn rank(&self, name: &str) -> Option<usize> {
        let key = name_key(name);
        self.roles().position(|o| name_key(&o.name) == key)
    }

    /// What asking for `role` grants, by this list alone: a group the list names, else a role.
    /// The second value says a mail group carries cloud permissions.
    pub fn classify(&self, role: &str) -> (GrantKind, bool) {
        match self.find(role) {
            Some(o) => (o.kind, o.cloud),
            None => (GrantKind::Role, false),
        }
    }

    /// The same name as the list spells it, when it is on the list.
    pub fn canonical(&self, role: &str) -> Option<&str> {
        self.find(role).map(|o| o.name.as_str())
    }

    /// Checks a requested role. Where the list exists, only its roles and groups (and the
    /// baseline, on a baseline system) may be asked for; otherwise anything may.
    pub fn check_request(
        &self,
        field: &str,
        system: &str,
        role: &str,
        baseline_system: bool,
    ) -> Result<(), AppError> {
        if self.is_empty()
            || self.find(role).is_some()
            || (baseline_system && name_key(role) == BASELINE)
        {
            return Ok(());
        }
        let mut names: Vec<&str> = self.options.iter().map(|o| o.name.as_str()).collect();
        if baseline_system {
            names.push(BASELINE);
        }
        Err(AppError::invalid(
            field,
            format!(
                "{system} has no role or group \u{201c}{}\u{201d}; choose one of: {}.",
                role.chars().take(80).collect::<String>(),
                names.join(", ")
            ),
        ))
    }

    /// Whether an approver may replace `asked` with `narrower`: only a role strictly lower on this
    /// system's ladder. Anything else is for a denial with a reason, and the requester files again.
    pub fn check_narrowing(
        &self,
        field: &str,
        system: &str,
        asked: &str,
        narrower: &str,
    ) -> Result<(), AppError> {
        let deny = "Deny with a reason instead; the requester can ask again.";
        let Some(from) = self.rank(asked) else {
            return Err(AppError::invalid(
                field,
                format!(
                    "\u{201c}{asked}\u{201d} is not on {system}'s ladder of roles, so it cannot be narrowed. {deny}"
                ),
            ));
        };
        let Some(to) = self.rank(narrower) else {
            let lower: Vec<&str> = self.roles().take(from).map(|o| o.name.as_str()).collect();
            return Err(AppError::invalid(
                field,
                if lower.is_empty() {
                    format!("\u{201c}{asked}\u{201d} is already {system}'s lowest role. {deny}")
                } else {
                    format!(
                        "\u{201c}{}\u{201d} is not one of {system}'s roles; roles below \u{201c}{asked}\u{201d} are: {}.",
                        narrower.chars().take(80).collect::<String>(),
                        lower.join(", ")
                    )
                },
            ));
        };
        if to >= from {
            return Err(AppError::invalid(
                field,
                format!(
                    "Narrowing may only lower the role, and \u{201c}{narrower}\u{201d} is not below \u{201c}{asked}\u{201d}. {deny}"
                ),
            ));
        }
        Ok(())
    }

    /// Reads the admin's list: one role or group per line, roles lowest first. A group says so
    /// after a colon: `#it-help: chat group`, `it-all@: mail group`, `gcp-admins@: mail group
    /// with cloud permissions`. Blank lines are skipped.
    pub fn parse(text: &str) -> Result<SystemAccess, AppError> {
        const FIELD: &str = "access";
        super::text::check(FIELD, text)?;
        let mut options: Vec<AccessOption> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let n = i + 1;
            let (name, kind, cloud) = match line.rsplit_once(':') {
                Some((name, kind)) => match parse_kind(kind) {
                    Some((kind, cloud)) => (name.trim(), kind, cloud),
                    None => (line, GrantKind::Role, false),
                },
                None => (line, GrantKind::Role, false),
            };
            if name.is_empty() {
                return Err(AppError::invalid(
                    FIELD,
                    format!("Line {n}: give the name before the colon."),
                ));
            }
            if name.chars().count() > NAME_MAX {
                return Err(AppError::invalid(
                    FIELD,
                    format!("Line {n}: a name may be at most {NAME_MAX} characters."),
                ));
            }
            if name_key(name) == BASELINE {
                return Err(AppError::invalid(
                    FIELD,
                    format!("Line {n}: \u{201c}baseline\u{201d} is kept for the registry's baseline entitlement; name the role itself."),
                ));
            }
            if options.iter().any(|o| name_key(&o.name) == name_key(name)) {
                return Err(AppError::invalid(
                    FIELD,
                    format!("Line {n}: \u{201c}{name}\u{201d} is listed twice."),
                ));
            }
            options.push(AccessOption {
                name: name.split_whitespace().collect::<Vec<_>>().join(" "),
                kind,
                cloud,
            });
        }
        if options.len() > MAX_OPTIONS {
            return Err(AppError::invalid(
                FIELD,
                format!("A system keeps at most {MAX_OPTIONS} roles and groups."),
            ));
        }
        Ok(SystemAccess { options })
    }

    /// The list as an admin writes it, for the edit form.
    pub fn to_text(&self) -> String {
        self.options
            .iter()
            .map(|o| match (o.kind, o.cloud) {
                (GrantKind::Role, _) => o.name.clone(),
                (GrantKind::ChatGroup, _) => format!("{}: chat group", o.name),
                (GrantKind::MailGroup, false) => format!("{}: mail group", o.name),
                (GrantKind::MailGroup, true) => {
                    format!("{}: mail group with cloud permissions", o.name)
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn parse_kind(s: &str) -> Option<(GrantKind, bool)> {
    match name_key(&s.replace('-', " ")).as_str() {
        "role" => Some((GrantKind::Role, false)),
        "chat group" | "chat" => Some((GrantKind::ChatGroup, false)),
        "mail group" | "mail" => Some((GrantKind::MailGroup, false)),
        "mail group with cloud permissions" | "mail group, cloud" | "mail group (cloud)" => {
            Some((GrantKind::MailGroup, true))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okta() -> SystemAccess {
        SystemAccess::parse(
            "Read-only Administrator\nHelp Desk Administrator\n\nSuper Administrator\n\
             #okta-help: chat group\nokta-news@: mail group\nokta-aws@: mail group with cloud permissions",
        )
        .unwrap()
    }

    #[test]
    fn the_list_says_what_is_a_group() {
        let a = okta();
        assert_eq!(a.roles().count(), 3);
        assert_eq!(a.classify("#OKTA-help "), (GrantKind::ChatGroup, false));
        assert_eq!(a.classify("okta-news@"), (GrantKind::MailGroup, false));
        assert_eq!(a.classify("okta-aws@"), (GrantKind::MailGroup, true));
        assert_eq!(a.classify("Super Administrator"), (GrantKind::Role, false));
        // A name the list does not hold is a role, whatever it looks like.
        assert_eq!(a.classify("#okta-help\u{200b}"), (GrantKind::Role, false));
        assert_eq!(
            SystemAccess::default().classify("#general"),
            (GrantKind::Role, false)
        );
        assert_eq!(SystemAccess::parse(&a.to_text()).unwrap(), a);
    }

    #[test]
    fn requests_name_what_the_list_holds() {
        let a = okta();
        assert!(a
            .check_request("role_0", "Okta", "super administrator", false)
            .is_ok());
        let e = a
            .check_request("role_0", "Okta", "God mode", false)
            .unwrap_err();
        assert_eq!(e.field(), Some("role_0"));
        assert!(e.to_string().contains("Read-only Administrator"), "{e}");
        assert!(a
            .check_request("role_0", "Okta", "baseline", false)
            .is_err());
        assert!(a.check_request("role_0", "Okta", "Baseline", true).is_ok());
        assert!(SystemAccess::default()
            .check_request("role_0", "X", "anything", false)
            .is_ok());
    }

    #[test]
    fn narrowing_only_lowers() {
        let a = okta();
        assert!(a
            .check_narrowing(
                "role_1",
                "Okta",
                "Super Administrator",
                "read-only administrator"
            )
            .is_ok());
        for (asked, to) in [
            ("Read-only Administrator", "Super Administrator"),
            ("Help Desk Administrator", "Help Desk Administrator"),
            ("Help Desk Administrator", "Owner (organization admin)"),
            ("Read-only Administrator", "nothing"),
            ("made up", "Read-only Administrator"),
            ("Super Administrator", "#okta-help"),
        ] {
            let e = a.check_narrowing("role_1", "Okta", asked, to).unwrap_err();
            assert_eq!(e.field(), Some("role_1"), "{asked} -> {to}");
        }
        assert!(SystemAccess::default()
            .check_narrowing("role_1", "X", "admin", "viewer")
            .is_err());
    }

    #[test]
    fn bad_lists_name_the_line() {
        for (text, needle) in [
            ("viewer\nViewer", "Line 2"),
            (": chat group", "Line 1"),
            ("baseline", "Line 1"),
            ("a\0b", "U+0000"),
        ] {
            let e = SystemAccess::parse(text).unwrap_err();
            assert_eq!(e.field(), Some("access"));
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        let many = (0..=MAX_OPTIONS)
            .map(|i| format!("r{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(SystemAccess::parse(&many).is_err());
        // A colon that is not followed by a kind is part of the name.
        let a = SystemAccess::parse("Owner: organization admin").unwrap();
        assert_eq!(a.options[0].name, "Owner: organization admin");
    }
}
