//! The tech-stack registry: importing systems with a three-way merge, reading and filtering them,
//! editing them with history.

use super::{q, BeginWrite, Db, Result, StoreError};
use crate::domain::registry::{
    managed_by_default, merge_import, system_slug, text, title_key, Fields, SystemFacts,
};
use sqlx::FromRow;

/// What one import did, system by system (titles as in the file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub added: Vec<String>,
    /// Title and the fields the import changed.
    pub changed: Vec<(String, Vec<String>)>,
    pub unchanged: Vec<String>,
    /// Title and the fields edited here and in the file differently: kept as edited here unless
    /// the import overwrote them.
    pub conflicts: Vec<(String, Vec<String>)>,
}

/// The filters of the systems list and API; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    /// Words that must all appear in the name, description or owners.
    pub words: Vec<String>,
    /// `red` … `green`, or `unknown`.
    pub classification: String,
    /// `1` … `4`, or `unknown`.
    pub tier: String,
    /// `yes` or `no`.
    pub baseline: String,
    /// `SOX`, `SOC2` or `none`.
    pub compliance: String,
    /// An owner group, exactly.
    pub group: String,
    /// `title` (default), `tier`, `classification` or `updated`.
    pub sort: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SystemRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub group_owner: String,
    pub owner_channel: String,
    pub classification: Option<String>,
    pub tier: Option<i32>,
    pub compliance: Option<String>,
    pub baseline: Option<bool>,
    pub managed: bool,
    pub labels: String,
    pub fields: String,
    pub access: String,
    pub updated_at: i64,
}

impl SystemRow {
    /// The roles and groups admins keep for this system.
    pub fn access(&self) -> crate::domain::entitlement::SystemAccess {
        crate::domain::entitlement::SystemAccess {
            options: serde_json::from_str(&self.access).unwrap_or_default(),
        }
    }

    pub fn fields(&self) -> Fields {
        crate::domain::registry::normalise_names(
            serde_json::from_str(&self.fields).unwrap_or_default(),
        )
    }

    pub fn labels(&self) -> Vec<String> {
        serde_json::from_str(&self.labels).unwrap_or_default()
    }
}

