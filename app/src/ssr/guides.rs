//! Guide operations shared by server functions, the JSON API and the import command.

use super::attachments::Carried;
use super::ctx::{self, AppState};
use super::markdown;
use super::store::{Db, GuideRow, Saved, SearchHit};
use crate::domain::access;
use crate::domain::error::{AppError, Problems};
use crate::domain::guide::{highlight_segments, search_terms, Category, GuideDraft, Visibility};
use crate::domain::spelling::Vocabulary;
use crate::domain::time::Timestamp;
use crate::domain::user::Viewer;
use crate::model::guides::{
    CategoryGuides, DiffLine, GuideHistory, GuideHit, GuideSource, GuideStats, GuideSummary,
    GuideView, GuidesView, RevisionView,
};

pub const SEARCH_LIMIT: i64 = 20;
pub const SUGGEST_LIMIT: i64 = 5;

fn category_of(s: &str) -> Category {
    Category::parse(s).unwrap_or(Category::TechSupport)
}

pub(crate) fn summary(g: &GuideRow) -> GuideSummary {
    GuideSummary {
        slug: g.slug.clone(),
        title: g.title.clone(),
        category: category_of(&g.category),
        internal: !g.is_public(),
    }
}

fn hit(h: SearchHit) -> GuideHit {
    GuideHit {
        category: category_of(&h.category),
        internal: h.visibility != "public",
        snippet: highlight_segments(&h.snippet),
        slug: h.slug,
        title: h.title,
    }
}

/// An empty search shows the categories; anything else searches. An unknown category filter is
/// ignored rather than refused: it comes from a URL.
pub async fn browse(
    st: &AppState,
    v: Option<&Viewer>,
    q: &str,
    category: &str,
) -> Result<GuidesView, AppError> {
    let internal = access::can_read_internal_guides(v);
    let category = Category::parse(category).ok();
    let mut corrected = None;
    let mut suggestions = Vec::new();
    let hits = if q.trim().is_empty() {
        None
    } else {
        let words = words(st, internal).await?;
        let (terms, fixed) = forgiving_terms(&words, q);
        let rows = search(
            st,
            &terms,
            internal,
            category.map(Category::as_str),
            SEARCH_LIMIT,
        )
        .await?;
        if rows.is_empty() {
            suggestions = closest_words(&words, &terms);
        } else if fixed {
            corrected = Some(terms.join(" "));
        }
        Some(rows.iter().cloned().map(hit).collect())
    };
    let mut categories: Vec<CategoryGuides> = Category::ALL
        .iter()
        .filter(|c| category.is_none_or(|only| only == **c))
        .map(|c| CategoryGuides {
            category: *c,
            guides: Vec::new(),
        })
        .collect();
    if hits.is_none() {
        for g in st
            .db
            .guides(internal, category.map(Category::as_str))
            .await?
        {
            let c = category_of(&g.category);
            if let Some(group) = categories.iter_mut().find(|g| g.category == c) {
                group.guides.push(summary(&g));
            }
        }
    }
    // "Who owns X?": a system named in the search comes first.
    let systems = if q.trim().is_empty() {
        Vec::new()
    } else {
        super::systems::named_in(st, v, q).await?
    };
    Ok(GuidesView {
        hits,
        categories,
        systems,
        corrected,
        suggestions,
    })
}

/// The search's words with each misspelt one put right where one edit makes it a word of the
/// guides; and whether any was.
/// The guides' words for this audience. Whether the guides changed is asked once per the read
/// cache's time to live, not on every search: a guide or system saved here reaches the next
/// search at once (such changes invalidate the cache), one saved elsewhere within that time.
async fn words(st: &AppState, internal: bool) -> Result<std::sync::Arc<Vocabulary>, AppError> {
    let stamp = st
        .cache
        .shared(None, "guides:stamp", || st.db.guides_stamp())
        .await?;
    st.words.vocabulary(&st.db, *stamp, internal).await
}

