//! Tier 1 self-service: guide categories, visibility, slugs, what a guide needs to be saved,
//! and how free text becomes a safe full-text query.

use super::error::{AppError, Problems};
use super::request::parse_text;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const GUIDE_TITLE_MAX: usize = 200;
pub const GUIDE_BODY_MAX: usize = 100_000;
pub const SLUG_MAX: usize = 80;
/// Longer search input is cut, not refused: a pasted error message still finds something.
pub const QUERY_MAX_CHARS: usize = 500;
/// At most this many words go into a full-text query.
pub const QUERY_MAX_TERMS: usize = 12;

/// The services of the seed, each a category of guides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Access,
    Resets,
    Onboarding,
    RoleChanges,
    Offboarding,
    ContractorsCollaborators,
    ServiceAccounts,
    Laptops,
    CloudAccounts,
    TechSupport,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::Access,
        Category::Resets,
        Category::Onboarding,
        Category::RoleChanges,
        Category::Offboarding,
        Category::ContractorsCollaborators,
        Category::ServiceAccounts,
        Category::Laptops,
        Category::CloudAccounts,
        Category::TechSupport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Access => "access",
            Category::Resets => "resets",
            Category::Onboarding => "onboarding",
            Category::RoleChanges => "role-changes",
            Category::Offboarding => "offboarding",
            Category::ContractorsCollaborators => "contractors-collaborators",
            Category::ServiceAccounts => "service-accounts",
            Category::Laptops => "laptops",
            Category::CloudAccounts => "cloud-accounts",
            Category::TechSupport => "tech-support",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Access => "Access requests",
            Category::Resets => "Password and 2FA resets",
            Category::Onboarding => "Onboarding",
            Category::RoleChanges => "Role changes",
            Category::Offboarding => "Offboarding",
            Category::ContractorsCollaborators => "Contractors and collaborators",
            Category::ServiceAccounts => "Service accounts",
            Category::Laptops => "Laptops",
            Category::CloudAccounts => "AWS and GCP accounts",
            Category::TechSupport => "Tech support",
        }
    }

    pub fn parse(s: &str) -> Result<Category, AppError> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::invalid(
                    "category",
                    format!(
                        "Choose a category; \u{201c}{}\u{201d} is not one.",
                        s.trim().chars().take(40).collect::<String>()
                    ),
                )
            })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Public guides are for anyone; internal ones (runbooks) for staff only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    Public,
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Result<Visibility, AppError> {
        match s.trim() {
            "public" => Ok(Visibility::Public),
            "internal" => Ok(Visibility::Internal),
            other => Err(AppError::invalid(
                "visibility",
                format!(
                    "Visibility is public or internal, not \u{201c}{}\u{201d}.",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
}

/// Lower-case letters, digits and single hyphens: `reset-2fa`.
pub fn parse_slug(s: &str) -> Result<String, AppError> {
    let s = s.trim();
    let bad = |m: &str| AppError::invalid("slug", m.to_string());
    if s.is_empty() {
        return Err(bad("Please enter a slug, like reset-your-2fa."));
    }
    if s.len() > SLUG_MAX {
        return Err(bad(&format!("A slug has at most {SLUG_MAX} characters.")));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || s.starts_with('-')
        || s.ends_with('-')
        || s.contains("--")
    {
        return Err(bad(
            "Use lower-case letters, digits and single hyphens, like reset-your-2fa.",
        ));
    }
    Ok(s.to_string())
}

/// A slug made from a title: `Reset your 2FA!` → `reset-your-2fa`.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= SLUG_MAX {
            break;
        }
    }
    out.trim_matches('-').to_string()
}

/// A guide as written by an editor or an import, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideDraft {
    pub slug: String,
    pub title: String,
    pub category: Category,
    pub visibility: Visibility,
    pub owner: String,
    pub body: String,
}

impl GuideDraft {
    pub fn parse(
        slug: &str,
        title: &str,
        category: &str,
        visibility: &str,
        owner: &str,
        body: &str,
    ) -> Result<GuideDraft, AppError> {
        // Every field is checked, so that one attempt shows every message.
        let mut problems = Problems::default();
        let title = problems.check(
            parse_text("title", "a title", title, GUIDE_TITLE_MAX).and_then(|t| {
                if t.contains(['\n', '\r']) {
                    Err(AppError::invalid(
                        "title",
                        "The title must be a single line.",
                    ))
                } else {
                    Ok(t)
                }
            }),
        );
        // An empty slug is made from the title; without a title there is nothing to check yet.
        let slug = if slug.trim().is_empty() {
            title.as_deref().map(slugify)
        } else {
            Some(slug.to_string())
        };
        let slug = slug.and_then(|s| problems.check(parse_slug(&s)));
        let category = problems.check(Category::parse(category));
        let visibility = problems.check(Visibility::parse(visibility));
        let owner = owner.trim().to_string();
        if owner.chars().count() > 100 {
            problems.check::<()>(Err(AppError::invalid(
                "owner",
                "The owner has at most 100 characters.",
            )));
        }
        let body = problems.check(parse_text("body", "the guide's text", body, GUIDE_BODY_MAX));
        problems.finish()?;
        match (slug, title, category, visibility, body) {
            (Some(slug), Some(title), Some(category), Some(visibility), Some(body)) => {
                Ok(GuideDraft {
                    slug,
                    title,
                    category,
                    visibility,
                    owner,
                    body,
                })
            }
            // `finish` has already answered for every field that was not right.
            _ => Err(AppError::Internal),
        }
    }
}

/// English filler words (and the FTS5 operators), dropped from searches on both databases.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but",
    "by", "can", "cannot", "could", "did", "do", "does", "doing", "for", "from", "get", "got",
    "had", "has", "have", "having", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "keeps", "me", "my", "near", "no", "not", "of", "on", "or", "our", "please", "she",
    "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "to", "too", "up", "us", "was", "we", "were", "what", "when", "where", "which", "while", "who",
    "why", "will", "with", "would", "you", "your",
];