/// A handle named in one of a system's people fields, with the person it links to, if any.
#[derive(Debug, Clone, FromRow)]
pub struct SystemPerson {
    pub role: String,
    pub handle: String,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct RegistryImportRow {
    pub id: i64,
    pub file_name: String,
    pub status: String,
    pub report: String,
    pub at: i64,
    pub who: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SystemEventRow {
    pub source: String,
    pub changes: String,
    pub at: i64,
    pub actor_name: Option<String>,
}

/// One field's change in a system's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

const SYSTEM_COLUMNS: &str = "id, slug, title, description, group_owner, owner_channel, \
    classification, tier, compliance, baseline, managed, labels, fields, access, updated_at";

/// The columns read out of a system's fields on every write.
struct Derived {
    description: String,
    group_owner: String,
    owner_channel: String,
    classification: Option<&'static str>,
    tier: Option<i32>,
    compliance: Option<String>,
    baseline: Option<bool>,
    labels: String,
    search_text: String,
    handles: Vec<(&'static str, String)>,
}

fn derive(title: &str, fields: &Fields) -> Derived {
    let facts = SystemFacts::of(fields);
    let t = |n: &str| text(fields, n).unwrap_or_default();
    let search_text = [
        title.to_string(),
        t("description"),
        t("group_owner"),
        t("business_owner"),
        t("technical_owner"),
        t("access_to"),
    ]
    .join("\n")
    .to_lowercase();
    Derived {
        description: t("description"),
        group_owner: t("group_owner"),
        owner_channel: t("group_owner_slack_channel"),
        classification: facts.classification.map(|c| c.as_str()),
        tier: facts.tier.map(i32::from),
        compliance: facts.compliance,
        baseline: facts.baseline,
        labels: serde_json::to_string(&facts.labels).unwrap_or_else(|_| "[]".into()),
        search_text,
        handles: facts.handles,
    }
}

fn changes(before: &Fields, after: &Fields, names: &[String]) -> Vec<FieldChange> {
    names
        .iter()
        .map(|n| FieldChange {
            field: n.clone(),
            before: before.get(n).cloned().unwrap_or_default(),
            after: after.get(n).cloned().unwrap_or_default(),
        })
        .collect()
}

/// `w` as literal text in a LIKE pattern with `ESCAPE '\'`: no input is a wildcard.
fn like_escape(w: &str) -> String {
    w.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn json(f: &Fields) -> String {
    serde_json::to_string(f).unwrap_or_else(|_| "{}".into())
}

/// Runs the statements that write one system's derived columns and people, on any executor.
macro_rules! write_system {
    ($tx:expr, $id:expr, $title:expr, $fields:expr, $now:expr) => {{
        let d = derive($title, $fields);
        q(sqlx::query(
            "UPDATE systems SET description = $1, group_owner = $2, owner_channel = $3, classification = $4, \
             tier = $5, compliance = $6, baseline = $7, labels = $8, search_text = $9, fields = $10, \
             updated_at = $11 WHERE id = $12")
            .bind(&d.description).bind(&d.group_owner).bind(&d.owner_channel).bind(d.classification)
            .bind(d.tier).bind(&d.compliance).bind(d.baseline).bind(&d.labels).bind(&d.search_text)
            .bind(json($fields)).bind($now).bind($id)
            .execute(&mut *$tx).await)?;
        q(sqlx::query("DELETE FROM system_people WHERE system_id = $1").bind($id).execute(&mut *$tx).await)?;
        for (i, (role, handle)) in d.handles.iter().enumerate() {
            q(sqlx::query(
                "INSERT INTO system_people (system_id, role, handle, position) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING")
                .bind($id).bind(*role).bind(handle.to_lowercase()).bind(i as i32)
                .execute(&mut *$tx).await)?;
        }
    }};
}

/// Appends one entry to a system's history (`actor` is `None` for imports).
macro_rules! record_event {
    ($tx:expr, $id:expr, $actor:expr, $source:expr, $changes:expr, $now:expr) => {
        q(sqlx::query(
            "INSERT INTO system_events (system_id, actor_id, source, changes, at) VALUES ($1, $2, $3, $4, $5)")
            .bind($id).bind($actor).bind($source)
            .bind(serde_json::to_string(&$changes).unwrap_or_else(|_| "[]".into())).bind($now)
            .execute(&mut *$tx).await)?
    };
}

impl Db {
    /// Imports systems (fields as in the file, each with a title) in one transaction, matching
    /// existing ones by title. See `domain::registry::merge_import` for how local edits are kept.
    pub async fn import_systems(
        &self,
        entries: &[Fields],
        overwrite: bool,
        dry_run: bool,
    ) -> Result<ImportOutcome> {
        let now = self.now();
        let mut out = ImportOutcome::default();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for incoming in entries {
                let title = text(incoming, "title").ok_or(StoreError::NotFound)?;
                let key = title_key(&title);
                let existing: Option<(i64, String, String)> = q(sqlx::query_as(
                    "SELECT id, fields, imported FROM systems WHERE title_key = $1")
                    .bind(&key).fetch_optional(&mut *tx).await)?;
                match existing {
                    None => {
                        let base = system_slug(&title);
                        let taken: Vec<(String,)> = q(sqlx::query_as(
                            "SELECT slug FROM systems WHERE slug = $1 OR slug LIKE $2")
                            .bind(&base).bind(format!("{base}-%")).fetch_all(&mut *tx).await)?;
                        let mut slug = base.clone();
                        let mut n = 2;
                        while taken.iter().any(|(s,)| *s == slug) {
                            slug = format!("{base}-{n}");
                            n += 1;
                        }
                        let managed = managed_by_default(text(incoming, "group_owner").as_deref());
                        let (id,): (i64,) = q(sqlx::query_as(
                            "INSERT INTO systems (slug, title, title_key, managed, fields, imported, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $5, $6, $6) RETURNING id")
                            .bind(&slug).bind(&title).bind(&key).bind(managed).bind(json(incoming)).bind(now)
                            .fetch_one(&mut *tx).await)?;
                        write_system!(tx, id, &title, incoming, now);
                        let names: Vec<String> = incoming.keys().cloned().collect();
                        record_event!(tx, id, None::<i64>, "import", changes(&Fields::new(), incoming, &names), now);
                        out.added.push(title);
                    }
                    Some((id, local, base)) => {
                        // Copies saved before a field was renamed read with today's names.
                        let local: Fields = crate::domain::registry::normalise_names(serde_json::from_str(&local).unwrap_or_default());
                        let base: Fields = crate::domain::registry::normalise_names(serde_json::from_str(&base).unwrap_or_default());
                        let (merged, changed, conflicts) = merge_import(&base, &local, incoming, overwrite);
                        if !conflicts.is_empty() {
                            out.conflicts.push((title.clone(), conflicts));
                        }
                        if changed.is_empty() {
                            if base != *incoming {
                                q(sqlx::query("UPDATE systems SET imported = $1 WHERE id = $2")
                                    .bind(json(incoming)).bind(id).execute(&mut *tx).await)?;
                            }
                            out.unchanged.push(title);
                            continue;
                        }
                        q(sqlx::query("UPDATE systems SET title = $1, imported = $2 WHERE id = $3")
                            .bind(&title).bind(json(incoming)).bind(id).execute(&mut *tx).await)?;
                        write_system!(tx, id, &title, &merged, now);
                        record_event!(tx, id, None::<i64>, "import", changes(&local, &merged, &changed), now);
                        out.changed.push((title, changed));
                    }
                }
            }
            if dry_run {
                q(tx.rollback().await)?;
            } else {
                q(tx.commit().await)?;
            }
            Ok(out)
        })
    }

    /// Keeps the report of an upload from the admin page; returns its id.
    pub async fn record_registry_import(
        &self,
        actor_id: i64,
        s: &crate::model::systems::ImportSummary,
    ) -> Result<i64> {
        let report = serde_json::to_string(s).unwrap_or_else(|_| "{}".into());
        on_pool!(self, p => q(sqlx::query_scalar(
            "INSERT INTO registry_imports (actor_id, file_name, status, report, at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(actor_id).bind(&s.file_name).bind(&s.status).bind(report).bind(self.now())
            .fetch_one(p).await))
    }

    /// The newest uploads first: (id, file name, status, report JSON, at, who).
    pub async fn registry_imports(
        &self,
        id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RegistryImportRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT i.id, i.file_name, i.status, i.report, i.at, COALESCE(u.name, '') AS who \
             FROM registry_imports i LEFT JOIN users u ON u.id = i.actor_id \
             WHERE ($1 = 0 OR i.id = $1) ORDER BY i.id DESC LIMIT $2")
            .bind(id.unwrap_or(0)).bind(limit).fetch_all(p).await))
    }

    /// Saves an admin's edit of a system's fields and managed flag, with the changes in its
    /// history; returns the names of the fields that changed (empty: nothing to save).
    pub async fn edit_system(
        &self,
        id: i64,
        fields: &Fields,
        managed: bool,
        actor_id: i64,
    ) -> Result<Vec<String>> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (title, before, was_managed): (String, String, bool) = q(sqlx::query_as(
                "SELECT title, fields, managed FROM systems WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await)?.ok_or(StoreError::NotFound)?;
            let before: Fields = crate::domain::registry::normalise_names(serde_json::from_str(&before).unwrap_or_default());
            let mut names: Vec<String> = before.keys().chain(fields.keys())
                .filter(|n| before.get(*n) != fields.get(*n))
                .cloned().collect();
            names.sort();
            names.dedup();
            let mut list = changes(&before, fields, &names);
            if managed != was_managed {
                names.push("managed".into());
                list.push(FieldChange { field: "managed".into(), before: was_managed.into(), after: managed.into() });
            }
            if names.is_empty() {
                return Ok(names);
            }
            q(sqlx::query("UPDATE systems SET managed = $1 WHERE id = $2")
                .bind(managed).bind(id).execute(&mut *tx).await)?;
            write_system!(tx, id, &title, fields, now);
            record_event!(tx, id, Some(actor_id), "edit", list, now);
            q(tx.commit().await)?;
            Ok(names)
        })
    }

