#!/usr/bin/env bash
# Benchmark (not a test): the HTTP service, `likeness serve`, on one machine. Prints figures.
#
#   bench/serve.sh                   # the real run: 15 s per throughput/latency run, 60 s soak
#   DURATION=5 SOAK=15 bench/serve.sh   # a quick run
#
# What it does, in one run over one fresh data directory (N subjects, one `initials` image each):
#   1. /assets throughput against nginx: `serve --workers 0` and an nginx (own config, this
#      user, worker_processes auto = one per core, sendfile on, the same Cache-Control) serving
#      the same asset folder; wrk cycles through every real asset key. Both are measured twice:
#      as shipped (likeness logs each request at info to a file, nginx writes its access log to
#      a file) and with request logging off on both. Also prints each server's CPU time, i.e.
#      requests per CPU-second, because on a small machine wrk competes for the same cores.
#   2. POST /api/avatars/generate/{id}?wait=true from GEN_CLIENTS concurrent clients (closed
#      loop, bench/serve_generate.py) against `serve` with its default workers and no rate
#      limit, then again with as many clients as workers (no queueing) for reference. Latency is
#      split using the server's own records (render_us, encode_us, total_ms, timestamps).
#   3. A soak: SOAK seconds at SOAK_CONNS connections, asset GETs with every SOAK_EVERY-th
#      request a generate (?wait=true) spread over SOAK_TOKENS bearer tokens at the default rate
#      limit (10/min per token), so most generates get the designed 429. Counts every answer by
#      kind and status, and samples the server's VmRSS once a second.
#
# Environment (defaults in brackets): N [2000] subjects, DURATION [15] s per run, WARMUP [2] s,
# THREADS [2] and CONNS [64] for wrk on /assets, GEN_CLIENTS [50], SOAK [60] s,
# SOAK_CONNS [200], SOAK_TOKENS [20], SOAK_EVERY [20], KEEP [0]: 1 keeps the temp dir.
# Installs nginx and wrk with apt-get when missing. Every server it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

N="${N:-2000}"
DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-2}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
GEN_CLIENTS="${GEN_CLIENTS:-50}"
SOAK="${SOAK:-60}"
SOAK_CONNS="${SOAK_CONNS:-200}"
SOAK_TOKENS="${SOAK_TOKENS:-20}"
SOAK_EVERY="${SOAK_EVERY:-20}"
KEEP="${KEEP:-0}"

log() { printf '\n== %s\n' "$*" >&2; }

# --- tools --------------------------------------------------------------------------------
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  log "installing nginx and wrk"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y nginx wrk >&2
fi
nginx_bin="$(command -v nginx)"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

log "building likeness (release)"
cargo build --release --locked -p likeness >&2
bin="$root/target/release/likeness"

work="$(mktemp -d)"
data="$work/data"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
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

