#!/usr/bin/env bash
# Benchmark (not a test): `/assets` served by `likeness serve` from S3, against nginx serving the
# same files from a local folder. Prints figures.
#
#   bench/assets_s3.sh                      # 3 rounds of 5 s per server, ~3 min
#   ROUNDS=1 DURATION=3 N=50 bench/assets_s3.sh   # a quick look
#
# What it does, in one run:
#   1. Renders N avatars in STYLE (one subject each) into a local data directory, adds one
#      BIG_MB object of random bytes with a PNG signature under an immutable key (larger than
#      the 1 MiB above which `/assets` streams), and copies every object to a fresh prefix of a
#      SeaweedFS S3 bucket with `likeness migrate store`, so both sides hold the same bytes.
#   2. Avatars: wrk cycles through every avatar key against nginx (own config, worker_processes
#      auto, sendfile, access_log off, the same Cache-Control) on the folder, against
#      `likeness serve --workers 0 --storage-url s3://…` with the in-memory cache on (64 MiB,
#      the default) and off (`asset_cache_bytes = 0`: every request is a GET to S3), and
#      against `likeness serve` on the folder for reference. Request logging is off on all.
#   3. The big object alone, BIG_CONNS connections: nginx, and likeness on S3 with the cache on
#      and off (streamed either way: it is above 1 MiB), fresh processes so their peak RSS
#      (VmHWM) is the big object's.
#   Every answer is checked first: the same status, type, length, Cache-Control and bytes from
#   nginx and likeness on S3, and the same ETag from likeness on S3 and on the folder. The
#   servers take turns, ROUNDS times (a WARMUP, then DURATION s each), so other work on a shared
#   machine falls on all alike; the table gives each one's median run and every run's req/s.
#
# Environment (defaults in brackets): N [200] avatars, STYLE [cartoon] (26–31 KB PNGs; initials
# are ~3 KB, watercolor ~60 KB), ROUNDS [3], DURATION [5] s per run, WARMUP [2] s, THREADS [2],
# CONNS [64] for avatars, BIG_MB [2], BIG_CONNS [16], KEEP [0]: 1 keeps the temp dir. S3: the
# LIKENESS_TEST_S3_* variables of `scripts/test-services` when set, else it starts its own
# (PostgreSQL too, unused) and stops them at the end. Installs nginx and wrk with apt-get when
# missing. Progress goes to stderr, the table to stdout. CPU columns are cores busy on average
# during a run: the server's, SeaweedFS's (on the same machine), and others' (the machine's busy
# time minus the server, SeaweedFS and wrk: other people's work on a shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

N="${N:-200}"
STYLE="${STYLE:-cartoon}"
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-2}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
BIG_MB="${BIG_MB:-2}"
BIG_CONNS="${BIG_CONNS:-16}"
KEEP="${KEEP:-0}"

log() { printf '\n== %s\n' "$*" >&2; }

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  log "installing nginx and wrk"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y nginx wrk >&2
fi
nginx_bin="$(command -v nginx)"

log "building likeness (release)"
cargo build --release --locked -p likeness >&2
bin="${CARGO_TARGET_DIR:-$root/target}/release/likeness"

