#!/usr/bin/env bash
# Benchmark (not a test): the HTTP service, `likeness serve`, on one machine. Prints figures.
#
#   bench/serve.sh                   # the real run: 15 s per throughput/latency run, 60 s soak
#   DURATION=5 SOAK=15 bench/serve.sh   # a quick run
#
# What it does, in one run over one fresh data directory (N subjects, one `initials` image each):
#   1. /assets throughput against nginx: `serve --workers 0` and an nginx (own config, this
#      user, worker_processes auto = one per core like the likeness runtime's worker threads,
#      sendfile on, keepalive_requests high, the same Cache-Control) serving the same asset
#      folder; wrk cycles through every real asset key. Both are measured twice: as shipped
#      (likeness logs each request at info to a file, nginx writes its access log to a file) and
#      with request logging off on both. Also prints each server's CPU time, i.e. requests per
#      CPU-second, because on a small machine wrk competes for the same cores.
#   2. POST /api/avatars/generate/{id}?wait=true&timeout=30 from GEN_CLIENTS concurrent clients
#      (closed loop, bench/serve_generate.py) against a fresh `serve` with its default workers
#      and no rate limit, then again with as many clients as workers (no queueing). Latency is
#      split using the server's own records (render_us, encode_us, total_ms, timestamps).
#   3. A soak: SOAK seconds at SOAK_CONNS connections, asset GETs with every SOAK_EVERY-th
#      request a generate (?wait=true&timeout=30) spread over SOAK_TOKENS bearer tokens at the
#      default rate limit (10/min per token), so most generates get the designed 429. Counts
#      every answer by kind and status (a 202, i.e. not finished within 30 s, is an error), and
#      samples the server's VmRSS once a second. Then the same soak with asset GETs only.
#
# Environment (defaults in brackets): N [2000] subjects, DURATION [15] s per run, WARMUP [2] s,
# THREADS [2] and CONNS [64] for wrk on /assets, GEN_CLIENTS [50], SOAK [60] s,
# SOAK_CONNS [200], SOAK_TOKENS [20], SOAK_EVERY [20], SOAK_ASSETS [1]: 1 adds a second soak of
# asset GETs only, KEEP [0]: 1 keeps the temp dir (logs, wrk output, per-run JSON). Progress goes
# to stderr, the summary table to stdout.
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
SOAK_ASSETS="${SOAK_ASSETS:-1}"
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
bin="${CARGO_TARGET_DIR:-$root/target}/release/likeness"

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