stop() { # PID: SIGTERM, wait, and forget it (so cleanup never signals a reused PID)
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

cpu_ticks() { # PIDS...: utime + stime of each (all threads), summed
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
hz="$(getconf CLK_TCK)"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# start_likeness NAME [serve args...]: sets LK_PID and LK_URL; log in $work/NAME.log
start_likeness() {
  local name="$1" port
  shift
  port="$(free_port)"
  "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" "$@" 2>"$work/$name.log" &
  LK_PID=$!
  pids+=("$LK_PID")
  LK_URL="http://127.0.0.1:$port"
  wait_http "$LK_URL/healthz"
}

# measure NAME URL PIDS: a WARMUP-second wrk run, then the DURATION-second one with the server's
# CPU time and wrk's own; figures in $work/NAME.json
measure() {
  local name="$1" url="$2"
  shift 2
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s bench/serve_assets.lua "$url" -- "$work/paths.txt" >/dev/null
  local before after
  before="$(cpu_ticks "$@")"
  /usr/bin/time -f '%U %S' -o "$work/$name.wrktime" \
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s bench/serve_assets.lua "$url" \
    -- "$work/paths.txt" >"$work/$name.wrk"
  after="$(cpu_ticks "$@")"
  python3 - "$work/$name.wrk" "$((after - before))" "$hz" "$work/$name.wrktime" "$DURATION" \
    >"$work/$name.json" <<'PY'
import json, subprocess, sys
fig = json.loads(subprocess.check_output([sys.executable, "bench/serve_wrk.py", sys.argv[1]]))
fig["server_cpu_s"] = int(sys.argv[2]) / int(sys.argv[3])
u, s = open(sys.argv[4]).read().split()[-2:]
fig["wrk_cpu_s"] = float(u) + float(s)
fig["duration_s"] = float(sys.argv[5])
print(json.dumps(fig))
PY
  python3 - "$name" "$work/$name.json" <<'PY' >&2
import json, sys
f = json.load(open(sys.argv[2]))
L = f["latency_ms"]
bad = sum(f["socket_errors"].values()) + f["non_2xx_3xx"]
print(f"  {sys.argv[1]:<22} {f['rps']:>9.0f} req/s  p50 {L.get('p50', 0):.2f} ms  "
      f"p99 {L.get('p99', 0):.2f} ms  {f['transfer_per_s']}/s  server CPU "
      f"{f['server_cpu_s'] / f['duration_s']:.2f} cores, wrk {f['wrk_cpu_s'] / f['duration_s']:.2f}"
      f" cores  errors/non-2xx {bad}")
PY
}

echo "likeness serve benchmark: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d)" >&2
echo "$(nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" >&2

# --- data ---------------------------------------------------------------------------------
log "data: $N subjects, one initials image each"
python3 bench/subjects.py "$N" >"$work/subjects.jsonl"
"$bin" --data-dir "$data" --json import "$work/subjects.jsonl" >"$work/import.json"
"$bin" --data-dir "$data" --json generate --style initials >"$work/generate.json"
python3 -c 'import json, sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1], encoding="utf-8")]' \
  "$work/subjects.jsonl" >"$work/ids.txt"
# Content-addressed keys (one folder per subject), as `history --json` gives them in storage_key.
(cd "$data/assets" && find . -mindepth 2 -type f -name '*.png' | sed 's|^\./||' | sort) \
  | python3 -c 'import sys, urllib.parse; [print("/assets/" + urllib.parse.quote(l.strip())) for l in sys.stdin]' \
  >"$work/paths.txt"
echo "  $(wc -l <"$work/paths.txt") asset keys, $(du -sk "$data/assets" | cut -f1) KiB" >&2

# --- 1. /assets against nginx ---------------------------------------------------------------
log "1. /assets throughput: wrk -t$THREADS -c$CONNS -d${DURATION}s over every asset key (after ${WARMUP} s warm-up)"
mkdir -p "$work/nginx/tmp"
nginx_conf() { # PORT ACCESS_LOG(path|off)
  local user=""
  # Workers of a root master would drop to `nobody`, who cannot read the private temp dir.
  [ "$(id -u)" -eq 0 ] && user="user root;"
  local access="$2"
  cat <<EOF
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
    access_log $access;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$1;
        location /assets/ {
            alias $data/assets/;
            add_header Cache-Control "public, max-age=31536000, immutable";
            etag on;
        }
    }
}
EOF
}
start_nginx() { # NAME ACCESS_LOG: sets NG_PID (master), NG_PIDS (master + workers), NG_URL
  local port
  port="$(free_port)"
  nginx_conf "$port" "$2" >"$work/nginx/$1.conf"
  "$nginx_bin" -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/$1.conf" &
  NG_PID=$!
  pids+=("$NG_PID")
  NG_URL="http://127.0.0.1:$port"
  wait_http "$NG_URL$(head -1 "$work/paths.txt")"
  NG_PIDS=("$NG_PID" $(pgrep -P "$NG_PID"))
}

# Same answer from both: status, type, length, Cache-Control.
start_likeness assets-check --workers 0
start_nginx check off
sample="$(head -1 "$work/paths.txt")"
for url in "$LK_URL" "$NG_URL"; do
  curl -sS -o /dev/null -D - "$url$sample" | tr -d '\r' \
    | grep -iE '^(HTTP/|content-type|content-length|cache-control|etag)' | sed 's/^/    /' >&2
  echo "    --" >&2
done
stop "$LK_PID"
stop "$NG_PID"

for mode in logs nologs; do
  if [ "$mode" = logs ]; then
    start_likeness "likeness-$mode" --workers 0
    what="as shipped: likeness logs each request (info), nginx access_log"
  else
    LIKENESS_LOG=warn start_likeness "likeness-$mode" --workers 0
    what="request logging off on both (LIKENESS_LOG=warn, access_log off)"
  fi
  echo "  $what" >&2
  measure "likeness-$mode" "$LK_URL" "$LK_PID"
  stop "$LK_PID"
  if [ "$mode" = logs ]; then
    start_nginx "nginx-$mode" "$work/nginx/access.log"
  else
    start_nginx "nginx-$mode" off
  fi
  measure "nginx-$mode" "$NG_URL" "${NG_PIDS[@]}"
  stop "$NG_PID"
  rm -f "$work/nginx/access.log"
done

