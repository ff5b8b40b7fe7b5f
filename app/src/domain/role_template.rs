//! Role templates: the systems and roles a job role in a department starts with. Onboarding
//! grants a template; a role change grants and removes the difference between two.

use super::error::AppError;
use super::form::LINE_MAX;
use super::registry::title_key;

/// The key of a role template: department and job role, trimmed and lower-cased.
pub fn template_key(department: &str, job_role: &str) -> String {
    format!(
        "{}/{}",
        department.trim().to_lowercase(),
        job_role.trim().to_lowercase()
    )
}

/// A role template's systems as an admin types them, one per line: `System = role`.
pub fn parse_template_lines(text: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let (system, role) = line.rsplit_once('=').ok_or_else(|| {
            AppError::invalid(
                "systems",
                format!("Line {n}: write it as \u{201c}System = role\u{201d}."),
            )
        })?;
        let (system, role) = (system.trim(), role.trim());
        if system.is_empty() || role.is_empty() {
            return Err(AppError::invalid(
                "systems",
                format!("Line {n}: both a system and a role are needed."),
            ));
        }
        if system.chars().count() > LINE_MAX || role.chars().count() > LINE_MAX {
            return Err(AppError::invalid(
                "systems",
                format!("Line {n} is too long."),
            ));
        }
        let key = title_key(system);
        if out.iter().any(|(s, _)| title_key(s) == key) {
            return Err(AppError::invalid(
                "systems",
                format!("Line {n}: {system} is listed twice."),
            ));
        }
        out.push((system.to_string(), role.to_string()));
    }
    if out.is_empty() {
        return Err(AppError::invalid("systems", "List at least one system."));
    }
    if out.len() > 100 {
        return Err(AppError::invalid(
            "systems",
            "A template takes at most 100 systems.",
        ));
    }
    Ok(out)
}

/// What a move from one role template to another changes: systems to grant (new, or a different
/// role) and systems to revoke (no longer in the template), by system id.
pub fn template_diff(
    old: &[(i64, String)],
    new: &[(i64, String)],
) -> (Vec<(i64, String)>, Vec<i64>) {
    let grants = new
        .iter()
        .filter(|(id, role)| !old.iter().any(|(o, r)| o == id && r == role))
        .cloned()
        .collect();
    let revokes = old
        .iter()
        .filter(|(id, _)| !new.iter().any(|(n, _)| n == id))
        .map(|(id, _)| *id)
        .collect();
    (grants, revokes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_templates_parse_and_diff() {
        assert_eq!(
            parse_template_lines("Slack = member\n\n  Figma=editor ").unwrap(),
            vec![
                ("Slack".into(), "member".into()),
                ("Figma".into(), "editor".into())
            ]
        );
        for bad in ["Slack", "= member", "Slack =", "Slack = a\nslack = b", ""] {
            assert_eq!(
                parse_template_lines(bad).unwrap_err().field(),
                Some("systems"),
                "{bad}"
            );
        }
        assert_eq!(
            template_key(" Sales ", "Account Executive"),
            "sales/account executive"
        );
        let old = vec![
            (1, "member".to_string()),
            (2, "editor".to_string()),
            (3, "viewer".to_string()),
        ];
        let new = vec![
            (1, "member".to_string()),
            (2, "viewer".to_string()),
            (4, "admin".to_string()),
        ];
        let (grants, revokes) = template_diff(&old, &new);
        assert_eq!(
            grants,
            vec![(2, "viewer".to_string()), (4, "admin".to_string())]
        );
        assert_eq!(revokes, vec![3]);
        assert_eq!(template_diff(&[], &new).0.len(), 3);
    }
}
