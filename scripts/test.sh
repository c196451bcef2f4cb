#!/usr/bin/env bash
# Every test level, in order, stopping at the first failure:
#
#   native  cargo test --workspace: unit tests of the widget's modules, the sandbox's tests, the e2e
#           crate's fixture tests (its browser tests are #[ignore]d there and only compiled)
#   wasm    wasm-bindgen-test component tests (tests/web.rs, ...) in headless Chromium
#   build   trunk build --release -> dist/, then the split embed build -> dist-embed/
#           (scripts/build-embed.sh), and its size budgets: brotli bytes before the first list
#           (<= 100 KB) and for a whole TeamUp purchase (<= 250 KB), from dist-embed/manifest.json;
#           until a budget is met it fails only when the figure grows beyond its ceiling
#           (embed/budgets.json)
#   e2e     the browser suite (e2e/tests/) against the sandbox serving dist/ and, for the example
#           pages and the chunk tests, dist-embed/ from a second origin; one test at a time
#
# Usage: scripts/test.sh [--skip-install] [LEVEL ...]     (no LEVEL: all four)
# Logs: target/test-logs/<level>.log. Failure screenshots: target/e2e-screenshots/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_LEVELS=(native wasm build e2e)
install=1
levels=()
for arg in "$@"; do
  case "$arg" in
    --skip-install) install=0 ;;
    native|wasm|build|e2e) levels+=("$arg") ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done
[ "${#levels[@]}" -gt 0 ] || levels=("${ALL_LEVELS[@]}")

if [ "$install" = 1 ]; then
  bash scripts/install.sh
fi
# shellcheck source=scripts/env.sh
. scripts/env.sh

LOG_DIR="$ROOT/target/test-logs"
mkdir -p "$LOG_DIR"

SUMMARY=()
TOTAL_PASSED=0
TOTAL_FAILED=0

# "passed failed ignored" summed over the `test result:` lines of a cargo / wasm-bindgen-test log.
count_tests() {
  awk '/^test result: / {
         for (i = 2; i <= NF; i++) {
           if ($i ~ /^passed;?$/)  p += $(i - 1)
           if ($i ~ /^failed;?$/)  f += $(i - 1)
           if ($i ~ /^ignored;?$/) g += $(i - 1)
         }
       }
       END { printf "%d %d %d\n", p, f, g }' "$1"
}

print_summary() {
  echo
  echo "==================================== summary ===================================="
  local line
  for line in "${SUMMARY[@]}"; do echo "  $line"; done
  echo "total: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
}

fail() {
  echo
  echo "!! $*" >&2
  print_summary
  exit 1
}

# run_level NAME DESCRIPTION HINT -- COMMAND...: runs COMMAND with its output shown and kept in a log.
LEVEL_STATUS=0
run_level() {
  local name="$1" what="$2" hint="$3" p f g
  shift 4
  local log="$LOG_DIR/$name.log"
  echo
  echo "=================================== $name ==================================="
  echo "# $what"
  echo "\$ $*"
  local started=$SECONDS
  set +e
  "$@" 2>&1 | tee "$log"
  LEVEL_STATUS=${PIPESTATUS[0]}
  set -e
  LEVEL_SECONDS=$((SECONDS - started))
  LEVEL_LOG="$log"
  if [ "$LEVEL_STATUS" != 0 ]; then
    read -r p f g < <(count_tests "$log")
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + (f > 0 ? f : 1)))
    SUMMARY+=("$(printf '%-7s FAILED (exit %s, %s passed, %s failed, %ss)' "$name" "$LEVEL_STATUS" "$p" "$f" "$LEVEL_SECONDS")")
    fail "level '$name' failed (exit $LEVEL_STATUS): $what. Log: ${log#"$ROOT"/}. $hint"
  fi
}

# run_test_level NAME DESCRIPTION MIN_PASSED HINT -- COMMAND...
run_test_level() {
  local name="$1" what="$2" min="$3" hint="$4" p f g
  shift 5
  run_level "$name" "$what" "$hint" -- "$@"
  read -r p f g < <(count_tests "$LEVEL_LOG")
  TOTAL_PASSED=$((TOTAL_PASSED + p))
  TOTAL_FAILED=$((TOTAL_FAILED + f))
  local note=""
  [ "$g" = 0 ] || note=", $g ignored"
  SUMMARY+=("$(printf '%-7s %s passed, %s failed%s (%ss)' "$name" "$p" "$f" "$note" "$LEVEL_SECONDS")")
  if [ "$p" -lt "$min" ]; then
    fail "level '$name' ran $p tests, expected at least $min: $what. Log: ${LEVEL_LOG#"$ROOT"/}"
  fi
}

