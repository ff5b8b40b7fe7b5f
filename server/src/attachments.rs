//! Files over HTTP (issue 15).
//!
//! - Without JavaScript a form with files is posted as `multipart/form-data` to its server
//!   function. [`carry_form_files`] keeps each file as a pending upload of the person signed in
//!   and hands the server function the same URL-encoded form it gets from the app, with the
//!   uploads' ids in `attachments` and anything refused in `attachment_problem`, so one code path
//!   checks, saves and keeps refused forms (`form_drafts`) either way.
//! - With JavaScript, files picked, dropped or pasted go at once to `POST /files`
//!   ([`upload`]), which answers their ids as JSON; the form then carries the ids.
//! - `GET /files/{id}/{name}` ([`download`]) serves a file to whoever may see what it is on, as
//!   a download unless it is a raster image, never sniffed, and in a sandbox.

use crate::middleware::error_response;
use app::domain::attachment::{
    self, FileType, IDS_FIELD, MAX_FILES, MAX_FILE_BYTES, PROBLEM_FIELD,
};
use app::domain::error::AppError;
use app::model::{Attachment, UploadAnswer};
use app::ssr::ctx::CurrentViewer;
use app::ssr::{attachments, AppState};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

/// The forms that may carry files without JavaScript.
pub const FORMS_WITH_FILES: [&str; 3] =
    ["/fn/submit_request", "/fn/post_comment", "/fn/save_guide"];

/// The form field a file picker uses.
pub const FILES_FIELD: &str = "files";

/// The most of a body with files that is read: the files at their limit and the form around
/// them. Beyond it the reading stops and the form is told.
pub const BODY_LIMIT: usize = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024;

/// The text fields of a multipart form, the ids of the files kept, and what was refused.
#[derive(Default, Debug)]
struct Carried {
    fields: Vec<(String, String)>,
    ids: Vec<String>,
    problems: Vec<String>,
    files: Vec<Attachment>,
}

fn multipart_boundary(req: &Request) -> Option<String> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(ct).ok()
}

/// Reads a multipart body: text fields as they are, each file kept as a pending upload of `v`.
async fn read_multipart(
    st: &AppState,
    v: Option<&app::domain::user::Viewer>,
    body: Body,
    boundary: String,
) -> Carried {
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(BODY_LIMIT as u64));
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut out = Carried::default();
    let mut text_bytes = 0usize;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                out.problems.push(stream_problem(&e));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if name != FILES_FIELD || file_name.is_none() {
            let mut value: Vec<u8> = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(c)) => {
                        text_bytes += c.len();
                        // The URL-encoded limit inside still applies to the fields themselves.
                        if text_bytes <= 1024 * 1024 {
                            value.extend_from_slice(&c);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        out.problems.push(stream_problem(&e));
                        return out;
                    }
                }
            }
            out.fields
                .push((name, String::from_utf8_lossy(&value).into_owned()));
            continue;
        }
        let file_name = file_name.unwrap_or_default();
        let mut bytes: Vec<u8> = Vec::new();
        let mut size = 0usize;
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    size += c.len();
                    // Past the limit the rest is read and dropped, so that the fields after the
                    // file still arrive and the message can say how large it was.
                    if size <= MAX_FILE_BYTES {
                        bytes.extend_from_slice(&c);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    out.problems.push(stream_problem(&e));
                    return out;
                }
            }
        }
        // A picker left empty still sends a part with no name and no bytes.
        if file_name.is_empty() && size == 0 {
            continue;
        }
        let Some(v) = v else {
            out.problems.push("Sign in to attach files.".into());
            continue;
        };
        if out.ids.len() >= MAX_FILES {
            out.problems.push(format!(
                "Attach at most {MAX_FILES} files at a time; “{}” was left out.",
                attachment::shown_name(&file_name)
            ));
            continue;
        }
        if size > MAX_FILE_BYTES {
            out.problems.push(format!(
                "“{}” is {}; a file may be at most {}.",
                attachment::shown_name(&file_name),
                attachment::human_size(size as u64),
                attachment::human_size(MAX_FILE_BYTES as u64)
            ));
            continue;
        }
        match attachments::upload(st, v, &file_name, &bytes).await {
            Ok(a) => {
                out.ids.push(a.id.clone());
                out.files.push(a);
            }
            Err(m) => out.problems.push(m),
        }
    }
    out
}

