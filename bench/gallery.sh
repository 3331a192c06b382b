#!/usr/bin/env bash
# Benchmark (not a test): the admin web UI's gallery page, `GET /ui/`, at 100,000 subjects, with
# the JSON API's text search as the peer, on one server over one SQLite data directory.
#
#   bench/gallery.sh                       # the real run: 100,000 subjects, 30 requests per case
#   SUBJECTS=20000 N=10 bench/gallery.sh   # a quick run
#
# The gallery pages by keyset (`?after=<last id>`) and filters in SQL (`q`: text in the id or the
# name; `status`: done, none, running, failed), so a page reads at most 49 subject rows past the
# cursor and never counts the table. The peer, `GET /api/subjects?q=...&limit=48` (bearer token),
# reads subjects 500 at a time from the start and filters by text in Rust until it has `limit`
# matches or runs out: the naive loop. Both answer from the same server and data in the same run.
#
# What it does: writes SUBJECTS subjects as JSONL (ids s000001..., names from 40 x 40 given and
# family names, one subject near the end of the id order named "Zebulon Quartermaine", the only
# "quartermaine"), times `likeness import --cohort bench` of them, renders GEN `initials`
# portraits (`generate --limit`, the first ids, so the first page has images; the other tiles
# show the placeholder, as an unfinished installation would), then starts
# `likeness serve --workers 0` (LIKENESS_LOG=warn: no per-request log lines; the config has
# `default_style = "initials"` and one API token), signs in to the UI with the token (cookie
# jar) and times each case N times with curl (`-w %{time_total}`, a new connection each time,
# one untimed request first). Every response is checked: HTTP 200, the count of
# `<li class="tile">` the case must show, whether a "Next page" link is there, the one subject of
# the one-match searches (UI and API alike), and no subject for the text matching nothing.
# The cases:
#   1 ui-first      /ui/                                  48 tiles (with portraits), a next page
#   2 ui-deep       /ui/?after=<id half way>              48 tiles, a next page
#   3 ui-last       /ui/?after=<48th id from the end>     48 tiles, no next page
#   4 ui-one        /ui/?q=quartermaine                   1 tile: the whole table read in SQL
#   5 api-one       /api/subjects?q=quartermaine&limit=48 (peer) 1 subject: every subject paged
#   6 ui-nothing    /ui/?q=<text matching nothing>        0 tiles: the whole table read in SQL
#   7 api-nothing   /api/subjects?q=<same>&limit=48       (peer) 0 subjects
#   8 ui-no-portrait /ui/?status=none                     48 tiles, all "no portrait"
# SQLite only (the default database); PostgreSQL is not measured here.
#
# Environment (defaults in brackets): SUBJECTS [100000], N [30] timed requests per case, GEN [200]
# portraits rendered, KEEP [0]: 1 keeps the temp dir (data, server log, responses).
# Progress goes to stderr, the table to stdout: median and p95 (nearest rank) in ms, the size of
# the response body, the server's CPU time per request (utime + stime over the N requests, which
# other load on the machine disturbs less than latency), how busy the whole machine was meanwhile
# (in cores; curl and the server take about one), and the server's VmRSS before the
# first request and after the last.
# Builds the release binary (${CARGO_TARGET_DIR:-target}/release/likeness) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

SUBJECTS="${SUBJECTS:-100000}"
N="${N:-30}"
GEN="${GEN:-200}"
KEEP="${KEEP:-0}"
TOKEN="bench-token-0123456789abcdef"
MATCH="quartermaine"            # in exactly one subject's name
NOTHING="nobody-xq7-matches"    # in no id and no name

log() { printf '\n== %s\n' "$*" >&2; }

command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
[ "$SUBJECTS" -ge 200 ] || { echo "SUBJECTS must be at least 200" >&2; exit 1; }
[ "$GEN" -ge 48 ] || { echo "GEN must be at least 48 (the first page shows portraits)" >&2; exit 1; }

