#!/usr/bin/env bash
# Benchmark (not a test): one provider quota shared by several `likeness worker` processes on
# one PostgreSQL database (the pacing slots live in the database: provider/limiter.rs
# `SharedSlots`, db/shared.rs `take_slot`).
#
#   bench/quota_scale.sh                      # 500 subjects, 4 workers, 1,200 requests/minute
#   PROCS=2 COUNT=200 RPM=600 bench/quota_scale.sh
#   OVERSHOOT=0 bench/quota_scale.sh          # skip the run told twice the real quota
#
# The provider is the fake OpenAI images API of bench/quota.sh (`likeness-fake`): a token
# bucket of RPM requests a minute (burst 2) answering its real 429 with `retry-after-ms:
# RETRY_MS` beyond it, LATENCY_MS per answer. COUNT subjects are imported into a fresh database
# of a throw-away PostgreSQL (scripts/test-services; fsync off), the jobs are planned with
# `likeness generate --enqueue-only` (style chain `openai:gpt-image-1`, `requests_per_minute
# = RPM`, `concurrency = 8` per process), then PROCS `likeness worker --drain` processes are
# started together and timed until the last one exits. A second run configures twice the real
# quota, so the adaptive pace of each process has to find it from the 429s. Each run gets a
# fresh fake and a fresh database.
#
# Printed: quota used (ideal COUNT/RPM over the time taken: over the wall time from starting
# the workers to the last exit, and over the active span from the first claim to the last
# recorded result, on the database's clock), requests, 429 share, lost jobs (not succeeded).
# Targets: >= 95 % of the quota used together, <= 2 % 429s, 0 lost.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-500}"
RPM="${RPM:-1200}"
PROCS="${PROCS:-4}"
LATENCY_MS="${LATENCY_MS:-20}"
RETRY_MS="${RETRY_MS:-1000}"
OVERSHOOT="${OVERSHOOT:-1}"
work="$(mktemp -d)"
services="$(mktemp -d)" # its own: the postgres user must reach it, and $work is 0700
fake_pid=""
pids=()
cleanup() {
  local p
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/test-services stop "$services" 2>/dev/null || true
  rm -rf "$services"
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
log() { echo "$@" >&2; }

log "== building likeness and likeness-fake (release)"
cargo build --release --locked -p likeness -p likeness-fakes --bins >&2
bin="${CARGO_TARGET_DIR:-$PWD/target}/release"

log "== starting a throw-away PostgreSQL"
exports="$(scripts/test-services start "$services")"
eval "$exports"
pg_base="${LIKENESS_TEST_POSTGRES_URL%/*}"

start_fake() { # NAME: a fresh fake; sets fake_pid and fake_url
  "$bin/likeness-fake" openai --listen 127.0.0.1:0 --rpm "$RPM" --burst 2 \
    --retry-after-ms "$RETRY_MS" --latency-ms "$LATENCY_MS" >"$work/$1.fake" &
  fake_pid=$!
  for _ in $(seq 100); do
    fake_url="$(sed -n 's/^listening on //p' "$work/$1.fake")"
    [ -n "$fake_url" ] && return 0
    sleep 0.05
  done
  log "the fake did not start"
  exit 1
}
stop_fake() { # its counts become the last line of $work/NAME.fake
  kill -TERM "$fake_pid"
  wait "$fake_pid" || true
  fake_pid=""
}

python3 bench/subjects.py "$COUNT" >"$work/subjects.jsonl"

# run NAME CONFIGURED_RPM: one batch over PROCS workers; figures in $work/NAME.*
run() {
  local name="$1" rpm="$2" data="$work/$1" url i t0 t1 wp=()
  url="$pg_base/quota_$name"
  psql -q "$LIKENESS_TEST_POSTGRES_URL" -c "CREATE DATABASE quota_$name" >&2
  mkdir -p "$data/styles"
  cat >"$data/styles/bench-cloud.toml" <<'TOML'
name = "bench-cloud"
version = 1
title = "Quota benchmark"
description = "A portrait from a cloud provider (the fake)."
kind = "portrait"
aspect_ratio = "1:1"
default_size = "1K"
providers = ["openai:gpt-image-1"]
prompt = "A portrait of {{ person }}."
TOML
  start_fake "$name"
  cat >"$data/likeness.toml" <<TOML
[providers.openai]
base_url = "$fake_url/v1"
requests_per_minute = $rpm
concurrency = 8
TOML
  local lk=("$bin/likeness" --data-dir "$data" --database-url "$url")
  "${lk[@]}" import "$work/subjects.jsonl" >&2
  OPENAI_API_KEY=sk-bench "${lk[@]}" generate --style bench-cloud --enqueue-only >&2
  log "   $PROCS workers, configured $rpm/min against the fake's $RPM/min"
  t0=$(date +%s.%N)
  for ((i = 1; i <= PROCS; i++)); do
    OPENAI_API_KEY=sk-bench "${lk[@]}" worker --drain 2>"$work/$name.worker.$i.log" &
    wp+=($!)
  done
  pids+=("${wp[@]}")
  for i in "${wp[@]}"; do wait "$i" || log "   a worker exited with $?"; done
  t1=$(date +%s.%N)
  stop_fake "$name"
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$t1" >"$work/$name.secs"
  psql -qAt "$url" -c "SELECT json_build_object(
      'succeeded', COUNT(*) FILTER (WHERE status = 'succeeded'),
      'not_succeeded', COUNT(*) FILTER (WHERE status <> 'succeeded'),
      'span_ms', (SELECT EXTRACT(EPOCH FROM MAX(created_at) - MIN(created_at - total_ms * interval '1 ms')) * 1000
                  FROM assets),
      'attempts', (SELECT COUNT(*) FROM assets),
      'per_5s', (SELECT json_agg(n ORDER BY w) FROM (
                   SELECT FLOOR(EXTRACT(EPOCH FROM a.created_at - f.t) / 5) AS w, COUNT(*) AS n
                   FROM assets a, (SELECT MIN(created_at - total_ms * interval '1 ms') AS t
                                   FROM assets) f
                   GROUP BY 1) per_window))
    FROM jobs" >"$work/$name.db.json"
}

