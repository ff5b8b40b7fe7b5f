//! A browser-like HTTP client that calls the router inside this process: the same requests and
//! answers as over a socket (headers, cookies, bodies, the peer address), without a port, a
//! listener or a connection per test. Its surface is the part of reqwest's the tests use.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::Url;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// The address every in-process request comes from, as a browser on this machine would.
pub const PEER: ([u8; 4], u16) = ([127, 0, 0, 1], 40_000);

/// An answer that never comes fails the call that waited for it, by address, long before the
/// test's own two-minute guard.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Client {
    router: axum::Router,
    /// The base URL of the app whose router this is.
    origin: String,
    jar: Option<Arc<Jar>>,
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Client {
    /// Keeps cookies and does not follow redirects (tests look at them).
    pub fn new(router: axum::Router, origin: &str) -> Client {
        Client {
            router,
            origin: origin.to_string(),
            jar: Some(Arc::new(Jar::default())),
        }
    }

    /// Sends only the cookies a test sets by hand, as a thief replaying one would.
    pub fn without_cookies(router: axum::Router, origin: &str) -> Client {
        Client {
            router,
            origin: origin.to_string(),
            jar: None,
        }
    }

    /// The same browser (its cookies) sent to another router, as a load balancer would.
    pub fn to(&self, router: axum::Router, origin: &str) -> Client {
        Client {
            router,
            origin: origin.to_string(),
            jar: self.jar.clone(),
        }
    }

    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    pub fn delete(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        let url = url.as_ref();
        let error = if !url.starts_with(&format!("{}/", self.origin)) {
            Some(Error(format!(
                "{url} is not on this client's app, {}",
                self.origin
            )))
        } else {
            None
        };
        let url = Url::parse(url);
        RequestBuilder {
            client: self.clone(),
            method,
            error: error.or(url.as_ref().err().map(|e| Error(format!("bad URL: {e}")))),
            url: url.unwrap_or_else(|_| Url::parse("http://invalid/").unwrap()),
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }
}

pub struct RequestBuilder {
    client: Client,
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Vec<u8>,
    error: Option<Error>,
}

impl RequestBuilder {
    fn fail(mut self, what: String) -> Self {
        self.error.get_or_insert(Error(what));
        self
    }

    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Debug,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Debug,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
                self
            }
            (n, v) => self.fail(format!("bad header: {n:?} {v:?}")),
        }
    }

    pub fn headers(mut self, headers: HeaderMap) -> Self {
        for (name, value) in &headers {
            self.headers.insert(name, value.clone());
        }
        self
    }

    pub fn bearer_auth(self, token: impl std::fmt::Display) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    pub fn query<T: Serialize + ?Sized>(mut self, args: &T) -> Self {
        match serde_urlencoded::to_string(args) {
            Ok(q) if q.is_empty() => self,
            Ok(q) => {
                let joined = match self.url.query() {
                    Some(old) if !old.is_empty() => format!("{old}&{q}"),
                    _ => q,
                };
                self.url.set_query(Some(&joined));
                self
            }
            Err(e) => self.fail(format!("query: {e}")),
        }
    }

    pub fn form<T: Serialize + ?Sized>(self, fields: &T) -> Self {
        match serde_urlencoded::to_string(fields) {
            Ok(body) => self
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body),
            Err(e) => self.fail(format!("form: {e}")),
        }
    }

    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => self.header(CONTENT_TYPE, "application/json").body(body),
            Err(e) => self.fail(format!("json: {e}")),
        }
    }

    pub fn multipart(self, form: multipart::Form) -> Self {
        let (content_type, body) = form.encode();
        self.header(CONTENT_TYPE, content_type).body(body)
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub async fn send(self) -> Result<Response, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let RequestBuilder {
            client,
            method,
            url,
            mut headers,
            body,
            ..
        } = self;
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        if !headers.contains_key(HOST) {
            headers.insert(HOST, authority.parse().map_err(|_| Error(authority))?);
        }
        if let Some(jar) = &client.jar {
            if let Some(cookies) = jar.cookies(&url) {
                headers.entry(COOKIE).or_insert(cookies);
            }
        }
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut req = Request::builder()
            .method(method.clone())
            .uri(&target)
            .body(Body::from(body))
            .map_err(|e| Error(format!("request {target}: {e}")))?;
        *req.headers_mut() = headers;
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(PEER)));
        let answer = tokio::time::timeout(ANSWER_WITHIN, client.router.oneshot(req))
            .await
            .map_err(|_| Error(format!("{method} {target}: no answer within 30 s")))?
            .unwrap_or_else(|never| match never {});
        let (parts, body) = answer.into_parts();
        if let Some(jar) = &client.jar {
            let mut set = parts.headers.get_all(SET_COOKIE).iter();
            jar.set_cookies(&mut set, &url);
        }
        let bytes = tokio::time::timeout(ANSWER_WITHIN, axum::body::to_bytes(body, usize::MAX))
            .await
            .map_err(|_| Error(format!("{method} {target}: body not finished within 30 s")))?
            .map_err(|e| Error(format!("{method} {target}: body: {e}")))?;
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body: bytes.to_vec(),
        })
    }
}

#[derive(Debug)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Response {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub async fn text(self) -> Result<String, Error> {
        String::from_utf8(self.body).map_err(|e| Error(format!("not UTF-8: {e}")))
    }

    pub async fn bytes(self) -> Result<Vec<u8>, Error> {
        Ok(self.body)
    }

    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error(format!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            ))
        })
    }
}

pub mod multipart {
    //! `multipart/form-data` bodies, as a browser's file form sends them.

    pub struct Part {
        bytes: Vec<u8>,
        file_name: Option<String>,
    }

    impl Part {
        pub fn bytes(bytes: impl Into<Vec<u8>>) -> Part {
            Part {
                bytes: bytes.into(),
                file_name: None,
            }
        }

        pub fn text(text: impl Into<String>) -> Part {
            Part::bytes(text.into().into_bytes())
        }

        pub fn file_name(mut self, name: impl Into<String>) -> Part {
            self.file_name = Some(name.into());
            self
        }
    }

    #[derive(Default)]
    pub struct Form {
        parts: Vec<(String, Part)>,
    }

    impl Form {
        pub fn new() -> Form {
            Form::default()
        }

        pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Form {
            self.part(name, Part::text(value))
        }

        pub fn part(mut self, name: impl Into<String>, part: Part) -> Form {
            self.parts.push((name.into(), part));
            self
        }

        /// The content type (with its boundary) and the body.
        pub(super) fn encode(self) -> (String, Vec<u8>) {
            let boundary = format!(
                "tierdesk-test-{}",
                app::ssr::auth::new_secret("")[..16].to_string()
            );
            let mut body = Vec::new();
            for (name, part) in self.parts {
                body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
                if let Some(file) = &part.file_name {
                    disposition.push_str(&format!("; filename=\"{file}\""));
                }
                body.extend_from_slice(disposition.as_bytes());
                body.extend_from_slice(b"\r\n");
                if part.file_name.is_some() {
                    body.extend_from_slice(b"Content-Type: application/octet-stream\r\n");
                }
                body.extend_from_slice(b"\r\n");
                body.extend_from_slice(&part.bytes);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            (format!("multipart/form-data; boundary={boundary}"), body)
        }
    }
}
