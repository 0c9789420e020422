#!/usr/bin/env bash
# Prints the widget's gzip size (JS + wasm) and fails above the budget.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
budget_kb="${WIDGET_BUDGET_KB:-150}"
dist="$ROOT/dist"
total=0
for f in "$dist"/frontend.js "$dist"/frontend_bg.wasm; do
  [[ -f "$f" ]] || { echo "widget-size: $f is missing (run trunk build --release first)" >&2; exit 1; }
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf 'widget-size: %-20s %8d bytes raw %8d bytes gzip\n' "$(basename "$f")" "$raw" "$gz"
  total=$((total + gz))
done
awk -v t="$total" -v b="$budget_kb" 'BEGIN { printf "widget-size: total %.1f KB gzip (budget %d KB)\n", t / 1024, b }'
if (( total > budget_kb * 1024 )); then
  echo "widget-size: over budget" >&2
  exit 1
fi
