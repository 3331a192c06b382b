#!/usr/bin/env bash
# Benchmark (not a test): N generated subjects through one `likeness generate` run with the
# built-in `initials` and `watercolor` styles (2 x N images), as a user would run it.
#
# Prints subjects/s, images/s, peak RSS (from /usr/bin/time), and the share of worker time
# spent outside render+encode — queue, database, storage and scheduling, i.e. the pipeline's
# own overhead:   overhead = 1 - (render_ms + encode_ms) / (elapsed_ms * concurrency)
#
#   bench/generate.sh [N] [CONCURRENCY]      (defaults: 10000, one worker per core)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
conc="${2:-$(nproc)}"
cargo build --release --locked -p likeness >&2
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/likeness"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 bench/subjects.py "$n" > "$work/subjects.jsonl"
"$bin" --data-dir "$work/data" --json import "$work/subjects.jsonl" > "$work/import.json"

echo "likeness generate: $n subjects x initials,watercolor at 512 px, concurrency $conc"
echo "machine: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d)"
/usr/bin/time -v -o "$work/time.txt" "$bin" --data-dir "$work/data" --json generate \
  --style initials,watercolor --concurrency "$conc" > "$work/report.json"
rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
assets_mib="$(du -sm "$work/data/assets" | cut -f1)"
python3 - "$work/report.json" "$conc" "$rss_kb" "$n" "$assets_mib" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); conc = int(sys.argv[2]); rss = int(sys.argv[3]) / 1024
n = int(sys.argv[4]); assets = int(sys.argv[5])
assert r["failed"] == 0, r["failures"][:3]
wall = r["elapsed_ms"] / 1000
busy = (r["render_ms"] + r["encode_ms"]) / (r["elapsed_ms"] * conc)
images = r["succeeded"]
print(f"images:            {images} ({r['failed']} failed)")
print(f"wall time:         {wall:.1f} s")
print(f"subjects/s:        {n / wall:.1f}")
print(f"images/s:          {images / wall:.1f}")
print(f"render per image:  {r['render_ms'] / images:.1f} ms   encode (oxipng) per image: {r['encode_ms'] / images:.1f} ms")
print(f"outside render+encode: {100 * (1 - busy):.1f} % of worker time")
print(f"peak RSS:          {rss:.1f} MiB")
print(f"asset folder:      {assets} MiB ({assets * 1024 / images:.0f} KiB per image)")
PY