# --- 2. generate ?wait=true -----------------------------------------------------------------
workers="$(nproc)"
log "2. POST /api/avatars/generate/{id}?wait=true {\"style\":\"initials\"}: $GEN_CLIENTS clients, then $workers (= workers), ${DURATION} s each"
printf '[server]\ngenerate_per_minute = 0\n' >"$data/likeness.toml"
start_likeness generate
gen_pid="$LK_PID"
gen_rss_start="$(rss_kb "$gen_pid")"
python3 bench/serve_generate.py --port "${LK_URL##*:}" --ids "$work/ids.txt" \
  --db "$data/likeness.db" --clients "$GEN_CLIENTS" --duration "$DURATION" --warmup "$WARMUP" \
  --label "$workers workers" --out "$work/gen-many.json" >&2
python3 bench/serve_generate.py --port "${LK_URL##*:}" --ids "$work/ids.txt" \
  --db "$data/likeness.db" --clients "$workers" --duration "$DURATION" --warmup "$WARMUP" \
  --label "$workers workers, no queueing" --out "$work/gen-few.json" >&2
gen_rss_end="$(rss_kb "$gen_pid")"
echo "  server RSS: $((gen_rss_start / 1024)) MiB at start, $((gen_rss_end / 1024)) MiB after" >&2
stop "$gen_pid"

# --- 3. soak --------------------------------------------------------------------------------
log "3. soak: ${SOAK} s, $SOAK_CONNS connections, 1 in $SOAK_EVERY requests a generate over $SOAK_TOKENS tokens at the default 10/min each"
tokens="$(python3 -c 'import sys, secrets; print(",".join("bench-" + secrets.token_hex(8) for _ in range(int(sys.argv[1]))))' "$SOAK_TOKENS")"
python3 -c 'import sys; print("[server]\napi_tokens = [%s]" % ", ".join("\"%s\"" % t for t in sys.argv[1].split(",")))' \
  "$tokens" >"$data/likeness.toml"
assets_before="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM assets").fetchone()[0])' "$data/likeness.db")"
start_likeness soak
soak_pid="$LK_PID"
sleep 1
echo "$(date +%s.%N) $(rss_kb "$soak_pid")" >"$work/rss-idle.txt"
(
  while kill -0 "$soak_pid" 2>/dev/null; do
    echo "$(date +%s.%N) $(awk '/^VmRSS/ {print $2}' "/proc/$soak_pid/status" 2>/dev/null)"
    sleep 1
  done
) >"$work/rss.txt" &
pids+=("$!")
soak_start="$(date +%s.%N)"
wrk -t"$THREADS" -c"$SOAK_CONNS" -d"${SOAK}s" --timeout 30s --latency -s bench/serve_soak.lua \
  "$LK_URL" -- "$work/paths.txt" "$work/ids.txt" "$tokens" "$SOAK_EVERY" >"$work/soak.wrk"
soak_end="$(date +%s.%N)"
sleep 1
healthy="no"
curl -fsS -o /dev/null "$LK_URL/readyz" && healthy="yes"
server_errors="$(grep -c 'ERROR' "$work/soak.log" || true)"
python3 bench/serve_wrk.py "$work/soak.wrk" >"$work/soak-wrk.json"
stop "$soak_pid"
assets_after="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM assets").fetchone()[0])' "$data/likeness.db")"

python3 - "$work" "$soak_start" "$soak_end" "$SOAK" "$SOAK_TOKENS" "$((assets_after - assets_before))" \
  "$healthy" "$server_errors" >"$work/soak.json" <<'PY'
import json, sys
work, t0, t1, soak, ntok, made, healthy, serr = sys.argv[1:9]
t0, t1, soak, ntok = float(t0), float(t1), float(soak), int(ntok)
w = json.load(open(f"{work}/soak-wrk.json"))
samples = []
for line in open(f"{work}/rss.txt"):
    p = line.split()
    if len(p) == 2:
        samples.append((float(p[0]), int(p[1])))
idle = int(open(f"{work}/rss-idle.txt").read().split()[1])
during = [(t, kb) for t, kb in samples if t0 <= t <= t1 + 0.5]
def at(frac):
    target = t0 + frac * (t1 - t0)
    return min(during, key=lambda s: abs(s[0] - target))[1] if during else None