/// The hits for these words and audience, shared by everyone asking the same within the read
/// cache's time to live: a guide saved here reaches the next search at once (such changes
/// invalidate the cache), one saved elsewhere within that time. Requests arriving do not touch
/// it. The terms are letters and digits only, so the key is unambiguous.
async fn search(
    st: &AppState,
    terms: &[String],
    internal: bool,
    category: Option<&str>,
    limit: i64,
) -> Result<std::sync::Arc<Vec<SearchHit>>, AppError> {
    let key = format!(
        "guides:search:{internal}:{}:{limit}:{}",
        category.unwrap_or(""),
        terms.join(" ")
    );
    Ok(st
        .cache
        .shared_search(None, &key, || {
            st.db.search_guides(terms, internal, category, limit)
        })
        .await?)
}

fn forgiving_terms(words: &Vocabulary, q: &str) -> (Vec<String>, bool) {
    let terms = search_terms(q);
    match words.correct_terms(&terms) {
        Some(fixed) => (fixed, true),
        None => (terms, false),
    }
}

/// Up to five words of the guides closest to the unknown words searched for.
fn closest_words(words: &Vocabulary, terms: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in terms.iter().filter(|t| !words.contains(t)) {
        for w in words.closest(t, 3) {
            if !out.contains(&w) && out.len() < 5 {
                out.push(w);
            }
        }
    }
    out
}

/// A guide the viewer may read; hidden ones are "not found", exactly like missing ones.
async fn visible(st: &AppState, v: Option<&Viewer>, slug: &str) -> Result<GuideRow, AppError> {
    match st.db.guide(slug).await? {
        Some(g) if g.is_public() || access::can_read_internal_guides(v) => Ok(g),
        _ => Err(AppError::not_found("That guide")),
    }
}

pub async fn read(st: &AppState, v: Option<&Viewer>, slug: &str) -> Result<GuideView, AppError> {
    let g = visible(st, v, slug).await?;
    let internal = access::can_read_internal_guides(v);
    let related = st.db.related_guides(&g, internal, 3).await?;
    Ok(GuideView {
        summary: summary(&g),
        owner: g.owner.clone(),
        last_reviewed: Timestamp::from_millis(g.last_reviewed_at),
        revision: g.revision,
        html: markdown::render(&g.body),
        related: related.iter().map(summary).collect(),
        stats: access::can_edit_guides(v).then(|| GuideStats {
            helpful_yes: g.helpful_yes,
            helpful_no: g.helpful_no,
            solved: g.solved_count,
        }),
    })
}

pub async fn suggest(
    st: &AppState,
    v: Option<&Viewer>,
    title: &str,
) -> Result<Vec<GuideHit>, AppError> {
    let internal = access::can_read_internal_guides(v);
    let (terms, _) = forgiving_terms(&*words(st, internal).await?, title);
    let rows = search(st, &terms, internal, None, SUGGEST_LIMIT).await?;
    Ok(rows.iter().cloned().map(hit).collect())
}

/// The voter's key: the person, or for visitors a per-browser cookie (set here if missing).
fn voter_key(v: Option<&Viewer>) -> String {
    match v {
        Some(v) => format!("user:{}", v.id),
        None => {
            let id = ctx::visitor_id().unwrap_or_else(|| {
                let id = super::auth::new_secret("");
                ctx::set_response_header(axum::http::header::SET_COOKIE, &ctx::visitor_cookie(&id));
                id
            });
            format!("visitor:{}", super::auth::secret_hash(&id))
        }
    }
}

pub async fn vote(
    st: &AppState,
    v: Option<&Viewer>,
    slug: &str,
    helpful: bool,
) -> Result<(), AppError> {
    let g = visible(st, v, slug).await?;
    st.db.vote_guide(g.id, &voter_key(v), helpful).await?;
    Ok(())
}

pub async fn solved(st: &AppState, v: Option<&Viewer>, slug: &str) -> Result<(), AppError> {
    let g = visible(st, v, slug).await?;
    st.db.count_guide_solved(g.id).await?;
    Ok(())
}

/// Saves a guide from an editor or an import, rendering its searchable text alongside.
pub async fn save(
    db: &Db,
    d: &GuideDraft,
    author: Option<i64>,
    expected_revision: Option<i32>,
    note: &str,
) -> Result<Saved, AppError> {
    let text = markdown::plain_text(&d.body);
    let (_, _, saved) = db
        .save_guide(d, &text, author, expected_revision, note)
        .await?;
    Ok(saved)
}

