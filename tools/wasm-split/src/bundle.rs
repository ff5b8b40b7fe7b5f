//! One file per lazy group instead of one per chunk.
//!
//! The split makes a chunk of every set of groups that shares code, so the request form needs
//! 38 chunks beside its own module. Compressed one by one they came to 255 KB, against 199 KB
//! for the same bytes compressed as one file (brotli finds the repeats across chunks only
//! within one stream), and each cost a response's headers and a place in the browser's six
//! connections. `bundle` runs after `wasm-opt` and writes, for each group, `bundle_<group>.wasm`:
//! its chunks and its own module end to end. The manifest then names that one file per group
//! (the server preloads it), and the loader fetches it once and instantiates each part from its
//! slice, every chunk once however many groups hold it.
//!
//! A chunk shared by two groups is downloaded again with the second group's bundle (it is
//! instantiated once): a person who opens a second kind of page pays a few kilobytes for the
//! first page's being smaller.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The manifest: each group's key to the modules it needs, its own module (`split_<key>`)
/// last when it has one.
pub type Manifest = BTreeMap<String, Vec<String>>;

/// A module's place in its group's bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub module: String,
    pub at: usize,
    pub len: usize,
}

/// A group's bundle: its file name (without `.wasm`), the chunks it needs and its own module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub key: String,
    pub file: String,
    pub chunks: Vec<Part>,
    pub own: Option<Part>,
}

/// Lays out each group's bundle from the manifest and the modules' sizes.
pub fn plan(
    manifest: &Manifest,
    size_of: impl Fn(&str) -> Result<usize, String>,
) -> Result<Vec<Bundle>, String> {
    manifest
        .iter()
        .map(|(key, modules)| {
            let own_name = format!("split_{key}");
            let mut at = 0;
            let mut chunks = Vec::new();
            let mut own = None;
            let mut seen = BTreeSet::new();
            for module in modules {
                if !seen.insert(module) {
                    return Err(format!("{key}: {module} is named twice"));
                }
                let len = size_of(module)?;
                let part = Part {
                    module: module.clone(),
                    at,
                    len,
                };
                at += len;
                if *module == own_name {
                    own = Some(part);
                } else if own.is_some() {
                    return Err(format!(
                        "{key}: {module} comes after the group's own module"
                    ));
                } else {
                    chunks.push(part);
                }
            }
            Ok(Bundle {
                key: key.clone(),
                file: format!("bundle_{key}"),
                chunks,
                own,
            })
        })
        .collect()
}

/// The loader's runtime: fetches a bundle once, instantiates each module once from its slice.
/// `getSharedImports` and `wrapAsyncCb` come from the split's own loader, kept above it.
const RUNTIME: &str = r#"
// Bundles (tools/wasm-split/src/bundle.rs): a group's modules in one file.
const bundles = new Map();
function fetchBundle(file) {
    let b = bundles.get(file);
    if (b === undefined) {
        b = fetch(new URL(file, import.meta.url)).then((r) => {
            if (!r.ok) throw new Error(`${file}: ${r.status}`);
            return r.arrayBuffer();
        });
        b.catch(() => { if (bundles.get(file) === b) bundles.delete(file); });
        bundles.set(file, b);
    }
    return b;
}
const modules = new Map();
function instantiate(file, [name, at, len]) {
    let m = modules.get(name);
    if (m === undefined) {
        m = fetchBundle(file).then((buf) =>
            WebAssembly.instantiate(new Uint8Array(buf, at, len), getSharedImports()));
        m.catch(() => { if (modules.get(name) === m) modules.delete(name); });
        modules.set(name, m);
    }
    return m;
}
function group(file, chunks, own) {
    let loading;
    return wrapAsyncCb(() => {
        if (loading === undefined) {
            const thisLoad = (async () => {
                if (file === null) return;
                await Promise.all(chunks.map((part) => instantiate(file, part)));
                if (own !== null) await instantiate(file, own);
            })();
            thisLoad.catch(() => { if (loading === thisLoad) loading = undefined; });
            loading = thisLoad;
        }
        return loading;
    });
}
"#;

