"""Prints dlib's own 128-D embeddings of 150x150 face chips, as JSON, for dlib_crosscheck.rs.

Usage: dlib_embed.py CHIP.png...  ->  {"CHIP.png": [128 floats], ...}

Uses face_recognition's encoder object (dlib's face_recognition_model_v1 loaded from
face_recognition_models), whose aligned-chip overload runs the network on the chip as given.
"""

import json
import sys

import numpy as np
from PIL import Image
from face_recognition.api import face_encoder

out = {}
for path in sys.argv[1:]:
    chip = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    if chip.shape != (150, 150, 3):
        sys.exit(f"{path}: expected a 150x150 RGB chip, got {chip.shape}")
    # float() keeps the exact f32 values: JSON doubles round-trip them.
    out[path] = [float(v) for v in face_encoder.compute_face_descriptor(chip)]
json.dump(out, sys.stdout)