/// The API's listing: search results when `q` has words, else guides in slug order from the
/// cursor (the last slug of the previous page).
pub async fn api_list(
    st: &AppState,
    v: Option<&Viewer>,
    q: &str,
    category: &str,
    cursor: &str,
) -> Result<(Vec<GuideHit>, Option<String>), AppError> {
    let internal = access::can_read_internal_guides(v);
    let category = match category.trim() {
        "" => None,
        c => Some(Category::parse(c)?),
    };
    if !q.trim().is_empty() {
        let (terms, _) = forgiving_terms(&*words(st, internal).await?, q);
        let rows = search(
            st,
            &terms,
            internal,
            category.map(Category::as_str),
            SEARCH_LIMIT,
        )
        .await?;
        return Ok((rows.iter().cloned().map(hit).collect(), None));
    }
    const PAGE: i64 = 50;
    let rows = st
        .db
        .guides_page(internal, category.map(Category::as_str), cursor, PAGE)
        .await?;
    let next = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|g| g.slug.clone()))
        .flatten();
    let hits = rows
        .iter()
        .map(|g| GuideHit {
            slug: g.slug.clone(),
            title: g.title.clone(),
            category: category_of(&g.category),
            internal: !g.is_public(),
            snippet: Vec::new(),
        })
        .collect();
    Ok((hits, next))
}

fn require_editor(v: Option<&Viewer>) -> Result<&Viewer, AppError> {
    match v {
        None => Err(AppError::Unauthenticated),
        Some(v) if access::can_edit_guides(Some(v)) => Ok(v),
        Some(_) => Err(AppError::Forbidden),
    }
}

/// A guide for its editors: any visibility, after checking the viewer edits guides.
async fn editable(st: &AppState, v: Option<&Viewer>, slug: &str) -> Result<GuideRow, AppError> {
    require_editor(v)?;
    st.db
        .guide(slug)
        .await?
        .ok_or_else(|| AppError::not_found("That guide"))
}

pub async fn source(
    st: &AppState,
    v: Option<&Viewer>,
    slug: &str,
) -> Result<GuideSource, AppError> {
    let g = editable(st, v, slug).await?;
    Ok(GuideSource {
        slug: g.slug.clone(),
        title: g.title.clone(),
        category: category_of(&g.category),
        visibility: if g.is_public() {
            Visibility::Public
        } else {
            Visibility::Internal
        },
        owner: g.owner.clone(),
        body: g.body.clone(),
        revision: g.revision,
    })
}

/// What the guide editor sends.
pub struct Edit<'a> {
    /// The guide's slug when editing; empty for a new guide.
    pub original: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub visibility: &'a str,
    pub owner: &'a str,
    pub body: &'a str,
    pub revision: &'a str,
    pub note: &'a str,
}

