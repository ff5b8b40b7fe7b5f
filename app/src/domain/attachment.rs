//! Files people attach to requests, replies, internal notes and guides (issue 15): which types are
//! taken, how large, how a file is named, and how it may be served. The type always comes from
//! the bytes (see `ssr::attachments::sniff`); the name a browser sends is only shown.

/// The most one file may weigh.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most files one form (a request, a reply, a note, a guide save) may carry.
pub const MAX_FILES: usize = 5;
/// What the file picker offers; the server checks the bytes whatever the picker let through.
pub const ACCEPT: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,\
.txt,.log,.csv,.docx,.xlsx,.pptx,.zip";
/// The line under every file picker.
pub const HINT: &str = "Screenshots and other PNG, JPEG, GIF or WebP images, PDF, text, Word, \
Excel, PowerPoint or ZIP files; up to 10 MB each and 5 at a time.";
/// The form field that carries the ids of files uploaded ahead of the form, separated by spaces.
pub const IDS_FIELD: &str = "attachments";
/// The form field where the upload step tells the form what it refused.
pub const PROBLEM_FIELD: &str = "attachment_problem";

/// The file types the portal takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Text,
    Docx,
    Xlsx,
    Pptx,
    Zip,
}

impl FileType {
    pub const ALL: [FileType; 10] = [
        FileType::Png,
        FileType::Jpeg,
        FileType::Gif,
        FileType::Webp,
        FileType::Pdf,
        FileType::Text,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Pptx,
        FileType::Zip,
    ];

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Pdf => "application/pdf",
            FileType::Text => "text/plain; charset=utf-8",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileType::Zip => "application/zip",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.mime() == mime)
    }

    /// The extensions a name of this type may end in; the first is added when none fits.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Gif => &["gif"],
            FileType::Webp => &["webp"],
            FileType::Pdf => &["pdf"],
            FileType::Text => &["txt", "log", "csv", "md", "json", "yml", "yaml"],
            FileType::Docx => &["docx"],
            FileType::Xlsx => &["xlsx"],
            FileType::Pptx => &["pptx"],
            FileType::Zip => &["zip"],
        }
    }

    /// Raster images are shown in the page; everything else is only ever downloaded. SVG is not
    /// taken at all: it can carry script.
    pub fn inline(self) -> bool {
        matches!(
            self,
            FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp
        )
    }
}

/// The name to store and show: no folders, no control or quoting characters, at most 120
/// characters, and an extension that matches the type found in the bytes (a text file sent as
/// `report.html` is kept as `report.html.txt`, so no program opens it as a page).
pub fn clean_name(raw: &str, ty: FileType) -> String {
    let mut name = shown_name(raw);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !ty.extensions().contains(&ext.as_str()) {
        name.push('.');
        name.push_str(ty.extensions()[0]);
    }
    name
}

/// A name as sent, made safe to show (in a refusal, before the type is known): no folders, no
/// control or quoting characters, at most 120 characters.
pub fn shown_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '`' | '\u{202e}'))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect();
    if name.trim().is_empty() {
        "file".to_string()
    } else {
        name
    }
}

/// "512 bytes", "34 KB", "2.5 MB".
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        if tenths % 10 == 0 {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// The ids a form sends in [`IDS_FIELD`]: 32 lowercase hex digits each, separated by spaces or
/// commas, each once, at most [`MAX_FILES`].
pub fn parse_ids(raw: &str) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = Vec::new();
    for id in raw.split([' ', ',', '\n', '\t']).filter(|s| !s.is_empty()) {
        if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err("The attached files could not be read. Attach them again.".into());
        }
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    if ids.len() > MAX_FILES {
        return Err(format!(
            "Attach at most {MAX_FILES} files at a time; remove {} of them.",
            ids.len() - MAX_FILES
        ));
    }
    Ok(ids)
}

/// The address a file is served at: its id, then its name for the browser's save dialog.
pub fn url(id: &str, name: &str) -> String {
    format!(
        "/files/{id}/{}",
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_and_quotes_and_gain_the_type_s_extension() {
        assert_eq!(
            clean_name("C:\\Users\\me\\shot.png", FileType::Png),
            "shot.png"
        );
        assert_eq!(clean_name("../../etc/passwd", FileType::Text), "passwd.txt");
        assert_eq!(
            clean_name("<img src=x onerror=\"a\">.png", FileType::Png),
            "img src=x onerror=a.png"
        );
        assert_eq!(
            clean_name("invoice.pdf.html", FileType::Text),
            "invoice.pdf.html.txt"
        );
        assert_eq!(clean_name("PHOTO.JPEG", FileType::Jpeg), "PHOTO.JPEG");
        assert_eq!(clean_name("  \u{7}", FileType::Pdf), "file.pdf");
        assert_eq!(clean_name(".htaccess", FileType::Text), "htaccess.txt");
        assert!(clean_name(&"a".repeat(500), FileType::Zip).chars().count() <= 124);
    }

    #[test]
    fn only_raster_images_are_shown_inline() {
        let inline: Vec<FileType> = FileType::ALL.into_iter().filter(|t| t.inline()).collect();
        assert_eq!(
            inline,
            vec![FileType::Png, FileType::Jpeg, FileType::Gif, FileType::Webp]
        );
        for t in FileType::ALL {
            assert_eq!(FileType::from_mime(t.mime()), Some(t));
        }
        assert_eq!(FileType::from_mime("image/svg+xml"), None);
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(12), "12 bytes");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(MAX_FILE_BYTES as u64), "10 MB");
        assert_eq!(human_size(2_621_440), "2.5 MB");
    }

    #[test]
    fn ids_are_hex_each_once_and_few() {
        let a = "0123456789abcdef0123456789abcdef";
        let b = "ffffffffffffffffffffffffffffffff";
        assert_eq!(parse_ids(""), Ok(vec![]));
        assert_eq!(
            parse_ids(&format!("{a} {b},{a}")),
            Ok(vec![a.to_string(), b.to_string()])
        );
        assert!(parse_ids("../../x").is_err());
        assert!(parse_ids(&a.to_uppercase()).is_err());
        let many: Vec<String> = (0..6).map(|i| format!("{i:032x}")).collect();
        assert!(parse_ids(&many.join(" "))
            .unwrap_err()
            .contains("at most 5"));
    }

    #[test]
    fn urls_escape_the_name() {
        assert_eq!(url("00", "a b\"<.png"), "/files/00/a%20b%22%3C%2Epng");
    }
}