work="$(mktemp -d)"
data="$work/data"
pids=()
services=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -z "$services" ] || scripts/test-services stop "$services" >&2 || true
  if [ "$KEEP" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() { # URL: until it answers, at most 30 s
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}
stop() { # PID: SIGTERM, wait, off the cleanup list
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}
cpu_ticks() { # PIDS...: utime + stime, summed
  local t=0 p
  for p in "$@"; do t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done
  echo "$t"
}
hz="$(getconf CLK_TCK)"
busy_ticks() { # the whole machine's non-idle CPU time so far (user nice system irq softirq steal)
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

# --- S3 -----------------------------------------------------------------------------------
if [ -z "${LIKENESS_TEST_S3_ENDPOINT:-}" ]; then
  log "starting SeaweedFS (scripts/test-services)"
  services="$work/services"
  mkdir -p "$services"
  eval "$(scripts/test-services start "$services")"
fi
s3_env=(AWS_ENDPOINT_URL="$LIKENESS_TEST_S3_ENDPOINT" AWS_REGION="$LIKENESS_TEST_S3_REGION"
  AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID="$LIKENESS_TEST_S3_ACCESS_KEY_ID"
  AWS_SECRET_ACCESS_KEY="$LIKENESS_TEST_S3_SECRET_ACCESS_KEY")
s3_url="s3://$LIKENESS_TEST_S3_BUCKET/bench-$(date +%s)-$$/public"
# SeaweedFS runs on the same cores: its CPU time is reported beside the server's.
weed_pid="$(cat "${LIKENESS_TEST_SERVICES_DIR:-/nonexistent}/s3/weed.pid" 2>/dev/null || true)"
weed_ticks() { if [ -n "$weed_pid" ] && [ -r "/proc/$weed_pid/stat" ]; then cpu_ticks "$weed_pid"; else echo 0; fi; }

echo "assets from S3 benchmark: $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d); $(nginx -v 2>&1)" >&2
echo "likeness at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')" >&2

# --- 1. data ------------------------------------------------------------------------------
log "1. data: $N $STYLE avatars and one $BIG_MB MB object, copied to $s3_url"
python3 bench/subjects.py "$N" >"$work/subjects.jsonl"
"$bin" --data-dir "$data" --json import "$work/subjects.jsonl" >/dev/null
"$bin" --data-dir "$data" --json generate --style "$STYLE" >/dev/null
big_key="bench-big/bench-big_blob_initials.0123456789abcdef.png"
mkdir -p "$data/assets/bench-big"
{ printf '\x89PNG\r\n\x1a\n'; head -c $((BIG_MB * 1048576 - 8)) /dev/urandom; } >"$data/assets/$big_key"
(cd "$data/assets" && find . -mindepth 2 -type f -name '*.png' ! -path './bench-big/*' | sed 's|^\./||' | sort) \
  | python3 -c 'import sys, urllib.parse; [print("/assets/" + urllib.parse.quote(l.strip())) for l in sys.stdin]' \
    >"$work/paths.txt"
echo "/assets/$big_key" >"$work/big.txt"
echo "  $(wc -l <"$work/paths.txt") avatars, $(du -sk --exclude=bench-big "$data/assets" | cut -f1) KiB" >&2
env "${s3_env[@]}" "$bin" --data-dir "$data" migrate store --to "$s3_url" >&2

# --- servers ------------------------------------------------------------------------------
start_likeness() { # NAME CACHE_BYTES [serve args...]: sets LK_PID, LK_URL
  local name="$1" port
  printf '[server]\nasset_cache_bytes = %s\n' "$2" >"$data/likeness.toml"
  shift 2
  port="$(free_port)"
  env "${s3_env[@]}" LIKENESS_LOG=warn "$bin" --data-dir "$data" serve \
    --listen "127.0.0.1:$port" --workers 0 "$@" 2>"$work/$name.log" &
  LK_PID=$!
  pids+=("$LK_PID")
  LK_URL="http://127.0.0.1:$port"
  wait_http "$LK_URL/healthz"
  LK_RSS0="$(awk '/^VmRSS/ {print $2}' "/proc/$LK_PID/status")"
}
start_nginx() { # sets NG_PID, NG_PIDS (master and workers), NG_URL
  local port user=""
  port="$(free_port)"
  [ "$(id -u)" -eq 0 ] && user="user root;"
  mkdir -p "$work/nginx/tmp"
  cat >"$work/nginx/nginx.conf" <<EOF
$user
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        location /assets/ {
            alias $data/assets/;
            add_header Cache-Control "public, max-age=31536000, immutable";
            etag on;
        }
    }
}
EOF
  "$nginx_bin" -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
  NG_PID=$!
  pids+=("$NG_PID")
  NG_URL="http://127.0.0.1:$port"
  wait_http "$NG_URL$(head -1 "$work/paths.txt")"
  local workers
  mapfile -t workers < <(pgrep -P "$NG_PID")
  NG_PIDS=("$NG_PID" "${workers[@]}")
}