for level in "${levels[@]}"; do
  case "$level" in
    native)
      run_test_level native "native tests: widget modules, sandbox, e2e fixtures (browser e2e only compiled)" 1 \
        "Reproduce with: cargo test --workspace" -- \
        cargo test --workspace --locked
      ;;
    wasm)
      # WASM_BINDGEN_USE_BROWSER: a test binary without `wasm_bindgen_test_configure!(run_in_browser)`
      # still runs in Chromium, not in Node (the widget's tests need a DOM).
      run_test_level wasm "wasm-bindgen-test component tests in headless Chromium" 1 \
        "Reproduce with: . scripts/env.sh && cargo test --target wasm32-unknown-unknown -p membership-checkout" -- \
        env WASM_BINDGEN_USE_BROWSER=1 \
        cargo test --locked --target wasm32-unknown-unknown -p membership-checkout --lib --test '*'
      ;;
    build)
      run_level build "release build of the widget with trunk" \
        "Reproduce with: . scripts/env.sh && trunk build --release" -- \
        trunk build --release
      [ -f dist/index.html ] || fail "trunk build --release left no dist/index.html"
      trunk_seconds="$LEVEL_SECONDS"
      run_level embed "split embed build (loader + main wasm + chunks + typings)" \
        "Reproduce with: bash scripts/build-embed.sh" -- \
        bash scripts/build-embed.sh
      [ -f dist-embed/manifest.json ] || fail "the embed build left no dist-embed/manifest.json"
      sizes="$(node -e '
        const m = require("./dist-embed/manifest.json"), k = n => (n / 1024).toFixed(1) + " KiB";
        const chunks = m.files.filter(f => f.role === "chunk");
        console.log(`embed ${m.version}: loader ${k(m.files[0].brotli)} + main wasm ${k(m.files[1].brotli)} + ${chunks.length} chunks ${k(chunks.reduce((s, f) => s + f.brotli, 0))} (brotli)`);')"
      SUMMARY+=("$(printf '%-7s ok: %s (%ss)' build "$sizes" "$((trunk_seconds + LEVEL_SECONDS))")")
      # The size budgets (embed/build.mjs computes them; embed/chunks.json says which chunks each
      # needs). Until a budget is met, embed/budgets.json holds a ceiling for it: the level prints
      # the figure against the budget and fails only when it grows beyond the ceiling.
      budgets="$(node -e '
        const b = require("./dist-embed/manifest.json").budgets, k = n => (n / 1024).toFixed(1) + " KiB";
        for (const [name, x] of [["first screen", b.first_screen], ["purchase", b.purchase]]) {
          const state = x.pass ? "ok" : x.within_ceiling ? "NOT MET YET" : "OVER";
          const ceiling = x.pass || x.ceiling == null ? "" : `; ceiling ${k(x.ceiling)} (embed/budgets.json)`;
          console.log(`${state} ${name}: ${k(x.brotli)} of ${k(x.limit)} brotli${x.language ? ` (${x.language})` : ""}${ceiling}`);
        }')"
      while IFS= read -r line; do
        SUMMARY+=("$(printf '%-7s %s' budget "$line")")
      done <<< "$budgets"
      if grep -q '^NOT MET YET' <<< "$budgets"; then
        SUMMARY+=("$(printf '%-7s %s' budget "a budget is not met yet: the level fails only above the ceiling (embed/budgets.json)")")
      fi
      if grep -q '^OVER' <<< "$budgets"; then
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        fail "a size figure grew beyond its ceiling: $(grep '^OVER' <<< "$budgets" | tr '\n' ';'). dist-embed/manifest.json lists each file; embed/budgets.json says when a ceiling may change"
      fi
      ;;
    e2e)
      [ -f dist/index.html ] || fail "no dist/index.html: the e2e level needs the release build (level 'build')"
      [ -f dist-embed/manifest.json ] || fail "no dist-embed/manifest.json: the e2e level needs the embed build (level 'build')"
      run_test_level e2e "end-to-end suite: dist/ in headless Chromium against the sandbox" 2 \
        "Screenshots of failed tests: target/e2e-screenshots/. Reproduce with: . scripts/env.sh && E2E_DIST=dist cargo test -p checkout-e2e --test '*' -- --ignored --test-threads=1" -- \
        env E2E_DIST="$ROOT/dist" E2E_EMBED="$ROOT/dist-embed" RUST_BACKTRACE=0 \
        cargo test --locked -p checkout-e2e --test '*' -- --ignored --test-threads=1
      ;;
  esac
done

print_summary
