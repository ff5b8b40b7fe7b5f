//! The guides' words, kept in memory for forgiving search: one vocabulary of the public guides
//! and one of all guides, so that a visitor is never offered a word only a staff runbook uses.
//! The registry's system names are never corrected (a search for "Slack" is not one for
//! "stack") and never offered. Each search asks the database whether any guide or system changed
//! since (counts, a sum of revisions, the last update: one cheap query), so every instance on one
//! database sees a new guide's words at once.

use super::store::Db;
use crate::domain::error::AppError;
use crate::domain::spelling::Vocabulary;
use std::sync::{Arc, Mutex};

#[derive(Default, Debug)]
pub struct WordCache {
    inner: Mutex<Option<Entry>>,
}

#[derive(Debug)]
struct Entry {
    stamp: (i64, i64, i64, i64),
    public: Arc<Vocabulary>,
    all: Arc<Vocabulary>,
}

impl WordCache {
    /// The words of the guides this audience may read, as of `stamp` (`Db::guides_stamp`).
    pub async fn vocabulary(
        &self,
        db: &Db,
        stamp: (i64, i64, i64, i64),
        internal: bool,
    ) -> Result<Arc<Vocabulary>, AppError> {
        let pick = |e: &Entry| {
            if internal {
                e.all.clone()
            } else {
                e.public.clone()
            }
        };
        if let Some(e) = self.lock().as_ref().filter(|e| e.stamp == stamp) {
            return Ok(pick(e));
        }
        let texts = db.guide_texts().await?;
        let systems = db.system_titles().await?;
        let public = Vocabulary::from_texts(
            texts
                .iter()
                .filter(|t| t.visibility == "public")
                .flat_map(|t| [t.title.as_str(), t.body_text.as_str()]),
        )
        .keeping(systems.iter().map(String::as_str));
        let all = Vocabulary::from_texts(
            texts
                .iter()
                .flat_map(|t| [t.title.as_str(), t.body_text.as_str()]),
        )
        .keeping(systems.iter().map(String::as_str));
        let entry = Entry {
            stamp,
            public: Arc::new(public),
            all: Arc::new(all),
        };
        let out = pick(&entry);
        *self.lock() = Some(entry);
        Ok(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Entry>> {
        // A panic while holding it leaves only a cache behind: use it anyway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
