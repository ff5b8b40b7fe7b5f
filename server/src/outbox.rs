//! The outbox's workers and deliveries: events run the rules (in the store, one transaction
//! each), e-mail goes out through SMTP (lettre), chat through a signed Slack-compatible webhook
//! (reqwest). Every instance runs a worker; leases keep them off each other's entries.

use app::domain::rule::MAX_ATTEMPTS;
use app::ssr::store::{Db, Fanout, OutboxRow};
use app::ssr::AppState;
use hmac::{Hmac, Mac};
use lettre::message::{header, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use std::time::Duration;

/// Where notices go, from the environment.
#[derive(Clone, Default)]
pub struct Delivery {
    /// `TIERDESK_SMTP_URL`: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`. Without it no e-mail is written.
    pub smtp_url: Option<String>,
    /// `TIERDESK_MAIL_FROM`, e.g. `Tierdesk <helpdesk@example.com>`; its domain names replies.
    pub from: String,
    /// `TIERDESK_WEBHOOK_URL` and `TIERDESK_WEBHOOK_SECRET` (at least 24 characters): where chat
    /// notices are posted, and the key they are signed with.
    pub webhook: Option<(String, String)>,
    /// `TIERDESK_CHAT_CHANNEL`: the channel for notices about no particular system.
    pub channel: String,
    /// The portal's address, for links (`TIERDESK_BASE_URL`).
    pub base_url: String,
    /// How long a worker holds what it leased (`TIERDESK_OUTBOX_LEASE_MS`, default 60 s).
    pub lease_ms: i64,
    /// How often an idle worker looks again (`TIERDESK_OUTBOX_POLL_MS`, default 1 s).
    pub poll: Duration,
    /// `TIERDESK_INBOUND_SECRET`: the bearer secret the inbound-mail service presents; without
    /// it, replies by e-mail are off.
    pub inbound_secret: Option<String>,
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

fn millis(k: &str, default: i64) -> Result<i64, String> {
    match env(k) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                format!("{k} must be a whole number of milliseconds above 0 (got {v:?})")
            }),
    }
}

/// Written without its secrets: the SMTP address may hold a password.
impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("smtp", &self.smtp_url.as_ref().map(|_| "[set]"))
            .field("from", &self.from)
            .field("webhook", &self.webhook.as_ref().map(|_| "[set]"))
            .field("channel", &self.channel)
            .field("base_url", &self.base_url)
            .field("lease_ms", &self.lease_ms)
            .field("poll", &self.poll)
            .field(
                "inbound_secret",
                &self.inbound_secret.as_ref().map(|_| "[set]"),
            )
            .finish()
    }
}

