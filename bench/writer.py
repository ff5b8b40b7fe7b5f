"""Submits requests through the JSON API at a steady rate until stopped, as people filing
requests while analysts work the queue; prints how many were answered with each status."""
import http.client, json, signal, sys, time, collections

host, port, token, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
statuses = collections.Counter()
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
conn = http.client.HTTPConnection(host, port, timeout=10)
n = 0
next_at = time.monotonic()
while running:
    n += 1
    body = json.dumps({"kind": "other", "title": f"Arriving while the queue is read {n}",
                       "description": "A laptop will not wake from sleep after the update.",
                       "priority": "normal"})
    try:
        conn.request("POST", "/api/v1/requests", body,
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        statuses[r.status] += 1
    except Exception as e:  # a refused or reset connection is counted, then retried
        statuses[type(e).__name__] += 1
        conn = http.client.HTTPConnection(host, port, timeout=10)
    next_at += 1.0 / rate
    time.sleep(max(0.0, next_at - time.monotonic()))
print("writer:", dict(statuses), flush=True)
