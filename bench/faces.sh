#!/usr/bin/env bash
# Benchmark (not a test): face detection + identity embedding per photo, likeness against
# Python's face_recognition 1.3.0 (dlib: HOG detector with upsample 1, 5-point landmarks,
# ResNet embedding), in one run, on the same photos.
#
#   bench/faces.sh                    # 31 astronaut variants + the Solvay group photo
#   CORE=1 bench/faces.sh             # pin both sides to one core (default: core 1)
#
# Photos: variants of skimage's astronaut made with Pillow (flips, resizes 0.6-1.2x, JPEG
# recompressions, small crops) into a temp folder, and the 1927 Solvay photo (29 faces) as a
# separate group-photo row. Needs target/models (models and photos: `scripts/fetch-models
# --photos target/models`, or `scripts/test`) and target/test-venv with face_recognition
# (`scripts/test` makes it). Progress on stderr, the table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
models="${LIKENESS_MODELS:-$PWD/target/models}"
python="${PEER_PYTHON:-$PWD/target/test-venv/bin/python}"
CORE="${CORE:-1}"
log() { echo "$@" >&2; }
die() { log "bench/faces.sh: $*"; exit 1; }

for f in centerface.onnx dlib_face_recognition_resnet_model_v1.dat photos/astronaut.png photos/solvay.png; do
  [ -f "$models/$f" ] || die "missing $models/$f — run \`scripts/fetch-models --photos target/models\` (scripts/test does)"
done
[ -x "$python" ] || die "missing $python — run \`scripts/test\` once to create the test venv"
"$python" -c 'import face_recognition, PIL, numpy' 2>/dev/null \
  || die "$python cannot import face_recognition (with its models), PIL and numpy — rerun \`scripts/test\` to rebuild target/test-venv"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log "== building faces_bench (release)"
cargo build --release --locked -p likeness-face --example faces_bench >&2
bench="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/faces_bench"

log "== making the photo set"
"$python" bench/faces_peer.py make "$models/photos/astronaut.png" "$work/astronaut" >/dev/null
mkdir -p "$work/solvay"
cp "$models/photos/solvay.png" "$work/solvay/"

run() { # run LABEL CMD...: one JSON line into $work/results.jsonl
  local label="$1"; shift
  log "  $label"
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c "$CORE" "$@" >> "$work/results.jsonl" \
    || die "$label failed"
}
log "== timing, pinned to core $CORE"
for set in astronaut solvay; do
  run "likeness $set" env LIKENESS_MODELS="$models" "$bench" "$work/$set" "$set"
  run "face_recognition $set" "$python" bench/faces_peer.py run "$work/$set" "$set"
done

"$python" - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| set | implementation | photos | faces found | load ms | mean ms | p50 ms | p95 ms |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print(f"| {r['set']} | {r['impl']} | {r['photos']} | {r['faces']} | {r['load_ms']:.0f} | "
          f"{r['mean_ms']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")
print()
by = {(r["set"], r["impl"]): r for r in rows}
for s in ("astronaut", "solvay"):
    ours, peer = by.get((s, "likeness")), by.get((s, "face_recognition"))
    if ours and peer:
        ratio = peer["mean_ms"] / ours["mean_ms"]
        verdict = "met" if ratio >= 1 else "MISSED"
        print(f"{s}: likeness {ours['mean_ms']:.1f} ms vs face_recognition {peer['mean_ms']:.1f} ms "
              f"per photo: {ratio:.2f}x (target: no slower, {verdict})")
PY
