#!/usr/bin/env bash
# Benchmark (not a test): bytes per image and encode time of each output format, for the
# built-in styles and a few DiceBear ones, against DiceBear's own PNGs of the same look.
#
#   bench/formats.sh                # 50 avatars at 256 px per style
#   COUNT=10 SIZE=512 bench/formats.sh
#
# likeness: crates/likeness/examples/formats_bench.rs (release build, one thread) draws each
# style and encodes every picture as PNG (as the pipeline stores it at png_optimization 0 and
# 2), lossless WebP, lossy WebP (quality 80), the WebP /assets/ derives (the smaller of
# lossless and lossy at 85) and AVIF (quality 70, speed 8). DiceBear: the pinned DiceBear
# JS 11 (clients/dicebear) draws the SVG, DiceBear's converter (@dicebear/converter 9.4.3,
# installed into target/bench-dicebear on first use, as bench/render.sh does) makes the PNG.
# "same look": a dicebear-X style is DiceBear's X; likeness's initials against DiceBear's
# initials; the other own styles have no DiceBear twin.
# Progress on stderr, the table (Markdown) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-50}"
SIZE="${SIZE:-256}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log() { echo "$@" >&2; }

log "== building formats_bench (release)"
target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked -p likeness --example formats_bench >&2
bench="$target/release/examples/formats_bench"

js="$(bench/dicebear_js.sh)"
if [ ! -d clients/dicebear/node_modules/@dicebear/core ]; then
  (cd clients/dicebear && npm ci --no-audit --no-fund >&2)
fi
font="$PWD/crates/likeness-paint/fonts/DejaVuSans.ttf"

log "== $COUNT avatars at $SIZE px per style"
for style in initials geometric watercolor flat-poster cartoon dicebear-initials dicebear-shapes \
  dicebear-identicon dicebear-notionists dicebear-lorelei dicebear-pixel-art; do
  log "  likeness $style"
  taskset -c 1 "$bench" "$style" "$COUNT" "$SIZE" >> "$work/results.jsonl"
done
for style in initials shapes identicon notionists lorelei pixel-art; do
  log "  dicebear-js $style"
  UV_THREADPOOL_SIZE=1 VIPS_CONCURRENCY=1 taskset -c 1 \
    node bench/formats_dicebear.mjs "$style" "$COUNT" "$SIZE" "$font" "$js" >> "$work/results.jsonl"
done

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dicebear = {r["style"]: r["png_bytes"] for r in rows if r["engine"] == "dicebear-js"}
twin = lambda s: s[len("dicebear-"):] if s.startswith("dicebear-") else {"initials": "initials"}.get(s)
fmts = ["png", "png_o2", "webp", "webp_lossy", "webp_derived", "avif"]
print("| style | PNG as drawn | PNG oxipng 2 | WebP lossless | WebP lossy q80 | WebP derived | AVIF q70 | DiceBear PNG | best WebP ÷ DiceBear |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    if r["engine"] != "likeness":
        continue
    db = dicebear.get(twin(r["style"]) or "")
    best = min(r["webp_bytes"], r["webp_lossy_bytes"])
    cells = [f'{r[f + "_bytes"]:,.0f}' for f in fmts]
    print(f'| {r["style"]} | ' + " | ".join(cells)
          + (f" | {db:,.0f} | {best / db:.2f}× |" if db else " | – | – |"))
print()
print("| encode ms per image | " + " | ".join(["PNG as drawn", "PNG oxipng 2", "WebP lossless", "WebP lossy", "WebP derived", "AVIF"]) + " |")
print("| --- |" + " ---: |" * 6)
for r in rows:
    if r["engine"] == "likeness":
        print(f'| {r["style"]} | ' + " | ".join(f'{r[f + "_ms"]:.1f}' for f in fmts) + " |")
PY
