//! The browser half's files under `/pkg`: the script, the WebAssembly and the stylesheet, under
//! names that carry a hash of their content (`scripts/lib.sh` writes them and
//! `pkg/manifest.txt`, which names them: `<name>.js`, `<name>_bg.wasm` and `<name>.css`, one
//! hash for the three), precompressed with brotli and gzip. A hashed file never
//! changes, so browsers keep it a year without asking again; a new build has new names, which
//! the pages name as soon as the server restarts.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::path::{Path, PathBuf};

/// What the build named the files, read from `<site>/<pkg>/manifest.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The files' name without extension: `tierdesk.<hash>` gives `tierdesk.<hash>.js`,
    /// `tierdesk.<hash>_bg.wasm` and `tierdesk.<hash>.css`.
    pub output_name: String,
}

impl Manifest {
    /// The names before hashing: a site built without the manifest (cargo-leptos) still works.
    pub fn unhashed() -> Self {
        Manifest {
            output_name: "tierdesk".into(),
        }
    }

    /// Parses the `output-name: …` line; a name that is not a plain file name is
    /// ignored (the manifest is the build's, but a page must never carry markup from a file).
    pub fn parse(text: &str) -> Self {
        let mut m = Manifest::unhashed();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            let plain = !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                && !value.starts_with('.');
            if key.trim() == "output-name" && plain {
                m.output_name = value.into();
            }
        }
        m
    }

    /// The manifest of the site at `site_root`, or the unhashed names when it has none.
    pub fn load(site_root: &str, pkg_dir: &str) -> Self {
        std::fs::read_to_string(Path::new(site_root).join(pkg_dir).join("manifest.txt"))
            .map(|t| Manifest::parse(&t))
            .unwrap_or_else(|_| Manifest::unhashed())
    }
}

/// Whether a file name carries a content hash: `<name>.<16 hex digits>` before its extension
/// (and before `_bg` for the WebAssembly).
pub fn is_hashed(file: &str) -> bool {
    file.split('.').any(|part| {
        let part = part.strip_suffix("_bg").unwrap_or(part);
        part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A year and `immutable` for hashed files; anything else under `/pkg` is checked each time.
async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path().rsplit('/').next().unwrap_or(""));
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if hashed {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            }),
        );
    }
    res
}

/// `/pkg/*` from `<site_root>/<pkg_dir>`, the `.br` or `.gz` twin when the browser takes it.
pub fn routes(site_root: &str, pkg_dir: &str) -> Router {
    let dir: PathBuf = Path::new(site_root).join(pkg_dir);
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service(&format!("/{pkg_dir}"), files)
        .layer(axum::middleware::from_fn(cache_control))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_names_the_hashed_files_and_nothing_else() {
        let m = Manifest::parse("built: today\noutput-name: tierdesk.0123456789abcdef\n");
        assert_eq!(m.output_name, "tierdesk.0123456789abcdef");
        for hostile in [
            "output-name: x\"><script>",
            "output-name: ../../etc/passwd",
            "output-name: ",
        ] {
            assert_eq!(Manifest::parse(hostile), Manifest::unhashed(), "{hostile}");
        }
        assert_eq!(Manifest::parse(""), Manifest::unhashed());
    }

    #[test]
    fn only_names_with_a_content_hash_count_as_hashed() {
        assert!(is_hashed("tierdesk.0123456789abcdef.js"));
        assert!(is_hashed("tierdesk.0123456789abcdef_bg.wasm"));
        assert!(is_hashed("tierdesk.fedcba9876543210.css"));
        assert!(!is_hashed("tierdesk.js"));
        assert!(!is_hashed("tierdesk_bg.wasm"));
        assert!(!is_hashed("manifest.txt"));
        assert!(!is_hashed("tierdesk.0123.js"));
    }
}
