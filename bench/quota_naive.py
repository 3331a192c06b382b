#!/usr/bin/env python3
"""The seeds' way of calling an image API, for bench/quota.sh to compare likeness against:
one subject after another, a fixed wait after a 429, three retries, then the subject is lost.

  quota_naive.py BASE_URL COUNT BACKOFF_SECONDS

Prints one JSON line: {"requests", "rate_limited", "ok", "lost", "seconds"}.
Standard library only.
"""
import json
import sys
import time
import urllib.error
import urllib.request

base, count, backoff = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
requests = rate_limited = ok = lost = 0
start = time.monotonic()
for i in range(count):
    body = json.dumps({"model": "gpt-image-1", "prompt": f"portrait of subject {i}", "size": "1024x1024"}).encode()
    for attempt in range(4):  # the first try and three retries
        requests += 1
        req = urllib.request.Request(
            f"{base}/v1/images/generations",
            data=body,
            headers={"Authorization": "Bearer sk-bench", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
            ok += 1
            break
        except urllib.error.HTTPError as e:
            e.read()
            if e.code != 429:
                lost += 1
                break
            rate_limited += 1
            if attempt == 3:
                lost += 1
            else:
                time.sleep(backoff)
print(json.dumps({
    "requests": requests,
    "rate_limited": rate_limited,
    "ok": ok,
    "lost": lost,
    "seconds": time.monotonic() - start,
}))
