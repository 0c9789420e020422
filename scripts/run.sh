#!/usr/bin/env bash
# The run command: installs what is missing, builds the widget and the server, and runs the
# product. Arguments are passed to `alikassa-checkout`; without any, it makes a demo key set
# under ./data/keys (once), checks it and shows the commands.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/build-widget.sh"
cargo build --release --locked --bin alikassa-checkout
bin="$ROOT/target/release/alikassa-checkout"
if (( $# )); then
  exec "$bin" "$@"
fi
if [[ ! -f data/keys/private.pem ]]; then
  "$bin" keys generate --out data/keys
fi
"$bin" keys check --dir data/keys
echo
"$bin" --help
