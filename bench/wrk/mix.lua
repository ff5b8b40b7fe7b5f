-- GETs a random address from a file as a random person from another, as browsers ask (gzip
-- accepted). Arguments: the addresses file, then a file of header lines ("Cookie: …" or
-- "Authorization: Bearer …"), one per person; "-" for none.
-- Prints one line for bench/load: RESULT <requests> <req/s> <p50 ms> <p99 ms> <errors> <non-2xx>.
local paths, people = {}, {}

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  if args[2] and args[2] ~= "-" then
    for line in io.lines(args[2]) do
      if line ~= "" then people[#people + 1] = line end
    end
  end
  math.randomseed(os.time() * 1000 + (tonumber(tostring(paths):match("0x(%x+)") or "0", 16) % 1000))
end

function request()
  local headers = {
    ["Accept-Encoding"] = "gzip",
    ["Sec-Fetch-Site"] = "same-origin",
  }
  if #people > 0 then
    local name, value = people[math.random(#people)]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "result.lua")