# measure NAME URL PATHS CONNS PIDS...: warm-up, then DURATION s of wrk; one JSON line of
# figures appended to $work/results.jsonl (RSS: the first PID's peak so far)
measure() {
  local name="$1" url="$2" paths="$3" conns="$4"
  shift 4
  wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" -s bench/serve_assets.lua "$url" -- "$paths" >/dev/null
  local before after wbefore wafter mbefore mafter
  before="$(cpu_ticks "$@")"
  wbefore="$(weed_ticks)"
  mbefore="$(busy_ticks)"
  /usr/bin/time -f '%U %S' -o "$work/$name.wrktime" \
    wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --latency -s bench/serve_assets.lua "$url" \
    -- "$paths" >"$work/$name.wrk"
  after="$(cpu_ticks "$@")"
  wafter="$(weed_ticks)"
  mafter="$(busy_ticks)"
  local hwm
  hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$1/status")"
  python3 - "$name" "$work/$name.wrk" "$((after - before))" "$hz" "$DURATION" "$hwm" "$conns" \
    "$((wafter - wbefore))" "${LK_RSS0:-0}" "$((mafter - mbefore))" "$work/$name.wrktime" >>"$work/results.jsonl" <<'PY'
import json, subprocess, sys
f = json.loads(subprocess.check_output([sys.executable, "bench/serve_wrk.py", sys.argv[2]]))
f["name"] = sys.argv[1]
f["cpu_cores"] = int(sys.argv[3]) / int(sys.argv[4]) / float(sys.argv[5])
f["peak_rss_kb"] = int(sys.argv[6])
f["conns"] = int(sys.argv[7])
f["s3_cpu_cores"] = int(sys.argv[8]) / int(sys.argv[4]) / float(sys.argv[5])
f["start_rss_kb"] = int(sys.argv[9])
# What else ran meanwhile (other people's builds on a shared machine): busy minus ours.
u, s = open(sys.argv[11]).read().split()[-2:]
ours = f["cpu_cores"] + f["s3_cpu_cores"] + (float(u) + float(s)) / float(sys.argv[5])
f["others_cores"] = max(0.0, int(sys.argv[10]) / int(sys.argv[4]) / float(sys.argv[5]) - ours)
print(json.dumps(f))
PY
  tail -1 "$work/results.jsonl" | python3 -c '
import json, sys
f = json.load(sys.stdin)
L = f["latency_ms"]
bad = sum(f["socket_errors"].values()) + f["non_2xx_3xx"]
print("  %-30s %8.0f req/s  p50 %.2f ms  p99 %.2f ms  errors/non-2xx %d"
      % (f["name"], f["rps"], L.get("p50", 0), L.get("p99", 0), bad))' >&2
}

# headers URL PATH: the answer's headers that must agree
headers() {
  curl -sS -o /dev/null -D - "$1$2" | tr -d '\r' \
    | grep -iE '^(HTTP/|content-type|content-length|cache-control|etag)' | tr '[:upper:]' '[:lower:]' | sort
}

# --- checks -------------------------------------------------------------------------------
log "checks: the same answers"
sample="$(head -1 "$work/paths.txt")"
start_nginx
start_likeness check-s3 0 --storage-url "$s3_url"
s3_pid="$LK_PID" s3_http="$LK_URL"
start_likeness check-folder 0
for path in "$sample" "/assets/$big_key"; do
  echo "  $path" >&2
  for url in "$NG_URL" "$s3_http" "$LK_URL"; do headers "$url" "$path" | sed 's/^/    /' >&2; echo "    --" >&2; done
  a="$(headers "$s3_http" "$path" | grep -vi '^etag' | grep -v '^HTTP' ; curl -sS "$s3_http$path" | sha256sum)"
  b="$(headers "$NG_URL" "$path" | grep -vi '^etag' | grep -v '^HTTP'; curl -sS "$NG_URL$path" | sha256sum)"
  [ "$a" = "$b" ] || { echo "likeness on S3 and nginx disagree on $path" >&2; exit 1; }
  [ "$(headers "$s3_http" "$path" | grep -i etag)" = "$(headers "$LK_URL" "$path" | grep -i etag)" ] \
    || { echo "the ETag from S3 and from the folder differ on $path" >&2; exit 1; }
done
stop "$LK_PID"
stop "$s3_pid"