forget() { # PID: off the cleanup list once it has ended (so cleanup never signals a reused PID)
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

stop() { # PID: SIGTERM, wait (exit status in STOP_RC), forget
  kill -TERM "$1" 2>/dev/null || true
  STOP_RC=0
  wait "$1" 2>/dev/null || STOP_RC=$?
  forget "$1"
}

cpu_ticks() { # PIDS...: utime + stime of each (all threads), summed
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
hz="$(getconf CLK_TCK)"
busy_ticks() { # the whole machine's non-idle CPU time so far (user nice system irq softirq steal)
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# start_likeness NAME [serve args...]: sets LK_PID and LK_URL; log in $work/NAME.log; extra
# environment for the server from the array LK_ENV
LK_ENV=()
start_likeness() {
  local name="$1" port
  shift
  port="$(free_port)"
  env "${LK_ENV[@]}" "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" "$@" \
    2>"$work/$name.log" &
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
  local before after mbefore mafter
  before="$(cpu_ticks "$@")"
  mbefore="$(busy_ticks)"
  /usr/bin/time -f '%U %S' -o "$work/$name.wrktime" \
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s bench/serve_assets.lua "$url" \
    -- "$work/paths.txt" >"$work/$name.wrk"
  after="$(cpu_ticks "$@")"
  mafter="$(busy_ticks)"
  python3 - "$work/$name.wrk" "$((after - before))" "$hz" "$work/$name.wrktime" "$DURATION" \
    "$((mafter - mbefore))" >"$work/$name.json" <<'PY'
import json, subprocess, sys
fig = json.loads(subprocess.check_output([sys.executable, "bench/serve_wrk.py", sys.argv[1]]))
hz = int(sys.argv[3])
fig["server_cpu_s"] = int(sys.argv[2]) / hz
u, s = open(sys.argv[4]).read().split()[-2:]
fig["wrk_cpu_s"] = float(u) + float(s)
fig["duration_s"] = float(sys.argv[5])
# What else ran meanwhile (other people's builds on a shared machine): busy minus both.
fig["others_cpu_s"] = max(0.0, int(sys.argv[6]) / hz - fig["server_cpu_s"] - fig["wrk_cpu_s"])
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
      f", others {f['others_cpu_s'] / f['duration_s']:.2f}  errors/non-2xx {bad}")
PY
}

echo "likeness serve benchmark: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d)" >&2
echo "$(nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" >&2
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
  echo "likeness at commit $(git rev-parse --short HEAD), $(git status --porcelain -- crates Cargo.toml Cargo.lock | wc -l) uncommitted changes under crates/ and Cargo.*" >&2
fi

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
    LK_ENV=()
    what="as shipped: likeness logs each request (info), nginx access_log"
  else
    LK_ENV=(LIKENESS_LOG=warn)
    what="request logging off on both (LIKENESS_LOG=warn, access_log off)"
  fi
  echo "  $what" >&2
  start_likeness "likeness-$mode" --workers 0
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
LK_ENV=()

# --- 2. generate ?wait=true -----------------------------------------------------------------
workers="$(nproc)"
log "2. POST /api/avatars/generate/{id}?wait=true&timeout=30 {\"style\":\"initials\"}: $GEN_CLIENTS clients, then $workers (= workers), ${DURATION} s each, a fresh server each"
printf '[server]\ngenerate_per_minute = 0\n' >"$data/likeness.toml"
db_count() { # SQL: one number from the database, read-only
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])' \
    "$data/likeness.db" "$1"
}
# server_facts NAME RSS_START_KB RSS_END_KB: after stop, what the server's log and queue say
server_facts() {
  python3 - "$work/$1.log" "$2" "$3" "$STOP_RC" "$(db_count "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")" <<'PY'
import json, re, sys
log = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8", errors="replace").read())
lines = log.splitlines()
print(json.dumps({
    "rss_start_kb": int(sys.argv[2]), "rss_end_kb": int(sys.argv[3]), "exit_code": int(sys.argv[4]),
    "unfinished_jobs": int(sys.argv[5]),
    "error_lines": sum(1 for l in lines if " ERROR " in l),
    "database_locked_lines": sum(1 for l in lines if "database is locked" in l),
    "last_line": lines[-1] if lines else "",
}))
PY
}
for clients in "$GEN_CLIENTS" "$workers"; do
  name="gen-$clients"
  start_likeness "$name"
  rss0="$(rss_kb "$LK_PID")"
  cpu0="$(cpu_ticks "$LK_PID")"
  busy0="$(busy_ticks)"
  t0="$(date +%s.%N)"
  label="$workers workers"
  [ "$clients" = "$workers" ] && label="$workers workers, as many clients as workers"
  python3 bench/serve_generate.py --port "${LK_URL##*:}" --ids "$work/ids.txt" \
    --db "$data/likeness.db" --clients "$clients" --duration "$DURATION" --warmup "$WARMUP" \
    --label "$label" --out "$work/$name.json" >&2 || echo "  load client failed" >&2
  rss1="$(rss_kb "$LK_PID" 2>/dev/null || echo 0)"
  cpu1="$(cpu_ticks "$LK_PID")"
  busy1="$(busy_ticks)"
  t1="$(date +%s.%N)"
  stop "$LK_PID"
  server_facts "$name" "$rss0" "$rss1" >"$work/$name-server.json"
  python3 -c 'import sys; c, b, hz, t = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]); print(f"  CPU over the run: server {c / hz / t:.2f} cores, whole machine {b / hz / t:.2f} cores (the load client and anything else share it)")' \
    "$((cpu1 - cpu0))" "$((busy1 - busy0))" "$hz" "$(python3 -c "print($t1 - $t0)")" >&2
  python3 - "$work/$name-server.json" <<'PY' >&2
