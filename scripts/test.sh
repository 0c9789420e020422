#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check and test the project has.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/bootstrap.sh" --test

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Browser profiles, temporary key sets and data dirs go here, and are removed at the end.
export TMPDIR="$ROOT/.tmp/test"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
# The PostgreSQL leg's cluster is stopped on any exit too (a no-op when it never started).
trap '"$ROOT/scripts/pg.sh" stop; rm -rf "$ROOT/.tmp/test"' EXIT

step "fetch dependencies (locked)"
cargo fetch --locked

step "format"
cargo fmt --all -- --check

step "lint (native, and the widget for wasm32)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p frontend --all-targets --target wasm32-unknown-unknown --locked -- -D warnings

step "widget release build (the browser suites serve dist/)"
"$ROOT/scripts/build-widget.sh"

step "build binaries"
cargo build --workspace --bins --locked

# Includes the robustness suites in their short seeded runs (about 55 s together): property
# tests of every parser, fuzz_http (15 000 requests, at most 35 s), chaos (10 kill -9 under
# load), startup_integrity. Longer runs: FUZZ_LONG=1 or FUZZ_REQUESTS=N, CHAOS_KILLS=N;
# replay with the printed FUZZ_SEED / CHAOS_SEED.
step "unit, integration and end-to-end tests (SQLite, sandbox, openssl, python, Chromium)"
cargo test --workspace --locked

step "PostgreSQL: a throwaway cluster on loopback"
pg_url=$("$ROOT/scripts/pg.sh" start)
echo "$pg_url"

step "PostgreSQL: store tests"
CHECKOUT_TEST_DATABASE_URL="$pg_url" cargo test -p server --locked --lib store::

# The API suites run unchanged: each `serve` they start gets a fresh database on the cluster
# (tests/src/database.rs). Not the browser, sandbox, keys or openssl suites: they do not touch
# the checkout's storage (the dashboard suite does: it runs here too). replicas_pg is the
# two-replica suite, chaos_replicas the two-replica
# kill -9 run (both skip without the cluster).
step "PostgreSQL: API end-to-end suites and two replicas"
pg_started=$(date +%s)
CHECKOUT_TEST_DATABASE_URL="$pg_url" cargo test -p e2e --locked \
  --test api_events --test api_faults --test api_merchant --test api_money_truth --test api_observability \
  --test api_payments --test api_payouts --test api_status_truth --test api_webhooks \
  --test replicas_pg --test chaos --test chaos_replicas --test dashboard
echo "PostgreSQL suites: $(( $(date +%s) - pg_started )) s"
"$ROOT/scripts/pg.sh" stop

# wasm-pack builds the tests for wasm32 and runs them through wasm-bindgen-test-runner with
# Debian's chromedriver (no-install: the pinned wasm-bindgen on PATH). Chromium's profile goes
# to $TMPDIR, removed at the end like the other suites'.
step "widget component tests in headless Chromium (wasm-pack)"
wasm-pack test --headless --chrome --mode no-install --chromedriver /usr/bin/chromedriver frontend

step "shared builds for wasm32"
cargo build -p shared --target wasm32-unknown-unknown --locked

step "widget size budget (bytes a browser receives from the server)"
"$ROOT/scripts/widget-size.sh"

step "all tests passed"
