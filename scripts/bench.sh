#!/usr/bin/env bash
# The benchmark (not part of scripts/test.sh). Builds the release embed (the split build), starts
# four sandboxes on free ports and measures in headless Chromium: sizes (each chunk, the first screen
# and a purchase in brotli), first list and interactive against a plain-JavaScript baseline (50 ms
# added latency, and a mobile profile), the first (cold) choice on the mobile profile, interaction
# latency at 1,000 memberships / 5,000 events, the layout shift on the example pages, memory after
# load. Writes target/bench/report.json, prints a table, and exits 1 when a budget is missed (2 when
# the run itself went wrong). See bench/README.md.
#
# Usage: scripts/bench.sh [--runs N] [--interactions N] [--quick] [--no-budgets] [--only PHASES]
#                         [--skip-install] [--skip-build] [--widget-dir DIR]
#   --runs N          load runs per page and profile (default 20)
#   --interactions N  iterations per interaction (default 50)
#   --quick           5 runs, 15 interactions: quick look while developing, not for figures
#   --no-budgets      report missed budgets without failing
#   --only PHASES     comma-separated subset of sizes,desktop,mobile,cold,scale,cls,memory
#   --skip-install    don't run scripts/install.sh
#   --skip-build      measure the build already in target/bench/ (or --widget-dir)
#   --widget-dir DIR  measure this build (an embed dir with manifest.json, or a trunk dist)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

OUT="$ROOT/target/bench"
LATENCY_MS=50
install=1
build=1
widget_dir=""
run_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs|--interactions|--only) run_args+=("$1" "$2"); shift 2 ;;
    --runs=*|--interactions=*|--only=*|--quick|--no-budgets) run_args+=("$1"); shift ;;
    --skip-install) install=0; shift ;;
    --skip-build) build=0; shift ;;
    --widget-dir) widget_dir="$2"; build=0; shift 2 ;;
    --widget-dir=*) widget_dir="${1#*=}"; build=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench] %s\n' "$*" >&2; }
started=$(date +%s)

if [ "$install" = 1 ]; then
  bash scripts/install.sh >&2
fi
# shellcheck source=scripts/env.sh
. scripts/env.sh
mkdir -p "$OUT"

# --- build ---------------------------------------------------------------------------------------
# The release embed as scripts/build-embed.sh makes it (the split build), into target/bench/ so that
# dist-embed/ (the e2e tests') is left alone.
widget_dir="${widget_dir:-$OUT/dist-embed}"
if [ "$build" = 1 ]; then
  log "building the split embed (scripts/build-embed.sh --out target/bench/dist-embed)"
  bash scripts/build-embed.sh --out "$OUT/dist-embed" >&2
fi
log "building the sandbox"
cargo build --release -p checkout-sandbox >&2
SANDBOX="${CARGO_TARGET_DIR:-$ROOT/target}/release/checkout-sandbox"

# --- sandboxes -----------------------------------------------------------------------------------
# latency: demo studio, every API request 50 ms late; fast: demo studio (the mobile profile adds its
# own latency); scale: 1,000 memberships and 5,000 events (bench/catalogue.mjs), no added latency.
"$SANDBOX" --dump-data > "$OUT/demo-data.json"
node bench/catalogue.mjs "$OUT/demo-data.json" > "$OUT/scale-data.json"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a sandbox in the background (not in a subshell: the trap must know its pid) and sets URL.
URL=""
start_sandbox() { # NAME ARGS...
  local name="$1"; shift
  local port; port="$(free_port)"
  "$SANDBOX" --addr "127.0.0.1:$port" "$@" > "$OUT/sandbox-$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      URL="http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "sandbox $name did not start; its log:"
  cat "$OUT/sandbox-$name.log" >&2
  exit 2
}
start_sandbox latency --fault "*=latency,ms=$LATENCY_MS"; API="$URL"
start_sandbox fast; API_FAST="$URL"
start_sandbox scale --data "$OUT/scale-data.json"; API_SCALE="$URL"
# The example pages (examples/) with the API on their own origin, as scripts/examples.sh serves
# them: bench/run.mjs renders them into this folder for its CDN once that has a port.
rm -rf "$OUT/examples-site"
mkdir -p "$OUT/examples-site"
start_sandbox examples --widget-dir "$OUT/examples-site"; API_EXAMPLES="$URL"
log "sandboxes: $API (+${LATENCY_MS} ms), $API_FAST, $API_SCALE (scale), $API_EXAMPLES (example pages)"

# --- measure -------------------------------------------------------------------------------------
status=0
node bench/run.mjs --widget-dir "$widget_dir" --api "$API" --api-fast "$API_FAST" --api-scale "$API_SCALE" \
  --examples "$API_EXAMPLES" --examples-dir "$OUT/examples-site" \
  --latency "$LATENCY_MS" --out "$OUT/report.json" "${run_args[@]}" || status=$?
log "done in $(( $(date +%s) - started )) s"
exit "$status"