# --- 2. avatars, 3. the big object ---------------------------------------------------------
# Rounds alternate the servers, so other work on a shared machine falls on all of them alike;
# the table gives each server's median run.
cache=$((64 * 1048576))
declare -A url pid rss0
start_server() { # NAME CACHE_BYTES [serve args...]: a likeness server kept for the rounds
  start_likeness "$@"
  url[$1]="$LK_URL" pid[$1]="$LK_PID" rss0[$1]="$LK_RSS0"
}
start_server likeness-s3-cache "$cache" --storage-url "$s3_url"
start_server likeness-s3-nocache 0 --storage-url "$s3_url"
start_server likeness-folder-cache "$cache"
log "2. avatars: $ROUNDS rounds of wrk -t$THREADS -c$CONNS -d${DURATION}s over $(wc -l <"$work/paths.txt") keys"
for round in $(seq "$ROUNDS"); do
  echo "  round $round" >&2
  LK_RSS0=0 measure nginx-avatars "$NG_URL" "$work/paths.txt" "$CONNS" "${NG_PIDS[@]}"
  for name in likeness-s3-cache likeness-s3-nocache likeness-folder-cache; do
    LK_RSS0="${rss0[$name]}" measure "$name-avatars" "${url[$name]}" "$work/paths.txt" "$CONNS" "${pid[$name]}"
  done
done
for name in likeness-s3-cache likeness-s3-nocache likeness-folder-cache; do stop "${pid[$name]}"; done
# Fresh processes, so their peak RSS is the big object's alone.
start_server likeness-s3-cache "$cache" --storage-url "$s3_url"
start_server likeness-s3-nocache 0 --storage-url "$s3_url"
log "3. the $BIG_MB MB object: $ROUNDS rounds of wrk -t$THREADS -c$BIG_CONNS -d${DURATION}s"
for round in $(seq "$ROUNDS"); do
  echo "  round $round" >&2
  LK_RSS0=0 measure nginx-big "$NG_URL" "$work/big.txt" "$BIG_CONNS" "${NG_PIDS[@]}"
  for name in likeness-s3-cache likeness-s3-nocache; do
    LK_RSS0="${rss0[$name]}" measure "$name-big" "${url[$name]}" "$work/big.txt" "$BIG_CONNS" "${pid[$name]}"
  done
done

# --- table --------------------------------------------------------------------------------
python3 - "$work/results.jsonl" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault(r["name"], []).append(r)
med = lambda rs, f: statistics.median(f(r) for r in rs)
rps = {n: med(rs, lambda r: r["rps"]) for n, rs in runs.items()}
per_cpu = {n: med(rs, lambda r: r["rps"] / max(r["cpu_cores"], 1e-9)) for n, rs in runs.items()}
print("| server, objects | req/s (median; all runs) | ratio to nginx | p50 / p99 ms | "
      "req per server CPU-s (ratio) | server / SeaweedFS / others' CPU, cores | RSS start → peak MiB |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for n, rs in runs.items():
    kind = n.split("-")[-1]
    base = "nginx-" + kind
    bad = sum(sum(r["socket_errors"].values()) + r["non_2xx_3xx"] for r in rs)
    note = f" ({bad} errors)" if bad else ""
    rss = "" if n.startswith("nginx") else \
        f"{rs[0]['start_rss_kb'] / 1024:.0f} → {max(r['peak_rss_kb'] for r in rs) / 1024:.0f}"
    every = ", ".join(f"{r['rps']:.0f}" for r in rs)
    p50 = med(rs, lambda r: r["latency_ms"].get("p50", 0))
    p99 = med(rs, lambda r: r["latency_ms"].get("p99", 0))
    cpu = " / ".join(f"{med(rs, lambda r: r[k]):.2f}" for k in ("cpu_cores", "s3_cpu_cores", "others_cores"))
    print(f"| {n}{note} | {rps[n]:.0f} ({every}) | {rps[n] / rps[base]:.2f} | {p50:.2f} / {p99:.2f} | "
          f"{per_cpu[n]:.0f} ({per_cpu[n] / per_cpu[base]:.2f}) | {cpu} | {rss} |")
PY
