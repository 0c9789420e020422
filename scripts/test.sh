#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check and test the project has.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/bootstrap.sh" --test

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Browser profiles and temporary key sets go here, and are removed at the end.
export TMPDIR="$ROOT/.tmp/test"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
trap 'rm -rf "$ROOT/.tmp/test"' EXIT

step "fetch dependencies (locked)"
cargo fetch --locked

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build binaries"
cargo build --workspace --bins --locked

step "unit, integration and end-to-end tests"
cargo test --workspace --locked

step "shared builds for wasm32"
cargo build -p shared --target wasm32-unknown-unknown --locked

step "widget release build"
"$ROOT/scripts/build-widget.sh"
"$ROOT/scripts/widget-size.sh"

step "all tests passed"
