-- POSTs a new request through the JSON API as one person (args[1]: "Authorization: Bearer …"),
-- each with its own title. Prints the same RESULT line as mix.lua.
local auth
local n = 0

function init(args)
  auth = args[1]:match("^[^:]+:%s*(.*)$")
end

function request()
  n = n + 1
  local body = string.format(
    '{"kind":"other","title":"Load test %d-%d","description":"Submitted by bench/load.","priority":"normal"}',
    math.random(1e9), n)
  return wrk.format("POST", "/api/v1/requests", {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
  }, body)
end

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "result.lua")
