#!/usr/bin/env python3
"""The peer for bench/faces.sh: Python's face_recognition 1.3.0 (dlib), and the photo set.

    faces_peer.py make ASTRONAUT OUT_DIR   # write the astronaut variants (Pillow)
    faces_peer.py portrait ASTRONAUT OUT   # the astronaut at 1024x1024, JPEG (the check's photo)
    faces_peer.py run DIR [LABEL]          # time every photo in DIR, print one JSON line
    faces_peer.py check PHOTO [RUNS]       # CPU time of a reference check of one photo
    faces_peer.py labelled DIR             # precision/recall on DIR (faces_bench labelled's)

`run` times, per photo: load_image_file (decode), face_locations (HOG, upsample 1, the
default) and face_encodings(..., model="small") for every face. The first photo is run once
untimed as a warm-up, as the Rust side does. load_ms is the import of face_recognition, which
loads dlib's detector, 5-point predictor and ResNet.
"""

import json
import os
import sys
import time


def make(astronaut, out):
    """Flips, resizes 0.6-1.2x, JPEG recompressions and small crops of the astronaut."""
    from PIL import Image, ImageOps

    os.makedirs(out, exist_ok=True)
    base = Image.open(astronaut).convert("RGB")
    w, h = base.size
    n = 0

    def save(img, name, quality=None):
        nonlocal n
        n += 1
        path = os.path.join(out, f"{n:02d}_{name}")
        if quality:
            img.save(path + ".jpg", quality=quality)
        else:
            img.save(path + ".png")

    save(base, "original")
    save(ImageOps.mirror(base), "flip")
    for scale in (0.6, 0.7, 0.8, 0.9, 1.1, 1.2):
        size = (round(w * scale), round(h * scale))
        save(base.resize(size, Image.LANCZOS), f"resize{scale}")
        save(ImageOps.mirror(base.resize(size, Image.BILINEAR)), f"resize{scale}_flip", 85)
    for quality in (40, 60, 75, 90, 95):
        save(base, f"q{quality}", quality)
    for i, (l, t, r, b) in enumerate([(0, 0, 0.9, 0.9), (0.1, 0, 1, 0.9), (0.05, 0.05, 0.95, 0.95),
                                      (0, 0, 0.8, 0.8), (0.1, 0.02, 0.9, 0.85), (0.15, 0, 0.85, 0.7)]):
        crop = base.crop((round(l * w), round(t * h), round(r * w), round(b * h)))
        save(crop, f"crop{i}")
        save(ImageOps.mirror(crop), f"crop{i}_flip_q80", 80)
    print(n)


def portrait(astronaut, out):
    """The astronaut (512x512) upscaled to 1024x1024 (Lanczos), JPEG quality 90: the issue's
    "1024 px portrait" for the reference-check timing."""
    from PIL import Image

    Image.open(astronaut).convert("RGB").resize((1024, 1024), Image.LANCZOS).save(out, quality=90)


def run(folder, label):
    started = time.perf_counter()
    import face_recognition

    load_ms = (time.perf_counter() - started) * 1000
    exts = (".png", ".jpg", ".jpeg", ".webp")
    photos = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(exts))
    if not photos:
        sys.exit(f"faces_peer.py: no photos in {folder}")

    def process(path):
        img = face_recognition.load_image_file(path)
        locations = face_recognition.face_locations(img)
        face_recognition.face_encodings(img, locations, model="small")
        return len(locations)

    process(photos[0])
    times, faces = [], 0
    for path in photos:
        t = time.perf_counter()
        faces += process(path)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()

    def pct(q):
        rank = max(1, min(len(times), -(-int(q * len(times) * 1000) // 1000)))
        return times[rank - 1]

    print(json.dumps({
        "impl": "face_recognition",
        "set": label,
        "photos": len(photos),
        "faces": faces,
        "load_ms": round(load_ms, 1),
        "mean_ms": round(sum(times) / len(times), 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
    }))


def check(photo, runs):
    """Decode, HOG detection (upsample 1), the largest face's encoding: what a reference check
    needs. CPU time of this thread (time.thread_time), first run untimed."""
    import face_recognition

    def once():
        img = face_recognition.load_image_file(photo)
        locations = face_recognition.face_locations(img)
        if locations:
            largest = max(locations, key=lambda l: (l[2] - l[0]) * (l[1] - l[3]))
            face_recognition.face_encodings(img, [largest], model="small")
        return len(locations)

    faces = once()
    start = time.thread_time()
    for _ in range(runs):
        once()
    cpu_ms = (time.thread_time() - start) * 1000 / max(runs, 1)
    print(json.dumps({"impl": "face_recognition", "path": "check", "faces": faces,
                      "runs": runs, "cpu_ms": round(cpu_ms, 1)}))


def labelled(folder):
    """face_locations (HOG, upsample 1) on every image of DIR/labels.tsv's set, scored as
    tests/it/labelled/set.rs scores: a hit when the box's centre is inside the label and its
    width 0.5-2x the label's, one detection per label, ignored labels neither hit nor miss."""
    import face_recognition

    labels = {}
    for line in open(os.path.join(folder, "labels.tsv")):
        f, x, y, w, h, kind = line.rstrip("\n").split("\t")
        labels.setdefault(f, []).append(((float(x), float(y), float(w), float(h)), kind == "face"))
    files = sorted(f for f in os.listdir(folder) if f.endswith(".png"))
    hits = misses = false_alarms = 0
    for f in files:
        img = face_recognition.load_image_file(os.path.join(folder, f))
        boxes = [(l, t, r - l, b - t) for (t, r, b, l) in face_recognition.face_locations(img)]
        ls = labels.get(f, [])
        taken = [False] * len(ls)
        for (dx, dy, dw, dh) in boxes:
            cx, cy = dx + dw / 2, dy + dh / 2
            for i, ((x, y, w, h), scored) in enumerate(ls):
                if not taken[i] and x <= cx <= x + w and y <= cy <= y + h and 0.5 <= dw / w <= 2:
                    taken[i] = True
                    hits += scored
                    break
            else:
                false_alarms += 1
        misses += sum(1 for (_, scored), t in zip(ls, taken) if scored and not t)
    print(json.dumps({"impl": "face_recognition", "images": len(files), "hits": hits,
                      "misses": misses, "false_alarms": false_alarms,
                      "recall": round(hits / max(hits + misses, 1), 3),
                      "precision": round(hits / max(hits + false_alarms, 1), 3)}))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "portrait":
        portrait(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        check(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 10)
    elif len(sys.argv) >= 3 and sys.argv[1] == "labelled":
        labelled(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "photos")
    else:
        sys.exit(__doc__)
