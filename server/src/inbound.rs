//! Replies by e-mail: `POST /mail/inbound` takes the raw message (RFC 5322) as an inbound-mail
//! service relays it, authenticated by the service's bearer secret. The reply becomes a comment
//! only when it is sent to a signed reply address (see [`crate::outbox::reply_address`]), from
//! the person that address was made for, on a thread of the same request; anything else is
//! refused and logged (without its content), never attached elsewhere.

use crate::middleware::error_response;
use app::domain::error::AppError;
use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

fn refuse(reason: &str) -> AppError {
    tracing::warn!(reason, "inbound mail refused");
    AppError::invalid("message", reason.to_string())
}

/// Every address in the recipient headers.
fn recipients(headers: &[mailparse::MailHeader]) -> Vec<String> {
    let mut out = Vec::new();
    for h in headers {
        let name = h.get_key().to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "to" | "cc" | "delivered-to" | "x-original-to"
        ) {
            continue;
        }
        if let Ok(list) = mailparse::addrparse_header(h) {
            for a in list.iter() {
                match a {
                    mailparse::MailAddr::Single(s) => out.push(s.addr.clone()),
                    mailparse::MailAddr::Group(g) => {
                        out.extend(g.addrs.iter().map(|s| s.addr.clone()))
                    }
                }
            }
        }
    }
    out
}

/// The first text/plain part's text.
fn plain_text(part: &mailparse::ParsedMail) -> Option<String> {
    if part.subparts.is_empty() {
        let ct = part.ctype.mimetype.to_ascii_lowercase();
        return (ct == "text/plain").then(|| part.get_body().ok()).flatten();
    }
    part.subparts.iter().find_map(plain_text)
}

/// The new text of a reply: up to the quoted message ("On … wrote:", "> " lines, a signature).
pub fn reply_text(body: &str) -> String {
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with('>')
            || t == "--"
            || (t.starts_with("On ") && t.ends_with("wrote:"))
            || t.starts_with("-----Original Message-----")
        {
            break;
        }
        out.push(line);
    }
    out.join("\n").trim().to_string()
}

pub async fn receive(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match take(&st, &headers, &body).await {
        Ok(key) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "request": key })),
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

/// Mail a program sent by itself: answering it would loop.
fn automatic(headers: &[mailparse::MailHeader]) -> bool {
    use mailparse::MailHeaderMap;
    let value = |name: &str| {
        headers
            .get_first_value(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    value("Auto-Submitted").is_some_and(|v| v != "no")
        || value("Precedence")
            .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"))
        || value("X-Autoreply").is_some()
        || value("X-Autorespond").is_some()
}

/// The request a message id of ours names: `<REQ-12@…>` (a thread) or `<tierdesk.N.REQ-12@…>`
/// (one notice). Other ids name none.
fn thread_key(id: &str) -> Option<String> {
    let local = id.trim().trim_start_matches('<').split('@').next()?;
    if local.starts_with("REQ-") {
        return Some(local.to_string());
    }
    let rest = local.strip_prefix("tierdesk.")?;
    let (_, key) = rest.split_once('.')?;
    Some(key.to_string())
}

async fn take(st: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<String, AppError> {
    let Some(secret) = st.inbound_mail_secret.clone() else {
        return Err(AppError::NotFound {
            what: "page".into(),
        });
    };
    let same = crate::api_parts::BearerSecret::new(Some(&secret)).admits(headers);
    if !same {
        tracing::warn!("inbound mail refused: wrong or missing secret");
        return Err(AppError::Unauthenticated);
    }
    // The headers first: nothing that is not a signed reply from its person is parsed further.
    let (headers, _) =
        mailparse::parse_headers(body).map_err(|_| refuse("The message is not an e-mail."))?;
    use mailparse::MailHeaderMap;
    if automatic(&headers) {
        return Err(refuse(
            "Automatic replies (out of office, bounces, lists) are not added to requests.",
        ));
    }
    let mail_secret = st.db.mail_secret().await?;
    let Some((key, user)) = recipients(&headers)
        .iter()
        .find_map(|a| crate::outbox::parse_reply_address(&mail_secret, a))
    else {
        return Err(refuse("The message is not sent to a signed reply address."));
    };
    // A thread it claims to continue must be this request's.
    for name in ["In-Reply-To", "References"] {
        for v in headers.get_all_values(name) {
            for id in v.split_whitespace() {
                if thread_key(id).is_some_and(|k| k != key) {
                    return Err(refuse("The message continues another request's thread."));
                }
            }
        }
    }
    let Some(viewer) = st.db.viewer(user).await? else {
        return Err(refuse(
            "The person this reply address was made for is gone.",
        ));
    };
    let from = headers
        .get_first_header("From")
        .and_then(|h| mailparse::addrparse_header(h).ok())
        .and_then(|l| l.extract_single_info())
        .map(|s| s.addr.to_lowercase())
        .unwrap_or_default();
    if from != viewer.email.to_lowercase() {
        return Err(refuse(
            "The sender is not the person this reply address was made for.",
        ));
    }
    // mailparse stops at 100 nested parts; far fewer are refused first, before it recurses.
    let boundaries = body
        .windows(9)
        .filter(|w| w.eq_ignore_ascii_case(b"boundary="))
        .count();
    if boundaries > 20 {
        return Err(refuse("The message has too many parts."));
    }
    let mail = mailparse::parse_mail(body).map_err(|_| refuse("The message is not an e-mail."))?;
    let text = plain_text(&mail)
        .map(|b| reply_text(&b))
        .unwrap_or_default();
    if text.is_empty() {
        return Err(refuse("The reply holds no text above the quoted message."));
    }
    app::ssr::service::comment(st, &viewer, &key, &text, false, Default::default()).await?;
    st.cache.changed_by(viewer.id);
    tracing::info!(request = %key, user, "reply by e-mail added");
    Ok(key)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_quoted_message_and_signature_are_left_out() {
        let body = "Thanks, that worked.\nAll good now.\n\nOn Tue, 1 Dec 2026, Tierdesk wrote:\n> Your request is resolved.";
        assert_eq!(
            super::reply_text(body),
            "Thanks, that worked.\nAll good now."
        );
        assert_eq!(super::reply_text("Yes\n--\nJo"), "Yes");
        assert_eq!(super::reply_text("> only quoted"), "");
    }

    #[test]
    fn thread_ids_name_their_request_exactly() {
        assert_eq!(
            super::thread_key("<REQ-12@help.example.com>").as_deref(),
            Some("REQ-12")
        );
        assert_eq!(
            super::thread_key("<tierdesk.55.REQ-3@x>").as_deref(),
            Some("REQ-3")
        );
        // A request's key hidden inside another id is not that request.
        assert_eq!(
            super::thread_key("<REQ-1@x.REQ-3@tierdesk.localhost>").as_deref(),
            Some("REQ-1")
        );
        assert_eq!(super::thread_key("<CAB123@mail.gmail.com>"), None);
    }
}
