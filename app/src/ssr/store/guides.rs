//! Guides and runbooks: saving with revisions, reading, votes, and full-text search on each
//! database's own engine (SQLite FTS5, Postgres tsvector with a GIN index).

use super::{q, BeginWrite, Db, Pool, Result, StoreError};
use crate::domain::guide::{GuideDraft, Visibility};
use crate::ssr::snippet::{Highlighter, Term};
use sqlx::FromRow;

/// What saving a guide did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Added,
    Updated,
    Unchanged,
}

impl Db {
    /// Creates the guide, or updates it if its content differs, writing a revision either way
    /// it changes; all in one transaction. `expected_revision` guards edits against overwriting
    /// someone else's newer save (imports pass `None`).
    pub async fn save_guide(
        &self,
        d: &GuideDraft,
        body_text: &str,
        author_id: Option<i64>,
        expected_revision: Option<i32>,
        note: &str,
    ) -> Result<(i64, i32, Saved)> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let existing: Option<(i64, i32, String, String, String, String, String)> = q(sqlx::query_as(
                "SELECT id, revision, title, category, visibility, owner, body FROM guides WHERE slug = $1")
                .bind(&d.slug).fetch_optional(&mut *tx).await)?;
            let (id, revision, saved) = match existing {
                None => {
                    let (id,): (i64,) = q(sqlx::query_as(
                        "INSERT INTO guides (slug, title, category, visibility, owner, body, body_text, revision, last_reviewed_at, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $8) RETURNING id")
                        .bind(&d.slug).bind(&d.title).bind(d.category.as_str()).bind(d.visibility.as_str())
                        .bind(&d.owner).bind(&d.body).bind(body_text).bind(now)
                        .fetch_one(&mut *tx).await)?;
                    (id, 1, Saved::Added)
                }
                Some((id, revision, title, category, visibility, owner, body)) => {
                    if expected_revision.is_some_and(|r| r != revision) {
                        return Err(StoreError::Stale);
                    }
                    if (title.as_str(), category.as_str(), visibility.as_str(), owner.as_str(), body.as_str())
                        == (d.title.as_str(), d.category.as_str(), d.visibility.as_str(), d.owner.as_str(), d.body.as_str())
                    {
                        return Ok((id, revision, Saved::Unchanged));
                    }
                    q(sqlx::query(
                        "UPDATE guides SET title = $1, category = $2, visibility = $3, owner = $4, body = $5, body_text = $6, \
                         revision = revision + 1, last_reviewed_at = $7, updated_at = $7 WHERE id = $8")
                        .bind(&d.title).bind(d.category.as_str()).bind(d.visibility.as_str()).bind(&d.owner)
                        .bind(&d.body).bind(body_text).bind(now).bind(id)
                        .execute(&mut *tx).await)?;
                    (id, revision + 1, Saved::Updated)
                }
            };
            q(sqlx::query(
                "INSERT INTO guide_revisions (guide_id, number, title, category, visibility, owner, body, author_id, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(id).bind(revision).bind(&d.title).bind(d.category.as_str()).bind(d.visibility.as_str())
                .bind(&d.owner).bind(&d.body).bind(author_id).bind(note).bind(now)
                .execute(&mut *tx).await)?;
            q(tx.commit().await)?;
            Ok((id, revision, saved))
        })
    }

    /// A guide by slug, whatever its visibility: callers check who may see it.
    pub async fn guide(&self, slug: &str) -> Result<Option<GuideRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("{GUIDE_SELECT} WHERE g.slug = $1"))
            .bind(slug).fetch_optional(p).await))
    }

    /// The guides that solved most problems and were found most helpful: the front page's
    /// "most used".
    pub async fn popular_guides(
        &self,
        include_internal: bool,
        limit: i64,
    ) -> Result<Vec<GuideRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{GUIDE_SELECT} WHERE (g.visibility = 'public' OR $1) \
             ORDER BY (g.solved_count + g.helpful_yes - g.helpful_no) DESC, g.title LIMIT $2"))
            .bind(include_internal).bind(limit).fetch_all(p).await))
    }

    /// Every guide the viewer may see, most helpful first within each category.
    pub async fn guides(
        &self,
        include_internal: bool,
        category: Option<&str>,
    ) -> Result<Vec<GuideRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{GUIDE_SELECT} WHERE (g.visibility = 'public' OR $1) AND ($2 = '' OR g.category = $2) \
             ORDER BY g.category, (g.helpful_yes - g.helpful_no) DESC, g.solved_count DESC, g.title"))
            .bind(include_internal).bind(category.unwrap_or("")).fetch_all(p).await))
    }

    /// A page of guides in slug order after `after` (keyset paging for the API).
    pub async fn guides_page(
        &self,
        include_internal: bool,
        category: Option<&str>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<GuideRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{GUIDE_SELECT} WHERE (g.visibility = 'public' OR $1) AND ($2 = '' OR g.category = $2) AND g.slug > $3 \
             ORDER BY g.slug LIMIT $4"))
            .bind(include_internal).bind(category.unwrap_or("")).bind(after).bind(limit).fetch_all(p).await))
    }

    /// Other guides of the same category, most helpful first.
    pub async fn related_guides(
        &self,
        g: &GuideRow,
        include_internal: bool,
        limit: i64,
    ) -> Result<Vec<GuideRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!(
            "{GUIDE_SELECT} WHERE g.category = $1 AND g.id <> $2 AND (g.visibility = 'public' OR $3) \
             ORDER BY (g.helpful_yes - g.helpful_no) DESC, g.title LIMIT $4"))
            .bind(&g.category).bind(g.id).bind(include_internal).bind(limit).fetch_all(p).await))
    }

    /// Full-text search, best match first, with a snippet whose matches are wrapped in
    /// `\u{2}`…`\u{3}`. `terms` must come from `domain::guide::search_terms` (letters and
    /// digits only), which is what makes them safe to put into either engine's query syntax.
    ///
    /// The search relaxes in stages and stops at the first that finds anything: every word (the
    /// last, if 3+ letters, also as the beginning of a word: search as you type); then every
    /// finished word without that unfinished last one; then any word, so that a long, chatty
    /// request title still finds something.
    pub async fn search_guides(
        &self,
        terms: &[String],
        include_internal: bool,
        category: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SearchHit>> {
        for (stage, every) in search_stages(terms) {
            let rows = self
                .ranked_guides(&stage, every, include_internal, category, limit)
                .await?;
            if !rows.is_empty() {
                let h = Highlighter::new(&stage);
                return Ok(rows
                    .into_iter()
                    .map(|r| SearchHit {
                        snippet: h.snippet(&r.body_text, 24),
                        slug: r.slug,
                        title: r.title,
                        category: r.category,
                        visibility: r.visibility,
                    })
                    .collect());
            }
        }
        Ok(Vec::new())
    }

    async fn ranked_guides(
        &self,
        terms: &[Term],
        every: bool,
        include_internal: bool,
        category: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RankedRow>> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let expr = terms
                    .iter()
                    .map(|t| {
                        let star = if t.prefix { "*" } else { "" };
                        format!("\"{}\"{star}", t.word)
                    })
                    .collect::<Vec<_>>()
                    .join(if every { " AND " } else { " OR " });
                // The filters read the narrow covering index, not the wide guides rows; only the
                // rows shown are then read in full.
                q(sqlx::query_as(
                    "SELECT g.slug, g.title, g.category, g.visibility, g.body_text \
                     FROM (SELECT guides_fts.rowid AS id, bm25(guides_fts, 10.0, 1.0) AS rank \
                           FROM guides_fts \
                           JOIN guides g2 INDEXED BY guides_search_filter ON g2.id = guides_fts.rowid \
                           WHERE guides_fts MATCH $1 AND (g2.visibility = 'public' OR $2) \
                             AND ($3 = '' OR g2.category = $3) \
                           ORDER BY rank LIMIT $4) top \
                     JOIN guides g ON g.id = top.id \
                     ORDER BY top.rank, g.id")
                    .bind(expr).bind(include_internal).bind(category.unwrap_or("")).bind(limit)
                    .fetch_all(p).await)
            }
            Pool::Postgres(p) => {
                let expr = terms
                    .iter()
                    .map(|t| {
                        let star = if t.prefix { ":*" } else { "" };
                        format!("{}{star}", t.word)
                    })
                    .collect::<Vec<_>>()
                    .join(if every { " & " } else { " | " });
                // Rank on the narrow guide_search table (see its migration), then read only the
                // rows shown.
                q(sqlx::query_as(
                    "SELECT g.slug, g.title, g.category, g.visibility, g.body_text \
                     FROM (SELECT s.guide_id, ts_rank_cd(s.search, query) AS rank \
                           FROM guide_search s, to_tsquery('english', $1) query \
                           WHERE s.search @@ query AND (s.visibility = 'public' OR $2) \
                             AND ($3 = '' OR s.category = $3) \
                           ORDER BY rank DESC, s.guide_id LIMIT $4) top \
                     JOIN guides g ON g.id = top.guide_id \
                     ORDER BY top.rank DESC, g.id",
                )
                .bind(expr)
                .bind(include_internal)
                .bind(category.unwrap_or(""))
                .bind(limit)
                .fetch_all(p)
                .await)
            }
        }
    }

    /// Changes whenever a guide is added, removed or saved (how many there are and the sum of
    /// their revisions), or a system is added, removed or edited.
    pub async fn guides_stamp(&self) -> Result<(i64, i64, i64, i64)> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM guides), \
             (SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) FROM guides), \
             (SELECT COUNT(*) FROM systems), \
             (SELECT CAST(COALESCE(MAX(updated_at), 0) AS BIGINT) FROM systems)")
            .fetch_one(p).await))
    }

    /// Every guide's title and searchable text, for the search's vocabulary.
    pub async fn guide_texts(&self) -> Result<Vec<GuideText>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT title, body_text, visibility FROM guides").fetch_all(p).await))
    }

    /// Records or replaces one person's (or browser's) vote.
    pub async fn vote_guide(&self, guide_id: i64, voter: &str, helpful: bool) -> Result<()> {
        on_pool!(self, p => q(sqlx::query(
            "INSERT INTO guide_votes (guide_id, voter, helpful, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (guide_id, voter) DO UPDATE SET helpful = excluded.helpful, at = excluded.at")
            .bind(guide_id).bind(voter).bind(helpful).bind(self.now()).execute(p).await.map(|_| ())))
    }

    /// "This solved it" from a request form's suggestions.
    pub async fn count_guide_solved(&self, guide_id: i64) -> Result<()> {
        on_pool!(self, p => q(sqlx::query("UPDATE guides SET solved_count = solved_count + 1 WHERE id = $1")
            .bind(guide_id).execute(p).await.map(|_| ())))
    }

    pub async fn guide_revisions(&self, guide_id: i64) -> Result<Vec<RevisionRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT r.number, r.title, r.category, r.visibility, r.owner, r.body, r.note, r.at, \
               COALESCE(u.name, 'Import') AS author_name \
             FROM guide_revisions r LEFT JOIN users u ON u.id = r.author_id \
             WHERE r.guide_id = $1 ORDER BY r.number DESC")
            .bind(guide_id).fetch_all(p).await))
    }
}

