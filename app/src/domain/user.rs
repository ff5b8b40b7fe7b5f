//! People: roles, e-mail addresses and handles, and what each role may do.

use super::error::AppError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Member,
    Contractor,
    Manager,
    Analyst,
    Engineer,
    Admin,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Member,
        Role::Contractor,
        Role::Manager,
        Role::Analyst,
        Role::Engineer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Contractor => "contractor",
            Role::Manager => "manager",
            Role::Analyst => "analyst",
            Role::Engineer => "engineer",
            Role::Admin => "admin",
        }
    }

    /// Staff work requests: they see the queue, internal notes and runbooks.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Analyst | Role::Engineer | Role::Admin)
    }

    /// Parses `analyst,engineer` into a sorted, de-duplicated, non-empty list.
    pub fn parse_list(s: &str) -> Result<Vec<Role>, AppError> {
        let mut roles = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let role: Role = part.parse().map_err(|m| AppError::invalid("role", m))?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err(AppError::invalid("role", "Give at least one role."));
        }
        roles.sort();
        Ok(roles)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "Unknown role \u{201c}{}\u{201d}; choose from: {}.",
                    s.trim(),
                    names.join(", ")
                )
            })
    }
}

/// What the rest of the app needs to know about the person asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Viewer {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub handle: String,
    pub roles: Vec<Role>,
}

impl Viewer {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }

    /// Analysts and admins work the Tier 2 queue.
    pub fn works_queue(&self) -> bool {
        self.has(Role::Analyst) || self.has(Role::Admin)
    }
}

/// What an API token may do. Tokens only ever open the JSON API, never pages or server
/// functions; a `read` token only reads there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            other => Err(AppError::invalid(
                "scope",
                format!("Unknown scope \u{201c}{other}\u{201d}; choose read or write."),
            )),
        }
    }

    /// How the scopes are stored: a write token may also read.
    pub fn stored(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "read write",
        }
    }
}

/// Longest life of an API token, in days.
pub const TOKEN_MAX_DAYS: u32 = 365;
/// Days a token lives unless asked otherwise.
pub const TOKEN_DEFAULT_DAYS: u32 = 90;

/// A lower-cased e-mail address with one `@` and a dot in the domain; good enough to catch typos,
/// the real check is that mail arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, AppError> {
        let s = s.trim().to_lowercase();
        let bad = || AppError::invalid("email", "Enter an e-mail address like name@example.com.");
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A handle derived from the local part (`jane.doe@x` → `jane.doe`).
    pub fn default_handle(&self) -> String {
        self.0.split('@').next().unwrap_or_default().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_scopes() {
        assert_eq!(TokenScope::parse("read").unwrap().stored(), "read");
        assert_eq!(TokenScope::parse(" write").unwrap().stored(), "read write");
        assert_eq!(
            TokenScope::parse("admin").unwrap_err().field(),
            Some("scope")
        );
    }

    #[test]
    fn role_lists() {
        assert_eq!(
            Role::parse_list("engineer, analyst,analyst").unwrap(),
            vec![Role::Analyst, Role::Engineer]
        );
        assert_eq!(Role::parse_list("").unwrap_err().field(), Some("role"));
        assert!(Role::parse_list("analyst,wizard")
            .unwrap_err()
            .to_string()
            .contains("wizard"));
    }

    #[test]
    fn staff_roles() {
        assert!(Role::Analyst.is_staff() && Role::Engineer.is_staff() && Role::Admin.is_staff());
        assert!(
            !Role::Member.is_staff() && !Role::Contractor.is_staff() && !Role::Manager.is_staff()
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Jane.Doe@Example.COM ").unwrap().as_str(),
            "jane.doe@example.com"
        );
        assert_eq!(
            Email::parse("jane.doe@example.com")
                .unwrap()
                .default_handle(),
            "jane.doe"
        );
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "a b@example.com",
            "a@b@example.com",
            "a@.com",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().field(),
                Some("email"),
                "{bad}"
            );
        }
    }
}
