#!/usr/bin/env bash
# The tracker at 10,000 issues, measured from outside: the demo data plus N generated issues
# (labels, assignees, every state), then wrk with 32 connections over the list's filters, the
# board and their pages, while a second wrk asks the bare /healthz in the same run.
#   bench/issues.sh sqlite|postgres [ISSUES] [SECONDS]
# Needs wrk (Debian) and the server ($TIERDESK_BIN, default target/release/tierdesk).
set -euo pipefail
backend=$1
issues=${2:-10000}
seconds=${3:-15}
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${TIERDESK_BIN:-$root/target/release/tierdesk}"
port=3950
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
case "$backend" in
  sqlite) url="sqlite://$root/target/e2e/sqlite-$port.db" ;;
  postgres) pg="${TIERDESK_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"; url="${pg%/*}/tierdesk_e2e_$port" ;;
  *) echo "sqlite or postgres" >&2; exit 2 ;;
esac
TIERDESK_BIN="$bin" "$root/end2end/start-server.sh" "$backend" "$port" >/tmp/bench-issues-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done

# Generated issues: states, priorities, labels and assignees spread over them.
gen="
INSERT INTO issues (id, title, description, state, priority, due_on, created_by, created_at, updated_at)
SELECT 1000 + n, 'Generated issue ' || n || ' about okta sso', 'Steps tried so far.',
  CASE n % 8 WHEN 0 THEN 'inbox' WHEN 1 THEN 'backlog' WHEN 2 THEN 'scheduled' WHEN 3 THEN 'wip'
    WHEN 4 THEN 'blocked' WHEN 5 THEN 'waiting' WHEN 6 THEN 'review' ELSE 'closed' END,
  'p' || (n % 4), NULL, (SELECT MIN(id) FROM users), 1700000000000 + n, 1700000000000 + n
FROM nums;
INSERT INTO issue_labels (issue_id, label) SELECT 1000 + n, 'corpsys-' || (n % 20) FROM nums;
INSERT INTO issue_assignees (issue_id, name, name_key, user_id)
  SELECT 1000 + n, 'IT Operations', 'it operations', NULL FROM nums WHERE n % 3 = 0;
"
if [ "$backend" = sqlite ]; then
  sqlite3 "${url#sqlite://}" "CREATE TEMP TABLE nums AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $issues) SELECT n FROM c; $gen ANALYZE;" >/dev/null
else
  psql -q "$url" -c "CREATE TEMP TABLE nums AS SELECT generate_series(1, $issues) AS n; $gen SELECT setval(pg_get_serial_sequence('issues', 'id'), (SELECT MAX(id) FROM issues)); ANALYZE;" >/dev/null
fi
token="$(DATABASE_URL="$url" "$bin" token create --email engineer@tierdesk.test --label bench 2>/dev/null)"
cookie="$(curl -s -o /dev/null -D - -H 'Sec-Fetch-Site: same-origin' -H 'Accept: application/json' \
  --data-urlencode email=engineer@tierdesk.test --data-urlencode password=tierdesk-demo-2026 \
  "http://127.0.0.1:$port/fn/sign_in" | awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /session/ {print $2}')"
[ -n "$cookie" ] || { echo "could not sign in" >&2; exit 1; }

# One endpoint at a time (32 connections), each beside a bare /healthz (8 connections) in the
# same seconds: throughput, p50 and p99 of each, and the share of the bare handler's rate.
echo "== $backend, $issues generated issues, ${seconds}s per endpoint, 32 connections beside 8 on /healthz"
printf '%-32s %9s %9s %9s %12s\n' endpoint req/s p50 p99 healthz-req/s
for path in "/api/v1/issues?state=open" "/api/v1/issues?label=corpsys-7" "/api/v1/issues?assignee=me" \
  "/api/v1/issues?q=okta" "/api/v1/issues?state=closed" "/api/v1/issues/board" \
  "/issues?state=open" "/issues/board"; do
  if [ "${path#/api/}" != "$path" ]; then auth="Authorization: Bearer $token"; else auth="Cookie: $cookie"; fi
  wrk -t1 -c8 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz" >/tmp/bench-healthz.txt &
  bare=$!
  out="$(wrk -t2 -c32 -d"${seconds}s" --latency -H "$auth" "http://127.0.0.1:$port$path")"
  wait $bare
  if echo "$out" | grep -q "Non-2xx"; then echo "$path answered errors:" >&2; echo "$out" >&2; exit 1; fi
  printf '%-32s %9s %9s %9s %12s\n' "$path" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(awk '/Requests\/sec/ {print $2}' /tmp/bench-healthz.txt)"
done