target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bin="$target/release/likeness"
if [ ! -x "$bin" ]; then
  log "building likeness (release): $bin is missing"
  cargo build --release --locked -p likeness >&2
fi

work="$(mktemp -d)"
data="$work/data"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; } # utime + stime
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
hz="$(getconf CLK_TCK)"
now() { date +%s.%N; }

echo "likeness gallery benchmark: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d), $(curl --version | head -1 | cut -d' ' -f1-2)" >&2
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
  echo "likeness at commit $(git rev-parse --short HEAD), $(git status --porcelain -- crates Cargo.toml Cargo.lock | wc -l) uncommitted changes under crates/ and Cargo.*; binary $bin" >&2
fi

# --- data ---------------------------------------------------------------------------------
log "data: $SUBJECTS subjects, $GEN initials portraits"
python3 - "$SUBJECTS" >"$work/subjects.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
GIVEN = ["Ada", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kira", "Lars", "Maya", "Nils", "Olga", "Pedro", "Rania", "Sami", "Tomas", "Uma",
         "Vera", "Wim", "Xenia", "Yara", "Aiko", "Bela", "Chen", "Dara", "Emil", "Fatima",
         "Goran", "Hanna", "Ivo", "Jana", "Kofi", "Lea", "Milan", "Noor", "Otto", "Priya"]
FAMILY = ["Abbott", "Berg", "Costa", "Duval", "Eklund", "Fischer", "Garcia", "Hansen", "Ivanova",
          "Jensen", "Keller", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn",
          "Rossi", "Schmidt", "Tanaka", "Ueda", "Vasquez", "Weber", "Young", "Zhou", "Almeida",
          "Brandt", "Castillo", "Dubois", "Engel", "Ferreira", "Gruber", "Horvat", "Iqbal",
          "Kovacs", "Lopez", "Meyer", "Novak", "Olsen", "Popescu"]
GENDERS = ["female", "male", "other", "unknown"]
one = n - 10  # the only "Quartermaine", near the end of the id order
for i in range(1, n + 1):
    if i == one:
        name = "Zebulon Quartermaine"
    else:
        name = f"{GIVEN[i % 40]} {FAMILY[(i // 40) % 40]}"
        if i % 7 == 0:
            name = f"{GIVEN[(i // 1600) % 40]}-{name}"  # some double given names
    age = 1 + (i * 37) % 95
    print(json.dumps({
        "id": f"s{i:06d}",
        "name": name,
        "gender": GENDERS[i % 4],
        "birth_date": f"{2026 - age}-{1 + i % 12:02d}-{1 + i % 28:02d}",
    }))
PY
one_id="$(printf 's%06d' "$((SUBJECTS - 10))")"
half_id="$(printf 's%06d' "$((SUBJECTS / 2))")"
last_after="$(printf 's%06d' "$((SUBJECTS - 48))")"
grep -ci "$MATCH" "$work/subjects.jsonl" | grep -qx 1 || { echo "the match text is not unique" >&2; exit 1; }
! grep -qi "$NOTHING" "$work/subjects.jsonl" || { echo "the nothing text matches" >&2; exit 1; }

mkdir -p "$data"
cat >"$data/likeness.toml" <<EOF
default_style = "initials"

[server]
api_tokens = ["$TOKEN"]
EOF

t0="$(now)"
"$bin" --data-dir "$data" --json import "$work/subjects.jsonl" --cohort bench >"$work/import.json"
t1="$(now)"
import_s="$(python3 -c "print(f'{$t1 - $t0:.1f}')")"
python3 - "$work/import.json" "$SUBJECTS" <<'PY' >&2
import json, sys
r = json.load(open(sys.argv[1]))
small = {k: v for k, v in r.items() if isinstance(v, (int, float, str))}
print(f"  import report: {small}")
PY
echo "  import of $SUBJECTS subjects: $import_s s" >&2

