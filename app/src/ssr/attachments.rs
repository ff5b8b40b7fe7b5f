//! Files (issue 15). An upload is checked from its bytes and kept as pending for its uploader;
//! the form it came with (a request, a reply or note, a guide) attaches it in the same
//! transaction as its own write. Downloads are for exactly the people who may see what the file
//! is on, and a requester never gets an internal note's file.

use super::reading::load_visible;
use super::store::AttachmentRow;
use super::AppState;
use crate::domain::access;
use crate::domain::attachment::{self, FileType, MAX_FILE_BYTES};
use crate::domain::error::AppError;
use crate::domain::request::RequestKey;
use crate::domain::user::Viewer;
use crate::model::Attachment;

/// How long an upload waits for the form it was made for.
pub const PENDING_FOR_MS: i64 = 24 * 60 * 60 * 1000;

/// The type of a file, from its bytes alone.
pub fn sniff(bytes: &[u8]) -> Result<FileType, &'static str> {
    const MARKUP: &str = "HTML, SVG and XML files are not taken, as they can carry script: \
                          send a screenshot or a PDF instead.";
    const OTHER: &str = "this type of file is not taken. Send a screenshot, a PDF, a text file, \
                         an Office document or a ZIP.";
    if let Some(t) = infer::get(bytes) {
        let known = match t.mime_type() {
            "image/png" => Some(FileType::Png),
            "image/jpeg" => Some(FileType::Jpeg),
            "image/gif" => Some(FileType::Gif),
            "image/webp" => Some(FileType::Webp),
            "application/pdf" => Some(FileType::Pdf),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Some(FileType::Docx)
            }
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Some(FileType::Xlsx)
            }
            "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Some(FileType::Pptx)
            }
            "application/zip" => Some(FileType::Zip),
            "text/html" | "text/xml" | "image/svg+xml" | "application/xml" => return Err(MARKUP),
            m if m.starts_with("text/") => None,
            _ => return Err(OTHER),
        };
        if let Some(k) = known {
            return Ok(k);
        }
    }
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(OTHER);
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        return Err(OTHER);
    }
    let head: String = text
        .trim_start()
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with('<')
        && [
            "<svg",
            "<html",
            "<!doctype",
            "<script",
            "<?xml",
            "<body",
            "<iframe",
        ]
        .iter()
        .any(|m| head.contains(m))
    {
        return Err(MARKUP);
    }
    Ok(FileType::Text)
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The view of a stored file.
pub fn view(row: &AttachmentRow) -> Attachment {
    let ty = FileType::from_mime(&row.content_type);
    Attachment {
        id: row.id.clone(),
        name: row.file_name.clone(),
        size: attachment::human_size(row.size.max(0) as u64),
        image: ty.is_some_and(FileType::inline),
        url: attachment::url(&row.id, &row.file_name),
    }
}

/// Checks one uploaded file and keeps it for `v`'s form. The error is a sentence naming the
/// file, for the form's attachments field.
pub async fn upload(
    st: &AppState,
    v: &Viewer,
    raw_name: &str,
    bytes: &[u8],
) -> Result<Attachment, String> {
    let shown = attachment::shown_name(raw_name);
    if bytes.is_empty() {
        return Err(format!("“{shown}” is empty."));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "“{shown}” is {}; a file may be at most {}.",
            attachment::human_size(bytes.len() as u64),
            attachment::human_size(MAX_FILE_BYTES as u64)
        ));
    }
    let ty = sniff(bytes).map_err(|why| format!("“{shown}”: {why}"))?;
    let name = attachment::clean_name(raw_name, ty);
    let id = random_id();
    let hash = sha256_hex(bytes);
    let now = st.db.now();
    st.db
        .save_pending_attachment(
            &super::store::NewAttachment {
                id: &id,
                uploader_id: v.id,
                file_name: &name,
                content_type: ty.mime(),
                sha256: &hash,
                data: bytes,
            },
            now - PENDING_FOR_MS,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not keep an upload");
            "The file could not be kept. Please try again.".to_string()
        })?;
    tracing::info!(user = v.id, attachment = %id, size = bytes.len(), kind = ty.mime(), "file uploaded");
    Ok(Attachment {
        id: id.clone(),
        name: name.clone(),
        size: attachment::human_size(bytes.len() as u64),
        image: ty.inline(),
        url: attachment::url(&id, &name),
    })
}