/// The loader for `bundles`, from the split's loader: its shared imports and its callback
/// wrapper are kept; its per-chunk loaders and its exports are replaced.
pub fn loader(split_loader: &str, bundles: &[Bundle]) -> Result<String, String> {
    // The split's loader: the import of the main module, getSharedImports, its runtime, then
    // one `/* groups */ const __chunk_N = ...` per chunk and one export per group.
    let cut = split_loader
        .find("\n/* ")
        .or_else(|| split_loader.find("\nexport const "))
        .ok_or("the split's loader has neither chunks nor exports")?;
    let kept = &split_loader[..cut];
    for needed in ["function getSharedImports()", "function wrapAsyncCb("] {
        if !kept.contains(needed) {
            return Err(format!("the split's loader has no {needed}"));
        }
    }
    let mut js = String::from(kept);
    js.push_str(RUNTIME);
    let part = |p: &Part| format!("[{:?}, {}, {}]", p.module, p.at, p.len);
    for b in bundles {
        let chunks: Vec<String> = b.chunks.iter().map(part).collect();
        let own = b.own.as_ref().map_or_else(|| "null".to_string(), part);
        let file = if b.chunks.is_empty() && b.own.is_none() {
            "null".to_string()
        } else {
            format!("{:?}", format!("./{}.wasm", b.file))
        };
        let name = format!("__wasm_split_load_{}", b.key);
        if !split_loader.contains(&format!("export const {name} ")) {
            return Err(format!("the split's loader exports no {name}"));
        }
        writeln!(
            js,
            "export const {name} = group({file}, [{}], {own});",
            chunks.join(", ")
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(js)
}

/// Bundles the split in `dir` in place: writes the bundles, the loader and the manifest, and
/// removes the chunks and the groups' own modules, which nothing names any more.
pub fn bundle_dir(dir: &Path, loader_file: &str) -> Result<usize, String> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    let manifest_name = "__wasm_split_manifest.json";
    let manifest: Manifest = serde_json::from_slice(&read(manifest_name)?)
        .map_err(|e| format!("{manifest_name}: {e}"))?;
    let bundles = plan(&manifest, |module| {
        let path = dir.join(format!("{module}.wasm"));
        std::fs::metadata(&path)
            .map(|m| m.len() as usize)
            .map_err(|e| format!("{}: {e}", path.display()))
    })?;
    let split_loader = String::from_utf8(read(loader_file)?).map_err(|e| e.to_string())?;
    let js = loader(&split_loader, &bundles)?;

    let mut modules = BTreeSet::new();
    let mut new_manifest = Manifest::new();
    for b in &bundles {
        let mut bytes = Vec::new();
        for p in b.chunks.iter().chain(&b.own) {
            let module = read(&format!("{}.wasm", p.module))?;
            if module.len() != p.len || bytes.len() != p.at {
                return Err(format!("{}: changed while it was bundled", p.module));
            }
            bytes.extend_from_slice(&module);
            modules.insert(p.module.clone());
        }
        if bytes.is_empty() {
            new_manifest.insert(b.key.clone(), Vec::new());
        } else {
            write(&format!("{}.wasm", b.file), &bytes)?;
            new_manifest.insert(b.key.clone(), vec![b.file.clone()]);
        }
    }
    write(loader_file, js.as_bytes())?;
    let manifest_json = serde_json::to_string_pretty(&new_manifest).map_err(|e| e.to_string())?;
    write(manifest_name, manifest_json.as_bytes())?;
    for module in &modules {
        let path = dir.join(format!("{module}.wasm"));
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(bundles.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let mut m = Manifest::new();
        m.insert(
            "form_1".into(),
            vec!["chunk_8".into(), "chunk_9".into(), "split_form_1".into()],
        );
        m.insert("start_1".into(), vec!["chunk_9".into()]);
        m.insert("empty_1".into(), vec![]);
        m
    }

    fn sizes(module: &str) -> Result<usize, String> {
        match module {
            "chunk_8" => Ok(10),
            "chunk_9" => Ok(20),
            "split_form_1" => Ok(5),
            other => Err(format!("no {other}")),
        }
    }

    #[test]
    fn each_group_gets_its_chunks_end_to_end_with_its_own_module_last() {
        let plan = plan(&manifest(), sizes).unwrap();
        let form = plan.iter().find(|b| b.key == "form_1").unwrap();
        assert_eq!(form.file, "bundle_form_1");
        let at: Vec<_> = form
            .chunks
            .iter()
            .map(|p| (p.module.as_str(), p.at, p.len))
            .collect();
        assert_eq!(at, [("chunk_8", 0, 10), ("chunk_9", 10, 20)]);
        assert_eq!(
            form.own,
            Some(Part {
                module: "split_form_1".into(),
                at: 30,
                len: 5
            })
        );
        let start = plan.iter().find(|b| b.key == "start_1").unwrap();
        assert_eq!(
            start.chunks[0].at, 0,
            "every bundle starts at its own byte 0"
        );
        assert_eq!(
            start.own, None,
            "a group whose own module is empty has none"
        );
    }

    #[test]
    fn a_manifest_the_plan_cannot_lay_out_is_refused() {
        let mut m = manifest();
        m.insert(
            "form_1".into(),
            vec!["split_form_1".into(), "chunk_8".into()],
        );
        assert!(plan(&m, sizes)
            .unwrap_err()
            .contains("after the group's own module"));
        let mut m = manifest();
        m.insert("form_1".into(), vec!["chunk_8".into(), "chunk_8".into()]);
        assert!(plan(&m, sizes).unwrap_err().contains("named twice"));
        let mut m = manifest();
        m.insert("x_1".into(), vec!["chunk_404".into()]);
        assert!(plan(&m, sizes).unwrap_err().contains("no chunk_404"));
    }

    const SPLIT_LOADER: &str = "import { initSync } from \"./tierdesk.js\";\n\
        function getSharedImports() {}\nfunction wrapAsyncCb(callee) {}\nfunction makeLoad() {}\n\
        /* form_1, start_1 */\nconst __chunk_9 = makeLoad(() => {}, []);\n\
        export const __wasm_split_load_form_1 = wrapAsyncCb(makeLoad(() => {}, [__chunk_9]));\n\
        export const __wasm_split_load_start_1 = wrapAsyncCb(makeLoad(() => {}, [__chunk_9]));\n\
        export const __wasm_split_load_empty_1 = wrapAsyncCb(makeLoad(() => {}, []));\n";

    #[test]
    fn the_loader_keeps_the_shared_imports_and_exports_every_group_from_its_bundle() {
        let plan = plan(&manifest(), sizes).unwrap();
        let js = loader(SPLIT_LOADER, &plan).unwrap();
        assert!(js.starts_with("import { initSync } from \"./tierdesk.js\";"));
        assert!(js.contains("function getSharedImports()"));
        assert!(
            !js.contains("__chunk_9"),
            "the per-chunk loaders are gone:\n{js}"
        );
        assert!(js.contains(
            "export const __wasm_split_load_form_1 = group(\"./bundle_form_1.wasm\", \
             [[\"chunk_8\", 0, 10], [\"chunk_9\", 10, 20]], [\"split_form_1\", 30, 5]);"
        ));
        assert!(js.contains(
            "export const __wasm_split_load_start_1 = group(\"./bundle_start_1.wasm\", \
             [[\"chunk_9\", 0, 20]], null);"
        ));
        assert!(js.contains("export const __wasm_split_load_empty_1 = group(null, [], null);"));
    }

    #[test]
    fn a_loader_of_another_shape_is_refused_rather_than_guessed_at() {
        let plan = plan(&manifest(), sizes).unwrap();
        assert!(loader("export const x = 1;", &plan).is_err());
        let missing_export = SPLIT_LOADER.replace("__wasm_split_load_start_1", "__other");
        assert!(loader(&missing_export, &plan)
            .unwrap_err()
            .contains("__wasm_split_load_start_1"));
    }

    #[test]
    fn a_directory_is_bundled_in_place() {
        let dir = std::env::temp_dir().join(format!("tierdesk-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("chunk_8.wasm"), [8u8; 10]).unwrap();
        std::fs::write(dir.join("chunk_9.wasm"), [9u8; 20]).unwrap();
        std::fs::write(dir.join("split_form_1.wasm"), [1u8; 5]).unwrap();
        std::fs::write(
            dir.join("__wasm_split_manifest.json"),
            serde_json::to_string(&manifest()).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join("loader.js"), SPLIT_LOADER).unwrap();
        assert_eq!(bundle_dir(&dir, "loader.js").unwrap(), 3);

        let form = std::fs::read(dir.join("bundle_form_1.wasm")).unwrap();
        assert_eq!(form, [[8u8; 10].as_slice(), &[9; 20], &[1; 5]].concat());
        let start = std::fs::read(dir.join("bundle_start_1.wasm")).unwrap();
        assert_eq!(start, [9u8; 20]);
        assert!(!dir.join("bundle_empty_1.wasm").exists());
        for gone in ["chunk_8.wasm", "chunk_9.wasm", "split_form_1.wasm"] {
            assert!(!dir.join(gone).exists(), "{gone} stayed");
        }
        let manifest: Manifest =
            serde_json::from_slice(&std::fs::read(dir.join("__wasm_split_manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["form_1"], ["bundle_form_1"]);
        assert_eq!(manifest["start_1"], ["bundle_start_1"]);
        assert!(manifest["empty_1"].is_empty());
        let js = std::fs::read_to_string(dir.join("loader.js")).unwrap();
        assert!(js.contains("group(\"./bundle_form_1.wasm\""));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
