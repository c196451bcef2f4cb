# shellcheck shell=bash
# Source this file (`. scripts/env.sh`) to get the tools scripts/install.sh installed on PATH.
# It only sets variables; it installs nothing and is safe to source more than once.

_mc_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_mc_cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"

# wasm-opt (npm binaryen, pinned in package.json) and cargo-installed trunk / wasm-bindgen first.
for _mc_dir in "$_mc_cargo_bin" "$_mc_root/node_modules/.bin"; do
  case ":$PATH:" in
    *":$_mc_dir:"*) ;;
    *) PATH="$_mc_dir:$PATH" ;;
  esac
done
export PATH

# trunk asks GitHub for newer releases unless told not to (only package registries are reachable).
export TRUNK_SKIP_VERSION_CHECK=true
# wasm-bindgen-test-runner drives headless Chromium through this driver (capabilities: ./webdriver.json).
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The e2e harness (e2e/tests/support) uses the same driver and this browser binary.
export CHROME_BIN="${CHROME_BIN:-/usr/bin/chromium}"
# Seconds a wasm-bindgen-test binary may run in the browser (default 20 is tight on a 2-core machine).
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# Seconds chromedriver may take to start for wasm-bindgen-test-runner (default 5).
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-30}"

unset _mc_root _mc_cargo_bin _mc_dir
