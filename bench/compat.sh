#!/usr/bin/env bash
# Benchmark (not a test): the drop-in routes of `likeness serve` — DiceBear's `/11.x/` and
# Gravatar's `/avatar/` — over HTTP with wrk, against DiceBear JS 11 drawing the same SVGs in
# process (the pinned `clients/dicebear` packages the route matches byte for byte). Prints a
# table; the figures go in BENCHMARKS.md.
#
#   bench/compat.sh                          # ~1 min
#   DURATION=3 STYLE=shapes bench/compat.sh
#
# Runs, each DURATION s after a 1 s warm-up, on a fresh data dir with one subject (an e-mail
# and an initials portrait) and `--workers 0`:
#   svg new     /11.x/STYLE/svg?seed=…      every request a seed never asked for (drawn)
#   svg cached  /11.x/STYLE/svg?seed=same   one seed (answered from memory)
#   png new     /11.x/STYLE/png?seed=…&size=128
#   avatar new  /avatar/{hash}?d=identicon&s=80   an unknown hash each time (drawn default)
#   avatar known  /avatar/{md5 of the subject's e-mail}?s=80   (cut and scaled once, then memory)
#   DiceBear JS   COUNT SVGs of STYLE with new seeds, in process (no HTTP: a generous peer)
# The ratio is svg new req/s ÷ DiceBear JS SVG/s. wrk shares the two cores with the server.
#
# Environment: DURATION [5], THREADS [2], CONNS [16], STYLE [identicon], COUNT [5000] JS
# SVGs, KEEP [0] (1 keeps the temp dir). Builds likeness in release mode (CARGO_TARGET_DIR is
# honoured) and runs `npm ci` in clients/dicebear when its node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

DURATION="${DURATION:-5}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-16}"
STYLE="${STYLE:-identicon}"
COUNT="${COUNT:-5000}"
KEEP="${KEEP:-0}"

log() { printf '== %s\n' "$*" >&2; }
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }

log "building likeness (release)"
cargo build --release --locked -p likeness >&2
bin="${CARGO_TARGET_DIR:-$root/target}/release/likeness"
if [ ! -d clients/dicebear/node_modules/@dicebear/core ]; then
  log "npm ci in clients/dicebear"
  (cd clients/dicebear && npm ci --no-audit --no-fund >&2)
fi

tmp="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ "$KEEP" = 1 ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

email="bench.person@example.org"
printf 'id,name,email\nb1,Bench Person,%s\n' "$email" >"$tmp/people.csv"
"$bin" --data-dir "$tmp/data" import "$tmp/people.csv" >/dev/null 2>&1
"$bin" --data-dir "$tmp/data" generate --style initials >/dev/null 2>&1
printf 'default_style = "initials"\n' >"$tmp/data/likeness.toml"
LIKENESS_LOG=warn "$bin" --data-dir "$tmp/data" serve --listen 127.0.0.1:0 --workers 0 \
  2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do
  base="$(sed -n 's/^listening on //p' "$tmp/serve.log" | head -1)"
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { cat "$tmp/serve.log" >&2; exit 1; }
md5="$(printf '%s' "$email" | md5sum | cut -d' ' -f1)"
curl -fsS -o /dev/null "$base/avatar/$md5?s=80"
curl -fsS -o /dev/null "$base/11.x/$STYLE/svg?seed=same"

# wrk's req/s and p99 for one run; PATH_FMT set: a new avatar every request.
measure() {
  local name="$1" path="$2" script=()
  if [[ "$path" == *%s* ]]; then
    script=(-s bench/compat_unique.lua)
  fi
  PATH_FMT="$path" wrk -t"$THREADS" -c"$CONNS" -d1s "${script[@]}" "$base${path//%s/warm}" >/dev/null 2>&1
  local out
  out="$(PATH_FMT="$path" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${script[@]}" \
    "$base${path//%s/warm}")"
  local rps p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  printf '%-14s %10.0f req/s   p99 %-9s %s\n' "$name" "$rps" "$p99" "${errors:+non-2xx: $errors}"
  echo "$rps" >"$tmp/$name.rps"
}

log "measuring ($DURATION s a run, $THREADS threads, $CONNS connections)"
{
  printf 'route          throughput        latency\n'
  measure "svg-new" "/11.x/$STYLE/svg?seed=%s"
  measure "svg-cached" "/11.x/$STYLE/svg?seed=same"
  measure "png-new" "/11.x/$STYLE/png?size=128&seed=%s"
  measure "avatar-new" "/avatar/0000000000000%s?d=identicon&s=80"
  measure "avatar-known" "/avatar/$md5?s=80"
  js="$(node bench/compat_js.mjs "$STYLE" "$COUNT")"
  js_rate="$(sed -E 's/.*"svg_per_s":([0-9.]+).*/\1/' <<<"$js")"
  printf '%-14s %10.0f SVG/s   (in process, %s SVGs)\n' "dicebear-js" "$js_rate" "$COUNT"
  awk -v ours="$(cat "$tmp/svg-new.rps")" -v js="$js_rate" -v style="$STYLE" \
    'BEGIN { printf "\n%s: new SVGs over HTTP at %.2fx DiceBear JS in process\n", style, ours / js }'
}
