#!/usr/bin/env bash
# Load figures against the real release binary (sandbox mode, loopback): payment creations
# per second beside the raw signing rate of the same run, status polls per second, memory of
# 10,000 idle SSE connections, upstream calls with 100 browsers on one payment. Prints
# figures; sizes via LOAD_SESSIONS, LOAD_POLLS, LOAD_SSE, LOAD_CONCURRENCY, LOAD_WATCH_SECS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
# 10,000 SSE connections need as many descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release -p server --bins
cargo bench -p e2e --bench load