/// Saves a guide from the editor. Files sent with it are attached to the guide and, unless the
/// text already shows them (the app inserts them where they were dropped), added at its end:
/// images shown, other files linked.
pub async fn edit(
    st: &AppState,
    v: &Viewer,
    e: Edit<'_>,
    files: Carried<'_>,
) -> Result<String, AppError> {
    require_editor(Some(v))?;
    let mut problems = Problems::default();
    let note = e.note.trim();
    if note.chars().count() > 200 {
        problems.check::<()>(Err(AppError::invalid(
            "note",
            "Keep the note under 200 characters.",
        )));
    }
    let files = problems
        .check(super::attachments::take(st, v, files).await)
        .unwrap_or_default();
    let mut body = e.body.to_string();
    for a in st.db.pending_attachments(v.id, &files).await? {
        let view = super::attachments::view(&a);
        if !body.contains(&view.url) {
            let alt: String = view
                .name
                .chars()
                .filter(|c| !matches!(c, '[' | ']' | '(' | ')' | '!'))
                .collect();
            body.push_str(&format!(
                "\n\n{}[{alt}]({})",
                if view.image { "!" } else { "" },
                view.url
            ));
        }
    }
    let existing = if e.original.is_empty() {
        None
    } else {
        // The slug is the guide's address: it does not change on edit.
        Some(
            st.db
                .guide(e.original)
                .await?
                .ok_or_else(|| AppError::not_found("That guide"))?,
        )
    };
    let slug = existing.as_ref().map_or(e.slug, |g| g.slug.as_str());
    let d = problems.check(GuideDraft::parse(
        slug,
        e.title,
        e.category,
        e.visibility,
        e.owner,
        &body,
    ));
    problems.finish()?;
    let Some(d) = d else {
        return Err(AppError::Internal);
    };
    if existing.is_none() && st.db.guide(&d.slug).await?.is_some() {
        return Err(AppError::invalid(
            "slug",
            "Another guide already has this slug.",
        ));
    }
    let expected = if existing.is_none() {
        None
    } else {
        Some(
            e.revision
                .trim()
                .parse::<i32>()
                .map_err(|_| AppError::invalid("revision", "Reload the editor and try again."))?,
        )
    };
    save(&st.db, &d, Some(v.id), expected, note).await.map_err(|e| match e {
        AppError::Conflict { .. } => AppError::conflict(
            "Someone saved this guide after you opened it. Open the editor again to see their change.",
        ),
        other => other,
    })?;
    if !files.is_empty() {
        let saved = st.db.guide(&d.slug).await?.ok_or(AppError::Internal)?;
        // Only the uploader's own pending files are taken; a second save of the same form
        // finds them attached already and leaves them.
        if let Err(e) = st.db.attach_to_guide(v.id, &files, saved.id).await {
            tracing::warn!(error = %e, guide = %d.slug, "files of a saved guide were not attached");
        }
    }
    Ok(d.slug)
}

pub fn preview(v: Option<&Viewer>, body: &str) -> Result<String, AppError> {
    require_editor(v)?;
    if body.chars().count() > crate::domain::guide::GUIDE_BODY_MAX {
        return Err(AppError::invalid(
            "body",
            "The guide is too long to preview.",
        ));
    }
    Ok(markdown::render(body))
}

fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

pub async fn history(
    st: &AppState,
    v: Option<&Viewer>,
    slug: &str,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<GuideHistory, AppError> {
    let g = editable(st, v, slug).await?;
    let revs = st.db.guide_revisions(g.id).await?;
    let render = |r: &super::store::RevisionRow| {
        format!(
            "# {}\n\ncategory: {} · visibility: {} · owner: {}\n\n{}\n",
            r.title, r.category, r.visibility, r.owner, r.body
        )
    };
    let diff = match (from, to) {
        (Some(a), Some(b)) => {
            let find = |n: i32| {
                revs.iter()
                    .find(|r| r.number == n)
                    .ok_or_else(|| AppError::invalid("from", format!("There is no revision {n}.")))
            };
            let (ra, rb) = (find(a)?, find(b)?);
            Some((a, b, diff_lines(&render(ra), &render(rb))))
        }
        _ => None,
    };
    Ok(GuideHistory {
        slug: g.slug.clone(),
        title: g.title.clone(),
        revisions: revs
            .iter()
            .map(|r| RevisionView {
                number: r.number,
                author: r.author_name.clone(),
                at: Timestamp::from_millis(r.at),
                note: r.note.clone(),
                title: r.title.clone(),
            })
            .collect(),
        diff,
    })
}

pub async fn restore(st: &AppState, v: &Viewer, slug: &str, number: &str) -> Result<(), AppError> {
    let g = editable(st, Some(v), slug).await?;
    let number: i32 = number
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("number", "Choose a revision."))?;
    let revs = st.db.guide_revisions(g.id).await?;
    let r = revs
        .iter()
        .find(|r| r.number == number)
        .ok_or_else(|| AppError::invalid("number", format!("There is no revision {number}.")))?;
    let d = GuideDraft::parse(
        &g.slug,
        &r.title,
        &r.category,
        &r.visibility,
        &r.owner,
        &r.body,
    )?;
    save(
        &st.db,
        &d,
        Some(v.id),
        Some(g.revision),
        &format!("restored revision {number}"),
    )
    .await?;
    Ok(())
}
