//! A form posted without JavaScript that the server refuses goes back to its page (a 302 to the
//! `Referer` with the error in `__err`). Here what it held is kept (`app::ssr::drafts`) and the
//! address gets `__draft`, so the page shows everything typed again beside the messages, on any
//! server instance. Passwords are never kept.

use app::ssr::ctx::CurrentViewer;
use app::ssr::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The page-address parameters of one refused attempt; older ones are dropped so that a second
/// refusal does not show the first one's messages.
const ATTEMPT_PARAMS: [&str; 3] = ["__path", "__err", app::ssr::drafts::PARAM];

pub async fn keep_refused_forms(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let plain_form = req.method() == Method::POST
        && req.uri().path().starts_with("/fn/")
        && header_has(&req, header::ACCEPT, "text/html")
        && header_has(
            &req,
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    if !plain_form {
        return next.run(req).await;
    }
    let user_id = req
        .extensions()
        .get::<CurrentViewer>()
        .and_then(|v| v.0.as_ref().map(|v| v.id));
    let action = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    // The body limit outside has already refused anything over 1 MiB.
    let Ok(bytes) = axum::body::to_bytes(body, 2 * 1024 * 1024).await else {
        return app_error(app::domain::error::AppError::BadRequest {
            message: "The request body could not be read.".into(),
        });
    };
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let refused = res.status() == StatusCode::FOUND
        && res
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.contains("__err="));
    if !refused {
        return res;
    }
    let fields = form_urlencoded::parse(&bytes).into_owned().collect();
    let id = match app::ssr::drafts::keep(&st.db, user_id, &action, fields).await {
        Ok(id) => id,
        // The messages still go back; only what was typed is lost.
        Err(e) => {
            tracing::warn!(error = %e, "could not keep a refused form");
            None
        }
    };
    let (mut parts, body) = res.into_parts();
    let location = parts.headers[header::LOCATION].to_str().unwrap_or("/");
    if let Some(rewritten) = with_draft(location, id.as_deref()) {
        if let Ok(v) = HeaderValue::from_str(&rewritten) {
            parts.headers.insert(header::LOCATION, v);
        }
    }
    Response::from_parts(parts, body)
}

fn header_has(req: &Request, name: header::HeaderName, what: &str) -> bool {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains(what))
}

fn app_error(e: app::domain::error::AppError) -> Response {
    crate::middleware::error_response(&e)
}

/// `location` with only its last attempt's `__path` and `__err`, and `__draft` when kept.
fn with_draft(location: &str, draft: Option<&str>) -> Option<String> {
    let (base, query) = location.split_once('?')?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let last = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).cloned();
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs
        .iter()
        .filter(|(k, _)| !ATTEMPT_PARAMS.contains(&k.as_str()))
    {
        out.append_pair(k, v);
    }
    for (k, v) in [last("__path"), last("__err")].into_iter().flatten() {
        out.append_pair(&k, &v);
    }
    if let Some(id) = draft {
        out.append_pair(app::ssr::drafts::PARAM, id);
    }
    Some(format!("{base}?{}", out.finish()))
}

#[cfg(test)]
mod tests {
    use super::with_draft;

    #[test]
    fn only_the_last_attempt_stays_in_the_address() {
        let loc = "http://h/request/software?x=1&__path=%2Ffn%2Fa&__err=OLD&__draft=d1&__path=%2Ffn%2Fa&__err=NEW";
        assert_eq!(
            with_draft(loc, Some("d2")).unwrap(),
            "http://h/request/software?x=1&__path=%2Ffn%2Fa&__err=NEW&__draft=d2"
        );
        assert_eq!(
            with_draft("http://h/p?__path=p&__err=E", None).unwrap(),
            "http://h/p?__path=p&__err=E"
        );
        assert_eq!(with_draft("http://h/p", None), None);
    }
}
