//! The read cache's middleware (see `app::ssr::cache`): a signed-in person's repeated read of a
//! read-only server function or of a list page is answered from memory (a page with a nonce of
//! its own, as every page has), and every change they make is told to the cache, as work on
//! requests or as a change everyone must see at once.

use crate::kept_gzip;
use crate::middleware::{error_response, is_read};
use app::domain::error::AppError;
use app::ssr::cache::{CachedResponse, Nonced, ResponseKey};
use app::ssr::ctx::{CurrentViewer, PageNonce};
use app::ssr::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Work on requests, the changes a busy desk makes all day: submitting, replying, taking,
/// assigning, moving, approving, closing tasks, rating, reopening, copying people in, drafts.
/// Through the read cache the person who made one sees it at once and everyone else within its
/// time to live (see `app::ssr::cache`); any other change is seen by everyone's next read.
/// Anything not named here is treated as such another change.
pub fn request_activity(path: &str) -> bool {
    const SERVER_FNS: [&str; 16] = [
        "submit_request",
        "post_comment",
        "claim_request",
        "assign_request",
        "change_state",
        "batch_update",
        "apply_macro",
        "close_task",
        "decide_approval",
        "rate_request",
        "reopen_request",
        "add_participant",
        "remove_participant",
        "record_identity_check",
        "form_draft",
        "guide_solved",
    ];
    if let Some(name) = path.strip_prefix("/fn/") {
        return SERVER_FNS.contains(&name);
    }
    path == "/api/v1/requests"
        || path.starts_with("/api/v1/requests/")
        || path == "/api/v1/queue/batch"
}

/// Answers a signed-in person's repeated read of a read-only server function (`GET /fn/…`) or of
/// a list page (see [`kept_page`]) from the read cache, and ends every successful state-changing
/// request by someone signed in by telling that cache (see [`request_activity`]), so that
/// nothing read before a change is served to its author after it. Anonymous writes (a visitor's vote, the lockout form) change nothing
/// a signed-in person reads here, or tell the cache from where they do (the lockout worker,
/// signing in).
pub async fn read_cache(
    State((st, refresher)): State<(AppState, Refresher)>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let user_id = req
        .extensions()
        .get::<CurrentViewer>()
        .and_then(|v| v.0.as_ref().map(|v| v.id));
    if !is_read(&method) {
        let activity = request_activity(req.uri().path());
        let res = next.run(req).await;
        match user_id {
            Some(id) if succeeded(&res) && activity => st.cache.changed_by(id),
            Some(_) if succeeded(&res) => st.cache.invalidate(),
            _ => {}
        }
        return res;
    }
    let path = req.uri().path();
    let page = method == Method::GET && kept_page(path);
    let read_fn = method == Method::GET && path.starts_with("/fn/");
    let (Some(user_id), true) = (user_id, read_fn || page) else {
        return next.run(req).await;
    };
    // The nonce this answer's scripts carry (see `middleware::security_headers`): a page is only
    // kept with the nonce it was rendered with, to be replaced by each later answer's own.
    let nonce = req.extensions().get::<PageNonce>().map(|n| n.0.clone());
    if page && nonce.is_none() {
        return next.run(req).await;
    }
    let key = ResponseKey {
        user_id,
        uri: req.uri().to_string(),
        // The same address answers JSON to the app and HTML (a redirect) to a plain browser.
        accept: req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    };
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(kept_gzip::accepted);
    if let Some((hit, due)) = st.cache.response(&key) {
        if let Some(res) = answer(hit, nonce.as_deref(), gzip) {
            if due {
                refresh(&st, &refresher, &req, key, page, next);
            }
            return res;
        }
        return next.run(req).await;
    }
    // One computation per answer at a time: whoever missed it meanwhile is served its result.
    let flight = st.cache.flight(&key).await;
    if let Some((hit, _)) = st.cache.response(&key) {
        if let Some(res) = answer(hit, nonce.as_deref(), gzip) {
            return res;
        }
    }
    let generation = st.cache.generation();
    let res = next.run(req).await;
    let res = keep(&st, key, page.then_some(nonce).flatten(), generation, res).await;
    drop(flight);
    res
}

