#!/usr/bin/env bash
# The cross-site embed build (README "Embedding"): the widget split into a main module (what the
# first screen needs) and chunks fetched on demand, bundled with the loader into dist-embed/
# (hashed file names, manifest.json with sizes, hashes and the size budgets, typings, SRI snippet).
#
#   1. cargo rustc --release --features split, the final link with --emit-relocs (wasm-split needs
#      the relocations). Only the widget's own crate gets the flag, so the dependencies are those of
#      `trunk build --release` (same target dir; `--cfg erase_components` from .cargo/config.toml).
#   2. wasm-split-cli: the main module, one wasm per split point (src/split.rs `lazy_fn!`), shared
#      chunks, and __wasm_split.js (their loader). A split point whose caller was optimised away
#      keeps its code in the main module ("No corresponding imports"): the build stops.
#   3. wasm-bindgen --keep-lld-exports: the main module keeps what the chunks link against (memory,
#      the function table, the stack pointer).
#   4. wasm-opt -Os --converge on the main module and on each chunk, without the producers and
#      target-features sections. Measured on this widget, -Os ends ~1 KiB brotli smaller than -Oz,
#      --converge and the two sections ~1 KiB more over the purchase's five modules.
#   5. node embed/build.mjs --split: names, hashes, the chunk table in the loader, manifest.json.
#
# `trunk build` / `trunk serve` stay the unsplit preview (the feature off).
#
# Usage: scripts/build-embed.sh [--public-url URL] [--out DIR] [--unsplit [--no-trunk]]
#   --public-url   where the files will be served from, for snippet.html (default https://cdn.example.com/membership-checkout/)
#   --out DIR      where to write the embed (default dist-embed)
#   --unsplit      the unsplit embed from trunk's release build in dist/ instead (for comparison)
#   --no-trunk     with --unsplit: reuse the release build already in dist/
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/env.sh

split=1
trunk=1
out=dist-embed
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unsplit) split=0 ;;
    --no-trunk) trunk=0 ;;
    --out) out="$2"; shift ;;
    --public-url) args+=(--public-url "$2"); shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$split" = 0 ]; then
  [ "$trunk" = 0 ] || trunk build --release
  exec node embed/build.mjs --dist dist --out "$out" "${args[@]}"
fi

command -v wasm-split-cli >/dev/null || { echo "wasm-split-cli is missing: run bash scripts/install.sh" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-$ROOT/target}"
work="$target/split"
pkg="$work/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"
step() { printf '[build-embed] %s\n' "$*"; }
t0=$SECONDS

step "1/5 cargo rustc --release --features split (final link with --emit-relocs)"
cargo rustc --locked --release --target wasm32-unknown-unknown -p membership-checkout --bin membership-checkout \
  --features split -- -Clink-args=--emit-relocs
t1=$SECONDS

step "2/5 wasm-split-cli"
status=0
wasm-split-cli --out-name membership-checkout "$target/wasm32-unknown-unknown/release/membership-checkout.wasm" "$pkg" \
  2> "$work/wasm-split.log" || status=$?
cat "$work/wasm-split.log" >&2
[ "$status" = 0 ] || { echo "[build-embed] wasm-split-cli failed (exit $status)" >&2; exit "$status"; }
if grep -q "No corresponding imports" "$work/wasm-split.log"; then
  echo "[build-embed] a split point is never called, so wasm-split keeps its code in the main module; call it, or remove it:" >&2
  grep -o "No corresponding imports.*" "$work/wasm-split.log" >&2
  exit 1
fi
[ -f "$pkg/__wasm_split.js" ] || { echo "[build-embed] wasm-split-cli wrote no __wasm_split.js (no split point?)" >&2; exit 1; }

step "3/5 wasm-bindgen --keep-lld-exports"
wasm-bindgen --target web --keep-lld-exports --no-typescript --out-dir "$pkg" --out-name membership-checkout \
  "$pkg/membership-checkout.wasm"
rm "$pkg/membership-checkout.wasm"

step "4/5 wasm-opt -Os --converge on each module"
for wasm in "$pkg"/*.wasm; do
  wasm-opt -Os --converge --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$wasm" -o "$wasm"
done
t2=$SECONDS

step "5/5 node embed/build.mjs --split (cargo $((t1 - t0)) s, split + bindgen + wasm-opt $((t2 - t1)) s)"
node embed/build.mjs --split "$pkg" --out "$out" "${args[@]}"
