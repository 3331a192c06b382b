#!/usr/bin/env bash
# Benchmark (not a test): the job queue's own overhead, with no-op jobs, on SQLite and on
# PostgreSQL with several worker processes; then enqueue→start latency on PostgreSQL with idle
# `likeness worker` processes.
#
#   bench/queue.sh                                  # the real run (~5 min here)
#   SQLITE_JOBS=2000 PG_JOBS=4000 LAT_COUNT=50 bench/queue.sh     # a quick run
#   PROCS="1 2 4" PG_CONCURRENCY=4 SQLITE_CONCURRENCY=1 bench/queue.sh   # 4 tasks per process
#   WORKER_CALLS=1 bench/queue.sh                   # also the worker's other per-job calls
#   SQLITE=0 LATENCY=0 PROCS=4 PG_CONCURRENCY=8 bench/queue.sh   # one PostgreSQL figure only
#   SQLITE=0 PROCS= LAT_WORKERS=1 bench/queue.sh    # latency only, one idle worker process
#
# Throughput (crates/likeness/examples/queue_bench.rs): `queue_bench enqueue` plans one run of N
# jobs with `Db::create_run`; then P `queue_bench work` processes, started together, each with
# C tasks, claim (`Db::claim`) and complete (`Db::record_attempt`, a stored no-op asset) until
# the queue is empty; by default the PG_IN_FLIGHT (8) tasks are split over the processes (1 x 8,
# 2 x 4, 4 x 2: the best split on 2 cores, see BENCHMARKS.md), PG_CONCURRENCY sets tasks per
# process instead. jobs/s = all jobs / (last completion - first claim, over every process);
# claim→complete latency p50/p99 over every job of every process. WORKER_CALLS=1 adds the
# other database calls `pipeline::worker` makes per job (subject read, two job events, the
# run-finished count). SQLite: one process, SQLITE_JOBS jobs. PostgreSQL: 1, 2 and 4 processes
# (PROCS), PG_JOBS jobs, a fresh database each. Every job must end `succeeded`.
#
# Latency: LAT_WORKERS idle `likeness worker` processes (the real binary, built-in `initials`)
# on a fresh PostgreSQL database; `queue_bench latency` commits LAT_COUNT one-job runs one at a
# time and times commit → the job's `running` event (published by the worker right after its
# claim, heard through LISTEN/NOTIFY), waits for the job to finish and an idle gap, repeats.
#
# PostgreSQL is the throw-away cluster of scripts/test-services (fsync and synchronous_commit
# off; needs target/test-venv or LIKENESS_TEST_VENV for its S3 half), on this machine.
# Targets: >= 500 jobs/s on SQLite, >= 2,000 jobs/s on PostgreSQL with 4 workers,
# enqueue→start p99 < 100 ms on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
SQLITE_JOBS="${SQLITE_JOBS:-10000}"
PG_JOBS="${PG_JOBS:-20000}"
PROCS="${PROCS-1 2 4}"
SQLITE_CONCURRENCY="${SQLITE_CONCURRENCY:-1}"
PG_IN_FLIGHT="${PG_IN_FLIGHT:-8}"
PG_CONCURRENCY="${PG_CONCURRENCY:-}"
WORKER_CALLS="${WORKER_CALLS:-0}"
LAT_COUNT="${LAT_COUNT:-300}"
LAT_WORKERS="${LAT_WORKERS:-4}"
LAT_GAP_MS="${LAT_GAP_MS:-20:300}"
SQLITE="${SQLITE:-1}"
LATENCY="${LATENCY:-1}"
work="$(mktemp -d)"
services="$(mktemp -d)" # its own: the postgres user must reach it, and $work is 0700
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/test-services stop "$services" 2>/dev/null || true
  rm -rf "$services"
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
log() { echo "$@" >&2; }

log "== building likeness and the queue_bench example (release)"
cargo build --release --locked -p likeness --bin likeness --example queue_bench >&2
bin="${CARGO_TARGET_DIR:-$PWD/target}/release"
qb="$bin/examples/queue_bench"
calls=()
[ "$WORKER_CALLS" = 1 ] && calls=(--worker-calls)

