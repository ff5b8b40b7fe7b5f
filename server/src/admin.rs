//! `POST /admin/registry/import`: the registry upload from the admin page, a plain multipart form
//! that works without JavaScript. The file is read in chunks up to the size limit and never
//! whole beyond it; every attempt (preview, import, refusal) is recorded with its report and the
//! browser is sent to that report.

use crate::middleware::error_response;
use app::domain::access;
use app::domain::error::AppError;
use app::model::systems::ImportSummary;
use app::ssr::ctx::CurrentViewer;
use app::ssr::registry::{self, ImportOptions, MAX_FILE_BYTES};
use app::ssr::AppState;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;

/// Room for the form's other fields and the multipart framing around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The most the upload route reads of a request body; the handler stops at the file's own limit
/// first and says so.
pub const UPLOAD_LIMIT: usize = (MAX_FILE_BYTES + FORM_OVERHEAD) as usize;

struct Upload {
    file_name: String,
    text: Result<String, String>,
    opts: ImportOptions,
}

fn too_large(size: u64) -> String {
    registry::FileError::TooLarge {
        size,
        max: MAX_FILE_BYTES,
    }
    .to_string()
}

/// Reads the form; a file over the limit stops the reading at the limit.
async fn read_upload(mut form: Multipart) -> Result<Upload, AppError> {
    let bad = |m: String| AppError::BadRequest { message: m };
    let mut up = Upload {
        file_name: String::new(),
        text: Err("Choose a tech-stack YAML file to upload.".into()),
        opts: ImportOptions::default(),
    };
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| bad(format!("The upload could not be read: {e}")))?
    {
        match field.name().unwrap_or_default() {
            "file" => {
                up.file_name = field
                    .file_name()
                    .unwrap_or("upload.yml")
                    .chars()
                    .take(200)
                    .collect();
                let mut bytes: Vec<u8> = Vec::new();
                let mut over = false;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| bad(format!("The upload could not be read: {e}")))?
                {
                    if (bytes.len() + chunk.len()) as u64 > MAX_FILE_BYTES {
                        over = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                up.text = if over {
                    Err(format!(
                        "the file is larger than {} MB, the largest accepted",
                        MAX_FILE_BYTES / 1_048_576
                    ))
                } else if bytes.is_empty() {
                    Err("The file is empty.".into())
                } else {
                    String::from_utf8(bytes).map_err(|_| "The file is not UTF-8 text.".to_string())
                };
                if over {
                    break;
                }
            }
            "overwrite" => up.opts.overwrite = true,
            "partial" => up.opts.partial = true,
            "preview" => up.opts.dry_run = true,
            _ => {}
        }
    }
    Ok(up)
}

pub async fn import_registry(
    State(st): State<AppState>,
    Extension(viewer): Extension<CurrentViewer>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let Some(v) = viewer.0 else {
        return error_response(&AppError::Unauthenticated);
    };
    if !access::can_edit_systems(Some(&v)) {
        return error_response(&AppError::Forbidden);
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    let mut summary = ImportSummary::default();
    match declared {
        // Refused before reading a byte of it.
        Some(n) if n > MAX_FILE_BYTES + FORM_OVERHEAD => {
            summary.status = "refused".into();
            summary.message = Some(too_large(n));
        }
        _ => {
            let up = match read_upload(form).await {
                Ok(up) => up,
                Err(e) => return error_response(&e),
            };
            summary.file_name = up.file_name;
            summary.overwrite = up.opts.overwrite;
            match up.text {
                Err(message) => {
                    summary.status = "refused".into();
                    summary.message = Some(message);
                }
                Ok(text) => match registry::import(&st.db, &text, up.opts).await {
                    Err(message) => {
                        summary.status = "refused".into();
                        summary.message = Some(message);
                    }
                    Ok(report) => {
                        summary.status = if report.refused {
                            "refused"
                        } else if up.opts.dry_run {
                            "preview"
                        } else {
                            "imported"
                        }
                        .into();
                        if report.refused {
                            summary.message = Some(
                                "Nothing was imported: fix the entries below, or tick \u{201c}Import the valid entries\u{201d}."
                                    .into(),
                            );
                        }
                        summary.fill(&report);
                    }
                },
            }
        }
    }
    match st.db.record_registry_import(v.id, &summary).await {
        Ok(id) => Redirect::to(&format!("/admin/registry?import={id}")).into_response(),
        Err(e) => error_response(&AppError::from(e)),
    }
}
