#!/usr/bin/env bash
# Benchmark (not a test): face detection + identity embedding, likeness against Python's
# face_recognition 1.3.0 (dlib: HOG detector with upsample 1, 5-point landmarks, ResNet
# embedding), in one run, on the same photos. Three parts:
#
# 1. Throughput: decode + detect + embed every face, per photo: 31 astronaut variants and the
#    1927 Solvay photo (29 faces).
# 2. The reference check of a 1024 px portrait (the astronaut upscaled), CPU ms on one core:
#    today's path (coarse pass + refinement crop), the single pass at 640 it replaced, and
#    face_recognition; plus the distance between the two paths' embeddings.
# 3. Precision and recall on the labelled set (crates/likeness-face/tests/faces and its soft
#    upscaled variants, faces >= 40 px), likeness (default options) vs face_recognition.
#
#   bench/faces.sh                    # everything
#   CORE=1 bench/faces.sh             # pin both sides to one core (default: core 1)
#
# Photos: variants of skimage's astronaut made with Pillow (flips, resizes 0.6-1.2x, JPEG
# recompressions, small crops) into a temp folder, and the Solvay photo as a separate
# group-photo row. Needs target/models (models and photos: `scripts/fetch-models
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
"$python" bench/faces_peer.py portrait "$models/photos/astronaut.png" "$work/portrait1024.jpg"
run "likeness check" env LIKENESS_MODELS="$models" "$bench" check "$work/portrait1024.jpg" 20
run "face_recognition check" "$python" bench/faces_peer.py check "$work/portrait1024.jpg" 10
log "== labelled set"
run "likeness labelled" env LIKENESS_MODELS="$models" "$bench" labelled "$work/labelled"
run "face_recognition labelled" "$python" bench/faces_peer.py labelled "$work/labelled"

"$python" - "$work/results.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in lines if "set" in r]
checks = {r["path"]: r for r in lines if "path" in r and r["impl"] == "likeness"}
peer_check = next((r for r in lines if r.get("path") == "check" and r["impl"] != "likeness"), None)
labelled = {r["impl"]: r for r in lines if "recall" in r}
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

new, old = checks.get("check_reference"), checks.get("single pass 640")
if new and old and peer_check:
    print()
    print(f"Reference check of a {new['size'][0]}x{new['size'][1]} portrait, CPU ms on one core "
          f"(decode + detect + align + embed; mean of {new['runs']} runs):")
    print("| path | cpu ms | decode | detect | align | embed |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in (("likeness check_reference", new), ("likeness single pass 640 (the old path, today's resize)", old)):
        print(f"| {name} | {r['cpu_ms']:.1f} | {r['decode_ms']:.1f} | {r['detect_ms']:.1f} | "
              f"{r['align_ms']:.1f} | {r['embed_ms']:.1f} |")
    print(f"| face_recognition (HOG, largest face) | {peer_check['cpu_ms']:.1f} | | | | |")
    print()
    speedup = old["cpu_ms"] / new["cpu_ms"]
    d = new["embedding_distance_to_single_pass"]
    print(f"check: {new['cpu_ms']:.1f} ms (whole check_reference {new['full_check_ms']:.1f} ms; "
          f"target <= 100: {'met' if new['full_check_ms'] <= 100 else 'MISSED'}); "
          f"{speedup:.2f}x faster than the single pass in this run (target >= 2: {'met' if speedup >= 2 else 'MISSED'}); "
          f"{peer_check['cpu_ms'] / new['cpu_ms']:.2f}x faster than face_recognition; "
          f"embedding distance to the single pass {d:.4f} (same person below 0.6)")

if len(labelled) == 2:
    print()
    print("Labelled set (faces >= 40 px; soft upscaled variants included):")
    print("| implementation | images | hits | misses | false alarms | recall | precision |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for impl in ("likeness", "face_recognition"):
        r = labelled[impl]
        print(f"| {impl} | {r['images']} | {r['hits']} | {r['misses']} | {r['false_alarms']} | "
              f"{r['recall']:.3f} | {r['precision']:.3f} |")
    ours = labelled["likeness"]
    met = ours["recall"] >= 0.97 and ours["precision"] >= 0.97
    print(f"labelled: likeness recall {ours['recall']:.3f}, precision {ours['precision']:.3f} "
          f"(target >= 0.97 both: {'met' if met else 'MISSED'})")
PY