run shared "$RPM"
if [ "$OVERSHOOT" = 1 ]; then
  run overshoot "$((RPM * 2))"
fi

python3 - "$work" "$COUNT" "$RPM" "$PROCS" <<'PY'
import json, os, sys
work, count, rpm, procs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ideal = count / rpm * 60
print(f"{count} subjects, quota {rpm:.0f}/min shared by {procs} worker processes: ideal {ideal:.1f} s")
print(f"{'run':<22} {'wall s':>7} {'used (wall)':>12} {'active s':>9} {'used (active)':>14} "
      f"{'requests':>9} {'429s':>5} {'429 share':>10} {'lost':>5}")
verdict = None
rows = []
for name, what in (("shared", f"told {rpm:.0f}/min"), ("overshoot", f"told {2 * rpm:.0f}/min")):
    if not os.path.exists(f"{work}/{name}.secs"):
        continue
    wall = float(open(f"{work}/{name}.secs").read())
    fake = json.loads(open(f"{work}/{name}.fake").read().strip().splitlines()[-1])
    db = json.load(open(f"{work}/{name}.db.json"))
    active = (db["span_ms"] or 0) / 1000
    req, limited = fake["ok"] + fake["rate_limited"], fake["rate_limited"]
    share = limited / max(req, 1)
    lost = count - db["succeeded"]
    print(f"{what:<22} {wall:>7.1f} {ideal / wall * 100:>11.1f}% {active:>9.1f} "
          f"{ideal / active * 100 if active else 0:>13.1f}% {req:>9} {limited:>5} "
          f"{share * 100:>9.2f}% {lost:>5}")
    rows.append((what, db["per_5s"]))
    if name == "shared":
        verdict = (ideal / wall >= 0.95, ideal / active >= 0.95 if active else False,
                   share <= 0.02, lost == 0)
for what, per in rows:
    print(f"  {what}: images recorded per 5 s from the first claim: {per}")
if verdict:
    w, a, s, l = verdict
    print("targets: >= 95 % of the quota: " + ("met" if w else "MISSED") + " over the wall time, "
          + ("met" if a else "MISSED") + " over the active span; <= 2 % 429s: "
          + ("met" if s else "MISSED") + "; 0 lost: " + ("met" if l else "MISSED"))
PY