t0="$(now)"
"$bin" --data-dir "$data" --json generate --style initials --limit "$GEN" >"$work/generate.json"
t1="$(now)"
echo "  generate --style initials --limit $GEN: $(python3 -c "print(f'{$t1 - $t0:.1f}')") s" >&2
echo "  database: $(du -sm "$data/likeness.db" | cut -f1) MiB" >&2

# --- server -------------------------------------------------------------------------------
log "serve --workers 0 (LIKENESS_LOG=warn)"
port="$(free_port)"
url="http://127.0.0.1:$port"
LIKENESS_LOG=warn "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" --workers 0 \
  2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 300); do
  curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "the server stopped:" >&2; tail -5 "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$url/healthz"
rss_start="$(rss_kb "$server_pid")"

jar="$work/jar"
code="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -d "token=$TOKEN" "$url/ui/login")"
[ "$code" = 303 ] || { echo "sign-in answered $code, not 303" >&2; exit 1; }
grep -q likeness_session "$jar" || { echo "sign-in set no likeness_session cookie" >&2; exit 1; }
echo "  signed in (303, likeness_session cookie)" >&2

# check CASE FILE: exits non-zero with a reason when the response is not what the case must be
check() {
  python3 - "$1" "$2" "$one_id" "$GEN" <<'PY'
import json, re, sys
case, path, one_id, gen = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
body = open(path, encoding="utf-8").read()
def fail(why):
    print(f"{case}: {why}", file=sys.stderr)
    sys.exit(1)
if case.startswith("api-"):
    doc = json.loads(body)
    ids = [s["id"] for s in doc["subjects"]]
    want = [one_id] if case == "api-one" else []
    if ids != want:
        fail(f"subjects {ids[:5]}, expected {want}")
    if doc.get("next_after") is not None:
        fail(f"next_after {doc['next_after']!r}, expected null")
    sys.exit(0)
tiles = body.count('<li class="tile">')
placeholders = body.count('<span class="badge none">no portrait</span>')
has_next = 'rel="next"' in body
want = {"ui-first": (48, True), "ui-deep": (48, True), "ui-last": (48, False),
        "ui-one": (1, False), "ui-nothing": (0, False), "ui-no-portrait": (48, True)}[case]
if (tiles, has_next) != want:
    fail(f"{tiles} tiles, next page {has_next}; expected {want[0]} tiles, next page {want[1]}")
if case == "ui-one" and f">{one_id}<" not in body:
    fail(f"the one tile is not {one_id}")
if case == "ui-first" and placeholders:
    fail(f"{placeholders} tiles without a portrait on the first page")
if case == "ui-no-portrait":
    if placeholders != 48:
        fail(f"{placeholders} of 48 tiles marked 'no portrait'")
    first = re.search(r'<span class="id muted">([^<]+)</span>', body).group(1)
    if first != f"s{gen + 1:06d}":
        fail(f"first tile {first}, expected s{gen + 1:06d} (the first {gen} ids have portraits)")
PY
}

