//! The browser half's files under `/pkg`: the script, the WebAssembly (its main module and one
//! chunk per lazily loaded page), the chunks' loader and the stylesheet, in a directory named by
//! a hash of them all, `pkg/<hash>/` (`scripts/lib.sh` writes it and `pkg/manifest.txt`, which
//! names it), each precompressed with brotli and gzip. A file under a hash never changes, so
//! browsers keep it a year without asking again; a new build has a new directory, which the
//! pages name as soon as the server restarts.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::path::{Path, PathBuf};

/// What the build named the files, read from `<site>/<pkg>/manifest.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The files' name without extension: `tierdesk` gives `tierdesk.js`, `tierdesk_bg.wasm`
    /// and `tierdesk.css`.
    pub output_name: String,
    /// The hash naming the directory the files are in, when the build hashed them.
    pub build: Option<String>,
}

impl Manifest {
    /// The names before hashing: a site built without the manifest (cargo-leptos) still works.
    pub fn unhashed() -> Self {
        Manifest {
            output_name: "tierdesk".into(),
            build: None,
        }
    }

    /// Parses the `output-name: …` and `build: …` lines; a value that is not a plain file name
    /// is ignored (the manifest is the build's, but a page must never carry markup from a file).
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
            match key.trim() {
                "output-name" if plain => m.output_name = value.into(),
                "build" if is_hash(value) => m.build = Some(value.into()),
                _ => {}
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

    /// Where pages find the files: `<pkg_dir>/<hash>`, or `pkg_dir` itself when unhashed.
    pub fn files_dir(&self, pkg_dir: &str) -> String {
        match &self.build {
            Some(hash) => format!("{pkg_dir}/{hash}"),
            None => pkg_dir.to_string(),
        }
    }
}

/// A build's hash: 16 hexadecimal digits.
fn is_hash(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a path under `/pkg` is inside a build's hashed directory: `/pkg/<hash>/<file>`.
pub fn is_hashed(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').split('/');
    parts.next();
    matches!((parts.next(), parts.next(), parts.next()), (Some(dir), Some(file), None) if is_hash(dir) && !file.is_empty())
}

/// A year and `immutable` for hashed files; anything else under `/pkg` is checked each time.
async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
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
    fn the_manifest_names_the_hashed_directory_and_nothing_else() {
        let m = Manifest::parse("built: today\noutput-name: tierdesk\nbuild: 0123456789abcdef\n");
        assert_eq!(m.output_name, "tierdesk");
        assert_eq!(m.build.as_deref(), Some("0123456789abcdef"));
        assert_eq!(m.files_dir("pkg"), "pkg/0123456789abcdef");
        for hostile in [
            "output-name: x\"><script>",
            "output-name: ../../etc/passwd",
            "output-name: ",
            "build: ../0123456789abcd",
            "build: 0123456789abcdefg",
            "build: \"><script>",
        ] {
            assert_eq!(Manifest::parse(hostile), Manifest::unhashed(), "{hostile}");
        }
        assert_eq!(Manifest::parse(""), Manifest::unhashed());
        assert_eq!(Manifest::unhashed().files_dir("pkg"), "pkg");
    }

    #[test]
    fn only_files_in_a_hashed_directory_count_as_hashed() {
        assert!(is_hashed("/pkg/0123456789abcdef/tierdesk.js"));
        assert!(is_hashed("/pkg/0123456789abcdef/tierdesk_bg.wasm"));
        assert!(is_hashed(
            "/pkg/fedcba9876543210/__wasm_split.______________________.js"
        ));
        assert!(!is_hashed("/pkg/tierdesk.css"));
        assert!(!is_hashed("/pkg/manifest.txt"));
        assert!(!is_hashed("/pkg/0123456789abcdef/"));
        assert!(!is_hashed("/pkg/0123456789abcdef"));
        assert!(!is_hashed("/pkg/0123/tierdesk.js"));
        assert!(!is_hashed("/pkg/0123456789abcdef/a/tierdesk.js"));
    }
}
