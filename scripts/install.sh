#!/usr/bin/env bash
# Installs everything needed to build, preview and test the widget. Idempotent: each step checks what
# is already there and skips (quickly) when the right version is present.
#
#   rust target wasm32-unknown-unknown        rustup
#   chromium + chromium-driver                 Debian apt (headless browser for component and e2e tests)
#   node + npm, then wasm-opt 132, esbuild,    npm, pinned in package.json / package-lock.json
#   playwright-core
#   trunk 0.21.14                              cargo install --locked
#   wasm-bindgen-cli == Cargo.lock's version   cargo install (also gives wasm-bindgen-test-runner)
#   wasm-split-cli 0.2.4                       cargo install --locked wasm_split_cli_support --features build-binary
#                                              (the embed build's code splitting, scripts/build-embed.sh)
#
# Afterwards `. scripts/env.sh` puts the tools on PATH (scripts/test.sh and scripts/preview.sh do that).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.21.14"
# The wasm splitter of the embed build (scripts/build-embed.sh). 0.2.2 and later don't cache a failed
# chunk load (Try again downloads again); 0.2.4 matches wasm_split_helpers 0.2.3, which leptos brings
# into Cargo.lock.
WASM_SPLIT_VERSION="0.2.4"

log() { printf '[install] %s\n' "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

# Run as root, or through sudo when we are not (a developer's laptop).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) for: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"

# --- Rust ----------------------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
command -v rustup >/dev/null 2>&1 || die "rustup not found: it is needed to add the wasm32 target"
if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
  log "ok: rust target wasm32-unknown-unknown"
else
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- Chromium and its WebDriver (Debian packages) ------------------------------------------------
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}" fonts-liberation fonts-dejavu-core
else
  log "ok: $(/usr/bin/chromedriver --version 2>/dev/null | head -n1 | cut -d' ' -f1-2) + chromium"
fi

# --- npm tools: wasm-opt (binaryen), esbuild (embed bundle), playwright-core (benchmark) -----------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
want_binaryen="$(node -p 'require("./package.json").devDependencies.binaryen')"
# Every devDependency installed at exactly its pinned version, or `npm ci` (package-lock.json) again.
npm_stale="$(node -e '
  const want = require("./package.json").devDependencies;
  const stale = Object.entries(want).filter(([name, version]) => {
    try { return require(`./node_modules/${name}/package.json`).version !== version; } catch (e) { return true; }
  });
  console.log(stale.map(([n, v]) => `${n}@${v}`).join(" "));')"
if [ -z "$npm_stale" ] && [ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/esbuild ]; then
  log "ok: npm $(node -p 'Object.entries(require("./package.json").devDependencies).map(([n, v]) => n + " " + v).join(", ")')"
else
  log "npm ci (missing or stale: $npm_stale)"
  npm ci --no-audit --no-fund --loglevel=error
fi
wasm_opt_version="$(wasm-opt --version)"
case "$wasm_opt_version" in
  "wasm-opt version ${want_binaryen%%.*} "*) ;;
  *) die "wasm-opt on PATH is '$wasm_opt_version' ($(command -v wasm-opt)), expected ${want_binaryen%%.*}" ;;
esac

# --- trunk ---------------------------------------------------------------------------------------
have_trunk="$(trunk --version 2>/dev/null || true)"
if [ "$have_trunk" = "trunk $TRUNK_VERSION" ]; then
  log "ok: trunk $TRUNK_VERSION"
else
  log "cargo install trunk $TRUNK_VERSION (found: ${have_trunk:-none}; takes ~10 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# --- wasm-bindgen-cli at the version in Cargo.lock -------------------------------------------------
wb_version="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$wb_version" ] || die "no wasm-bindgen entry in Cargo.lock (run a cargo build first)"
trunk_wb="$(sed -n 's/^wasm_bindgen *= *"\(.*\)".*/\1/p' Trunk.toml)"
if [ -n "$trunk_wb" ] && [ "$trunk_wb" != "$wb_version" ]; then
  die "Trunk.toml pins wasm_bindgen = \"$trunk_wb\" but Cargo.lock has wasm-bindgen $wb_version: update Trunk.toml"
fi
have_wb="$(wasm-bindgen --version 2>/dev/null || true)"
have_runner="$(wasm-bindgen-test-runner --version 2>/dev/null || true)"
if [ "$have_wb" = "wasm-bindgen $wb_version" ] && [ "$have_runner" = "wasm-bindgen-test-runner $wb_version" ]; then
  log "ok: wasm-bindgen-cli $wb_version"
else
  # No --locked: the CLI's own lockfile pins a crate version the registry no longer serves.
  log "cargo install wasm-bindgen-cli $wb_version (found: ${have_wb:-none}; takes ~4 minutes)"
  cargo install --force wasm-bindgen-cli --version "=$wb_version"
fi

# --- wasm-split-cli (it has no --version flag: cargo's list of installed crates says which is there) --
if cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:" && command -v wasm-split-cli >/dev/null 2>&1; then
  log "ok: wasm-split-cli $WASM_SPLIT_VERSION"
else
  log "cargo install wasm_split_cli_support $WASM_SPLIT_VERSION (wasm-split-cli; takes ~2 minutes)"
  cargo install --locked --force wasm_split_cli_support --version "=$WASM_SPLIT_VERSION" --features build-binary
fi

log "done: tools ready (. scripts/env.sh puts them on PATH)"