c = w["counts"]
expected = {"asset 200", "api 200", "api 202", "api 429"}
other = {k: v for k, v in c.items() if k not in expected}
print(json.dumps({
    "rps": w["rps"], "requests": w["requests"], "latency_ms": w["latency_ms"],
    "socket_errors": w["socket_errors"], "counts": c, "unexpected": other,
    "errors_not_429": sum(w["socket_errors"].values()) + sum(other.values()),
    "generate_accepted": c.get("api 200", 0) + c.get("api 202", 0),
    "generate_429": c.get("api 429", 0),
    "generate_bound": int(ntok * 10 * (1 + soak / 60)),
    "assets_made": int(made), "healthy_after": healthy, "server_error_lines": int(serr),
    "rss_kb": {"idle": idle, "start": at(0.05), "middle": at(0.5), "end": at(1.0),
               "max": max((kb for _, kb in during), default=None)},
}))
PY
python3 - "$work/soak.json" <<'PY' >&2
import json, sys
s = json.load(open(sys.argv[1]))
r = {k: (v / 1024 if v else 0) for k, v in s["rss_kb"].items()}
print(f"  {s['requests']} requests, {s['rps']:.0f}/s; answers: {s['counts']}")
print(f"  socket errors: {s['socket_errors'] or 'none'}; other unexpected answers: {s['unexpected'] or 'none'}")
print(f"  generates accepted {s['generate_accepted']} (token-bucket bound {s['generate_bound']}), "
      f"new images recorded {s['assets_made']}, 429s {s['generate_429']}")
print(f"  RSS MiB: idle {r['idle']:.1f}, start {r['start']:.1f}, middle {r['middle']:.1f}, "
      f"end {r['end']:.1f}, max {r['max']:.1f}; /readyz after: {s['healthy_after']}; "
      f"ERROR log lines: {s['server_error_lines']}")
PY

# --- summary --------------------------------------------------------------------------------
log "summary"
python3 - "$work" "$THREADS" "$CONNS" "$DURATION" "$GEN_CLIENTS" "$SOAK" "$SOAK_CONNS" "$workers" \
  "$gen_rss_start" "$gen_rss_end" <<'PY'
import json, sys
work, threads, conns, dur, gclients, soak, sconns, workers, g0, g1 = sys.argv[1:11]
j = lambda n: json.load(open(f"{work}/{n}.json"))
rows = []
def row(fig, value, target=""):
    rows.append((fig, value, target))
def verdict(ok):
    return "met" if ok else "MISSED"
for mode, what in (("logs", "as shipped (request logs on)"), ("nologs", "request logs off")):
    lk, ng = j(f"likeness-{mode}"), j(f"nginx-{mode}")
    ratio = lk["rps"] / ng["rps"]
    eff = (lk["rps"] / (lk["server_cpu_s"] / lk["duration_s"])) / (ng["rps"] / (ng["server_cpu_s"] / ng["duration_s"]))
    row(f"/assets likeness, {what}", f"{lk['rps']:,.0f} req/s (p99 {lk['latency_ms'].get('p99', 0):.2f} ms)")
    row(f"/assets nginx, {what}", f"{ng['rps']:,.0f} req/s (p99 {ng['latency_ms'].get('p99', 0):.2f} ms)")
    row(f"  ratio likeness/nginx", f"{ratio:.2f}x", f">= 0.8x: {verdict(ratio >= 0.8)}")
    row(f"  ratio per server CPU-second", f"{eff:.2f}x")
gm, gf = j("gen-many"), j("gen-few")
for g in (gm, gf):
    L, S = g["latency_ms"], g["split_median_ms"]
    row(f"generate wait=true, {g['clients']} clients: latency p50/p95/p99",
        f"{L['p50']:.0f} / {L['p95']:.0f} / {L['p99']:.0f} ms ({g['throughput_rps']:.0f} images/s)")
    ov = g["overhead_p99_minus_median_re_ms"]
    row(f"  p99 latency - median render+encode ({g['render_encode_ms']['median']:.1f} ms)",
        f"{ov:.0f} ms", f"< 50 ms: {verdict(ov < 50)}")
    row(f"  median split: accept->queued / queue wait / worker / recorded->answer",
        f"{S['accept_to_queued']:.1f} / {S['queue_wait']:.1f} / {S['worker_total']:.1f} / {S['recorded_to_answer']:.1f} ms")
s = j("soak")
r = {k: (v or 0) / 1024 for k, v in s["rss_kb"].items()}
row(f"soak {soak} s, {sconns} conns: requests", f"{s['requests']:,} ({s['rps']:,.0f}/s)")
row("  generates accepted / 429", f"{s['generate_accepted']} / {s['generate_429']:,} (bound {s['generate_bound']})")
row("  errors other than 429", f"{s['errors_not_429']}", f"0: {verdict(s['errors_not_429'] == 0)}")
row("  RSS idle / start / middle / end / max", f"{r['idle']:.1f} / {r['start']:.1f} / {r['middle']:.1f} / {r['end']:.1f} / {r['max']:.1f} MiB")
w1 = max(len(a) for a, _, _ in rows)
w2 = max(len(b) for _, b, _ in rows)
print(f"{'figure':<{w1}}  {'value':<{w2}}  target")
print(f"{'-' * w1}  {'-' * w2}  ------")
for a, b, c in rows:
    print(f"{a:<{w1}}  {b:<{w2}}  {c}")
PY