/// A kept answer as this request is sent it: a page with this answer's nonce, gzipped if the
/// client takes it; `None` if the page could not be made so.
fn answer(hit: CachedResponse, nonce: Option<&str>, gzip: bool) -> Option<Response> {
    let mut headers = hit.headers;
    let body = match (&hit.gzip, &hit.nonce, nonce) {
        // A kept page: its gzip joined with this answer's nonce, inflated for the rare client
        // that does not take gzip.
        (Some(kept), _, Some(now)) => {
            let gz = kept_gzip::joined(kept, now.as_bytes())?;
            headers.remove(header::CONTENT_LENGTH);
            if gzip {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
                Bytes::from(gz)
            } else {
                Bytes::from(kept_gzip::inflated(&gz)?)
            }
        }
        (None, Some(then), Some(now)) => Bytes::from(then.replaced(&hit.body, now)?),
        (None, Some(_), None) | (Some(_), _, None) => return None,
        (None, None, _) => hit.body,
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = hit.status;
    *res.headers_mut() = headers;
    Some(res)
}

/// Computes a kept answer again in the background, past half its time to live,
/// while it is still served: whoever keeps asking finds a fresh one and never waits for it.
/// Not if someone is computing it already.
fn refresh(
    st: &AppState,
    refresher: &Refresher,
    req: &Request,
    key: ResponseKey,
    page: bool,
    next: Next,
) {
    let Some(flight) = st.cache.try_flight(&key) else {
        return;
    };
    let mut again = Request::new(Body::empty());
    *again.method_mut() = Method::GET;
    *again.uri_mut() = req.uri().clone();
    *again.version_mut() = req.version();
    *again.headers_mut() = req.headers().clone();
    *again.extensions_mut() = req.extensions().clone();
    // A page is kept with the nonce it was rendered with; this one is never sent.
    let nonce = page.then(PageNonce::new);
    if let Some(n) = &nonce {
        again.extensions_mut().insert(n.clone());
    }
    let st = st.clone();
    refresher.run(Box::pin(async move {
        let generation = st.cache.generation();
        let res = next.run(again).await;
        keep(&st, key, nonce.map(|n| n.0), generation, res).await;
        drop(flight);
    }));
}

/// A refresh to run: it owns everything it needs, its right to compute the answer included.
type Job = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Where kept answers are computed again in the background ([`refresh`]): a thread of its own,
/// which drives each refresh on the server's runtime (`Handle::block_on`), so that rendering a
/// page for nobody waiting never occupies one of the few tokio workers that answer people who
/// are (with one of two workers rendering, every answer from memory queued behind the other);
/// the queries and tasks a render starts still run on the workers. One refresh at a time, at
/// most [`Refresher::QUEUE`] waiting: past that an answer is left to expire and be computed by
/// the next to ask, as without the refresh.
#[derive(Clone)]
pub struct Refresher(Option<std::sync::mpsc::SyncSender<Job>>);

impl Refresher {
    /// How many refreshes may wait for the thread. Whoever asks for an answer that expired
    /// while its refresh waited waits for that refresh, so the queue is kept short.
    const QUEUE: usize = 4;

    /// A refresher on the runtime this is called in; outside one (or if no thread can be
    /// started), refreshes are spawned on the runtime of whoever asked, as tasks.
    pub fn start() -> Refresher {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Refresher(None);
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(Self::QUEUE);
        let started = std::thread::Builder::new()
            .name("tierdesk-refresh".into())
            // Ends when the router (every sender) is dropped.
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    // A render that panics is one answer not refreshed, not the thread gone
                    // (a task's panic is caught by its runtime the same way).
                    let run = std::panic::AssertUnwindSafe(|| runtime.block_on(job));
                    if std::panic::catch_unwind(run).is_err() {
                        tracing::error!("a background refresh panicked");
                    }
                }
            });
        match started {
            Ok(_) => Refresher(Some(tx)),
            Err(e) => {
                tracing::warn!(error = %e, "no thread for background refreshes: they run as tasks");
                Refresher(None)
            }
        }
    }

    /// Runs `job` on the refresher's thread, or drops it (and with it the right to compute the
    /// answer) if too many wait; as a task if there is no such thread.
    fn run(&self, job: Job) {
        match &self.0 {
            Some(tx) => match tx.try_send(job) {
                Ok(()) | Err(std::sync::mpsc::TrySendError::Full(_)) => {}
                // The thread is gone (its runtime shut down under it): as a task.
                Err(std::sync::mpsc::TrySendError::Disconnected(job)) => {
                    tokio::spawn(job);
                }
            },
            None => {
                tokio::spawn(job);
            }
        }
    }
}