    /// Replaces a system's roles and groups (`access`, JSON), with a history line; false when
    /// nothing changed.
    pub async fn set_system_access(
        &self,
        id: i64,
        access: &crate::domain::entitlement::SystemAccess,
        actor_id: i64,
    ) -> Result<bool> {
        let now = self.now();
        let json = serde_json::to_string(&access.options).unwrap_or_else(|_| "[]".into());
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let (before,): (String,) = q(sqlx::query_as("SELECT access FROM systems WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await)?.ok_or(StoreError::NotFound)?;
            let before = crate::domain::entitlement::SystemAccess {
                options: serde_json::from_str(&before).unwrap_or_default(),
            };
            if before == *access {
                return Ok(false);
            }
            q(sqlx::query("UPDATE systems SET access = $1, updated_at = $2 WHERE id = $3")
                .bind(&json).bind(now).bind(id).execute(&mut *tx).await)?;
            let change = vec![FieldChange {
                field: "access".into(),
                before: before.to_text().into(),
                after: access.to_text().into(),
            }];
            record_event!(tx, id, Some(actor_id), "edit", change, now);
            q(tx.commit().await)?;
            Ok(true)
        })
    }

    pub async fn system(&self, slug: &str) -> Result<Option<SystemRow>> {
        on_pool!(self, p => q(sqlx::query_as(&format!("SELECT {SYSTEM_COLUMNS} FROM systems WHERE slug = $1"))
            .bind(slug).fetch_optional(p).await))
    }

    /// Every system's id, in order (generated data picks from them).
    pub async fn system_ids(&self) -> Result<Vec<i64>> {
        on_pool!(self, p => q(sqlx::query_scalar("SELECT id FROM systems ORDER BY id").fetch_all(p).await))
    }

    pub async fn count_systems(&self) -> Result<i64> {
        on_pool!(self, p => q(sqlx::query_scalar("SELECT COUNT(*) FROM systems").fetch_one(p).await))
    }

