# Shared by scripts/run and scripts/test: install what is missing, build the site.
# Sourced, not run. Everything here is idempotent and quiet when there is nothing to do.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Each step says when it started (seconds into the script), so a slow run shows where it went.
say() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

export PATH="$HOME/.cargo/bin:$PATH"
SITE="$ROOT/target/site"
TOOLS="$ROOT/target/tools"

# Debian packages, installed only when missing and only where we may (root or passwordless sudo).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && { have sudo || die "please install: ${missing[*]}"; sudo="sudo"; }
  say "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The wasm32 target. The ordinary route is rustup; where rustup cannot download, fall back to
# Debian's rustc-web with std built from source (see ../shared/toolchain/WASM.md).
WASM_CARGO=(cargo)
WASM_FLAGS=()
ensure_wasm_target() {
  have cargo || die "Rust is not installed: see https://rustup.rs, then run this again"
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then return 0; fi
  if have rustup && rustup target add wasm32-unknown-unknown; then return 0; fi
  say "rustup could not add wasm32; using Debian's rustc-web with -Zbuild-std"
  apt_install rustc-web cargo-web rust-web-src lld-16
  WASM_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-16 /usr/bin/cargo)
  WASM_FLAGS=(-Zbuild-std=std,panic_abort)
}

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)"
  [ -n "$want" ] || die "wasm-bindgen not found in Cargo.lock"
  if have wasm-bindgen && [ "$(wasm-bindgen --version | awk '{print $2}')" = "$want" ]; then return 0; fi
  say "installing wasm-bindgen-cli $want (a few minutes, once)"
  # Not --locked: its lockfile pins a crate version this registry no longer serves.
  cargo install --quiet wasm-bindgen-cli --version "=$want"
}

