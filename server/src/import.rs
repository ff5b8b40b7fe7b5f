//! `tierdesk import guides DIR`: Markdown files with YAML front matter, matched to existing
//! guides by slug.

use app::domain::error::AppError;
use app::domain::guide::GuideDraft;
use app::ssr::guides;
use app::ssr::registry;
use app::ssr::store::{Db, Saved};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    #[serde(default)]
    slug: String,
    category: String,
    #[serde(default = "public")]
    visibility: String,
    #[serde(default)]
    owner: String,
}

fn public() -> String {
    "public".to_string()
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
}

/// Splits `---\nYAML\n---\nbody` into its two parts.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest.find("\n---")?;
    let yaml = &rest[..end];
    let after = &rest[end + 4..];
    let body = after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .unwrap_or(after);
    Some((yaml, body))
}

/// Reads and checks one file; errors name the file and the field.
pub fn parse_guide_file(path: &Path, text: &str) -> Result<GuideDraft, String> {
    let name = path.display();
    let (yaml, body) = split_front_matter(text)
        .ok_or_else(|| format!("{name}: no front matter (the file must start with a --- block)"))?;
    let fm: FrontMatter =
        serde_norway::from_str(yaml).map_err(|e| format!("{name}: front matter: {e}"))?;
    GuideDraft::parse(
        &fm.slug,
        &fm.title,
        &fm.category,
        &fm.visibility,
        &fm.owner,
        body,
    )
    .map_err(|e| match e {
        e @ AppError::Invalid { .. } => e
            .problems()
            .iter()
            .map(|p| format!("{name}: {}: {}", p.field, p.message))
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{name}: {other}"),
    })
}

/// Parses every `*.md` file under `dir` first; only if all are valid are they saved, so a bad
/// file never leaves half an import behind.
pub async fn import_guides(db: &Db, dir: &Path) -> Result<ImportReport, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
        .collect();
    files.sort();
    let mut drafts = Vec::new();
    let mut errors = Vec::new();
    for path in &files {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > 1024 * 1024 {
            errors.push(format!("{}: larger than 1 MiB", path.display()));
            continue;
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        match parse_guide_file(path, &text) {
            Ok(d) => drafts.push(d),
            Err(e) => errors.push(e),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for d in &drafts {
        if !seen.insert(d.slug.clone()) {
            errors.push(format!("slug {} is used by more than one file", d.slug));
        }
    }
    if !errors.is_empty() {
        return Err(format!(
            "nothing imported; fix these first:\n  {}",
            errors.join("\n  ")
        ));
    }
    let mut report = ImportReport::default();
    for d in drafts {
        let saved = guides::save(db, &d, None, None, "import")
            .await
            .map_err(|e| format!("{}: {e}", d.slug))?;
        match saved {
            Saved::Added => report.added.push(d.slug),
            Saved::Updated => report.updated.push(d.slug),
            Saved::Unchanged => report.unchanged.push(d.slug),
        }
    }
    Ok(report)
}

/// Reads a tech-stack file, refusing one over the size limit before reading it, and imports it.
pub async fn import_tech_stack(
    db: &Db,
    path: &Path,
    opts: registry::ImportOptions,
) -> Result<registry::ImportReport, String> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name}: {e}"))?
        .len();
    if size > registry::MAX_FILE_BYTES {
        return Err(format!(
            "{name}: {}",
            registry::FileError::TooLarge {
                size,
                max: registry::MAX_FILE_BYTES
            }
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    registry::import(db, &text, opts)
        .await
        .map_err(|e| format!("{name}: {e}"))
}

/// The import report as the command prints it.
pub fn describe(r: &registry::ImportReport) -> String {
    use std::fmt::Write;
    let o = &r.outcome;
    let mut s = String::new();
    if !r.refused {
        let _ = writeln!(
            s,
            "systems: {} added, {} changed, {} unchanged, {} conflicts, {} skipped",
            o.added.len(),
            o.changed.len(),
            o.unchanged.len(),
            o.conflicts.len(),
            r.errors.len()
        );
    }
    for t in &o.added {
        let _ = writeln!(s, "  added: {t}");
    }
    for (t, fields) in &o.changed {
        let _ = writeln!(s, "  changed: {t} ({})", fields.join(", "));
    }
    for (t, fields) in &o.conflicts {
        let _ = writeln!(
            s,
            "  conflict: {t}: {} edited here and in the file; {}",
            fields.join(", "),
            if r.overwrite {
                "took the file's value"
            } else {
                "kept the edit made here (--overwrite takes the file's)"
            }
        );
    }
    for e in &r.errors {
        let _ = writeln!(s, "  error: {e}");
    }
    for (old, new, n) in &r.renamed_fields {
        let _ = writeln!(s, "  renamed field: {old} read as {new} ({n} systems)");
    }
    for (name, n) in &r.unknown_fields {
        let _ = writeln!(s, "  unknown field: {name} ({n} systems; kept as written)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_read_and_checked() {
        let d = parse_guide_file(
            Path::new("a.md"),
            "---\ntitle: \"Reset: your password\"\ncategory: resets\nowner: IT\n---\n# Steps\n\nDo this.\n",
        )
        .unwrap();
        assert_eq!(
            (d.slug.as_str(), d.title.as_str(), d.owner.as_str()),
            ("reset-your-password", "Reset: your password", "IT")
        );
        assert_eq!(d.body, "# Steps\n\nDo this.");
        let err = parse_guide_file(
            Path::new("b.md"),
            "---\ntitle: T\ncategory: printers\n---\nx",
        )
        .unwrap_err();
        assert!(err.starts_with("b.md: category:"), "{err}");
        let err = parse_guide_file(Path::new("c.md"), "# no front matter").unwrap_err();
        assert!(err.contains("no front matter"));
        let err = parse_guide_file(Path::new("d.md"), "---\ntitle: [unclosed\n---\nx").unwrap_err();
        assert!(err.starts_with("d.md: front matter:"), "{err}");
        let err = parse_guide_file(
            Path::new("e.md"),
            "---\ntitle: T\ncategory: resets\ncolour: red\n---\nx",
        )
        .unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }
}