/// What a form carried about files: the ids of the uploads made for it, and what the upload
/// step refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct Carried<'a> {
    pub ids: &'a str,
    pub problem: &'a str,
}

/// The files a form carries: what the upload step refused, else the ids it kept, each an upload
/// of `v`'s that no form has taken yet.
pub async fn take(
    st: &AppState,
    v: &Viewer,
    carried: Carried<'_>,
) -> Result<Vec<String>, AppError> {
    const FIELD: &str = attachment::IDS_FIELD;
    let ids = carried.ids;
    let problem = carried.problem.trim();
    if !problem.is_empty() {
        return Err(AppError::invalid(
            FIELD,
            problem.chars().take(600).collect::<String>(),
        ));
    }
    let ids = attachment::parse_ids(ids).map_err(|m| AppError::invalid(FIELD, m))?;
    if ids.is_empty() {
        return Ok(ids);
    }
    let found = st.db.pending_attachments(v.id, &ids).await?;
    if found.len() != ids.len() {
        return Err(AppError::invalid(
            FIELD,
            "Some of the attached files are no longer here (an upload waits a day for its form). \
             Attach them again.",
        ));
    }
    Ok(ids)
}

/// The viewer's own uploads among `ids` that no form has taken yet: what a refused form shows
/// as still attached.
pub async fn pending(st: &AppState, v: &Viewer, ids: &str) -> Result<Vec<Attachment>, AppError> {
    let ids = attachment::parse_ids(ids).unwrap_or_default();
    Ok(st
        .db
        .pending_attachments(v.id, &ids)
        .await?
        .iter()
        .map(view)
        .collect())
}

/// A file and its bytes, for someone who may see what it is on; anyone else is told it does not
/// exist, exactly as for a missing file.
pub async fn download(
    st: &AppState,
    v: Option<&Viewer>,
    id: &str,
) -> Result<(AttachmentRow, Vec<u8>), AppError> {
    let missing = || AppError::not_found("That file");
    if attachment::parse_ids(id).map(|ids| ids.len()) != Ok(1) {
        return Err(missing());
    }
    let row = st.db.attachment(id).await?.ok_or_else(missing)?;
    let allowed = match (row.request_id, row.guide_id) {
        (Some(request_id), _) => match v {
            Some(v) => {
                let key = RequestKey::new(request_id).to_string();
                load_visible(st, v, &key).await.is_ok() && (!row.internal || v.is_staff())
            }
            None => false,
        },
        (None, Some(guide_id)) => match st.db.guide_visibility(guide_id).await? {
            Some(public) => public || access::can_read_internal_guides(v),
            None => false,
        },
        (None, None) => v.is_some_and(|v| v.id == row.uploader_id),
    };
    if !allowed {
        return Err(missing());
    }
    let data = st.db.attachment_data(id).await?.ok_or_else(missing)?;
    Ok((row, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(sniff(PNG), Ok(FileType::Png));
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Ok(FileType::Pdf));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0\0\0\0;"), Ok(FileType::Gif));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Ok(FileType::Jpeg));
        assert_eq!(
            sniff("error: disk full\r\nretry\tlater ✓\n".as_bytes()),
            Ok(FileType::Text)
        );
    }

    #[test]
    fn markup_programs_and_binary_are_refused_whatever_their_name() {
        for bad in [
            &b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"[..],
            b"  <!DOCTYPE html><html><script>alert(1)</script>",
            b"<?xml version='1.0'?><svg/>",
            b"<html><body>hi",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff",
            b"\x7fELF\x02\x01\x01\0",
            b"plain\0with a NUL",
            b"\xc3\x28 not utf-8",
        ] {
            assert!(sniff(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(sniff(b"<svg/>").unwrap_err().contains("SVG"));
    }

    #[test]
    fn ids_are_random_and_well_formed() {
        let (a, b) = (random_id(), random_id());
        assert_ne!(a, b);
        assert_eq!(attachment::parse_ids(&a), Ok(vec![a.clone()]));
    }
}
