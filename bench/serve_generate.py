#!/usr/bin/env python3
"""Load client for bench/serve.sh: on-demand generation with `?wait=true` (stdlib only).

CLIENTS threads, each with its own keep-alive connection, send
`POST /api/avatars/generate/{id}?wait=true&timeout=30` with body {"style": STYLE} back to back (a closed
loop: a client sends its next request when the previous answer arrives), cycling through the
subject ids, for WARMUP + DURATION seconds. Requests started during the warm-up are not counted.

Then each counted answer is joined with the server's own record of the job and asset in the
SQLite database (read-only): `render_us` (inside the renderer), `encode_us` (PNG optimiser),
`total_ms` (the worker's whole attempt), `jobs.created_at` (queued), `assets.created_at`
(recorded). That splits every request's latency into:

  accept -> queued     client send .. job row written (HTTP, auth, rate limit, run + job insert)
  queue wait           queued .. a worker starts it (assets.created_at - total_ms)
  worker               total_ms: the whole attempt (prompt, render, encode, store)
  recorded -> answer   asset row written .. client has the answer (run bookkeeping, wake-up,
                       job view, response)

Prints a report and writes the figures as JSON to --out.
"""
import argparse
import datetime
import http.client
import json
import math
import sqlite3
import statistics
import sys
import threading
import time


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def epoch(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def client(no, args, ids, start_measure, stop_at, results, errors, lock):
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=150)
    headers = {"Content-Type": "application/json"}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    body = json.dumps({"style": args.style})
    i = no * 7919
    while time.time() < stop_at:
        subject = ids[i % len(ids)]
        i += 1
        sent = time.time()
        t0 = time.perf_counter()
        try:
            conn.request("POST", f"/api/avatars/generate/{subject}?wait=true&timeout=30",
                         body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            status = r.status
        except (OSError, http.client.HTTPException) as e:
            with lock:
                errors.append(f"{type(e).__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=150)
            continue
        latency = time.perf_counter() - t0
        received = time.time()
        try:
            doc = json.loads(data)
        except ValueError:
            doc = {}
        with lock:
            results.append({"sent": sent, "received": received, "latency": latency,
                            "status": status, "job": doc.get("id"),
                            "job_status": doc.get("status"),
                            "error": doc.get("error"), "warmup": sent < start_measure})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ids", required=True, help="file of subject ids, one a line")
    ap.add_argument("--db", required=True, help="the data dir's likeness.db")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--style", default="initials")
    ap.add_argument("--token", default="")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    ids = [line.strip() for line in open(args.ids, encoding="utf-8") if line.strip()]
    results, errors, lock = [], [], threading.Lock()
    begin = time.time()
    start_measure = begin + args.warmup
    stop_at = start_measure + args.duration
    threads = [threading.Thread(target=client, daemon=True,
                                args=(n, args, ids, start_measure, stop_at, results, errors,
                                      lock))
               for n in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = results
    results = [r for r in every if not r["warmup"]]
    # Requests still in flight at stop_at finish after it; the window is the measured span.
    window = max(r["received"] for r in results) - start_measure if results else args.duration

    def count(rs):
        out = {}
        for r in rs:
            key = str(r["status"]) if r["status"] != 202 else "202 (not finished in 30 s)"
            out[key] = out.get(key, 0) + 1
        return out
    statuses = count(results)
    all_statuses = count(every)
    slowest = max((r["latency"] for r in every), default=0) * 1000
    ok = [r for r in results if r["status"] == 200 and r["job_status"] == "succeeded"]

    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = {}
    job_ids = [r["job"] for r in ok]
    for k in range(0, len(job_ids), 500):
        chunk = job_ids[k:k + 500]
        q = ("SELECT j.id, j.created_at, a.created_at, a.total_ms, a.render_us, a.encode_us "
             "FROM jobs j JOIN assets a ON a.id = j.asset_id WHERE j.id IN (%s)"
             % ",".join("?" * len(chunk)))
        for row in db.execute(q, chunk):
            rows[row[0]] = row[1:]

    lat, own_overhead, render_encode, render, encode = [], [], [], [], []
    accept, queue, worker, after, service = [], [], [], [], []
    for r in ok:
        row = rows.get(r["job"])
        if row is None or row[3] is None:
            continue
        queued_at, recorded_at, total_ms, render_us, encode_us = row
        re_ms = (render_us + encode_us) / 1000
        lat_ms = r["latency"] * 1000
        lat.append(lat_ms)
        render.append(render_us / 1000)
        encode.append(encode_us / 1000)
        render_encode.append(re_ms)
        own_overhead.append(lat_ms - re_ms)
        q_at, rec_at = epoch(queued_at), epoch(recorded_at)
        started = rec_at - total_ms / 1000
        accept.append((q_at - r["sent"]) * 1000)
        queue.append((started - q_at) * 1000)
        worker.append(total_ms)
        after.append((r["received"] - rec_at) * 1000)
        # What likeness adds: everything but its own render+encode and the wait for a free
        # worker (capacity: with every worker busy, a request waits for the renders before it).
        service.append(lat_ms - re_ms - queue[-1])

    fig = {"label": args.label, "clients": args.clients, "duration_s": round(window, 1),
           "requests": len(results), "statuses": statuses, "all_requests": len(every),
           "all_statuses": all_statuses, "slowest_ms": slowest,
           "succeeded": len(ok), "joined": len(lat), "client_errors": len(errors),
           "error_samples": errors[:3] + [r["error"] for r in every if r["error"]][:3]}
    print(f"generate ?wait=true, {args.clients} concurrent clients ({args.label}), "
          f"{window:.1f} s measured after {args.warmup:.0f} s warm-up")
    print(f"  measured requests: {len(results)}  statuses: {statuses}")
    print(f"  all requests incl. warm-up: {len(every)}  statuses: {all_statuses}  slowest "
          f"{slowest:.0f} ms  connection errors: {len(errors)}")
    for e in fig["error_samples"]:
        print(f"    e.g. {e}")
    if not lat:
        print("  no successful request to measure")
        json.dump(fig, open(args.out, "w"), indent=1)
        return 0
    med_re = statistics.median(render_encode)
    fig.update({
        "throughput_rps": len(ok) / window,
        "latency_ms": {p: pct(lat, v) for p, v in (("p50", 50), ("p95", 95), ("p99", 99),
                                                   ("max", 100))},
        "render_ms_median": statistics.median(render),
        "encode_ms_median": statistics.median(encode),
        "render_encode_ms": {"median": med_re, "p99": pct(render_encode, 99)},
        "overhead_p99_minus_median_re_ms": pct(lat, 99) - med_re,
        "own_overhead_ms": {p: pct(own_overhead, v) for p, v in (("p50", 50), ("p95", 95),
                                                                 ("p99", 99))},
        "service_overhead_ms": {p: pct(service, v) for p, v in (("p50", 50), ("p95", 95),
                                                                ("p99", 99))},
        "split_median_ms": {"accept_to_queued": statistics.median(accept),
                            "queue_wait": statistics.median(queue),
                            "worker_total": statistics.median(worker),
                            "recorded_to_answer": statistics.median(after)},
        "split_p99_ms": {"accept_to_queued": pct(accept, 99), "queue_wait": pct(queue, 99),
                         "worker_total": pct(worker, 99),
                         "recorded_to_answer": pct(after, 99)},
        "littles_law_ms": args.clients / (len(ok) / window) * 1000,
    })
    L = fig["latency_ms"]
    print(f"  throughput: {fig['throughput_rps']:.1f} images/s   "
          f"(Little's law: {args.clients} clients / throughput = "
          f"{fig['littles_law_ms']:.0f} ms mean latency)")
    print(f"  latency ms: p50 {L['p50']:.1f}  p95 {L['p95']:.1f}  p99 {L['p99']:.1f}  "
          f"max {L['max']:.1f}")
    print(f"  server-recorded per image: render {fig['render_ms_median']:.1f} ms + encode "
          f"{fig['encode_ms_median']:.1f} ms (median render+encode {med_re:.1f} ms, p99 "
          f"{fig['render_encode_ms']['p99']:.1f} ms)")
    print(f"  overhead = p99 latency - median render+encode: "
          f"{fig['overhead_p99_minus_median_re_ms']:.1f} ms")
    O = fig["own_overhead_ms"]
    print(f"  per request, latency - its own render+encode: p50 {O['p50']:.1f}  "
          f"p95 {O['p95']:.1f}  p99 {O['p99']:.1f} ms")
    V = fig["service_overhead_ms"]
    print(f"  per request, latency - own render+encode - wait for a free worker: "
          f"p50 {V['p50']:.1f}  p95 {V['p95']:.1f}  p99 {V['p99']:.1f} ms")
    S, S99 = fig["split_median_ms"], fig["split_p99_ms"]
    print("  where the time goes (median / p99 ms): "
          f"accept->queued {S['accept_to_queued']:.1f} / {S99['accept_to_queued']:.1f}, "
          f"queue wait {S['queue_wait']:.1f} / {S99['queue_wait']:.1f}, "
          f"worker {S['worker_total']:.1f} / {S99['worker_total']:.1f}, "
          f"recorded->answer {S['recorded_to_answer']:.1f} / {S99['recorded_to_answer']:.1f}")
    json.dump(fig, open(args.out, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
