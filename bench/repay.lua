-- wrk script: every connection repays 1 fen at a time on its own loan, each request with a
-- fresh Idempotency-Key. LOANS (comma-separated ids) and TOKEN come from the environment.
local loans = {}
for id in string.gmatch(os.getenv("LOANS") or "", "[^,]+") do
  table.insert(loans, id)
end
local token = os.getenv("TOKEN")
local counter = 1

function setup(thread)
  thread:set("loan", loans[counter])
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  n = 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/loans/" .. loan .. "/repayments", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. tid .. "-" .. n,
  }, '{"amount_fen":1,"paid_on":"2026-01-15"}')
end
