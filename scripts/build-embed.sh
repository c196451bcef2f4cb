#!/usr/bin/env bash
# The cross-site embed build (README "Embedding"): trunk's release build, then embed/build.mjs
# bundles the loader and writes dist-embed/ (versioned files, typings, SRI snippet, manifest.json).
#
# Usage: scripts/build-embed.sh [--no-trunk] [--public-url URL]
#   --no-trunk     reuse the release build already in dist/ (scripts/test.sh's build level just made it)
#   --public-url   where the files will be served from, for snippet.html (default https://cdn.example.com/membership-checkout/)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/env.sh

trunk=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-trunk) trunk=0 ;;
    --public-url) args+=(--public-url "$2"); shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$trunk" = 0 ] || trunk build --release
node embed/build.mjs --dist dist --out dist-embed "${args[@]}"