/// A derived table, so that callers can filter and sort on the vote counts by name on both
/// databases.
const GUIDE_SELECT: &str =
    "SELECT * FROM (SELECT g.id, g.slug, g.title, g.category, g.visibility, g.owner, g.body, \
    g.revision, g.last_reviewed_at, g.updated_at, g.solved_count, \
    (SELECT COUNT(*) FROM guide_votes v WHERE v.guide_id = g.id AND v.helpful) AS helpful_yes, \
    (SELECT COUNT(*) FROM guide_votes v WHERE v.guide_id = g.id AND NOT v.helpful) AS helpful_no \
    FROM guides g) g";

#[derive(Debug, Clone, FromRow)]
pub struct GuideRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub visibility: String,
    pub owner: String,
    pub body: String,
    pub revision: i32,
    pub last_reviewed_at: i64,
    pub updated_at: i64,
    pub solved_count: i32,
    pub helpful_yes: i64,
    pub helpful_no: i64,
}

impl GuideRow {
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public.as_str()
    }
}

#[derive(Debug, Clone, FromRow)]
struct RankedRow {
    slug: String,
    title: String,
    category: String,
    visibility: String,
    body_text: String,
}

#[derive(Debug, Clone)]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    pub category: String,
    pub visibility: String,
    pub snippet: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct GuideText {
    pub title: String,
    pub body_text: String,
    pub visibility: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct RevisionRow {
    pub number: i32,
    pub title: String,
    pub category: String,
    pub visibility: String,
    pub owner: String,
    pub body: String,
    pub note: String,
    pub at: i64,
    pub author_name: String,
}

/// The stages `search_guides` tries, each a list of terms and whether every one must match.
/// One or two letters as a prefix would match half the dictionary, so only a last word of 3+
/// letters is also taken as the beginning of a word.
fn search_stages(terms: &[String]) -> Vec<(Vec<Term>, bool)> {
    let exact = |w: &String| Term {
        word: w.clone(),
        prefix: false,
    };
    let Some((last, finished)) = terms.split_last() else {
        return Vec::new();
    };
    let typing = last.chars().count() >= 3;
    let mut every: Vec<Term> = finished.iter().map(exact).collect();
    every.push(Term {
        word: last.clone(),
        prefix: typing,
    });
    let mut stages = vec![(every, true)];
    if typing && !finished.is_empty() {
        stages.push((finished.iter().map(exact).collect(), true));
    }
    if terms.len() > 1 {
        stages.push((terms.iter().map(exact).collect(), false));
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    fn show(stages: Vec<(Vec<Term>, bool)>) -> Vec<String> {
        stages
            .into_iter()
            .map(|(terms, every)| {
                let t: Vec<String> = terms
                    .iter()
                    .map(|t| format!("{}{}", t.word, if t.prefix { "*" } else { "" }))
                    .collect();
                t.join(if every { " & " } else { " | " })
            })
            .collect()
    }

    #[test]
    fn stages_relax_from_every_word_to_finished_words_to_any_word() {
        assert_eq!(
            show(search_stages(&words(&["reset", "laptop", "acc"]))),
            [
                "reset & laptop & acc*",
                "reset & laptop",
                "reset | laptop | acc"
            ]
        );
        assert_eq!(
            show(search_stages(&words(&["reset", "vp"]))),
            ["reset & vp", "reset | vp"]
        );
        assert_eq!(show(search_stages(&words(&["vpn"]))), ["vpn*"]);
        assert_eq!(show(search_stages(&words(&["vp"]))), ["vp"]);
        assert!(search_stages(&[]).is_empty());
    }
}
