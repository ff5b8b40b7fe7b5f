//! Requests generated for demo data and benchmarks, written as if they had lived their lives.

use super::{q, BeginWrite, Db, Result, StoreError};

/// A generated request for demo data and benchmarks, written as if it had lived its life.
#[derive(Debug, Clone)]
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
    pub label: Option<String>,
}

impl Db {
    /// Writes generated requests in large multi-row inserts (with their "created" history line
    /// and label), then settles the clocks of the open ones. For demo data and benchmarks.
    pub async fn insert_generated_requests(&self, rows: &[GeneratedRequest]) -> Result<()> {
        const CHUNK: usize = 400;
        on_pool!(self, p => {
            let mut tx = q(p.begin_write().await)?;
            for chunk in rows.chunks(CHUNK) {
                let mut sql = String::from(
                    "INSERT INTO requests (kind, title, description, priority, state, requester_id, assignee_id, \
                     details, created_at, updated_at, responded_at, resolved_at) VALUES ");
                for i in 0..chunk.len() {
                    let b = i * 11;
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, '[]', ${}, ${}, ${}, ${})",
                        b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11));
                }
                sql.push_str(" RETURNING id");
                let mut query = sqlx::query_as::<_, (i64,)>(&sql);
                for r in chunk {
                    query = query.bind(&r.kind).bind(&r.title).bind(&r.description).bind(&r.priority)
                        .bind(&r.state).bind(r.requester_id).bind(r.assignee_id).bind(r.created_at)
                        .bind(r.updated_at).bind(r.responded_at).bind(r.resolved_at);
                }
                let mut ids: Vec<(i64,)> = q(query.fetch_all(&mut *tx).await)?;
                ids.sort();
                let mut events = String::from(
                    "INSERT INTO request_events (request_id, actor_id, at, field, before, after) VALUES ");
                for (i, ((id,), r)) in ids.iter().zip(chunk).enumerate() {
                    if i > 0 {
                        events.push_str(", ");
                    }
                    events.push_str(&format!("({id}, {}, {}, 'created', NULL, 'new')", r.requester_id, r.created_at));
                }
                q(sqlx::query(&events).execute(&mut *tx).await)?;
                let labelled: Vec<String> = ids.iter().zip(chunk)
                    .filter_map(|((id,), r)| r.label.as_ref().map(|l| format!("({id}, '{}')", l.replace('\'', ""))))
                    .collect();
                if !labelled.is_empty() {
                    q(sqlx::query(&format!(
                        "INSERT INTO request_labels (request_id, label) VALUES {}", labelled.join(", ")))
                        .execute(&mut *tx).await)?;
                }
            }
            q(tx.commit().await)?;
            Ok::<(), StoreError>(())
        })?;
        self.settle_missing_clocks().await?;
        self.optimize().await
    }
}
