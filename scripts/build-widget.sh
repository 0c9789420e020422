#!/usr/bin/env bash
# Builds the widget (release, size-tuned, offline) into dist/: trunk (cargo + wasm-bindgen), then
# the post-link size pass (wasm-opt, minified import/export names, terser).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo fetch --locked
# Size flags for the widget only: `erase_components` makes every Leptos component return an
# `AnyView` (no monomorphised view trees across component boundaries), and the registry path is
# cut from panic locations. Caller-set RUSTFLAGS are kept in front.
flags="--cfg erase_components"
for src in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  flags+=" --remap-path-prefix=$src="
done
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$flags"
trunk build --release --offline=true
# Needs node, wasm-opt and terser (scripts/bootstrap.sh installs them); see the script's header.
node "$ROOT/scripts/widget-postlink.mjs" "$ROOT/dist"
# The entry module is written readable (frontend/js/checkout.js); it ships minified.
terser "$ROOT/dist/checkout.js" --module --compress --mangle --comments false --output "$ROOT/dist/checkout.js"
# Precompressed copies served by the server to browsers that accept them (brotli q11, gzip -9;
# once here rather than at every server start: q11 takes about a second of CPU per build).
# The server ignores a copy older than its file, and SRI covers the decoded bytes.
for f in "$ROOT"/dist/*.js "$ROOT"/dist/*.wasm "$ROOT"/dist/*.css; do
  brotli --quality=11 --force --no-copy-stat --output="$f.br" "$f"
  gzip -9 --no-name --stdout "$f" > "$f.gz"
done
