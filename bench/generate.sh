#!/usr/bin/env bash
# Benchmark (not a test): N generated subjects through `likeness generate` with the built-in
# `initials` and `watercolor` styles, at concurrency 1 and at one worker per core.
#
# Prints per (style, concurrency): subjects/s, peak RSS, and the share of worker time spent
# outside render+encode (queue, database, storage and scheduling: the pipeline's overhead).
#   share = 1 - (render_ms + encode_ms) / (elapsed_ms * concurrency)
#
#   bench/generate.sh [N]      (default N = 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
cargo build --release --locked -p likeness >&2
bin="$PWD/target/release/likeness"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cores="$(nproc)"

python3 bench/subjects.py "$n" > "$work/subjects.jsonl"
"$bin" --data-dir "$work/data" --json import "$work/subjects.jsonl" > "$work/import.json"

echo "likeness generate: $n subjects, $(uname -m), $cores cores, $(date -u +%Y-%m-%d)"
printf '%-11s %5s %10s %10s %12s %12s %11s %10s\n' style conc subjects/s wall_s render_ms encode_ms overhead peak_MiB
for style in initials watercolor; do
  for conc in 1 "$cores"; do
    /usr/bin/time -v -o "$work/time.txt" "$bin" --data-dir "$work/data" --json generate \
      --style "$style" --concurrency "$conc" --force --run-key "bench-$style-$conc" > "$work/report.json"
    rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
    python3 - "$work/report.json" "$conc" "$rss_kb" "$style" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); conc = int(sys.argv[2]); rss = int(sys.argv[3]) / 1024
assert r["failed"] == 0, r["failures"][:3]
n = r["succeeded"]; wall = r["elapsed_ms"] / 1000
busy = (r["render_ms"] + r["encode_ms"]) / (r["elapsed_ms"] * conc)
print(f'{sys.argv[4]:<11} {conc:>5} {n / wall:>10.1f} {wall:>10.1f} {r["render_ms"]:>12} {r["encode_ms"]:>12} {100 * (1 - busy):>10.1f}% {rss:>10.1f}')
PY
  done
done
du -sh "$work/data/assets" | awk '{print "asset folder: " $1}'