    /// Systems matching `f`, in its sort order, `limit` of them from `offset`.
    pub async fn systems(
        &self,
        f: &SystemFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<SystemRow>> {
        let order = match f.sort.as_str() {
            "tier" => "COALESCE(tier, 9), title_key",
            "classification" => {
                "CASE classification WHEN 'red' THEN 1 WHEN 'orange' THEN 2 \
                WHEN 'yellow' THEN 3 WHEN 'green' THEN 4 ELSE 5 END, title_key"
            }
            "updated" => "updated_at DESC, title_key",
            _ => "title_key",
        };
        // Each word is a bound LIKE pattern with `\` escaping, so no input is SQL or a wildcard.
        let mut sql = format!(
            "SELECT {SYSTEM_COLUMNS} FROM systems WHERE \
             ($1 = '' OR ($1 = 'unknown' AND classification IS NULL) OR classification = $1) \
             AND ($2 = '' OR ($2 = 'unknown' AND tier IS NULL) OR CAST(tier AS TEXT) = $2) \
             AND ($3 = '' OR ($3 = 'yes' AND baseline) OR ($3 = 'no' AND NOT baseline)) \
             AND ($4 = '' OR ($4 = 'none' AND compliance = '') OR (',' || compliance || ',') LIKE ('%,' || $4 || ',%')) \
             AND ($5 = '' OR group_owner = $5)"
        );
        for i in 0..f.words.len() {
            sql.push_str(&format!(" AND search_text LIKE ${} ESCAPE '\\'", 8 + i));
        }
        // Systems whose name has the first word come first: "who owns okta?" finds Okta.
        let first = if f.words.is_empty() {
            ""
        } else {
            "CASE WHEN title_key LIKE $8 ESCAPE '\\' THEN 0 ELSE 1 END, "
        };
        sql.push_str(&format!(" ORDER BY {first}{order} LIMIT $6 OFFSET $7"));
        let patterns: Vec<String> = f
            .words
            .iter()
            .map(|w| format!("%{}%", like_escape(&w.to_lowercase())))
            .collect();
        on_pool!(self, p => {
            let mut query = sqlx::query_as(&sql)
                .bind(&f.classification).bind(&f.tier).bind(&f.baseline).bind(&f.compliance)
                .bind(&f.group).bind(limit).bind(offset);
            for pat in &patterns {
                query = query.bind(pat);
            }
            q(query.fetch_all(p).await)
        })
    }

    /// Systems with a word of their name starting with one of `words`, those with more such words
    /// first, then shorter names.
    pub async fn systems_named(&self, words: &[String], limit: i64) -> Result<Vec<SystemRow>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut score = Vec::new();
        let mut binds = Vec::new();
        for w in words.iter().take(8) {
            let n = binds.len();
            score.push(format!(
                "(CASE WHEN title_key LIKE ${} ESCAPE '\\' OR title_key LIKE ${} ESCAPE '\\' THEN 1 ELSE 0 END)",
                n + 2,
                n + 3
            ));
            binds.push(format!("{}%", like_escape(w)));
            binds.push(format!("% {}%", like_escape(w)));
        }
        let score = score.join(" + ");
        let sql = format!(
            "SELECT {SYSTEM_COLUMNS} FROM (SELECT s.*, {score} AS hits FROM systems s) t \
             WHERE hits > 0 ORDER BY hits DESC, length(title_key), title_key LIMIT $1"
        );
        on_pool!(self, p => {
            let mut query = sqlx::query_as(&sql).bind(limit);
            for b in &binds {
                query = query.bind(b);
            }
            q(query.fetch_all(p).await)
        })
    }

    /// The owner groups in use, for the list's filter.
    pub async fn system_groups(&self) -> Result<Vec<String>> {
        on_pool!(self, p => q(sqlx::query_scalar(
            "SELECT DISTINCT group_owner FROM systems WHERE group_owner <> '' ORDER BY group_owner")
            .fetch_all(p).await))
    }

    pub async fn system_people(&self, system_id: i64) -> Result<Vec<SystemPerson>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT sp.role, sp.handle, u.name AS user_name, u.email AS user_email \
             FROM system_people sp LEFT JOIN users u ON lower(u.handle) = sp.handle AND u.active \
             WHERE sp.system_id = $1 ORDER BY sp.position")
            .bind(system_id).fetch_all(p).await))
    }

    pub async fn system_events(&self, system_id: i64) -> Result<Vec<SystemEventRow>> {
        on_pool!(self, p => q(sqlx::query_as(
            "SELECT e.source, e.changes, e.at, u.name AS actor_name \
             FROM system_events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE e.system_id = $1 ORDER BY e.id DESC")
            .bind(system_id).fetch_all(p).await))
    }
}