import json, sys
f = json.load(open(sys.argv[1]))
print(f"  server: RSS {f['rss_start_kb'] / 1024:.1f} -> {f['rss_end_kb'] / 1024:.1f} MiB, exit status {f['exit_code']} "
      f"at SIGTERM, {f['error_lines']} ERROR log lines ({f['database_locked_lines']} 'database is locked'), "
      f"{f['unfinished_jobs']} jobs left queued/running")
if f["exit_code"] != 0:
    print(f"  last log line: {f['last_line'][:300]}")
PY
done

# --- 3. soak --------------------------------------------------------------------------------
tokens="$(python3 -c 'import sys, secrets; print(",".join("bench-" + secrets.token_hex(8) for _ in range(int(sys.argv[1]))))' "$SOAK_TOKENS")"
python3 -c 'import sys; print("[server]\napi_tokens = [%s]" % ", ".join("\"%s\"" % t for t in sys.argv[1].split(",")))' \
  "$tokens" >"$data/likeness.toml"

# run_soak NAME EVERY: a fresh server, SOAK seconds of wrk with bench/serve_soak.lua (EVERY: one
# request in EVERY is a generate; 0: assets only); figures in $work/NAME.json
run_soak() {
  local name="$1" every="$2" pid sampler rss0 rss1 t0 t1 before after mbefore mafter made0 made1
  local healthy="no"
  made0="$(db_count "SELECT COUNT(*) FROM assets")"
  start_likeness "$name"
  pid="$LK_PID"
  sleep 1
  rss0="$(rss_kb "$pid")"
  (
    while kill -0 "$pid" 2>/dev/null; do
      echo "$(date +%s.%N) $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)"
      sleep 1
    done
  ) >"$work/$name-rss.txt" &
  sampler=$!
  pids+=("$sampler")
  before="$(cpu_ticks "$pid")"
  mbefore="$(busy_ticks)"
  t0="$(date +%s.%N)"
  wrk -t"$THREADS" -c"$SOAK_CONNS" -d"${SOAK}s" --timeout 40s --latency -s bench/serve_soak.lua \
    "$LK_URL" -- "$work/paths.txt" "$work/ids.txt" "$tokens" "$every" >"$work/$name.wrk"
  t1="$(date +%s.%N)"
  after="$(cpu_ticks "$pid")"
  mafter="$(busy_ticks)"
  sleep 1
  curl -fsS -m 5 -o /dev/null "$LK_URL/readyz" && healthy="yes"
  python3 bench/serve_wrk.py "$work/$name.wrk" >"$work/$name-wrk.json"
  rss1="$(rss_kb "$pid")"
  stop "$pid"
  wait "$sampler" 2>/dev/null || true # it ends with the server
  forget "$sampler"
  server_facts "$name" "$rss0" "$rss1" >"$work/$name-server.json"
  made1="$(db_count "SELECT COUNT(*) FROM assets")"
  python3 - "$work" "$name" "$t0" "$t1" "$SOAK" "$SOAK_TOKENS" "$((made1 - made0))" "$healthy" \
    "$every" "$(( (after - before) ))" "$(( (mafter - mbefore) ))" "$hz" >"$work/$name.json" <<'PY'
import json, sys
work, name, t0, t1, soak, ntok, made, healthy, every, cpu, busy, hz = sys.argv[1:13]
server = json.load(open(f"{work}/{name}-server.json"))
t0, t1, soak, ntok, every = float(t0), float(t1), float(soak), int(ntok), int(every)
w = json.load(open(f"{work}/{name}-wrk.json"))
samples = []
for line in open(f"{work}/{name}-rss.txt"):
    p = line.split()
    if len(p) == 2:
        samples.append((float(p[0]), int(p[1])))
during = [(t, kb) for t, kb in samples if t0 <= t <= t1 + 0.5]
def at(frac, target=None):
    target = target if target is not None else t0 + frac * (t1 - t0)
    return min(during, key=lambda s: abs(s[0] - target))[1] if during else None
c = w["counts"]
# api 202 = a ?wait=true generate not finished within its 30 s: counted as an error.
expected = {"asset 200", "api 200", "api 429"}
other = {k: v for k, v in c.items() if k not in expected}
span = t1 - t0
print(json.dumps({
    "every": every, "rps": w["rps"], "requests": w["requests"], "latency_ms": w["latency_ms"],
    "socket_errors": w["socket_errors"], "counts": c, "unexpected": other,
    "errors_not_429": sum(w["socket_errors"].values()) + sum(other.values()),
    "generate_done": c.get("api 200", 0), "generate_unfinished_202": c.get("api 202", 0),
    "sent": w["sent"],
    "unanswered_at_end": {k: v - sum(n for key, n in c.items() if key.split()[0] == k)
                          for k, v in w["sent"].items()},
    "generate_429": c.get("api 429", 0),
    "generate_bound": int(ntok * 10 * (1 + soak / 60)),
    "assets_made": int(made), "healthy_after": healthy, "server": server,
    "server_cores": int(cpu) / int(hz) / span,
    "machine_busy_cores": int(busy) / int(hz) / span,
    # "start" is 10 s in (a quarter of a short soak): past the first burst and warm-up.
    "rss_kb": {"idle": server["rss_start_kb"], "start": at(0, t0 + min(10.0, span / 4)),
               "middle": at(0.5),
               "end": at(1.0), "max": max((kb for _, kb in during), default=None)},
}))
PY
  python3 - "$work/$name.json" <<'PY' >&2
import json, sys
s = json.load(open(sys.argv[1]))
r = {k: (v / 1024 if v else 0) for k, v in s["rss_kb"].items()}
print(f"  {s['requests']} requests, {s['rps']:.0f}/s; answers: {s['counts']}")
print(f"  socket errors: {s['socket_errors'] or 'none'}; other unexpected answers: {s['unexpected'] or 'none'}")
if s["every"]:
    print(f"  generates finished (200) {s['generate_done']}, not finished in 30 s (202) "
          f"{s['generate_unfinished_202']}, 429 {s['generate_429']}; token-bucket bound on accepted "
          f"{s['generate_bound']}; new images recorded {s['assets_made']}")
print(f"  errors other than 429: {s['errors_not_429']}; sent {s['sent']}, still unanswered when wrk "
      f"stopped {s['unanswered_at_end']}")
v = s["server"]
print(f"  server CPU {s['server_cores']:.2f} cores, whole machine busy {s['machine_busy_cores']:.2f} cores")
print(f"  RSS MiB: idle {r['idle']:.1f}, 10 s in {r['start']:.1f}, middle {r['middle']:.1f}, "
      f"end {r['end']:.1f}, max {r['max']:.1f}; /readyz after: {s['healthy_after']}; "
      f"ERROR log lines {v['error_lines']} ({v['database_locked_lines']} 'database is locked'); "
      f"exit status at SIGTERM {v['exit_code']}; jobs left queued/running {v['unfinished_jobs']}")
PY
}

