"""Signs in `n` times at once (correct passwords, so every attempt that gets a slot hashes),
as a morning's rush; prints how many were let in and how many were told to wait."""
import http.client, sys, threading, collections, urllib.parse

host, port, n, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
people = ["member", "manager", "analyst", "engineer", "admin", "sam", "kai", "cole", "noah", "pia"]
statuses = collections.Counter()
lock = threading.Lock()
start = threading.Barrier(n)


def one(i):
    body = urllib.parse.urlencode({"email": f"{people[i % len(people)]}@tierdesk.test",
                                   "password": password})
    conn = http.client.HTTPConnection(host, port, timeout=30)
    start.wait()
    try:
        conn.request("POST", "/fn/sign_in", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json", "Sec-Fetch-Site": "same-origin"})
        status = conn.getresponse().status
    except Exception as e:
        status = type(e).__name__
    with lock:
        statuses[status] += 1


threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("sign-in burst:", dict(statuses), flush=True)
