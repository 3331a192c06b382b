#!/usr/bin/env python3
"""Reads one saved wrk output (run with --latency) for bench/serve.sh and prints its figures as
one JSON object: requests, rps, transfer, latency percentiles in ms, socket errors, non-2xx/3xx
answers, and the `COUNT <kind> <status> <n>` and `SENT <kind> <n>` lines bench/serve_soak.lua
prints."""
import json
import re
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    fig = {"rps": None, "requests": None, "latency_ms": {}, "socket_errors": {},
           "non_2xx_3xx": 0, "counts": {}, "sent": {}, "transfer_per_s": None}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Requests/sec:"):
            fig["rps"] = float(s.split()[1])
        elif s.startswith("Transfer/sec:"):
            fig["transfer_per_s"] = s.split()[1]
        elif re.match(r"^\d+ requests in", s):
            fig["requests"] = int(s.split()[0])
        elif re.match(r"^(50|75|90|99)(\.\d+)?%\s", s):
            p, v = s.split()[:2]
            fig["latency_ms"]["p" + p.rstrip("%").split(".")[0]] = ms(v)
        elif s.startswith("Socket errors:"):
            for k, v in re.findall(r"(\w+) (\d+)", s.split(":", 1)[1]):
                fig["socket_errors"][k] = int(v)
        elif s.startswith("Non-2xx or 3xx responses:"):
            fig["non_2xx_3xx"] = int(s.split(":")[1])
        elif s.startswith("COUNT "):
            _, kind, status, n = s.split()
            fig["counts"][f"{kind} {status}"] = int(n)
        elif s.startswith("SENT "):
            _, kind, n = s.split()
            fig["sent"][kind] = int(n)
    print(json.dumps(fig))


if __name__ == "__main__":
    main()
