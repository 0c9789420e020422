#!/usr/bin/env bash
# Prints the widget's gzip size (the entry module, the JS glue and the wasm, as built by
# scripts/build-widget.sh) and fails above the 150 KB budget. WIDGET_CEILING_KB overrides the
# limit for experiments only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
target_kb=150
ceiling_kb="${WIDGET_CEILING_KB:-$target_kb}"
dist="$ROOT/dist"
total=0
for f in "$dist"/checkout.js "$dist"/frontend.js "$dist"/frontend_bg.wasm; do
  [[ -f "$f" ]] || { echo "widget-size: $f is missing (run scripts/build-widget.sh first)" >&2; exit 1; }
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf 'widget-size: %-20s %8d bytes raw %8d bytes gzip\n' "$(basename "$f")" "$raw" "$gz"
  total=$((total + gz))
done
awk -v t="$total" -v g="$target_kb" -v c="$ceiling_kb" 'BEGIN {
  printf "widget-size: total %.1f KB gzip (target %d KB, enforced ceiling %d KB)\n", t / 1024, g, c
  if (t > g * 1024) printf "widget-size: %.1f KB over the target\n", t / 1024 - g
}'
if (( total > ceiling_kb * 1024 )); then
  echo "widget-size: over the enforced ceiling" >&2
  exit 1
fi
