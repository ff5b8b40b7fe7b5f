//! Sessions for a load test from outside the process: `tierdesk-bench sessions` signs in the
//! first N people who work the queue (as a sign-in would: a random secret, only its hash
//! stored) and writes one `Cookie` header value per line, for `bench/load` and its wrk scripts.
//! A shortcut past the password step only: argon2 is measured by the sign-in burst instead.

use app::ssr::store::Db;
use std::io::Write;

/// How long the sessions last: longer than any run.
const HOURS: i64 = 4;

pub async fn sessions(db: &Db, analysts: usize, out: &std::path::Path) -> Result<(), String> {
    let e = |e: app::ssr::store::StoreError| e.to_string();
    let workers = db.queue_workers().await.map_err(e)?;
    if workers.len() < analysts {
        return Err(format!(
            "only {} people work the queue; load `tierdesk demo --requests N` first",
            workers.len()
        ));
    }
    let mut file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (id, handle, _) in workers.iter().take(analysts) {
        let secret = app::ssr::auth::new_secret("");
        db.create_session(
            &app::ssr::auth::secret_hash(&secret),
            *id,
            db.now() + HOURS * 3_600_000,
        )
        .await
        .map_err(e)?;
        writeln!(file, "{}={secret}", app::ssr::ctx::SESSION_COOKIE).map_err(|e| e.to_string())?;
        eprintln!("signed in {handle}");
    }
    Ok(())
}