/// The words of a search, lower-cased, without punctuation or query operators, so that no input
/// can be read as FTS syntax by either database.
/// Words that ask who owns something. In "who owns Okta" only "Okta" is searched for: the
/// system comes first on its own, and a guide is not ranked for saying "owner".
const OWNERSHIP_WORDS: &[&str] = &["own", "owns", "owned", "owner", "owners", "ownership"];

pub fn search_terms(q: &str) -> Vec<String> {
    let mut terms = words_searched(q);
    if terms.iter().any(|t| !OWNERSHIP_WORDS.contains(&t.as_str())) {
        terms.retain(|t| !OWNERSHIP_WORDS.contains(&t.as_str()));
    }
    terms
}

fn words_searched(q: &str) -> Vec<String> {
    let q: String = q.chars().take(QUERY_MAX_CHARS).collect();
    let mut terms: Vec<String> = Vec::new();
    for word in q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        // FTS5 keywords are only special in upper case, but dropping them costs nothing; filler
        // words match everything, rank nothing and make searches slow.
        if STOP_WORDS.contains(&word.as_str()) || word.chars().count() > 40 {
            continue;
        }
        if !terms.contains(&word) {
            terms.push(word);
        }
        if terms.len() == QUERY_MAX_TERMS {
            break;
        }
    }
    terms
}

/// Text with highlighted parts, from a snippet whose matches the database wrapped in
/// `\u{2}`…`\u{3}` markers. Rendered as text nodes and `<mark>` elements, never as HTML.
pub fn highlight_segments(snippet: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut marked = false;
    let mut cur = String::new();
    for c in snippet.chars() {
        match c {
            '\u{2}' | '\u{3}' => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), marked));
                }
                marked = c == '\u{2}';
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push((cur, marked));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(parse_slug("reset-your-2fa").unwrap(), "reset-your-2fa");
        for bad in ["", "Reset", "a b", "-a", "a-", "a--b", "ä", "a/b"] {
            assert_eq!(parse_slug(bad).unwrap_err().field(), Some("slug"), "{bad}");
        }
        assert_eq!(slugify("  Reset your 2FA! (Okta) "), "reset-your-2fa-okta");
        assert_eq!(slugify("Ünïcode — only"), "n-code-only");
    }

    #[test]
    fn drafts_name_the_bad_field() {
        let ok = GuideDraft::parse("", "Reset your 2FA", "resets", "public", "IT", "Body").unwrap();
        assert_eq!(ok.slug, "reset-your-2fa");
        let field = |r: Result<GuideDraft, AppError>| r.unwrap_err().field().unwrap().to_string();
        assert_eq!(
            field(GuideDraft::parse("", "", "resets", "public", "", "b")),
            "title"
        );
        assert_eq!(
            field(GuideDraft::parse(
                "Bad Slug", "t", "resets", "public", "", "b"
            )),
            "slug"
        );
        assert_eq!(
            field(GuideDraft::parse("", "t", "printers", "public", "", "b")),
            "category"
        );
        assert_eq!(
            field(GuideDraft::parse("", "t", "resets", "secret", "", "b")),
            "visibility"
        );
        assert_eq!(
            field(GuideDraft::parse("", "t", "resets", "public", "", " ")),
            "body"
        );
    }

    #[test]
    fn an_empty_guide_names_every_field_at_once() {
        let e = GuideDraft::parse("", "", "", "public", &"o".repeat(101), "").unwrap_err();
        let fields: Vec<String> = e.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["title", "category", "owner", "body"]);
    }

    #[test]
    fn search_terms_drop_syntax() {
        assert_eq!(search_terms("Resetting my 2FA?"), ["resetting", "2fa"]);
        assert_eq!(search_terms("How do I reset the VPN"), ["reset", "vpn"]);
        assert!(search_terms("\"*:-()^NEAR AND OR NOT").is_empty());
        assert_eq!(search_terms("vpn -client \"NEAR\" vpn*"), ["vpn", "client"]);
        assert_eq!(search_terms(&"word ".repeat(1000)), ["word"]);
        assert_eq!(
            search_terms(
                &(0..100)
                    .map(|i| format!("w{i}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
            .len(),
            QUERY_MAX_TERMS
        );
    }

    #[test]
    fn who_owns_searches_for_the_system_only() {
        assert_eq!(search_terms("Who owns Okta?"), ["okta"]);
        assert_eq!(search_terms("okta owner"), ["okta"]);
        assert_eq!(search_terms("Who is the owner of the VPN"), ["vpn"]);
        // Alone, an ownership word is what is searched for.
        assert_eq!(search_terms("ownership"), ["ownership"]);
    }

    #[test]
    fn highlights_split_on_markers() {
        assert_eq!(
            highlight_segments("How to \u{2}reset\u{3} your <b>2FA</b>"),
            vec![
                ("How to ".to_string(), false),
                ("reset".to_string(), true),
                (" your <b>2FA</b>".to_string(), false)
            ]
        );
        assert!(highlight_segments("").is_empty());
    }
}
