#!/usr/bin/env bash
# Benchmark (not a test): the built-in renderer against DiceBear, one core each, in one run.
#
#   bench/render.sh                 # 2,000 avatars at 256 px per engine and style
#   COUNT=500 bench/render.sh       # a quick run
#
# Engines: DiceBear JS (@dicebear/core, collection and converter 9.4.3 from npm, installed into
# target/bench-dicebear on first use; PNGs through its converter, handed a font file), DiceBear's
# Rust port (dicebear-core, drawn through likeness's own resvg path as the `dicebear-*` styles),
# and likeness's own styles. Every engine is pinned to one core with taskset and renders the same
# count at the same size; the script prints SVG/s, PNG/s, bytes per image and peak RSS, then the
# ratios against the issue's targets. Progress on stderr, the table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-2000}"
SIZE="${SIZE:-256}"
CORE="${CORE:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log() { echo "$@" >&2; }

log "== building render_bench (release)"
cargo build --release --locked -p likeness --example render_bench >&2
bench="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/render_bench"

js="$(bench/dicebear_js.sh)"
font="$PWD/crates/likeness-paint/fonts/DejaVuSans.ttf"

run() { # run LABEL CMD...: one JSON line into $work/results.jsonl
  local label="$1"; shift
  log "  $label"
  # libvips (behind the converter) and node's pool would use more threads: one core for all.
  UV_THREADPOOL_SIZE=1 VIPS_CONCURRENCY=1 taskset -c "$CORE" "$@" >> "$work/results.jsonl"
}

log "== $COUNT avatars at ${SIZE} px per run, pinned to core $CORE"
for style in notionists lorelei initials shapes; do
  run "dicebear-js $style" node "$js/render_dicebear.mjs" "$style" "$COUNT" "$SIZE" "$font"
done
for style in dicebear-notionists dicebear-lorelei dicebear-initials dicebear-shapes initials geometric watercolor flat-poster cartoon; do
  if "$bench" "$style" 1 64 >/dev/null 2>&1; then
    run "likeness $style" "$bench" "$style" "$COUNT" "$SIZE"
  else
    log "  (skipped $style: not drawable by the built-in renderer in this build)"
  fi
done

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {(r["engine"], r["style"]): r for r in rows}
print(f"{'engine':<12} {'style':<20} {'size':>9} {'SVG/s':>9} {'PNG/s':>8} {'PNG bytes':>10} {'stored':>8} {'RSS MiB':>8}")
for r in rows:
    stored = f"{r['stored_bytes']:.0f}" if "stored_bytes" in r else "-"
    print(f"{r['engine']:<12} {r['style']:<20} {r['width']:>4}x{r['height']:<4} {r['svg_per_s']:>9.0f} "
          f"{r['png_per_s']:>8.0f} {r['png_bytes']:>10.0f} {stored:>8} {r['peak_rss_kb'] / 1024:>8.1f}")
peers = ("notionists", "lorelei", "initials", "shapes")
js = {s: by.get(("dicebear-js", s)) for s in peers}
core = {s: by.get(("likeness", f"dicebear-{s}")) for s in peers}
def ratio(ours, theirs):
    return ours["png_per_s"] / theirs["png_per_s"] if ours and theirs else None
def verdict(x, target):
    return "n/a" if x is None else f"{x:.1f}x ({'met' if x >= target else 'MISSED'}, target {target}x)"
print()
print("targets (PNG/s, one core; bytes as stored after oxipng preset 0, against DiceBear JS's PNGs;")
print("SIZE is the short edge, so the 4:5 flat-poster draws 256x320, 25 % more pixels than the peers):")
# Each style against its DiceBear counterpart: initials, shapes (abstract), notionists (people).
for style, vs_js, vs_core, ref in (("initials", 10, 2, "initials"), ("geometric", 10, 2, "shapes"),
                                   ("watercolor", 3, 1, "notionists"), ("flat-poster", 3, 1, "notionists"),
                                   ("cartoon", 3, 1, "notionists")):
    ours = by.get(("likeness", style))
    if not ours:
        continue
    print(f"  {style:<12} vs DiceBear JS {ref}: {verdict(ratio(ours, js[ref]), vs_js)};"
          f"  vs dicebear-core {ref}: {verdict(ratio(ours, core[ref]), vs_core)}")
    if js[ref]:
        ok = ours["stored_bytes"] <= js[ref]["png_bytes"]
        print(f"  {'':<12} bytes {ours['stored_bytes']:.0f} vs DiceBear JS {js[ref]['png_bytes']:.0f}: "
              f"{'met' if ok else 'MISSED'}")
PY
