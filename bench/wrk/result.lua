-- The line bench/load reads from every wrk run, loaded by mix.lua and submit.lua:
-- RESULT <requests> <req/s> <p50 ms> <p99 ms> <errors> <non-2xx>.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.2f %.2f %d %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
