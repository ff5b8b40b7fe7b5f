//! Requests and people generated for demo data and benchmarks, written as if they had lived
//! their lives: replies and notes, labels, systems asked for and attached files included.

use super::{q, BeginWrite, Db, Result, StoreError};
use crate::domain::user::Role;

/// A generated reply or internal note.
#[derive(Debug, Clone)]
pub struct GeneratedComment {
    pub author_id: i64,
    pub body: String,
    pub internal: bool,
    pub created_at: i64,
}

/// A generated file attached to a request (stored like an upload: its bytes, digest and type).
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    pub id: String,
    pub uploader_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub sha256: String,
}

/// A generated request for demo data and benchmarks, written as if it had lived its life.
#[derive(Debug, Clone, Default)]
pub struct GeneratedRequest {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub priority: String,
    pub state: String,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub labels: Vec<String>,
    /// Systems asked for, with the role.
    pub lines: Vec<(i64, String)>,
    pub comments: Vec<GeneratedComment>,
    pub files: Vec<GeneratedFile>,
}

/// A generated person.
#[derive(Debug, Clone)]
pub struct GeneratedPerson {
    pub email: String,
    pub handle: String,
    pub name: String,
    pub department: String,
    pub roles: Vec<Role>,
    pub teams: Vec<String>,
}

/// Rows per multi-row insert: well under either database's limit of bound values.
const CHUNK: usize = 400;

/// `(a, b, …), (…)` placeholders for `rows` rows of `cols` values, numbered from 1.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|i| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", i * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Adds generated people who are not there yet (by e-mail), all with `password_hash`, and
    /// returns every one's id in the order given.
    pub async fn insert_generated_people(
        &self,
        people: &[GeneratedPerson],
        password_hash: &str,
    ) -> Result<Vec<i64>> {
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            let mut ids = Vec::with_capacity(people.len());
            for chunk in people.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO users (email, handle, name, password_hash, created_at, department) VALUES {} \
                     ON CONFLICT (email) DO NOTHING",
                    placeholders(chunk.len(), 6));
                let mut query = sqlx::query(&sql);
                for person in chunk {
                    query = query.bind(&person.email).bind(&person.handle).bind(&person.name)
                        .bind(password_hash).bind(now).bind(&person.department);
                }
                q(query.execute(&mut *tx).await)?;
                for person in chunk {
                    let (id,): (i64,) = q(sqlx::query_as("SELECT id FROM users WHERE email = $1")
                        .bind(&person.email).fetch_one(&mut *tx).await)?;
                    for role in &person.roles {
                        q(sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(id).bind(role.as_str()).execute(&mut *tx).await)?;
                    }
                    for team in &person.teams {
                        q(sqlx::query("INSERT INTO team_members (team, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(team).bind(id).execute(&mut *tx).await)?;
                    }
                    ids.push(id);
                }
            }
            q(tx.commit().await)?;
            Ok::<Vec<i64>, StoreError>(ids)
        })
    }

    /// Writes generated requests in large multi-row inserts (with their "created" history line,
    /// labels, systems, replies, notes and files), then settles the clocks of the open ones. For
    /// demo data and benchmarks.
    pub async fn insert_generated_requests(&self, rows: &[GeneratedRequest]) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for chunk in rows.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO requests (kind, title, description, priority, state, requester_id, assignee_id, \
                     details, created_at, updated_at, responded_at, resolved_at) VALUES {} RETURNING id",
                    placeholders(chunk.len(), 12));
                let mut query = sqlx::query_as::<_, (i64,)>(&sql);
                for r in chunk {
                    query = query.bind(&r.kind).bind(&r.title).bind(&r.description).bind(&r.priority)
                        .bind(&r.state).bind(r.requester_id).bind(r.assignee_id).bind("[]")
                        .bind(r.created_at).bind(r.updated_at).bind(r.responded_at).bind(r.resolved_at);
                }
                let mut ids: Vec<(i64,)> = q(query.fetch_all(&mut *tx).await)?;
                ids.sort();
                let pairs: Vec<(i64, &GeneratedRequest)> = ids.iter().map(|(id,)| *id).zip(chunk).collect();
                let events: Vec<String> = pairs.iter()
                    .map(|(id, r)| format!("({id}, {}, {}, 'created', NULL, 'new')", r.requester_id, r.created_at))
                    .collect();
                q(sqlx::query(&format!(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES {}",
                    events.join(", "))).execute(&mut *tx).await)?;
                let labels: Vec<(i64, &String)> = pairs.iter()
                    .flat_map(|(id, r)| r.labels.iter().map(move |l| (*id, l)))
                    .collect();
                for part in labels.chunks(CHUNK) {
                    let sql = format!("INSERT INTO request_labels (request_id, label) VALUES {}",
                        placeholders(part.len(), 2));
                    let mut query = sqlx::query(&sql);
                    for (id, l) in part {
                        query = query.bind(*id).bind(*l);
                    }
                    q(query.execute(&mut *tx).await)?;
                }
                let lines: Vec<(i64, &(i64, String))> = pairs.iter()
                    .flat_map(|(id, r)| r.lines.iter().map(move |l| (*id, l)))
                    .collect();
                for part in lines.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO request_lines (request_id, system_id, role, justification, grant_kind) VALUES {}",
                        placeholders(part.len(), 5));
                    let mut query = sqlx::query(&sql);
                    for (id, (system, role)) in part {
                        query = query.bind(*id).bind(*system).bind(role).bind("Needed for my work.").bind("role");
                    }
                    q(query.execute(&mut *tx).await)?;
                }
                let comments: Vec<(i64, &GeneratedComment)> = pairs.iter()
                    .flat_map(|(id, r)| r.comments.iter().map(move |c| (*id, c)))
                    .collect();
                for part in comments.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO comments (request_id, author_id, body, internal, created_at) VALUES {}",
                        placeholders(part.len(), 5));
                    let mut query = sqlx::query(&sql);
                    for (id, c) in part {
                        query = query.bind(*id).bind(c.author_id).bind(&c.body).bind(c.internal).bind(c.created_at);
                    }
                    q(query.execute(&mut *tx).await)?;
                }
                for (id, r) in &pairs {
                    for f in &r.files {
                        q(sqlx::query(
                            "INSERT INTO attachments (id, uploader_id, request_id, file_name, content_type, size, sha256, data, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                            .bind(&f.id).bind(f.uploader_id).bind(*id).bind(&f.file_name).bind(&f.content_type)
                            .bind(f.data.len() as i64).bind(&f.sha256).bind(&f.data).bind(r.created_at)
                            .execute(&mut *tx).await)?;
                    }
                }
            }
            q(tx.commit().await)?;
            Ok::<(), StoreError>(())
        })?;
        self.settle_missing_clocks().await?;
        self.optimize().await
    }
}