/// Keeps a read-only answer (a page with the nonce it was rendered with) if it may be kept, and
/// hands it on.
async fn keep(
    st: &AppState,
    key: ResponseKey,
    nonce: Option<String>,
    generation: u64,
    res: Response,
) -> Response {
    let page = nonce.is_some();
    // A page is rendered whole before it is sent (`SsrMode::Async`), so reading it all costs no
    // memory it did not take already; its body does not say how long it is, a server function's
    // does.
    let small = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .is_some_and(|n| n <= CACHED_BODY_MAX as u64);
    if res.status() != StatusCode::OK
        || res.headers().contains_key(header::SET_COOKIE)
        || !(small || page)
        || !st.cache.enabled()
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(path = %key.uri, error = %e, "a read-only answer could not be read");
            return error_response(&AppError::Internal);
        }
    };
    // A page is kept with the places its nonce stands, if it is not huge.
    let nonced = nonce.and_then(|n| Nonced::find(&bytes, &n));
    let gzip = nonced
        .as_ref()
        .and_then(|n| kept_gzip::parts(&bytes, n.places(), n.nonce_len()));
    if !page || (bytes.len() <= CACHED_BODY_MAX && nonced.is_some()) {
        st.cache.remember_response(
            key,
            CachedResponse {
                status: parts.status,
                headers: parts.headers.clone(),
                // A page compressed is kept only so. Kept as a copy of its own length: the
                // body as built is often in a buffer twice as long, and a cached answer would
                // keep all of it alive after the response was sent.
                body: if gzip.is_some() {
                    Bytes::new()
                } else {
                    Bytes::copy_from_slice(&bytes)
                },
                nonce: nonced,
                gzip,
            },
            generation,
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The pages kept like server functions' answers: the lists people reload all day, each from
/// counts and rows the read cache shares already, so what is saved is the rendering. The pages
/// of a single request or guide are not (they are what a change is followed by).
fn kept_page(path: &str) -> bool {
    matches!(
        path,
        "/queue" | "/requests" | "/approvals" | "/issues" | "/issues/board"
    )
}

/// A write went through: a success, or a redirect that carries no server-function error back to
/// a form.
fn succeeded(res: &Response) -> bool {
    let s = res.status();
    s.is_success()
        || (s.is_redirection()
            && !res
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.contains("__err=")))
}

/// The largest answer the read cache keeps (a dashboard is about 30 KiB).
const CACHED_BODY_MAX: usize = 4 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::Refresher;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn refreshes_run_on_their_own_thread_with_the_runtime_at_hand() {
        let refresher = Refresher::start();
        let (tx, rx) = tokio::sync::oneshot::channel();
        refresher.run(Box::pin(async move {
            let here = std::thread::current().name().map(str::to_owned);
            // The server's timers and tasks work from there.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let spawned = tokio::spawn(async { 2 }).await.unwrap();
            let _ = tx.send((here, spawned));
        }));
        let (here, spawned) = rx.await.unwrap();
        assert_eq!(here.as_deref(), Some("tierdesk-refresh"));
        assert_eq!(spawned, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn refreshes_past_a_full_queue_are_dropped_not_waited_for() {
        let refresher = Refresher::start();
        // The thread is kept busy until told.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        refresher.run(Box::pin(async move {
            let _ = started.send(());
            let _ = hold.recv();
        }));
        running.await.unwrap();
        struct Dropped(Arc<AtomicUsize>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicUsize::new(0));
        for _ in 0..Refresher::QUEUE + 2 {
            let d = Dropped(dropped.clone());
            refresher.run(Box::pin(async move {
                let _d = d;
            }));
        }
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            2,
            "the two that found the queue full are dropped at once"
        );
        release.send(()).unwrap();
    }
}
