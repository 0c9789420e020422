#!/usr/bin/env bash
# Widget timing benchmark (not a test): the release server on dist/, headless Chromium over the
# DevTools protocol; see scripts/widget-bench.mjs. Builds the release binary if it is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bin="${CARGO_TARGET_DIR:-$ROOT/target}/release/alikassa-checkout"
[[ -x "$bin" ]] || cargo build --release --locked -p server --bin alikassa-checkout
mkdir -p "$ROOT/.tmp"
TMPDIR="$ROOT/.tmp" exec node --experimental-websocket --no-warnings "$ROOT/scripts/widget-bench.mjs" \
  --server "$bin" --dist "$ROOT/dist" "$@"
