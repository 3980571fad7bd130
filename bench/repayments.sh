#!/usr/bin/env bash
# Repayments per second through the API: 16 concurrent clients (wrk threads with one
# connection each), each repaying 1 fen per request on its own loan with its own
# Idempotency-Keys. Usage:
#   bench/repayments.sh [target/release/coophub] [sqlite|postgres://…] [seconds]
set -euo pipefail
BIN=${1:-target/release/coophub}
DB=${2:-sqlite}
SECS=${3:-20}
PORT=18080
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export COOPHUB_JWT_SECRET=bench-secret-bench-secret-bench-secret
export COOPHUB_DATA_KEY=${COOPHUB_DATA_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
if [ "$DB" = sqlite ]; then export COOPHUB_DATABASE_URL="$WORK/coophub.db"; else export COOPHUB_DATABASE_URL="$DB"; fi
"$BIN" migrate >/dev/null
echo 'bench-password-123' | "$BIN" user create --username benchadmin --role district_admin >/dev/null
"$BIN" serve --bind 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.2; done
API=http://127.0.0.1:$PORT/api/v1
j() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -X POST "$API$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
ADMIN=$(curl -sf -X POST $API/auth/login -H 'Content-Type: application/json' \
  -d '{"username":"benchadmin","password":"bench-password-123"}' | j '["access_token"]')
COOP=$(post /cooperatives "$ADMIN" '{"name":"南川区基准测试专业合作社","uscc":"93500119MA5U7K3L78","town_code":"500119110","industry_codes":["ancient_tree_tea"],"legal_representative":"张三","phone":"13812345678","established_on":"2015-03-18","registered_capital_fen":50000000}' | j '["id"]')
PROD=$(post /loan-products "$ADMIN" '{"bank_code":"psbc","name":"基准","annual_rate_bp":435,"max_amount_fen":100000000000,"max_term_months":36,"repayment_method":"bullet","risk_compensation_eligible":false}' | j '["id"]')
P=$(post /partners "$ADMIN" '{"bank_code":"psbc","name":"bench"}')
BANK=$(curl -sf -X POST $API/auth/token -d grant_type=client_credentials \
  -d client_id="$(echo "$P" | j '["client_id"]')" -d client_secret="$(echo "$P" | j '["client_secret"]')" | j '["access_token"]')
LOANS=""
for _ in $(seq 16); do
  L=$(post /loans "$ADMIN" "{\"cooperative_id\":$COOP,\"product_id\":$PROD,\"amount_fen\":10000000000,\"term_months\":36,\"purpose\":\"bench\"}" | j '["id"]')
  post /loans/$L/review "$BANK" '{}' >/dev/null
  post /loans/$L/approve "$BANK" '{}' >/dev/null
  post /loans/$L/disburse "$BANK" '{"disbursed_on":"2026-01-15"}' >/dev/null
  LOANS="$LOANS${LOANS:+,}$L"
done
# The machine's CPU time over the run (every process: the server, the database, wrk), read
# from /proc/stat, in USER_HZ ticks: less noisy than the rate on a shared VM.
cpu() { awk '/^cpu /{print $2+$3+$4+$7+$8, $9}' /proc/stat; }
read -r BUSY0 STEAL0 < <(cpu)
LOANS=$LOANS TOKEN=$BANK wrk -t16 -c16 -d${SECS}s --latency -s "$(dirname "$0")/repay.lua" http://127.0.0.1:$PORT
# Every repayment is 1 fen: the ledger's total is the number of repayments recorded.
TOTAL=$(curl -sf "$API/loans?limit=200" -H "Authorization: Bearer $ADMIN" \
  | python3 -c "import json,sys; print(sum(l['paid_principal_fen'] + l['paid_interest_fen'] for l in json.load(sys.stdin)['items']))")
read -r BUSY1 STEAL1 < <(cpu)
echo "repayments in the ledger: $TOTAL"
HZ=$(getconf CLK_TCK)
python3 -c "print(f'CPU per repayment: {($BUSY1-$BUSY0)*1e6/$HZ/$TOTAL:.0f} µs (all processes), steal {($STEAL1-$STEAL0)*100/$HZ/$SECS:.0f} % of a core')"
