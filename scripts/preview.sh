#!/usr/bin/env bash
# Preview the widget on the demo studio page:
#   1. installs the tools (scripts/install.sh; quick when they are there),
#   2. builds and starts the sandbox (TeamUp API stand-in + hosted payment page) on 127.0.0.1:8787,
#   3. runs `trunk serve` on 127.0.0.1:8080 (rebuilds on changes), which proxies /api/, /pay/ and
#      /__sandbox/ to the sandbox (Trunk.toml), so the page's data-api-base="/api/v2" works.
# Ctrl-C stops both.
#
# Usage: scripts/preview.sh [--port N] [--offer-lifetime 15m] [--skip-install]
#   --port N              port for trunk serve (default 8080, or $PORT)
#   --offer-lifetime D    how long payment offers stay open: 90s, 15m, 1h (default 15m, or $OFFER_LIFETIME)
#   --skip-install        don't run scripts/install.sh
# The sandbox's port (8787) is fixed: Trunk.toml's [[proxy]] entries point at it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${PORT:-8080}"
OFFER_LIFETIME="${OFFER_LIFETIME:-15m}"
SANDBOX_ADDR="127.0.0.1:8787"
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --offer-lifetime) OFFER_LIFETIME="$2"; shift 2 ;;
    --offer-lifetime=*) OFFER_LIFETIME="${1#*=}"; shift ;;
    --skip-install) install=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[preview] %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

if [ "$install" = 1 ]; then
  bash scripts/install.sh
fi
# shellcheck source=scripts/env.sh
. scripts/env.sh

if port_open "$SANDBOX_ADDR"; then
  echo "[preview] something already listens on $SANDBOX_ADDR (another preview?); stop it first" >&2
  exit 1
fi
if port_open "127.0.0.1:$PORT"; then
  echo "[preview] something already listens on 127.0.0.1:$PORT; stop it or use --port" >&2
  exit 1
fi

log "building the sandbox"
cargo build --release -p checkout-sandbox

SANDBOX_PID=""
TRUNK_PID=""
stop() { # NAME PID
  if [ -n "$2" ] && kill -0 "$2" 2>/dev/null; then
    log "stopping $1 (pid $2)"
    kill "$2" 2>/dev/null || true
    wait "$2" 2>/dev/null || true
  fi
}
cleanup() {
  stop "trunk serve" "$TRUNK_PID"
  stop "the sandbox" "$SANDBOX_PID"
  TRUNK_PID=""
  SANDBOX_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting the sandbox on http://$SANDBOX_ADDR (offers last $OFFER_LIFETIME)"
cargo run --release -q -p checkout-sandbox -- --addr "$SANDBOX_ADDR" --offer-lifetime "$OFFER_LIFETIME" &
SANDBOX_PID=$!

for _ in $(seq 1 100); do
  port_open "$SANDBOX_ADDR" && break
  kill -0 "$SANDBOX_PID" 2>/dev/null || { echo "[preview] the sandbox exited; see its output above" >&2; exit 1; }
  sleep 0.2
done
port_open "$SANDBOX_ADDR" || { echo "[preview] the sandbox did not listen on $SANDBOX_ADDR within 20 s" >&2; exit 1; }

cat <<EOF

  ┌──────────────────────────────────────────────────────────────────────────┐
    Open http://127.0.0.1:$PORT/  (the first build takes a few minutes)
    sandbox: http://$SANDBOX_ADDR  (purchases: http://127.0.0.1:$PORT/__sandbox/purchases)
    Ctrl-C stops both.
  └──────────────────────────────────────────────────────────────────────────┘

EOF

# In the background plus `wait`, so that Ctrl-C or a TERM sent to this script stops both servers at once.
trunk serve --port "$PORT" &
TRUNK_PID=$!
wait "$TRUNK_PID"
