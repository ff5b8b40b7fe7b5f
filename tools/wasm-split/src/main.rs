//! Splits the browser half's WebAssembly at its lazy routes, as cargo-leptos's `--split` does:
//! `tierdesk-wasm-split <input.wasm> <out-dir>` writes `<out-dir>/tierdesk_split.wasm` (the main
//! module, for wasm-bindgen), one `.wasm` per chunk, the loader `__wasm_split.*.js` and
//! `__wasm_split_manifest.json`, which tells the server which chunks a page needs so that it can
//! name them as preloads (leptos's `HydrationScripts` reads it).
//!
//! The loader's and the manifest's names are the ones leptos asks for when the site's files are
//! not renamed one by one: the build puts the whole site in a directory named by its hash.
//!
//! `tierdesk-wasm-split bundle <dir>`, once every module is optimised, puts each group's modules
//! in one file and rewrites the loader and the manifest to match (`bundle`).

mod bundle;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The file leptos's `HydrationScripts` names as the loader when files are not hashed.
const LINK_NAME: &str = "./__wasm_split.______________________.js";
/// The page's script, from which the loader imports the main module's exports.
const MAIN_MODULE: &str = "./tierdesk.js";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let done = match args.as_slice() {
        [command, dir] if command == "bundle" => {
            let link_file = LINK_NAME.trim_start_matches("./");
            bundle::bundle_dir(Path::new(dir), link_file)
                .map(|groups| format!("bundled the chunks of {groups} groups"))
        }
        [input, out_dir] => split(Path::new(input), Path::new(out_dir))
            .map(|chunks| format!("split into the main module and {chunks} chunks")),
        _ => {
            eprintln!("usage: tierdesk-wasm-split <input.wasm> <out-dir>\n       tierdesk-wasm-split bundle <dir>");
            return ExitCode::from(2);
        }
    };
    match done {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tierdesk-wasm-split: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, out_dir: &Path) -> Result<usize, String> {
    let wasm = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let main_out: PathBuf = out_dir.join("tierdesk_split.wasm");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = out_dir;
        opts.main_out_path = &main_out;
        opts.main_module = MAIN_MODULE;
        opts.link_name = LINK_NAME;
        opts
    })
    .map_err(|e| format!("{e:#}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map).map_err(|e| e.to_string())?;
    let path = out_dir.join("__wasm_split_manifest.json");
    std::fs::write(&path, manifest).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(split.split_modules.len())
}
