#!/usr/bin/env bash
# Starts the server ($TIERDESK_BIN, default target/release/tierdesk) on a fresh database for the
# browser tests:
#   start-server.sh sqlite|postgres PORT
set -euo pipefail
backend=$1
port=$2
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${TIERDESK_BIN:-$root/target/release/tierdesk}"
[ -x "$bin" ] || { echo "build the server first: $bin is missing" >&2; exit 1; }
case "$backend" in
  sqlite)
    dir="$root/target/e2e"
    mkdir -p "$dir"
    rm -f "$dir/sqlite-$port".db*
    export DATABASE_URL="sqlite://$dir/sqlite-$port.db"
    ;;
  postgres)
    base="${TIERDESK_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    name="tierdesk_e2e_$port"
    psql "$base" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
    export DATABASE_URL="${base%/*}/$name"
    ;;
  *) echo "unknown backend $backend" >&2; exit 2 ;;
esac
export TIERDESK_ADDR="127.0.0.1:$port"
export RUST_LOG="${RUST_LOG:-warn}"
# The server's clock starts on the latest Tuesday at 10:00 UTC and runs from there: business
# hours, at-risk requests and "today" are the same whatever the hour the journeys run.
export TIERDESK_CLOCK_START="${TIERDESK_CLOCK_START:-last-tuesday-morning}"
cd "$root"
# A real SMTP server and webhook receiver (scripts/sinks.py) take what the portal sends; the
# journeys read target/e2e/sinks-PORT/*.jsonl. It stops when the server does.
sinks_python="$root/target/tools/sinks/bin/python"
if [ -x "$sinks_python" ]; then
  sinks="$root/target/e2e/sinks-$port"
  rm -rf "$sinks"
  mkdir -p "$sinks"
  "$sinks_python" "$root/scripts/sinks.py" "$sinks" >"$sinks/ports" &
  for _ in $(seq 1 100); do [ -s "$sinks/ports" ] && break; sleep 0.1; done
  smtp=$(sed -n 's/.*smtp=\([0-9]*\).*/\1/p' "$sinks/ports")
  hook=$(sed -n 's/.*webhook=\([0-9]*\).*/\1/p' "$sinks/ports")
  export TIERDESK_SMTP_URL="smtp://127.0.0.1:$smtp"
  export TIERDESK_WEBHOOK_URL="http://127.0.0.1:$hook/hooks/it"
  export TIERDESK_WEBHOOK_SECRET="e2e-webhook-secret-0123456789abcdef"
  export TIERDESK_INBOUND_SECRET="e2e-inbound-secret-0123456789abcdef"
  export TIERDESK_MAIL_FROM="Tierdesk <helpdesk@tierdesk.localhost>"
  export TIERDESK_OUTBOX_POLL_MS=200
fi
# Round-robin off: the journeys must not depend on who is on shift at the hour they run
# (round-robin itself is proven in the HTTP tests, with shifts they control). 200 generated
# requests, made as of the clock above, give the queue a history and some at-risk requests.
"$bin" demo --round-robin off --requests 200 >/dev/null
exec "$bin" serve