log "== starting a throw-away PostgreSQL"
exports="$(scripts/test-services start "$services")"
eval "$exports"
pg_base="${LIKENESS_TEST_POSTGRES_URL%/*}"
new_pg_db() { # NAME: a fresh database; prints its URL
  psql -q "$LIKENESS_TEST_POSTGRES_URL" -c "CREATE DATABASE $1" >&2
  echo "$pg_base/$1"
}

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
pg_ticks() { # CPU ticks of the PostgreSQL cluster: the postmaster, its reaped and its live children
  local pm
  pm="$(head -1 "$services/pg/data/postmaster.pid")"
  { cat "/proc/$pm/stat"; cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$pm" '$4 == pm'; } |
    awk -v pm="$pm" '{ t += $14 + $15; if ($1 == pm) t += $16 + $17 } END { print t }'
}

# run_work NAME URL PROCESSES CONCURRENCY: the processes together, figures in $work/NAME.*.json,
# the machine's and PostgreSQL's CPU ticks over the run in $work/NAME.ticks
run_work() {
  local name="$1" url="$2" n="$3" c="$4" i wp=() b0 p0 t0
  b0="$(busy_ticks)"
  p0="$(pg_ticks)"
  t0="$(date +%s.%N)"
  for ((i = 1; i <= n; i++)); do
    "$qb" work --url "$url" --concurrency "$c" --label "$name" --out "$work/$name.$i.lat" \
      "${calls[@]}" >"$work/$name.$i.json" &
    wp+=($!)
  done
  pids+=("${wp[@]}")
  for i in "${wp[@]}"; do wait "$i"; done
  echo "$(($(busy_ticks) - b0)) $(($(pg_ticks) - p0)) $(date +%s.%N) $t0 $(getconf CLK_TCK)" >"$work/$name.ticks"
}

sqlite_statuses() { # FILE
  python3 -c 'import json, sqlite3, sys; print(json.dumps(dict(sqlite3.connect(sys.argv[1]).execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())))' "$1"
}
pg_statuses() { # URL
  psql -qAt "$1" -c "SELECT COALESCE(json_object_agg(status, n), '{}') FROM (SELECT status, COUNT(*) AS n FROM jobs GROUP BY status) s"
}

if [ "$SQLITE" = 1 ]; then
  log "== SQLite: $SQLITE_JOBS jobs, 1 process x $SQLITE_CONCURRENCY tasks"
  db="$work/sqlite/likeness.db"
  mkdir -p "$work/sqlite"
  "$qb" enqueue --url "sqlite://$db" --jobs "$SQLITE_JOBS" >"$work/sqlite.enqueue.json"
  run_work sqlite "sqlite://$db" 1 "$SQLITE_CONCURRENCY"
  sqlite_statuses "$db" >"$work/sqlite.statuses.json"
fi

for n in $PROCS; do
  c="${PG_CONCURRENCY:-$((PG_IN_FLIGHT / n > 0 ? PG_IN_FLIGHT / n : 1))}"
  log "== PostgreSQL: $PG_JOBS jobs, $n process(es) x $c tasks"
  url="$(new_pg_db "queue_p$n")"
  "$qb" enqueue --url "$url" --jobs "$PG_JOBS" >"$work/pg$n.enqueue.json"
  run_work "pg$n" "$url" "$n" "$c"
  pg_statuses "$url" >"$work/pg$n.statuses.json"
done

worker_concurrency=""
if [ "$LATENCY" = 1 ]; then
  log "== enqueue→start: $LAT_WORKERS idle likeness workers, $LAT_COUNT one-job runs of initials"
  url="$(new_pg_db queue_latency)"
  data="$work/latency-data"
  mkdir -p "$data"
  "$qb" enqueue --url "$url" --jobs 1 --style initials >/dev/null # migrates; one job to warm up
  wp=()
  for ((i = 1; i <= LAT_WORKERS; i++)); do
    "$bin/likeness" --data-dir "$data" --database-url "$url" worker 2>"$work/worker.$i.log" &
    wp+=($!)
  done
  pids+=("${wp[@]}")
  for ((i = 1; i <= LAT_WORKERS; i++)); do
    for _ in $(seq 200); do grep -q "worker started" "$work/worker.$i.log" && break; sleep 0.05; done
  done
  sleep 1
  "$qb" latency --url "$url" --count "$LAT_COUNT" --gap-ms "$LAT_GAP_MS" >"$work/latency.json"
  for p in "${wp[@]}"; do kill -TERM "$p"; done
  for p in "${wp[@]}"; do wait "$p" || true; done
  pg_statuses "$url" >"$work/latency.statuses.json"
  worker_concurrency="$(sed -n 's/^worker started (\([0-9]*\) at once.*/\1/p' "$work/worker.1.log")"
fi

python3 - "$work" "$PROCS" "$SQLITE_JOBS" "$PG_JOBS" "$LAT_WORKERS" "$worker_concurrency" <<'PY'
import glob, json, os, sys
work, procs, sqlite_jobs, pg_jobs, lat_workers, wc = sys.argv[1:7]
def pct(xs, p):
    if not xs:
        return 0
    k = max(1, min(len(xs), -(-len(xs) * p // 100)))
    return xs[int(k) - 1]
def cpu(name, procs):
    # Cores used over the processes' wall time: the machine, PostgreSQL, the workers, the rest.
    busy, pg, t1, t0, hz = open(f"{work}/{name}.ticks").read().split()
    wall = float(t1) - float(t0)
    machine, pg = int(busy) / int(hz) / wall, int(pg) / int(hz) / wall
    workers = sum(p["cpu_seconds"] for p in procs) / wall
    return {"machine": machine, "postgres": pg, "workers": workers,
            "others": max(0.0, machine - pg - workers)}
def merged(name, expected):
    procs = [json.loads(open(f).read()) for f in sorted(glob.glob(f"{work}/{name}.*.json"))
             if not f.endswith((".enqueue.json", ".statuses.json"))]
    lats = sorted(int(l) for f in glob.glob(f"{work}/{name}.*.lat") for l in open(f) if l.strip())
    jobs = sum(p["jobs"] for p in procs)
    first = min(p["first_claim_us"] for p in procs if p["first_claim_us"])
    last = max(p["last_done_us"] for p in procs if p["last_done_us"])
    secs = (last - first) / 1e6
    statuses = json.load(open(f"{work}/{name}.statuses.json"))
    lost = int(expected) - statuses.get("succeeded", 0)
    return {
        "procs": len(procs), "tasks": procs[0]["concurrency"], "jobs": jobs, "seconds": secs,
        "rate": jobs / secs, "p50": pct(lats, 50) / 1000, "p99": pct(lats, 99) / 1000,
        "per_proc": [round(p["jobs_per_second"]) for p in procs], "lost": lost,
        "lease_lost": sum(p["lease_lost"] for p in procs), "statuses": statuses,
        "claim_p50": [p["claim_p50_us"] for p in procs],
        "cpu": cpu(name, procs),
    }
rows = []
if os.path.exists(f"{work}/sqlite.statuses.json"):
    rows.append(("SQLite", merged("sqlite", sqlite_jobs), 500))
for n in procs.split():
    rows.append(("PostgreSQL", merged(f"pg{n}", pg_jobs), 2000 if n == "4" else None))
print(f"{'database':<11} {'processes x tasks':>17} {'jobs':>7} {'seconds':>8} {'jobs/s':>8} "
      f"{'p50 ms':>7} {'p99 ms':>7} {'not succeeded':>13}  target")
for db, r, target in rows:
    t = "" if target is None else f">= {target}: {'met' if r['rate'] >= target else 'MISSED'}"
    print(f"{db:<11} {str(r['procs']) + ' x ' + str(r['tasks']):>17} {r['jobs']:>7} "
          f"{r['seconds']:>8.2f} {r['rate']:>8.0f} {r['p50']:>7.2f} {r['p99']:>7.2f} "
          f"{r['lost']:>13}  {t}")
for db, r, _ in rows:
    print(f"  {db} {r['procs']} x {r['tasks']}: per process jobs/s {r['per_proc']}, "
          f"claim p50 µs {r['claim_p50']}, lease lost {r['lease_lost']}, statuses {r['statuses']}")
    c = r["cpu"]
    print(f"    cores busy: machine {c['machine']:.2f}, PostgreSQL {c['postgres']:.2f}, "
          f"queue_bench {c['workers']:.2f}, other processes {c['others']:.2f}")
if not os.path.exists(f"{work}/latency.json"):
    sys.exit(0)
lat = json.load(open(f"{work}/latency.json"))
e, d, n = lat["enqueue_to_running_event_us"], lat["enqueue_to_claim_db_ms"], lat["notify_trip_us"]
print(f"\nenqueue→start, {lat_workers} idle `likeness worker` processes x {wc} tasks, "
      f"{lat['count']} enqueues (gaps {lat['gap_ms'][0]}-{lat['gap_ms'][1]} ms), {lat['missed']} missed:")
print(f"  commit → 'running' event heard: p50 {e['p50'] / 1000:.2f} ms, p90 {e['p90'] / 1000:.2f}, "
      f"p99 {e['p99'] / 1000:.2f}, max {e['max'] / 1000:.2f}  "
      f"target p99 < 100 ms: {'met' if e['p99'] < 100_000 and lat['missed'] == 0 else 'MISSED'}")
print(f"  commit → claim (database clock, ms resolution): p50 {d['p50']} ms, p90 {d['p90']}, "
      f"p99 {d['p99']}, max {d['max']} (n = {d['n']})")
print(f"  one NOTIFY trip (this process to itself): p50 {n['p50'] / 1000:.2f} ms, p99 {n['p99'] / 1000:.2f}")
print(f"  jobs after the run: {json.load(open(f'{work}/latency.statuses.json'))}")
PY