log "3. soak: ${SOAK} s, $SOAK_CONNS connections, 1 in $SOAK_EVERY requests a generate over $SOAK_TOKENS tokens at the default 10/min each"
run_soak soak "$SOAK_EVERY"
if [ "$SOAK_ASSETS" = 1 ]; then
  log "3b. soak, assets only: ${SOAK} s, $SOAK_CONNS connections, no generate requests"
  run_soak soak-assets 0
fi

# --- summary --------------------------------------------------------------------------------
log "summary"
python3 - "$work" "$SOAK" "$SOAK_CONNS" "$GEN_CLIENTS" "$workers" "$SOAK_EVERY" <<'PY'
import json, os, sys
work, soak, sconns, gclients, workers, every = sys.argv[1:7]
def j(n):
    p = f"{work}/{n}.json"
    return json.load(open(p)) if os.path.exists(p) else None
rows = []
def row(fig, value, target=""):
    rows.append((fig, value, target))
def verdict(ok):
    return "met" if ok else "MISSED"
def per_cpu(f):
    return f["rps"] / (f["server_cpu_s"] / f["duration_s"])
for mode, what in (("logs", "as shipped, request logs on"), ("nologs", "request logs off")):
    lk, ng = j(f"likeness-{mode}"), j(f"nginx-{mode}")
    ratio = lk["rps"] / ng["rps"]
    for who, f in (("likeness", lk), ("nginx", ng)):
        row(f"/assets {who} ({what})",
            f"{f['rps']:,.0f} req/s, p99 {f['latency_ms'].get('p99', 0):.1f} ms, "
            f"CPU {f['server_cpu_s'] / f['duration_s']:.2f} (wrk {f['wrk_cpu_s'] / f['duration_s']:.2f}, "
            f"others {f['others_cpu_s'] / f['duration_s']:.2f})")
    row("  ratio likeness / nginx", f"{ratio:.3f}x", f">= 0.8x: {verdict(ratio >= 0.8)}")
    row("  ratio per server CPU-second", f"{per_cpu(lk) / per_cpu(ng):.3f}x")