# run_case CASE KIND PATH: one untimed request, then N timed; "ms bytes" per line in $work/CASE.times
run_case() {
  local case="$1" kind="$2" path="$3" i out code t size
  local auth=(-b "$jar")
  [ "$kind" = api ] && auth=(-H "Authorization: Bearer $TOKEN")
  : >"$work/$case.times"
  local cpu0=0 busy0=0 t0=0
  for i in $(seq 0 "$N"); do
    if [ "$i" = 1 ]; then cpu0="$(cpu_ticks "$server_pid")"; busy0="$(busy_ticks)"; t0="$(now)"; fi
    out="$(curl -sS "${auth[@]}" -o "$work/$case.body" -w '%{http_code} %{time_total} %{size_download}' "$url$path")"
    read -r code t size <<<"$out"
    [ "$code" = 200 ] || { echo "$case: HTTP $code for $path" >&2; head -c 300 "$work/$case.body" >&2; exit 1; }
    check "$case" "$work/$case.body" || exit 1
    [ "$i" = 0 ] && continue   # the untimed first request
    echo "$t $size" >>"$work/$case.times"
  done
  # server CPU over the N timed requests; the whole machine's busy CPU over the same wall time
  echo "$(( $(cpu_ticks "$server_pid") - cpu0 )) $(( $(busy_ticks) - busy0 )) $(python3 -c "print($(now) - $t0)")" \
    >"$work/$case.cpu"
  python3 - "$case" "$work/$case.times" "$work/$case.cpu" "$hz" "$(nproc)" <<'PY' >&2
import math, statistics, sys
rows = [line.split() for line in open(sys.argv[2])]
ms = sorted(float(t) * 1000 for t, _ in rows)
cpu, busy, wall = map(float, open(sys.argv[3]).read().split())
hz = int(sys.argv[4])
print(f"  {sys.argv[1]:<15} median {statistics.median(ms):8.1f} ms  p95 {ms[math.ceil(0.95 * len(ms)) - 1]:8.1f} ms  "
      f"{rows[0][1]} bytes  server CPU {cpu / hz / len(rows) * 1000:.1f} ms/request  "
      f"machine busy {busy / hz / wall:.2f} of {sys.argv[5]} cores")
PY
}

log "timing: $N requests per case (after one untimed), one curl each"
cases=(
  "ui-first ui /ui/"
  "ui-deep ui /ui/?after=$half_id"
  "ui-last ui /ui/?after=$last_after"
  "ui-one ui /ui/?q=$MATCH"
  "api-one api /api/subjects?q=$MATCH&limit=48"
  "ui-nothing ui /ui/?q=$NOTHING"
  "api-nothing api /api/subjects?q=$NOTHING&limit=48"
  "ui-no-portrait ui /ui/?status=none"
)
for c in "${cases[@]}"; do
  read -r name kind path <<<"$c"
  run_case "$name" "$kind" "$path"
done
rss_end="$(rss_kb "$server_pid")"
printf '%s\n' "${cases[@]}" >"$work/cases.txt"

# --- summary --------------------------------------------------------------------------------
log "summary"
python3 - "$work" "$SUBJECTS" "$N" "$import_s" "$rss_start" "$rss_end" "$hz" "$(nproc)" <<'PY'
import math, statistics, sys
work, subjects, n, import_s, rss0, rss1, hz, cores = sys.argv[1:9]
hz = int(hz)
rows = []
for line in open(f"{work}/cases.txt"):
    name, kind, path = line.split()
    times = [l.split() for l in open(f"{work}/{name}.times")]
    ms = sorted(float(t) * 1000 for t, _ in times)
    cpu, busy, wall = map(float, open(f"{work}/{name}.cpu").read().split())
    rows.append((name, path, statistics.median(ms), ms[math.ceil(0.95 * len(ms)) - 1],
                 int(times[0][1]), cpu / hz / len(times) * 1000, busy / hz / wall))
w = max(len(r[1]) for r in rows)
print(f"{int(subjects):,} subjects (SQLite), {n} requests per case; import {import_s} s; "
      f"server VmRSS {int(rss0) / 1024:.1f} MiB before the first request, {int(rss1) / 1024:.1f} MiB after the last")
print()
print(f"| {'case':<15} | {'request':<{w}} | median ms | p95 ms | body bytes | server CPU ms/req | machine busy (of {cores} cores) |")
print(f"| {'-' * 15} | {'-' * w} | --------: | -----: | ---------: | ----------------: | ---: |")
for name, path, med, p95, size, cpu, busy in rows:
    print(f"| {name:<15} | {path:<{w}} | {med:9.1f} | {p95:6.1f} | {size:10,} | {cpu:17.1f} | {busy:4.2f} |")
PY
