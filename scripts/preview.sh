#!/usr/bin/env bash
# Preview the widget on the demo studio page:
#   1. installs the tools (scripts/install.sh; quick when they are there),
#   2. builds and starts the sandbox (TeamUp and Uelz API stand-ins + hosted payment pages) on
#      127.0.0.1:8787,
#   3. starts the gateway (holds the Uelz secrets; scripts/sandbox-uelz.env) on 127.0.0.1:8788,
#   4. runs `trunk serve` on 127.0.0.1:8080 (rebuilds on changes); the page's widgets call the sandbox
#      at http://127.0.0.1:8787/api/v2 directly (CORS allows any origin; the widget follows the API's
#      links only on that origin, so not through trunk's proxy of /api/, /pay/ and /__sandbox/), and
#      the Uelz widget calls the gateway cross-origin (CORS allows this page's origin).
# Ctrl-C stops all three.
#
# Usage: scripts/preview.sh [--port N] [--offer-lifetime 15m] [--skip-install]
#   --port N              port for trunk serve (default 8080, or $PORT)
#   --offer-lifetime D    how long payment offers stay open: 90s, 15m, 1h (default 15m, or $OFFER_LIFETIME)
#   --skip-install        don't run scripts/install.sh
# The sandbox's port (8787) and the gateway's (8788) are fixed: Trunk.toml's [[proxy]] entries and
# index.html's data-gateway-url point at them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${PORT:-8080}"
OFFER_LIFETIME="${OFFER_LIFETIME:-15m}"
SANDBOX_ADDR="127.0.0.1:8787"
GATEWAY_ADDR="127.0.0.1:8788"
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
if port_open "$GATEWAY_ADDR"; then
  echo "[preview] something already listens on $GATEWAY_ADDR (another preview?); stop it first" >&2
  exit 1
fi
if port_open "127.0.0.1:$PORT"; then
  echo "[preview] something already listens on 127.0.0.1:$PORT; stop it or use --port" >&2
  exit 1
fi

log "building the sandbox and the gateway"
# One package per build: built together, their shared dependencies would get the union of both
# feature sets, and each `cargo run -p` below would then rebuild them with its own.
cargo build --release -p checkout-sandbox
cargo build --release -p checkout-gateway

SANDBOX_PID=""
GATEWAY_PID=""
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
  stop "the gateway" "$GATEWAY_PID"
  stop "the sandbox" "$SANDBOX_PID"
  TRUNK_PID=""
  GATEWAY_PID=""
  SANDBOX_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting the sandbox on http://$SANDBOX_ADDR (offers last $OFFER_LIFETIME)"
cargo run --release -q -p checkout-sandbox -- --addr "$SANDBOX_ADDR" --offer-lifetime "$OFFER_LIFETIME" &
SANDBOX_PID=$!

wait_listening() { # NAME ADDR PID
  for _ in $(seq 1 100); do
    port_open "$2" && return 0
    kill -0 "$3" 2>/dev/null || { echo "[preview] $1 exited; see its output above" >&2; exit 1; }
    sleep 0.2
  done
  echo "[preview] $1 did not listen on $2 within 20 s" >&2
  exit 1
}
wait_listening "the sandbox" "$SANDBOX_ADDR" "$SANDBOX_PID"

log "starting the gateway on http://$GATEWAY_ADDR (Uelz = the sandbox)"
(
  set -a
  # shellcheck source=scripts/sandbox-uelz.env
  . scripts/sandbox-uelz.env
  set +a
  GATEWAY_ADDR="$GATEWAY_ADDR" \
  GATEWAY_ALLOWED_ORIGINS="http://127.0.0.1:$PORT,http://localhost:$PORT,http://$SANDBOX_ADDR,http://localhost:8787" \
    exec cargo run --release -q -p checkout-gateway
) &
GATEWAY_PID=$!
wait_listening "the gateway" "$GATEWAY_ADDR" "$GATEWAY_PID"

cat <<EOF

  ┌──────────────────────────────────────────────────────────────────────────┐
    Open http://127.0.0.1:$PORT/  (the first build takes a few minutes)
    sandbox: http://$SANDBOX_ADDR  (purchases: http://127.0.0.1:$PORT/__sandbox/purchases,
             Uelz purchases: http://127.0.0.1:$PORT/__sandbox/uelz/purchases)
    gateway: http://$GATEWAY_ADDR/v1/plans
    Ctrl-C stops all three.
  └──────────────────────────────────────────────────────────────────────────┘

EOF

# In the background plus `wait`, so that Ctrl-C or a TERM sent to this script stops every server at once.
trunk serve --port "$PORT" &
TRUNK_PID=$!
wait "$TRUNK_PID"
