#!/usr/bin/env bash
# Benchmark (not a test): how well likeness uses a provider's rate limit, against the seeds'
# naive loop, in one run.
#
#   bench/quota.sh                    # 500 subjects at 1,200 requests/minute (ideal: 25 s each)
#   COUNT=200 RPM=600 bench/quota.sh
#   NAIVE=0 bench/quota.sh            # likeness only (the naive loop takes about 4 minutes)
#
# The provider is the in-repo fake OpenAI images API (`likeness-fake`, crates/likeness-fakes):
# a token bucket of RPM requests per minute (burst 2) that answers its real 429 shape with
# `retry-after-ms: RETRY_MS` beyond it, after LATENCY_MS per request. Time is scaled: a real
# 60/min quota with 8 s generations behaves like this one a hundred times faster.
#
# likeness runs `generate` over COUNT subjects with the style's chain pointing at the fake and
# `requests_per_minute = RPM` in its config (a user sets their tier's limit); the naive loop
# (bench/quota_naive.py) goes one subject after another, waits a fixed BACKOFF_S after a 429,
# retries three times, then loses the subject. A third run tells likeness twice the real quota,
# to show the adaptive pace finding it. Each run gets a fresh fake. Printed: completion
# time against the ideal COUNT/RPM, the share of the quota used, the share of requests answered
# 429, and subjects lost. Targets: >= 95 % of the quota, <= 2 % 429s, 0 lost.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-500}"
RPM="${RPM:-1200}"
LATENCY_MS="${LATENCY_MS:-20}"
RETRY_MS="${RETRY_MS:-1000}"
BACKOFF_S="${BACKOFF_S:-1}"
work="$(mktemp -d)"
fake_pid=""
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
log() { echo "$@" >&2; }

log "== building likeness and likeness-fake (release)"
cargo build --release --locked -p likeness -p likeness-fakes >&2
bin="${CARGO_TARGET_DIR:-$PWD/target}/release"

start_fake() { # start_fake NAME: a fresh fake; sets fake_pid and fake_url
  "$bin/likeness-fake" openai --listen 127.0.0.1:0 --rpm "$RPM" --burst 2 \
    --retry-after-ms "$RETRY_MS" --latency-ms "$LATENCY_MS" > "$work/$1.out" &
  fake_pid=$!
  for _ in $(seq 100); do
    fake_url="$(sed -n 's/^listening on //p' "$work/$1.out")"
    [ -n "$fake_url" ] && return 0
    sleep 0.05
  done
  log "the fake did not start"; exit 1
}
stop_fake() { # stop_fake NAME: its counts become the last line of $work/NAME.out
  # In this shell, not a subshell: only the parent can wait for the fake to print them.
  kill -TERM "$fake_pid"; wait "$fake_pid" || true; fake_pid=""
}

log "== likeness: $COUNT subjects, quota $RPM/min"
data="$work/data"
mkdir -p "$data/styles"
python3 bench/subjects.py "$COUNT" > "$work/subjects.jsonl"
"$bin/likeness" --data-dir "$data" import "$work/subjects.jsonl" >&2
cat > "$data/styles/bench-cloud.toml" <<'TOML'
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
run_likeness() { # run_likeness NAME CONFIGURED_RPM [generate flags]: times one batch on a fresh fake
  local name="$1" rpm="$2"; shift 2
  start_fake "$name"
  cat > "$data/likeness.toml" <<TOML
[providers.openai]
base_url = "$fake_url/v1"
requests_per_minute = $rpm
concurrency = 8
TOML
  local t0 t1
  t0=$(date +%s.%N)
  OPENAI_API_KEY=sk-bench "$bin/likeness" --data-dir "$data" generate --style bench-cloud --json "$@" \
    > "$work/$name.json" || true
  t1=$(date +%s.%N)
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$t1" > "$work/$name.secs"
  stop_fake "$name"
}
run_likeness likeness "$RPM"
log "== likeness told twice the real quota ($((RPM * 2))/min): the adaptive pace must find it"
run_likeness overshoot "$((RPM * 2))" --force

if [ "${NAIVE:-1}" = 0 ]; then
  naive='{"seconds": 0, "requests": 0, "rate_limited": 0, "lost": 0}'
else
  log "== naive loop: $COUNT subjects, fixed ${BACKOFF_S} s backoff, 3 retries"
  start_fake naive
  naive="$(python3 bench/quota_naive.py "$fake_url" "$COUNT" "$BACKOFF_S")"
  stop_fake naive
fi

python3 - "$COUNT" "$RPM" "$work" "$naive" <<'PY'
import json, sys
count, rpm, work = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
naive = json.loads(sys.argv[4])
ideal = count / rpm * 60
def likeness(name):
    report = json.load(open(f"{work}/{name}.json"))
    fake = json.loads(open(f"{work}/{name}.out").read().strip().splitlines()[-1])
    secs = float(open(f"{work}/{name}.secs").read())
    return secs, fake["ok"] + fake["rate_limited"], fake["rate_limited"], count - report["succeeded"]
rows = [
    ("likeness", *likeness("likeness")),
    ("likeness 2x", *likeness("overshoot")),
    ("naive loop", naive["seconds"], naive["requests"], naive["rate_limited"], naive["lost"]),
]
print(f"{count} subjects, quota {rpm:.0f}/min: ideal {ideal:.1f} s")
print(f"{'client':<12} {'seconds':>8} {'quota used':>11} {'requests':>9} {'429s':>6} {'429 share':>10} {'lost':>5}")
for name, s, req, limited, lost in rows:
    used = ideal / s * 100 if s > 0 else 0
    print(f"{name:<12} {s:>8.1f} {used:>10.1f}% {req:>9} {limited:>6} {limited / max(req, 1) * 100:>9.2f}% {lost:>5}")
name, s, req, limited, lost = rows[0]
ok = ideal / s >= 0.95 and limited / max(req, 1) <= 0.02 and lost == 0
print("targets (>= 95 % quota, <= 2 % 429s, 0 lost):", "met" if ok else "MISSED")
PY
