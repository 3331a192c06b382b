#!/usr/bin/env python3
"""Writes the seed corpora: corpus/json_bodies/ and corpus/multipart_bodies/.

Each json_bodies seed is one selector byte (the route: 0 subjects, 1 avatars/fz1,
2 /api/generate, 3 /v1/images/generations) and a body; each multipart_bodies seed a selector
byte (0 raw body, 1 structured fields, 2 Content-Type line + body) and its input. The PNGs are
drawn here (zlib, no dependencies) so every byte is accounted for. Run from fuzz/http:
`python3 seeds.py`. Regression seeds for findings are added by hand (see README.md) and are not
touched by this script.
"""

import base64
import json
import os
import struct
import zlib


def png(width, height, pixel):
    """An 8-bit RGB PNG whose pixel (x, y) is pixel(x, y)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# 64 px: the smallest reference photo the fuzz config accepts (faces.min_reference_side), so
# intake passes and the request reaches the face models. 1 px: refused by intake.
FACE = png(64, 64, lambda x, y: (60, 40, 30) if 24 <= x < 40 and 20 <= y < 44 else (200, 150, 120))
DOT = png(1, 1, lambda x, y: (255, 0, 0))


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def j(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


JSON = {
    # POST /api/subjects?generate=false
    "subjects-one": (0, j({"id": "s1", "name": "Ada Lovelace", "gender": "female",
                           "birth_date": "1815-12-10", "cohorts": ["math"],
                           "attributes": {"hair_color": "brown"}})),
    "subjects-list": (0, j({"subjects": [{"id": "s2", "first_name": "Grace", "last_name": "Hopper",
                                          "sex": "F", "dob": "1906-12"},
                                         {"id": "s3", "name": "李小龍", "deceased": True}]})),
    "subjects-bad-id": (0, j({"id": "../x", "name": 7})),
    "subjects-truncated": (0, b'{"id":"s4","name":"Cut'),
    "subjects-array": (0, b"[1,2]"),
    # POST /api/avatars/generate/fz1 (no wait: 202, the job runs while the harness drains)
    "avatar-empty": (1, b""),
    "avatar-initials": (1, j({"style": "initials", "seed": "x1", "custom_prompt": "smiling",
                              "options": {"flip": "horizontal", "rotate": 90, "scale": 0.5,
                                          "background": ["#336699", "#ffcc00"],
                                          "background_fill": "linear"}})),
    "avatar-unknown-field": (1, j({"style": "initials", "colour": "red"})),
    # 1e400 is not finite once read: serde_json keeps it as a float (infinity) or refuses it.
    "avatar-bad-options": (1, b'{"style":"geometric","options":{"rotate":1e400,"flip":true}}'),
    # POST /api/generate
    "generate-subject": (2, j({"subject_id": "fz1", "style": "initials",
                               "settings": {"width": 64, "height": 64, "seed": 7},
                               "return_base64": True})),
    "generate-reference": (2, j({"reference_image": "data:image/png;base64,"
                                 + base64.b64encode(FACE).decode(),
                                 "scenario": "consultant"})),
    "generate-reference-url": (2, j({"reference_image": "http://127.0.0.1:9/face.png",
                                     "style": "initials"})),
    "generate-settings": (2, j({"subject_id": "fz1", "style": "watercolor",
                                "settings": {"width": 5000, "steps": 0,
                                             "identity_weight": 2, "seed": []}})),
    "generate-missing": (2, j({"style": "initials"})),
    # POST /v1/images/generations
    "openai-initials": (3, j({"model": "initials", "prompt": "a friendly doctor", "n": 2,
                              "size": "64x64", "response_format": "b64_json"})),
    "openai-provider": (3, j({"model": "gemini:gemini-2.5-flash-image", "prompt": "p",
                              "size": "32x48"})),
    "openai-bad": (3, j({"prompt": "", "n": 0, "size": "0x0", "output_format": "webp"})),
    "openai-options": (3, j({"model": "geometric", "prompt": "x", "size": "16x16",
                             "options": {"scale": 50, "shape": "circle"}})),
}

for name, (route, body) in JSON.items():
    write("corpus/json_bodies", name, bytes([route]) + body)

SEP = b"\xff\xfe"
assert SEP not in FACE and SEP not in DOT
NAMES = ["model", "prompt", "n", "size", "response_format", "output_format", "options",
         "image", "image[]", "image", "image[]", "mask", "quality", "user", "", "prompt"]
FILENAME, PNG_TYPE = 16, 32


def field(name, content, flags=0):
    return bytes([NAMES.index(name) | flags]) + content


def fields(*parts):
    return bytes([1]) + SEP.join(parts)


def raw_form(boundary, parts):
    body = b""
    for name, content in parts:
        body += b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"" + name + b"\""
        if name.startswith(b"image"):
            body += b"; filename=\"f.png\"\r\nContent-Type: image/png"
        body += b"\r\n\r\n" + content + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


MULTIPART = {
    # Structured: the handler's fields with a picture that passes intake (503
    # face.models_missing), one intake refuses, and field values it must refuse.
    "form-edit": fields(field("model", b"initials"), field("prompt", b"a nurse"),
                        field("n", b"1"), field("size", b"64x64"),
                        field("options", b'{"flip":true}'),
                        field("image", FACE, FILENAME | PNG_TYPE)),
    "form-dot": fields(field("prompt", b"x"), field("image[]", DOT, FILENAME)),
    "form-bad-fields": fields(field("n", b"ten"), field("prompt", b"p"), field("image", b"")),
    "form-mask": fields(field("prompt", b"p"), field("mask", DOT), field("image", DOT)),
    "form-options": fields(field("options", b"[1"), field("image", FACE)),
    "form-no-image": fields(field("prompt", b"only text"), field("user", b"u1")),
    # Raw, boundary XFUZZ.
    "raw-edit": b"\x00" + raw_form(b"XFUZZ", [(b"prompt", b"p"), (b"image", DOT)]),
    "raw-unterminated": b"\x00--XFUZZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nab",
    "raw-empty": b"\x00",
    # Content-Type line, then the body.
    "type-other-boundary": b"\x02multipart/form-data; boundary=\"q q\"\n"
                           + raw_form(b"q q", [(b"prompt", b"p"), (b"image", DOT)]),
    "type-json": b"\x02application/json\n" + j({"prompt": "p"}),
    "type-no-boundary": b"\x02multipart/form-data\n--x\r\n",
}

for name, data in MULTIPART.items():
    write("corpus/multipart_bodies", name, data)
