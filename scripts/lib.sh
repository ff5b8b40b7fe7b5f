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

# The browser half: wasm32 build, wasm-bindgen, wasm-opt, CSS and public files into target/site,
# the layout cargo-leptos produces (minus its hashing), which `tierdesk serve` expects.
build_site() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_wasm_opt
  say "building the browser half (wasm32, profile wasm-release)"
  # (.cargo/config.toml sets `--cfg erase_components` for this build and the server alike.)
  "${WASM_CARGO[@]}" build --quiet -p frontend --lib --target wasm32-unknown-unknown \
    --profile wasm-release ${WASM_FLAGS[@]+"${WASM_FLAGS[@]}"}
  local wasm=target/wasm32-unknown-unknown/wasm-release/frontend.wasm
  # wasm-bindgen and wasm-opt take a minute and a half: skip them when the wasm is the one the
  # site was last built from.
  local stamp
  stamp="$(sha256sum "$wasm" | cut -d' ' -f1) ${WASM_OPT:+opt}"
  if [ -f "$SITE/pkg/tierdesk_bg.wasm" ] && [ "$(cat "$SITE/.built-from" 2>/dev/null)" = "$stamp" ]; then
    say "the browser half is unchanged: keeping $SITE/pkg"
  else
    rm -rf "$SITE"
    mkdir -p "$SITE/pkg"
    wasm-bindgen --target web --no-typescript --out-dir "$SITE/pkg" --out-name tierdesk "$wasm"
    if [ -n "$WASM_OPT" ]; then
      "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        -o "$SITE/pkg/tierdesk_bg.wasm" "$SITE/pkg/tierdesk_bg.wasm"
    fi
    echo "$stamp" > "$SITE/.built-from"
  fi
  cp style/main.css "$SITE/pkg/tierdesk.css"
  publish_hashed
  cp -R public/. "$SITE/"
}

# The files browsers fetch, under names carrying a hash of all three (script, WebAssembly,
# stylesheet), each beside its brotli and gzip twin: the server sends them with a year's
# Cache-Control and names them in every page from pkg/manifest.txt (server/src/assets.rs).
publish_hashed() {
  local pkg="$SITE/pkg" hash
  hash="$(cat "$pkg/tierdesk.js" "$pkg/tierdesk_bg.wasm" "$pkg/tierdesk.css" | sha256sum | cut -c1-16)"
  if [ "$(cat "$pkg/manifest.txt" 2>/dev/null)" = "output-name: tierdesk.$hash" ] &&
    [ -f "$pkg/tierdesk.$hash.css.gz" ]; then
    return 0
  fi
  rm -f "$pkg"/tierdesk.????????????????*
  cp "$pkg/tierdesk.js" "$pkg/tierdesk.$hash.js"
  cp "$pkg/tierdesk_bg.wasm" "$pkg/tierdesk.${hash}_bg.wasm"
  cp "$pkg/tierdesk.css" "$pkg/tierdesk.$hash.css"
  local files=("$pkg/tierdesk.$hash.js" "$pkg/tierdesk.${hash}_bg.wasm" "$pkg/tierdesk.$hash.css")
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
  echo "output-name: tierdesk.$hash" > "$pkg/manifest.txt"
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
