#!/usr/bin/env bash
# Benchmark (not a test): the batch pipeline against the renderer alone and DiceBear JS, in one
# run, on the issue's terms (issue 16).
#
#   bench/pipeline.sh                      # N=1000 for the ratios, SPLIT_N=10000 for the split
#   N=300 SPLIT_N=2000 bench/pipeline.sh   # a quick run
#
# - Render alone: `render_bench` (likeness-paint's draw, rasterise and PNG encode, no service),
#   pinned to one core, N avatars at SIZE px.
# - DiceBear JS: its `initials` through @dicebear/converter, pinned to the same core.
# - End to end: `likeness generate` on N freshly imported subjects, one data directory each,
#   wall time of the whole command (start-up, plan, claim, render, encode, store, record).
#   `--concurrency 1` unpinned (one worker; the runtime may use the other core for the
#   database) and pinned to the core (everything on one core), then `--concurrency 2`.
# - The split: SPLIT_N subjects, one worker, `generate --json`'s `time_split` (worker time by
#   phase), and peak RSS at N and SPLIT_N.
# Progress on stderr, figures on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-1000}"
SPLIT_N="${SPLIT_N:-10000}"
SIZE=512 # the styles' default size, which `generate` draws
CORE="${CORE:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log() { echo "$@" >&2; }

log "== building likeness and render_bench (release)"
cargo build --release --locked -p likeness --bin likeness --example render_bench >&2
target="${CARGO_TARGET_DIR:-$PWD/target}/release"
js="$(bench/dicebear_js.sh)"
font="$PWD/crates/likeness-paint/fonts/DejaVuSans.ttf"

log "== render alone and DiceBear JS: $N at $SIZE px, pinned to core $CORE"
for style in initials watercolor; do
  taskset -c "$CORE" "$target/examples/render_bench" "$style" "$N" "$SIZE" > "$work/render-$style.json"
done
UV_THREADPOOL_SIZE=1 VIPS_CONCURRENCY=1 taskset -c "$CORE" \
  node "$js/render_dicebear.mjs" initials "$N" "$SIZE" "$font" > "$work/dicebear.json"

# generate LABEL COUNT STYLE CONCURRENCY [taskset args...]: one fresh data dir, wall time and
# peak RSS from /usr/bin/time, the report as JSON.
generate() {
  local label="$1" count="$2" style="$3" conc="$4"; shift 4
  local dir="$work/$label"
  mkdir -p "$dir"
  python3 bench/subjects.py "$count" > "$dir/subjects.jsonl"
  "$target/likeness" --data-dir "$dir/data" --json import "$dir/subjects.jsonl" > /dev/null
  log "  $label: $count x $style, concurrency $conc ${*:-unpinned}"
  /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$@" "$target/likeness" --data-dir "$dir/data" \
    --json generate --style "$style" --concurrency "$conc" > "$dir/report.json"
  rm -rf "$dir/data/assets"
}

log "== end to end: $N subjects"
generate initials-1 "$N" initials 1
generate initials-1-pinned "$N" initials 1 taskset -c "$CORE"
generate initials-2 "$N" initials 2
generate watercolor-1 "$N" watercolor 1
log "== the split: $SPLIT_N subjects, one worker"
generate split "$SPLIT_N" initials 1

python3 - "$work" "$N" "$SPLIT_N" "$SIZE" <<'PY'
import json, os, sys
work, n, split_n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
load = lambda p: json.load(open(os.path.join(work, p)))
def run(label):
    report = load(f"{label}/report.json")
    wall, rss_kb = open(os.path.join(work, label, "time.txt")).read().split()
    assert report["failed"] == 0, report.get("failures", [])[:3]
    return report, float(wall), int(rss_kb) / 1024
render = {s: load(f"render-{s}.json")["png_per_s"] for s in ("initials", "watercolor")}
dicebear = load("dicebear.json")["png_per_s"]
def rate(label):
    report, wall, _ = run(label)
    return report["succeeded"] / wall
print(f"machine: {os.cpu_count()} cores; {n} subjects at {size} px; wall time of the whole command")
print(f"{'':<34} {'images/s':>9} {'vs render alone':>16}")
print(f"{'render alone, initials (1 core)':<34} {render['initials']:>9.0f}")
print(f"{'render alone, watercolor (1 core)':<34} {render['watercolor']:>9.0f}")
print(f"{'DiceBear JS initials PNG (1 core)':<34} {dicebear:>9.0f} {dicebear / render['initials']:>15.2f}x")
rows = [("initials, 1 worker", "initials-1", "initials"),
        ("initials, 1 worker, 1 core", "initials-1-pinned", "initials"),
        ("initials, 2 workers", "initials-2", "initials"),
        ("watercolor, 1 worker", "watercolor-1", "watercolor")]
rates = {}
for title, label, style in rows:
    rates[label] = rate(label)
    print(f"{'generate ' + title:<34} {rates[label]:>9.0f} {rates[label] / render[style]:>15.2f}x")
def verdict(x, target):
    return f"{x:.2f}x ({'met' if x >= target else 'MISSED'}, target {target}x)"
print("targets:")
print(f"  initials end to end / render alone:   {verdict(rates['initials-1'] / render['initials'], 0.5)}"
      f"; on one core {rates['initials-1-pinned'] / render['initials']:.2f}x")
print(f"  initials end to end / DiceBear JS:    {verdict(rates['initials-1'] / dicebear, 10)}")
print(f"  watercolor end to end / render alone: {verdict(rates['watercolor-1'] / render['watercolor'], 0.7)}")
print(f"  2 workers / 1 worker:                 {verdict(rates['initials-2'] / rates['initials-1'], 1.8)}")

report, wall, rss = run("split")
_, _, rss_n = run("initials-1")
t = report["time_split"]
print(f"\nsplit of worker time, {split_n} subjects x initials, 1 worker ({wall:.1f} s wall, "
      f"{report['succeeded'] / wall:.0f} images/s, {report['succeeded'] / wall / render['initials']:.2f}x render alone):")
for phase in ("render", "encode", "measure", "store", "database", "scheduling"):
    ms = t[f"{phase}_ms"]
    print(f"  {phase:<11} {100 * ms / t['worker_ms']:5.1f} %  ({ms / report['succeeded']:.3f} ms per image)")
working = t["worker_ms"] / 1000  # one worker: its loop's wall time
print(f"  (the split covers the workers' {working:.1f} s; start-up, migrations, planning and the "
      f"report are the other {wall - working:.1f} s of the wall time)")
print(f"peak RSS: {rss_n:.0f} MiB at {n} subjects, {rss:.0f} MiB at {split_n}")
PY
