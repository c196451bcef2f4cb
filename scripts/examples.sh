#!/usr/bin/env bash
# The embedding examples (examples/) with the release embed build, the way a studio's site uses it:
#   1. builds the embed (scripts/build-embed.sh: the split build, main module + chunks + loader),
#   2. serves dist-embed/ as a "CDN" on http://127.0.0.1:8790 (a second origin, CORS like a CDN),
#   3. renders the example pages for that CDN and serves them with the sandbox's API and payment
#      pages on http://127.0.0.1:8797.
# Ctrl-C stops both. (Independent of scripts/preview.sh, which can run at the same time.)
#
# Usage: scripts/examples.sh [--skip-build]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
HOST_ADDR="127.0.0.1:8797"
CDN_ADDR="127.0.0.1:8790"
build=1
case "${1:-}" in
  --skip-build) build=0 ;;
  "") ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac
log() { printf '[examples] %s\n' "$*"; }
port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }
for addr in "$HOST_ADDR" "$CDN_ADDR"; do
  if port_open "$addr"; then echo "[examples] something already listens on $addr; stop it first" >&2; exit 1; fi
done

bash scripts/install.sh
. scripts/env.sh
[ "$build" = 0 ] || bash scripts/build-embed.sh --public-url "http://$CDN_ADDR/"
site="$ROOT/target/examples-site"
rm -rf "$site"
node embed/examples.mjs --cdn "http://$CDN_ADDR/" --out "$site"
cargo build --release -q -p checkout-sandbox

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
CHECKOUT_SANDBOX_QUIET=1 target/release/checkout-sandbox --addr "$CDN_ADDR" --widget-dir "$ROOT/dist-embed" &
PIDS+=($!)
target/release/checkout-sandbox --addr "$HOST_ADDR" --widget-dir "$site" &
PIDS+=($!)
cat <<MSG

  Open http://$HOST_ADDR/index.html   (the CDN: http://$CDN_ADDR/manifest.json)
  Ctrl-C stops both servers.

MSG
wait "${PIDS[@]}"
