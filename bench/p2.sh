#!/usr/bin/env bash
# P2 and P3 at national order: loads N cooperatives (default 2,200,000) through the import
# endpoint in files of 20,000 rows, timing every file (constant time per file is the P3 goal on
# a growing registry), then measures a filtered list page (p99 over wrk --latency) and the
# pilot dashboard (median of 5, with the status codes). Usage:
#   bench/p2.sh [target/release/coophub] [sqlite|postgres://…/empty_db] [N]
set -euo pipefail
BIN=${1:-target/release/coophub}
DB=${2:-sqlite}
N=${3:-2200000}
FILE_ROWS=${FILE_ROWS:-20000}
PORT=${PORT:-18082}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
export COOPHUB_JWT_SECRET=bench-secret-bench-secret-bench-secret
export COOPHUB_DATA_KEY=${COOPHUB_DATA_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export RUST_LOG=warn
if [ "$DB" = sqlite ]; then export COOPHUB_DATABASE_URL="$WORK/coophub.db"; else export COOPHUB_DATABASE_URL="$DB"; fi
"$BIN" migrate >/dev/null
echo 'bench-password-123' | "$BIN" user create --username benchadmin --role district_admin >/dev/null
"$BIN" serve --bind 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.2; done
API=http://127.0.0.1:$PORT/api/v1
TOKEN=$(curl -sf -X POST $API/auth/login -H 'Content-Type: application/json' \
  -d '{"username":"benchadmin","password":"bench-password-123"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
TOWNS=$(curl -sf "$API/towns" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("items", d); print(",".join(t["code"] for t in d))')

echo "loading $N cooperatives in files of $FILE_ROWS rows ($DB)"
done_rows=0
file=0
while [ "$done_rows" -lt "$N" ]; do
  rows=$(( N - done_rows < FILE_ROWS ? N - done_rows : FILE_ROWS ))
  python3 "$HERE/gen_coops.py" "$rows" "$((done_rows + 1))" "$TOWNS" > "$WORK/file.csv"
  file=$((file + 1))
  out=$(curl -s -o "$WORK/import.json" -w '%{http_code} %{time_total}' -X POST "$API/imports/cooperatives" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$WORK/file.csv")
  code=${out% *}
  secs=${out#* }
  if [ "$code" != 201 ] && [ "$code" != 200 ]; then
    echo "file $file: HTTP $code"; head -c 600 "$WORK/import.json"; echo; exit 1
  fi
  done_rows=$((done_rows + rows))
  python3 -c "print(f'file $file: $rows rows in {float(\"$secs\"):.2f} s = {int($rows/float(\"$secs\"))} rows/s, registry now $done_rows')"
done

# A filtered list page: one town and one industry, active, 50 per page, random towns.
cat > "$WORK/list.lua" <<LUA
math.randomseed(7)
local towns = {}
for t in string.gmatch("$TOWNS", "[^,]+") do towns[#towns+1] = t end
wrk.headers["Authorization"] = "Bearer $TOKEN"
request = function()
  return wrk.format("GET", "/api/v1/cooperatives?limit=50&status=active&industry=blueberry&town_code=" .. towns[math.random(1, #towns)])
end
LUA
echo "filtered list page (wrk -t2 -c16 -d10s --latency):"
wrk -t2 -c16 -d10s --latency -s "$WORK/list.lua" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|Non-2xx|^ +(50|90|99)%'

echo "GET /pilot/progress, 5 times:"
for _ in 1 2 3 4 5; do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$API/pilot/progress" -H "Authorization: Bearer $TOKEN"
done | python3 -c '
import sys
runs = [l.split() for l in sys.stdin if l.strip()]
times = sorted(float(t) * 1000 for _, t in runs)
print("  statuses:", " ".join(c for c, _ in runs), f"| median {times[len(times)//2]:.0f} ms, max {times[-1]:.0f} ms")'
