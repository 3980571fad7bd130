#!/usr/bin/env bash
# P3: the CSV import's rate against raw SQLite inserting the same rows in one transaction
# (python3's sqlite3, prepared executemany into the same migrated schema: cooperatives and
# their industries), same machine. Goal: the import at ≥ 40 % of the raw rate.
#   bench/p3.sh [target/release/coophub] [rows]
set -euo pipefail
BIN=${1:-target/release/coophub}
ROWS=${2:-20000}
PORT=${PORT:-18084}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
export COOPHUB_JWT_SECRET=bench-secret-bench-secret-bench-secret
export COOPHUB_DATA_KEY=${COOPHUB_DATA_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export RUST_LOG=warn
export COOPHUB_DATABASE_URL="$WORK/coophub.db"
"$BIN" migrate >/dev/null
COOPHUB_DATABASE_URL="$WORK/raw.db" "$BIN" migrate >/dev/null
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
python3 "$HERE/gen_coops.py" "$ROWS" 1 "$TOWNS" > "$WORK/file.csv"
out=$(curl -s -o "$WORK/import.json" -w '%{http_code} %{time_total}' -X POST "$API/imports/cooperatives" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$WORK/file.csv")
[ "${out% *}" = 201 ] || [ "${out% *}" = 200 ] || { echo "import: HTTP ${out% *}"; head -c 600 "$WORK/import.json"; exit 1; }
python3 - "$WORK/raw.db" "$WORK/file.csv" "${out#* }" "$ROWS" <<'PY'
import csv, sqlite3, sys, time
db, path, api_secs, rows = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
with open(path, encoding="utf-8") as f:
    data = list(csv.DictReader(f))
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=NORMAL")
start = time.perf_counter()
con.execute("BEGIN IMMEDIATE")
now = "2026-12-01 00:00:00"
cur = con.executemany(
    "INSERT INTO cooperatives (name, uscc, town_code, legal_representative, phone, established_on, "
    "registered_capital_fen, address, business_scope, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [(r["name"], r["uscc"], r["town_code"], r["legal_representative"], r["phone"], r["established_on"],
      int(r["registered_capital_fen"]), r["address"], r["business_scope"], now, now) for r in data])
ids = {u: i for i, u in con.execute("SELECT id, uscc FROM cooperatives")}
con.executemany("INSERT INTO cooperative_industries (cooperative_id, industry_code) VALUES (?, ?)",
                [(ids[r["uscc"]], r["industry_codes"]) for r in data])
con.execute("COMMIT")
raw = time.perf_counter() - start
api_rate, raw_rate = rows / api_secs, rows / raw
print(f"import {rows} rows in {api_secs:.2f} s = {api_rate:,.0f} rows/s; raw SQLite {raw:.2f} s = {raw_rate:,.0f} rows/s")
print(f"P3 ratio {api_rate / raw_rate:.0%} (goal >= 40%)")
PY
