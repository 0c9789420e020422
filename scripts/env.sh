# Sourced by the project scripts: one place for pinned tool versions and PATH.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export TRUNK_VERSION="0.21.14"
# Runs the widget's component tests in headless Chromium (scripts/test.sh).
export WASM_PACK_VERSION="0.15.1"
# Must equal the `wasm-bindgen = "=…"` pin in frontend/Cargo.toml (bootstrap checks it).
export WASM_BINDGEN_VERSION="0.2.130"
# wasm-opt from the npm build of binaryen (runs on node). Never Debian's binaryen 108:
# its output breaks the widget at load time.
export BINARYEN_VERSION="132"
# Minifies the widget's JS glue (scripts/widget-postlink.mjs).
export TERSER_VERSION="5.51.2"
export TOOLS_DIR="$ROOT/.tools"
export PATH="$TOOLS_DIR/bin:$HOME/.cargo/bin:$PATH"
