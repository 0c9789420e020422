#!/usr/bin/env bash
# The run command: installs what is missing, builds the widget and the server, and runs
# `alikassa-checkout serve`. With no gateway configured that is sandbox mode: the emulator is
# mounted in-process, keys are generated under ./data, and the demo shop is at
# http://127.0.0.1:8080/; serve prints the dashboard's demo operator login (/dashboard/). Arguments are passed to `serve` (e.g. --listen 127.0.0.1:9090); sandbox
# mode stays on loopback unless given --sandbox-public (its controls are unauthenticated).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/build-widget.sh"
cargo build --release --locked --bin alikassa-checkout
exec "$ROOT/target/release/alikassa-checkout" serve "$@"
