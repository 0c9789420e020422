#!/usr/bin/env bash
# Builds the widget (release, size-tuned, offline) into dist/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo fetch --locked
trunk build --release --offline=true
