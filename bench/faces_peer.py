#!/usr/bin/env python3
"""The peer for bench/faces.sh: Python's face_recognition 1.3.0 (dlib), and the photo set.

    faces_peer.py make ASTRONAUT OUT_DIR   # write the astronaut variants (Pillow)
    faces_peer.py run DIR [LABEL]          # time every photo in DIR, print one JSON line

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


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "photos")
    else:
        sys.exit(__doc__)
