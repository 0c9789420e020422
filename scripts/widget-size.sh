#!/usr/bin/env bash
# The widget's size as a browser receives it: starts the built server (sandbox mode) on the
# widget build in dist/, fetches the entry module, the JS glue and the wasm by their immutable
# URLs with `Accept-Encoding: br, gzip` and counts the bytes on the wire; fails above the
# 125 KB ceiling. gzip-only and identity sizes are printed beside it. WIDGET_CEILING_KB
# overrides the limit for experiments only; ALIKASSA_BIN names the server binary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ceiling_kb="${WIDGET_CEILING_KB:-125}"
bin="${ALIKASSA_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/alikassa-checkout}"
[[ -x "$bin" ]] || { echo "widget-size: no server binary at $bin (cargo build first)" >&2; exit 1; }
[[ -f "$ROOT/dist/checkout.js" ]] || { echo "widget-size: no widget build (scripts/build-widget.sh)" >&2; exit 1; }
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf '[server]\ndist_dir = "%s"\n' "$ROOT/dist" > "$work/checkout.toml"
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$work/data" --config "$work/checkout.toml" \
  > "$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "$base/widget/v1/manifest.json" > "$work/manifest.json" ||
  { echo "widget-size: the server did not answer:" >&2; cat "$work/server.log" >&2; exit 1; }
bytes() { curl -sf -o /dev/null -w '%{size_download}' ${2:+-H "Accept-Encoding: $2"} "$base$1"; }
total_br=0 total_gz=0 total_id=0
for f in checkout.js frontend.js frontend_bg.wasm; do
  url="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["files"][sys.argv[2]]["url"])' "$work/manifest.json" "$f")"
  br=$(bytes "$url" "br, gzip") gz=$(bytes "$url" "gzip") id=$(bytes "$url" "")
  printf 'widget-size: %-18s %8d bytes received (br, gzip) %8d gzip only %8d identity\n' "$f" "$br" "$gz" "$id"
  total_br=$((total_br + br)) total_gz=$((total_gz + gz)) total_id=$((total_id + id))
done
awk -v b="$total_br" -v g="$total_gz" -v i="$total_id" -v c="$ceiling_kb" 'BEGIN {
  printf "widget-size: total %.1f KB received (gzip only %.1f KB, identity %.1f KB); ceiling %d KB\n", b / 1024, g / 1024, i / 1024, c
}'
if (( total_br > ceiling_kb * 1024 )); then
  echo "widget-size: over the ceiling" >&2
  exit 1
fi