# A recent binaryen's wasm-opt shrinks the bundle about fourfold. Debian's binaryen 108 breaks
# hydration, so only the npm package is used, and the step is skipped when npm is missing.
WASM_OPT=""
ensure_wasm_opt() {
  if [ -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then WASM_OPT="$TOOLS/node_modules/.bin/wasm-opt"; return 0; fi
  have npm || { say "npm not found: skipping wasm-opt (the site works, the download is larger)"; return 0; }
  say "installing binaryen 132 (wasm-opt) under target/tools"
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" binaryen@132.0.0 >/dev/null
  WASM_OPT="$TOOLS/node_modules/.bin/wasm-opt"
}

# Minifiers for the script wasm-bindgen writes, the split's loader and the stylesheet (terser,
# csso without restructuring: whitespace, comments and names only): 3.3 KB less with brotli on
# every first page. Skipped, like wasm-opt, without npm.
MINIFY=""
ensure_minifiers() {
  if [ -x "$TOOLS/node_modules/.bin/terser" ] && [ -x "$TOOLS/node_modules/.bin/csso" ]; then
    MINIFY=1
    return 0
  fi
  have npm || { say "npm not found: the site's script and stylesheet stay unminified"; return 0; }
  say "installing terser and csso (minifiers) under target/tools"
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" terser@5.51.4 csso-cli@4.0.2 >/dev/null
  MINIFY=1
}

# wasm-opt's flags: -Os, run until nothing changes, compresses 2-3% smaller than -Oz (which
# makes the smaller file before compression; what travels is the brotli of it).
WASM_OPT_FLAGS=(-Os --converge --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

# The browser half: wasm32 build, split at its lazy routes (tools/wasm-split), wasm-bindgen,
# wasm-opt, CSS and public files into target/site, the layout cargo-leptos produces with --split,
# which `tierdesk serve` expects.
build_site() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_wasm_opt
  ensure_minifiers
  say "building the browser half (wasm32, profile wasm-release)"
  # (.cargo/config.toml sets `--cfg erase_components` for this build and the server alike, and
  # keeps the relocations the split needs.)
  "${WASM_CARGO[@]}" build --quiet -p frontend --lib --target wasm32-unknown-unknown \
    --profile wasm-release ${WASM_FLAGS[@]+"${WASM_FLAGS[@]}"}
  # (Built with the tests' profile, whose dependencies CI keeps between runs.)
  cargo build --quiet --profile ci -p tierdesk-wasm-split
  local wasm=target/wasm32-unknown-unknown/wasm-release/frontend.wasm
  # Splitting, wasm-bindgen, wasm-opt (-Os --converge), bundling and minifying take about four
  # minutes on two cores: skip them when the wasm and the steps are the ones the site was last
  # built from.
  local stamp out="$ROOT/target/site-build"
  stamp="$(sha256sum "$wasm" | cut -d' ' -f1) split bundled ${WASM_OPT:+${WASM_OPT_FLAGS[*]}} ${MINIFY:+minified}"
  if [ -f "$out/tierdesk_bg.wasm" ] && [ "$(cat "$out/.built-from" 2>/dev/null)" = "$stamp" ]; then
    say "the browser half is unchanged: keeping its build"
  else
    rm -rf "$out"
    mkdir -p "$out"
    target/ci/tierdesk-wasm-split "$wasm" "$out" >/dev/null
    # The main module keeps the exports its chunks link against, under their own names.
    wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
      --out-dir "$out" --out-name tierdesk "$out/tierdesk_split.wasm"
    rm "$out/tierdesk_split.wasm"
    if [ -n "$WASM_OPT" ]; then
      local f
      for f in "$out"/*.wasm; do
        "$WASM_OPT" "${WASM_OPT_FLAGS[@]}" -o "$f" "$f"
      done
    fi
    # Each lazy group's modules in one file, as it is downloaded (tools/wasm-split/src/bundle.rs).
    target/ci/tierdesk-wasm-split bundle "$out" >/dev/null
    if [ -n "$MINIFY" ]; then
      for f in "$out"/*.js; do
        "$TOOLS/node_modules/.bin/terser" "$f" --module --compress --mangle -o "$f"
      done
    fi
    echo "$stamp" > "$out/.built-from"
  fi
  if [ -n "$MINIFY" ]; then
    "$TOOLS/node_modules/.bin/csso" style/main.css --no-restructure -o "$out/tierdesk.css"
  else
    cp style/main.css "$out/tierdesk.css"
  fi
  publish_hashed "$out"
  cp -R public/. "$SITE/"
}

# The browser's files in one directory named by a hash of them all, `pkg/<hash>/` (script,
# WebAssembly main module and chunks, loader, stylesheet), each beside its brotli and gzip twin:
# the server sends them with a year's Cache-Control and names the directory in every page from
# pkg/manifest.txt (server/src/assets.rs). One directory rather than one hash per file because
# the script, the loader and the chunks name each other by relative paths. The stylesheet is
# also kept unhashed at pkg/tierdesk.css for the server's own error pages.
publish_hashed() {
  local from="$1" pkg="$SITE/pkg" hash
  hash="$(cd "$from" && find . -type f ! -name '.built-from' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
  if [ "$(cat "$pkg/manifest.txt" 2>/dev/null)" = "output-name: tierdesk
build: $hash" ] && [ -f "$pkg/$hash/tierdesk.css.gz" ]; then
    return 0
  fi
  rm -rf "$SITE"
  mkdir -p "$pkg/$hash"
  cp "$from"/* "$pkg/$hash/"
  cp "$from/tierdesk.css" "$pkg/tierdesk.css"
  local files=()
  mapfile -t files < <(find "$pkg/$hash" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' \))
  if have node; then
    node -e '
      const zlib = require("zlib"), fs = require("fs");
      for (const f of process.argv.slice(1)) {
        const b = fs.readFileSync(f);
        fs.writeFileSync(f + ".br", zlib.brotliCompressSync(b, { params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }));
        fs.writeFileSync(f + ".gz", zlib.gzipSync(b, { level: 9 }));
      }' "${files[@]}"
  else
    for f in "${files[@]}"; do gzip -9 -k -f "$f"; done
  fi
  printf 'output-name: tierdesk\nbuild: %s\n' "$hash" > "$pkg/manifest.txt"
}

# The tests' real receivers (scripts/sinks.py): aiosmtpd in a virtualenv under target/tools.
SINKS_VENV="$TOOLS/sinks"
ensure_sinks() {
  if [ -x "$SINKS_VENV/bin/python" ] && "$SINKS_VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    return 0
  fi
  have python3 || apt_install python3 python3-venv
  say "installing aiosmtpd (the tests' SMTP server) under target/tools (once)"
  python3 -m venv "$SINKS_VENV" || { apt_install python3-venv; python3 -m venv "$SINKS_VENV"; }
  "$SINKS_VENV/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==1.4.6"
}
