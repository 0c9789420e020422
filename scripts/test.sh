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
trap 'rm -rf "$ROOT/.tmp/test"' EXIT

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

step "unit, integration and end-to-end tests (SQLite, sandbox, openssl, python, Chromium)"
cargo test --workspace --locked

step "widget component tests in headless Chromium"
cargo test -p frontend --target wasm32-unknown-unknown --locked

step "shared builds for wasm32"
cargo build -p shared --target wasm32-unknown-unknown --locked

step "widget size budget"
"$ROOT/scripts/widget-size.sh"

step "all tests passed"