fn stream_problem(e: &multer::Error) -> String {
    match e {
        multer::Error::StreamSizeExceeded { .. } => format!(
            "The files together are too large: send at most {MAX_FILES} files of up to {} each.",
            attachment::human_size(MAX_FILE_BYTES as u64)
        ),
        _ => "The files could not be read completely. Attach them again.".to_string(),
    }
}

/// Turns a `multipart/form-data` post to a form that takes files into the URL-encoded form its
/// server function reads (see the module's notes).
pub async fn carry_form_files(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let applies = req.method() == Method::POST && FORMS_WITH_FILES.contains(&req.uri().path());
    let boundary = if applies {
        multipart_boundary(&req)
    } else {
        None
    };
    let Some(boundary) = boundary else {
        return next.run(req).await;
    };
    let viewer = req
        .extensions()
        .get::<CurrentViewer>()
        .and_then(|v| v.0.clone());
    let (mut parts, body) = req.into_parts();
    let carried = read_multipart(&st, viewer.as_ref(), body, boundary).await;
    // The serializer is not Send: it is done with before the await below.
    let body = {
        let mut encoded = form_urlencoded::Serializer::new(String::new());
        let mut ids: Vec<String> = Vec::new();
        for (name, value) in &carried.fields {
            if name == IDS_FIELD {
                // Uploads kept from a refused attempt, or made with JavaScript before it failed.
                ids.extend(value.split_whitespace().map(str::to_string));
            } else if name != PROBLEM_FIELD {
                encoded.append_pair(name, value);
            }
        }
        ids.extend(carried.ids);
        encoded.append_pair(IDS_FIELD, &ids.join(" "));
        if !carried.problems.is_empty() {
            encoded.append_pair(PROBLEM_FIELD, &carried.problems.join(" "));
        }
        encoded.finish()
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// `POST /files`: the app's uploads (picked, dropped or pasted), kept for the form they are for.
pub async fn upload(
    State(st): State<AppState>,
    Extension(CurrentViewer(viewer)): Extension<CurrentViewer>,
    req: Request,
) -> Response {
    let Some(v) = viewer else {
        return error_response(&AppError::Unauthenticated);
    };
    let Some(boundary) = multipart_boundary(&req) else {
        return error_response(&AppError::invalid(
            IDS_FIELD,
            "Send the files as multipart/form-data in a field named “files”.",
        ));
    };
    let carried = read_multipart(&st, Some(&v), req.into_body(), boundary).await;
    // Files refused are part of the answer, beside those kept, not a failure of the call.
    (
        StatusCode::OK,
        Json(UploadAnswer {
            files: carried.files,
            problems: carried.problems,
        }),
    )
        .into_response()
}

/// `GET /files/{id}/{name}`.
pub async fn download(
    State(st): State<AppState>,
    Extension(CurrentViewer(viewer)): Extension<CurrentViewer>,
    Path((id, _name)): Path<(String, String)>,
) -> Response {
    match attachments::download(&st, viewer.as_ref(), &id).await {
        Ok((row, data)) => file_response(&row.file_name, &row.content_type, data),
        Err(e) => error_response(&e),
    }
}

/// The headers that make a stored file safe to hand out, whatever is in it.
fn file_response(name: &str, content_type: &str, data: Vec<u8>) -> Response {
    let ty = FileType::from_mime(content_type);
    let inline = ty.is_some_and(FileType::inline);
    // Only the types the portal takes are ever named; anything else is opaque bytes.
    let content_type = match ty {
        Some(t) => t.mime(),
        None => "application/octet-stream",
    };
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    );
    let mut res = Response::new(Body::from(data));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_raster_images_are_inline_and_every_file_is_sandboxed() {
        let png = file_response("shot.png", "image/png", vec![1]);
        assert!(png.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline;"));
        let text = file_response("a\"b.txt", "text/plain; charset=utf-8", vec![1]);
        let d = text.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap();
        assert!(d.starts_with("attachment;"), "{d}");
        assert!(d.contains("filename=\"a_b.txt\""), "{d}");
        let odd = file_response("x.svg", "image/svg+xml", vec![1]);
        assert_eq!(
            odd.headers()[header::CONTENT_TYPE],
            "application/octet-stream"
        );
        assert!(odd.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
        for r in [png, text, odd] {
            assert!(r.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .starts_with("sandbox;"));
        }
    }
}
