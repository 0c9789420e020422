#!/usr/bin/env bash
# Installs what the project needs on a Debian machine that has rustup's toolchain, and skips
# whatever is already there. `--test` adds what the test command needs (browser, PostgreSQL).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

with_test=0
[[ "${1:-}" == "--test" ]] && with_test=1

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

# --- Debian packages -------------------------------------------------------------------------
packages=(pkg-config libssl-dev gcc openssl curl ca-certificates python3 brotli gzip)
if (( with_test )); then
  packages+=(chromium chromium-driver postgresql)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from another packaging (with npm inside): only its commands matter.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if (( ${#missing[@]} )); then
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Python `cryptography` (the vendor-style client of the sandbox suites) -----------------
if (( with_test )) && ! python3 -c 'import cryptography' 2>/dev/null; then
  say "installing the Python cryptography package"
  python3 -m pip install --quiet cryptography 2>/dev/null ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cryptography
  python3 -c 'import cryptography'
fi

# --- Rust target -----------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- Cargo-installed tools, pinned -----------------------------------------------------------
pin="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$ROOT/frontend/Cargo.toml")"
if [[ "$pin" != "$WASM_BINDGEN_VERSION" ]]; then
  echo "frontend/Cargo.toml pins wasm-bindgen $pin but scripts/env.sh says $WASM_BINDGEN_VERSION" >&2
  exit 1
fi

if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
  say "installing trunk $TRUNK_VERSION (takes a few minutes once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]] ||
   ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes once)"
  # Without --locked: the lock file shipped with the CLI names a webpki-roots the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if (( with_test )) && [[ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]]; then
  say "installing wasm-pack $WASM_PACK_VERSION (takes a few minutes once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

# --- wasm-opt (binaryen from npm, project-local) ---------------------------------------------
mkdir -p "$TOOLS_DIR/bin"
if ! "$TOOLS_DIR/bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR/binaryen" "binaryen@$BINARYEN_VERSION"
  ln -sf "$TOOLS_DIR/binaryen/node_modules/.bin/wasm-opt" "$TOOLS_DIR/bin/wasm-opt"
fi

# --- terser (JS minifier for the widget's glue, scripts/widget-postlink.mjs), project-local ----
if [[ "$("$TOOLS_DIR/bin/terser" --version 2>/dev/null)" != "terser $TERSER_VERSION" ]]; then
  say "installing terser $TERSER_VERSION from npm"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR/terser" "terser@$TERSER_VERSION"
  ln -sf "$TOOLS_DIR/terser/node_modules/.bin/terser" "$TOOLS_DIR/bin/terser"
fi

say "tools ready: $(trunk --version), $(wasm-bindgen --version), $("$TOOLS_DIR/bin/wasm-opt" --version)"
