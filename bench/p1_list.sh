#!/usr/bin/env bash
# A list page against a single GET, same server, same run: authenticated
# GET /api/v1/cooperatives?limit=50 (random towns) and GET /api/v1/cooperatives/{id} (random
# ids) on the demo data, wrk -t2 -c64. Prints both rates and the cost ratio (goal ≤ 3).
#   bench/p1_list.sh [target/release/coophub] [sqlite|postgres://…/empty_db] [duration]
set -euo pipefail
BIN=${1:-target/release/coophub}
DB=${2:-sqlite}
DUR=${3:-8s}
PORT=${PORT:-18083}
WORK=$(mktemp -d)
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
export COOPHUB_JWT_SECRET=bench-secret-bench-secret-bench-secret
export COOPHUB_DATA_KEY=${COOPHUB_DATA_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export RUST_LOG=warn
if [ "$DB" = sqlite ]; then export COOPHUB_DATABASE_URL="$WORK/coophub.db"; else export COOPHUB_DATABASE_URL="$DB"; fi
"$BIN" migrate >/dev/null
"$BIN" seed --demo >/dev/null
echo 'bench-password-123' | "$BIN" user create --username benchadmin --role district_admin >/dev/null
"$BIN" serve --bind 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.2; done
API=http://127.0.0.1:$PORT/api/v1
TOKEN=$(curl -sf -X POST $API/auth/login -H 'Content-Type: application/json' \
  -d '{"username":"benchadmin","password":"bench-password-123"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
IDS=$(curl -sf "$API/cooperatives?limit=200" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin)["items"]))')
TOWNS=$(curl -sf "$API/towns" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("items", d); print(" ".join(t["code"] for t in d))')
cat > "$WORK/get.lua" <<LUA
math.randomseed(42)
local ids = {}
for w in string.gmatch("$IDS", "%d+") do ids[#ids+1] = w end
wrk.headers["Authorization"] = "Bearer $TOKEN"
request = function() return wrk.format("GET", "/api/v1/cooperatives/" .. ids[math.random(1, #ids)]) end
LUA
cat > "$WORK/list.lua" <<LUA
math.randomseed(42)
local towns = {}
for w in string.gmatch("$TOWNS", "%d+") do towns[#towns+1] = w end
wrk.headers["Authorization"] = "Bearer $TOKEN"
request = function() return wrk.format("GET", "/api/v1/cooperatives?limit=50&town_code=" .. towns[math.random(1, #towns)]) end
LUA
get=$(wrk -t2 -c64 -d"$DUR" -s "$WORK/get.lua" "http://127.0.0.1:$PORT" | tee "$WORK/get.out" | awk '/Requests\/sec/{print $2}')
list=$(wrk -t2 -c64 -d"$DUR" -s "$WORK/list.lua" "http://127.0.0.1:$PORT" | tee "$WORK/list.out" | awk '/Requests\/sec/{print $2}')
grep -h Non-2xx "$WORK/get.out" "$WORK/list.out" || true
echo "single GET ${get} rps; list page (limit=50) ${list} rps; RSS $(ps -o rss= -p $SERVER) KiB"
python3 -c "r=$get/$list; print(f'a list page costs {r:.1f} single GETs (goal <= 3)')"
