#!/usr/bin/env bash
# Installs DiceBear JS 9.4.3 (core, collection, converter) into target/bench-dicebear on first
# use, with the benchmarks' own runner script copied in, and prints that folder. Shared by the
# benchmarks that compare against DiceBear JS (render, pipeline, formats). Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
js="$PWD/target/bench-dicebear"
if [ ! -d "$js/node_modules/@dicebear/converter" ]; then
  echo "== installing DiceBear JS 9.4.3 into $js" >&2
  mkdir -p "$js"
  (cd "$js" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
    @dicebear/core@9.4.3 @dicebear/collection@9.4.3 @dicebear/converter@9.4.3 >&2)
fi
cp bench/render_dicebear.mjs "$js/"
echo "$js"