impl Delivery {
    pub fn from_env(base_url: Option<&str>, addr: std::net::SocketAddr) -> Result<Self, String> {
        let from = env("TIERDESK_MAIL_FROM")
            .unwrap_or_else(|| "Tierdesk <helpdesk@tierdesk.localhost>".to_string());
        from.parse::<Mailbox>()
            .map_err(|e| format!("TIERDESK_MAIL_FROM is not an address ({e})"))?;
        let smtp_url = env("TIERDESK_SMTP_URL");
        if let Some(url) = &smtp_url {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("TIERDESK_SMTP_URL is not usable: {e}"))?;
        }
        let webhook = match (env("TIERDESK_WEBHOOK_URL"), env("TIERDESK_WEBHOOK_SECRET")) {
            (None, _) => None,
            (Some(_), None) => {
                return Err("TIERDESK_WEBHOOK_URL needs TIERDESK_WEBHOOK_SECRET".into())
            }
            (Some(_), Some(s)) if s.len() < 24 => {
                return Err("TIERDESK_WEBHOOK_SECRET must be at least 24 characters".into())
            }
            (Some(u), Some(s)) => {
                reqwest::Url::parse(&u).map_err(|e| format!("TIERDESK_WEBHOOK_URL: {e}"))?;
                Some((u, s))
            }
        };
        let inbound_secret = env("TIERDESK_INBOUND_SECRET");
        if inbound_secret.as_ref().is_some_and(|s| s.len() < 24) {
            return Err("TIERDESK_INBOUND_SECRET must be at least 24 characters".into());
        }
        Ok(Delivery {
            smtp_url,
            from,
            webhook,
            channel: env("TIERDESK_CHAT_CHANNEL").unwrap_or_else(|| "#it-helpdesk".into()),
            base_url: base_url
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("http://{addr}")),
            lease_ms: millis("TIERDESK_OUTBOX_LEASE_MS", 60_000)?,
            poll: Duration::from_millis(millis("TIERDESK_OUTBOX_POLL_MS", 1000)? as u64),
            inbound_secret,
        })
    }

    pub fn fanout(&self) -> Fanout {
        Fanout {
            email: self.smtp_url.is_some(),
            chat: self.webhook.is_some(),
            default_channel: self.channel.clone(),
        }
    }

    /// The domain of the sender's address, which reply addresses use.
    pub fn mail_domain(&self) -> String {
        self.from
            .parse::<Mailbox>()
            .map(|m| m.email.domain().to_string())
            .unwrap_or_else(|_| "tierdesk.localhost".into())
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 of `message` under `key`, in hex.
pub fn sign(key: &str, message: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// The address a person replies to for request `key`: `reply+KEY.USER.SIG@domain`, its
/// signature binding the request to the person it was sent to.
pub fn reply_address(secret: &str, key: &str, user: i64, domain: &str) -> String {
    let sig = &sign(secret, &format!("{key}.{user}"))[..24];
    format!("reply+{key}.{user}.{sig}@{domain}")
}

/// The request and person a reply address names, if its signature holds.
pub fn parse_reply_address(secret: &str, address: &str) -> Option<(String, i64)> {
    let local = address.trim().trim_matches(|c| c == '<' || c == '>');
    let local = local.split('@').next()?;
    let rest = local.strip_prefix("reply+")?;
    let mut parts = rest.splitn(3, '.');
    let (key, user, sig) = (parts.next()?, parts.next()?, parts.next()?);
    let user: i64 = user.parse().ok()?;
    let want = &sign(secret, &format!("{key}.{user}"))[..24];
    // Compared as hashes: how long the comparison takes says nothing about the signature.
    let same = app::ssr::auth::secret_hash(sig) == app::ssr::auth::secret_hash(want);
    same.then(|| (key.to_string(), user))
}

/// The thread every notice about a request belongs to.
pub fn thread_id(key: &str, domain: &str) -> String {
    format!("<{key}@{domain}>")
}

/// One worker: leases what is due, does it, and marks it done or failed, until the server stops.
pub async fn work(state: AppState, delivery: Delivery, owner: String) {
    let smtp = delivery.smtp_url.as_ref().and_then(|u| {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(u)
            .ok()
            .map(|b| b.timeout(Some(Duration::from_secs(20))).build())
    });
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let fanout = delivery.fanout();
    loop {
        let batch = match state.db.lease(&owner, delivery.lease_ms, 20).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: could not lease; trying again");
                tokio::time::sleep(delivery.poll).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::time::sleep(delivery.poll).await;
            continue;
        }
        let mut changed = false;
        for entry in batch {
            // A batch can outlast its lease (slow SMTP): each entry's lease is renewed as its
            // turn comes, and one that another worker took meanwhile is left to it.
            match state.db.renew(entry.id, &owner, delivery.lease_ms).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(entry = entry.id, error = %e, "outbox: could not renew a lease");
                    continue;
                }
            }
            let outcome = match entry.topic.as_str() {
                "event" => match state.db.run_event(&entry, &owner, &fanout).await {
                    Ok(Some(steps)) => {
                        changed |= !steps.is_empty();
                        for s in &steps {
                            tracing::info!(entry = entry.id, rule = s.rule_id, action = %s.action.describe(), "rule acted");
                        }
                        continue;
                    }
                    Ok(None) => continue,
                    Err(e) => Err(e.to_string()),
                },
                "job" => match state.db.jobs_user().await {
                    Ok(actor) => {
                        let mut report = app::ssr::jobs::JobReport::default();
                        match app::ssr::jobs::perform(&state, &entry, &owner, actor, &mut report)
                            .await
                        {
                            Ok(()) => {
                                changed |= !report.is_empty();
                                continue;
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    Err(e) => Err(e.to_string()),
                },
                "action" => {
                    match app::ssr::automation::perform_action(&state, &entry, &owner).await {
                        Ok(()) => {
                            changed = true;
                            continue;
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
                "email" => match &smtp {
                    Some(t) => send_email(&state.db, &delivery, t, &entry).await,
                    None => Err("e-mail is not configured (TIERDESK_SMTP_URL)".into()),
                },
                "webhook" => match &delivery.webhook {
                    Some(hook) => post_webhook(&state.db, &delivery, &http, hook, &entry).await,
                    None => Err("chat is not configured (TIERDESK_WEBHOOK_URL)".into()),
                },
                other => Err(format!("unknown topic {other}")),
            };
            let result = match outcome {
                Ok(()) => state.db.finish(entry.id, &owner).await.map(|_| ()),
                Err(error) => {
                    tracing::warn!(entry = entry.id, topic = %entry.topic, attempt = entry.attempts, last = entry.attempts >= MAX_ATTEMPTS, %error, "outbox: delivery failed");
                    state.db.fail(&entry, &owner, &error).await
                }
            };
            if let Err(e) = result {
                tracing::warn!(entry = entry.id, error = %e, "outbox: could not record the outcome");
            }
        }
        if changed {
            state.cache.changed_by_automation();
        }
    }
}

#[derive(serde::Deserialize)]
struct EmailPayload {
    topic: String,
    user: i64,
    to: String,
    name: String,
    #[serde(default)]
    detail: String,
}

/// The words of a notice: subject line, plain text and HTML.
fn compose(p: &EmailPayload, key: &str, title: &str, link: &str) -> (String, String, String) {
    let (subject, lead) = match p.topic.as_str() {
        "replies" => (
            format!("[{key}] New reply: {title}"),
            "There is a new reply on your request.".to_string(),
        ),
        "state" => (
            format!("[{key}] Now {}: {title}", p.detail.replace('-', " ")),
            format!("Your request is now {}.", p.detail.replace('-', " ")),
        ),
        "approvals" => (
            format!("[{key}] Waiting for your approval: {title}"),
            "A request waits for your approval.".to_string(),
        ),
        "tasks" => (
            format!("[{key}] A task is yours: {title}"),
            "A request is approved and has a task for your team.".to_string(),
        ),
        "sla" => (
            format!(
                "[{key}] Service level {}: {title}",
                if p.detail == "sla-breached" {
                    "breached"
                } else {
                    "at risk"
                }
            ),
            "A request assigned to you is about to miss, or has missed, its service level."
                .to_string(),
        ),
        _ => (
            format!("[{key}] {title}"),
            format!("{} acted on this request.", p.detail),
        ),
    };
    let quoted = if p.topic == "replies" && !p.detail.is_empty() {
        format!("\n\n{}\n", p.detail)
    } else {
        String::new()
    };
    let text = format!(
        "Hello {},\n\n{lead}{quoted}\n{key}: {title}\n{link}\n\nReply to this e-mail to answer on the request.\n-- \nTierdesk, the IT and security helpdesk\n",
        p.name
    );
    let esc = app::domain::text::escape_html;
    let html = format!(
        "<!doctype html><html><body style=\"font-family: sans-serif; color: #1f2933\">\
         <p>Hello {name},</p><p>{lead}</p>{quoted_html}\
         <p><a href=\"{link_attr}\">{key_html}: {title_html}</a></p>\
         <p style=\"color: #52606d\">Reply to this e-mail to answer on the request.</p></body></html>",
        name = esc(&p.name),
        lead = esc(&lead),
        quoted_html = if quoted.is_empty() {
            String::new()
        } else {
            format!("<blockquote style=\"white-space: pre-wrap\">{}</blockquote>", esc(&p.detail))
        },
        link_attr = esc(link),
        key_html = esc(key),
        title_html = esc(title),
    );
    (subject, text, html)
}

async fn send_email(
    db: &Db,
    d: &Delivery,
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    entry: &OutboxRow,
) -> Result<(), String> {
    let p: EmailPayload =
        serde_json::from_str(&entry.payload).map_err(|e| format!("payload: {e}"))?;
    let request = entry.request_id.ok_or("no request")?;
    let key = app::domain::request::RequestKey::new(request);
    let Some(r) = db.request(key).await.map_err(|e| e.to_string())? else {
        // The request is gone: nothing to tell.
        return Ok(());
    };
    let key = key.to_string();
    let domain = d.mail_domain();
    let secret = db.mail_secret().await.map_err(|e| e.to_string())?;
    let link = format!("{}/requests/{key}", d.base_url);
    let (subject, text, html) = compose(&p, &key, &r.title, &link);
    let to: Mailbox = format!(
        "{} <{}>",
        p.name.replace(['<', '>', '"', '\r', '\n'], ""),
        p.to
    )
    .parse()
    .or_else(|_| p.to.parse())
    .map_err(|e| format!("recipient: {e}"))?;
    let reply_to: Mailbox = reply_address(&secret, &key, p.user, &domain)
        .parse()
        .map_err(|e| format!("reply address: {e}"))?;
    let thread = thread_id(&key, &domain);
    let message = Message::builder()
        .from(d.from.parse().map_err(|e| format!("from: {e}"))?)
        .reply_to(reply_to)
        .to(to)
        .subject(subject)
        // The outbox id makes a redelivery the same message, which mail clients fold together.
        .message_id(Some(format!("<tierdesk.{}.{}@{domain}>", entry.id, key)))
        // Sent by a program: out-of-office responders must not answer it (RFC 3834).
        .raw_header(lettre::message::header::HeaderValue::new(
            lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ))
        .raw_header(lettre::message::header::HeaderValue::new(
            lettre::message::header::HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".into(),
        ))
        .in_reply_to(thread.clone())
        .references(thread)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| format!("message: {e}"))?;
    smtp.send(message).await.map_err(|e| format!("SMTP: {e}"))?;
    Ok(())
}

#[derive(serde::Deserialize)]
struct WebhookPayload {
    channel: String,
    event: String,
    detail: String,
}

async fn post_webhook(
    db: &Db,
    d: &Delivery,
    http: &reqwest::Client,
    (url, secret): &(String, String),
    entry: &OutboxRow,
) -> Result<(), String> {
    let p: WebhookPayload =
        serde_json::from_str(&entry.payload).map_err(|e| format!("payload: {e}"))?;
    let (key, title) = match entry.request_id {
        Some(id) => {
            let key = app::domain::request::RequestKey::new(id);
            let title = db
                .request(key)
                .await
                .map_err(|e| e.to_string())?
                .map(|r| r.title)
                .unwrap_or_default();
            (key.to_string(), title)
        }
        None => (String::new(), String::new()),
    };
    // Slack's mrkdwn treats <, > and & as markup: escaped as Slack asks.
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let link = format!("{}/requests/{key}", d.base_url);
    let body = serde_json::json!({
        "channel": p.channel,
        "username": "Tierdesk",
        "text": format!("<{}|{}> {}: {}", esc(&link), esc(&key), esc(&title), esc(&p.detail)),
        "event": p.event,
        "request": key,
    })
    .to_string();
    let ts = (db.now() / 1000).to_string();
    let signature = sign(secret, &format!("{ts}.{body}"));
    let res = http
        .post(url)
        .header("content-type", "application/json")
        .header("x-tierdesk-delivery", entry.id.to_string())
        .header("x-tierdesk-timestamp", &ts)
        .header("x-tierdesk-signature", format!("v1={signature}"))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("webhook: {}", e.without_url()))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {}", res.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_address_names_its_request_and_person_only_when_signed() {
        let a = reply_address("s3cret", "REQ-12", 42, "help.example.com");
        assert_eq!(
            parse_reply_address("s3cret", &a),
            Some(("REQ-12".to_string(), 42))
        );
        assert_eq!(
            parse_reply_address("s3cret", &format!("<{a}>")),
            Some(("REQ-12".to_string(), 42))
        );
        // Another key, another person, another secret, no signature: refused.
        assert_eq!(parse_reply_address("other", &a), None);
        let forged = a.replace("REQ-12.42", "REQ-13.42");
        assert_eq!(parse_reply_address("s3cret", &forged), None);
        let forged = a.replace(".42.", ".43.");
        assert_eq!(parse_reply_address("s3cret", &forged), None);
        assert_eq!(parse_reply_address("s3cret", "reply+REQ-12.42@x"), None);
        assert_eq!(parse_reply_address("s3cret", "helpdesk@x"), None);
    }

    #[test]
    fn a_notice_escapes_what_people_wrote() {
        let p = EmailPayload {
            topic: "replies".into(),
            user: 1,
            to: "a@b.c".into(),
            name: "<b>Eve</b>".into(),
            detail: "<script>alert(1)</script>".into(),
        };
        let (subject, text, html) =
            compose(&p, "REQ-1", "\"><img src=x>", "http://h/requests/REQ-1");
        assert!(subject.starts_with("[REQ-1] New reply"));
        assert!(text.contains("<script>"), "plain text stays as written");
        assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>Eve"));
    }
}
