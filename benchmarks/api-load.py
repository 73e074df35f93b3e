#!/usr/bin/env python3
"""Load generator for benchmarks/api.sh (standard library only).

  api-load.py post BASE KEY N CONCURRENCY      # N distinct narrate jobs, CONCURRENCY keep-alive threads
  api-load.py get BASE KEY IDS_FILE RATE SECS  # open loop: request i is due at t0 + i/RATE

`post` prints one line: "<seconds> <ok> <statuses as code:count,...>".
`get` sends GET /v1/jobs/{id} (ids round-robin) on a fixed schedule from a pool of threads, each
with its own keep-alive connection, and records each request's latency from its *scheduled* time
(so a slow answer that delays the next ones counts against them: no coordinated omission) and from
its send time. Prints a JSON object with both distributions, the achieved rate and the statuses.
"""
import http.client, json, sys, threading, time, urllib.parse
from collections import Counter


def conn(base):
    u = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def post(base, key, n, concurrency):
    next_i = [0]
    lock = threading.Lock()
    statuses = Counter()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def work():
        c = conn(base)
        local = Counter()
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= n:
                break
            body = json.dumps({"workflow": "narrate", "input": {"text": f"item-{i}"}})
            try:
                c.request("POST", "/v1/jobs", body, headers)
                r = c.getresponse()
                r.read()
                local[r.status] += 1
            except Exception as e:  # report, do not hide
                local[type(e).__name__] += 1
                c.close()
                c = conn(base)
        with lock:
            statuses.update(local)

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    ok = statuses.get(202, 0) + statuses.get(200, 0)
    print(f"{secs:.3f} {ok} " + ",".join(f"{k}:{v}" for k, v in sorted(statuses.items(), key=str)))


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def get(base, key, ids_file, rate, secs, pool=16):
    ids = [l.strip() for l in open(ids_file) if l.strip()]
    total = int(rate * secs)
    headers = {"Authorization": f"Bearer {key}"}
    sched, sent = [None] * total, [None] * total
    statuses = Counter()
    lock = threading.Lock()
    t0 = time.monotonic() + 0.5

    def work(k):
        c = conn(base)
        local = Counter()
        for i in range(k, total, pool):
            due = t0 + i / rate
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            start = time.monotonic()
            try:
                c.request("GET", f"/v1/jobs/{ids[i % len(ids)]}", headers=headers)
                r = c.getresponse()
                r.read()
                local[r.status] += 1
            except Exception as e:
                local[type(e).__name__] += 1
                c.close()
                c = conn(base)
            end = time.monotonic()
            sched[i] = (end - due) * 1000
            sent[i] = (end - start) * 1000
        with lock:
            statuses.update(local)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(pool)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    late = sum(1 for i in range(total) if sched[i] - sent[i] > 1.0)  # started > 1 ms after its due time
    out = {"requests": total, "target_rate": rate, "achieved_rate": round(total / elapsed, 1),
           "statuses": {str(k): v for k, v in statuses.items()}, "started_late_over_1ms": late}
    for name, xs in (("from_schedule_ms", sched), ("from_send_ms", sent)):
        out[name] = {f"p{p}": round(pct(xs, p), 2) for p in (50, 90, 99, 99.9)}
        out[name]["max"] = round(max(xs), 2)
    print(json.dumps(out))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "post":
        post(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "get":
        get(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6]))
    else:
        sys.exit(__doc__)