for clients in dict.fromkeys((gclients, workers)):
    g, srv = j(f"gen-{clients}"), j(f"gen-{clients}-server")
    head = f"generate wait=true, {clients} clients"
    if g is None:
        row(head, "no figures (load client failed)")
        continue
    bad = {k: v for k, v in g["all_statuses"].items() if k != "200"}
    if g.get("latency_ms"):
        L, S = g["latency_ms"], g["split_median_ms"]
        row(f"{head}: latency p50 / p95 / p99",
            f"{L['p50']:.0f} / {L['p95']:.0f} / {L['p99']:.0f} ms, {g['throughput_rps']:.0f} images/s")
        ov = g["overhead_p99_minus_median_re_ms"]
        row(f"  p99 - median render+encode ({g['render_encode_ms']['median']:.1f} ms)",
            f"{ov:.0f} ms", "(includes waiting for busy workers)")
        sv = g["service_overhead_ms"]["p99"]
        row("  p99 of latency - own render+encode - wait for a free worker",
            f"{sv:.1f} ms", f"< 50 ms: {verdict(sv < 50)}")
        row("  median: accept>queued / queue / worker / recorded>answer",
            f"{S['accept_to_queued']:.1f} / {S['queue_wait']:.1f} / {S['worker_total']:.1f} / {S['recorded_to_answer']:.1f} ms")
    else:
        row(f"{head}: latency", "none: no request finished in the window", "< 50 ms: MISSED")
    row("  answers other than 200 (incl. warm-up)",
        ", ".join(f"{v} x {k}" for k, v in bad.items()) or "none",
        "" if not bad else "FAILED")
    row("  client timeouts / slowest answer / server exit status",
        f"{g['client_errors']} / {g['slowest_ms']:,.0f} ms / {srv['exit_code']}")
    row(f"  server RSS before / after {g['all_requests']:,} generations",
        f"{srv['rss_start_kb'] / 1024:.1f} / {srv['rss_end_kb'] / 1024:.1f} MiB")
for name, what in (("soak", f"mixed, 1 in {every} a generate"), ("soak-assets", "assets only")):
    s = j(name)
    if s is None:
        continue
    r = {k: (v or 0) / 1024 for k, v in s["rss_kb"].items()}
    row(f"soak {soak} s, {sconns} conns, {what}: requests", f"{s['requests']:,} ({s['rps']:,.0f}/s)")
    if s["every"]:
        row("  generate 200 / 202 unfinished / 429",
            f"{s['generate_done']} / {s['generate_unfinished_202']} / {s['generate_429']:,}")
    row("  errors other than 429", f"{s['errors_not_429']:,}", f"0: {verdict(s['errors_not_429'] == 0)}")
    u = s["unanswered_at_end"]
    # A healthy server has about conns/every generates in flight at any moment (each as quick as
    # a 429 or one render); many more still waiting at the cut means they stalled.
    limit = 2 * int(sconns) // int(every) if s["every"] else int(sconns)
    row("  unanswered when wrk stopped: assets / generates", f"{u.get('asset', 0)} / {u.get('api', 0)}",
        f"generates <= {limit}: {verdict(u.get('api', 0) <= limit)}" if s["every"] else "")
    row("  RSS idle / 10 s / middle / end / max",
        f"{r['idle']:.1f} / {r['start']:.1f} / {r['middle']:.1f} / {r['end']:.1f} / {r['max']:.1f} MiB")
w1 = max(len(a) for a, _, _ in rows)
w2 = max(len(b) for _, b, _ in rows)
print(f"{'figure':<{w1}}  {'value':<{w2}}  target")
print(f"{'-' * w1}  {'-' * w2}  ------")
for a, b, c in rows:
    print(f"{a:<{w1}}  {b:<{w2}}  {c}")
PY
