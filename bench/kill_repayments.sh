#!/usr/bin/env bash
# Crash test of keyed repayments: 16 concurrent writers (one loan each) post 1-fen repayments,
# each with its own Idempotency-Key; the server is killed with SIGKILL mid-way and restarted;
# every key sent is posted again. Passes when every acknowledged (2xx) repayment is in the
# ledger exactly once, every key resolves after the restart (a replay, or performed once;
# never 409), and each loan's totals equal its ledger. Usage:
#   bench/kill_repayments.sh [target/debug/coophub] [sqlite|postgres://… (an empty database)] [seconds before the kill]
set -euo pipefail
BIN=${1:-target/debug/coophub}
DB=${2:-sqlite}
SECS=${3:-3}
PORT=${PORT:-18090}
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
export COOPHUB_JWT_SECRET=kill-test-secret-kill-test-secret-kill
# A fixed 32-byte data key (ID numbers are sealed at rest; serve refuses to start without one).
export COOPHUB_DATA_KEY="${COOPHUB_DATA_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}"
if [ "$DB" = sqlite ]; then export COOPHUB_DATABASE_URL="$WORK/coophub.db"; else export COOPHUB_DATABASE_URL="$DB"; fi
serve() {
  "$BIN" serve --bind 127.0.0.1:$PORT >>"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf localhost:$PORT/readyz >/dev/null && return; sleep 0.2; done
  echo "the server did not come up"; cat "$WORK/serve.log"; exit 1
}
"$BIN" migrate >/dev/null
echo 'kill-password-123' | "$BIN" user create --username killadmin --role district_admin >/dev/null
serve
API=http://127.0.0.1:$PORT/api/v1
j() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -X POST "$API$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
ADMIN=$(curl -sf -X POST $API/auth/login -H 'Content-Type: application/json' \
  -d '{"username":"killadmin","password":"kill-password-123"}' | j '["access_token"]')
COOP=$(post /cooperatives "$ADMIN" '{"name":"南川区崩溃测试专业合作社","uscc":"93500119MA5U7K3L78","town_code":"500119110","industry_codes":["ancient_tree_tea"],"legal_representative":"张三","phone":"13812345678","established_on":"2015-03-18","registered_capital_fen":50000000}' | j '["id"]')
PROD=$(post /loan-products "$ADMIN" '{"bank_code":"psbc","name":"崩溃测试","annual_rate_bp":435,"max_amount_fen":100000000000,"max_term_months":36,"repayment_method":"bullet","risk_compensation_eligible":false}' | j '["id"]')
P=$(post /partners "$ADMIN" '{"bank_code":"psbc","name":"kill-test"}')
BANK=$(curl -sf -X POST $API/auth/token -d grant_type=client_credentials \
  -d client_id="$(echo "$P" | j '["client_id"]')" -d client_secret="$(echo "$P" | j '["client_secret"]')" | j '["access_token"]')
LOANS=""
for _ in $(seq 16); do
  L=$(post /loans "$ADMIN" "{\"cooperative_id\":$COOP,\"product_id\":$PROD,\"amount_fen\":10000000000,\"term_months\":36,\"purpose\":\"kill test\"}" | j '["id"]')
  post /loans/$L/review "$BANK" '{}' >/dev/null
  post /loans/$L/approve "$BANK" '{}' >/dev/null
  post /loans/$L/disburse "$BANK" '{"disbursed_on":"2026-01-15"}' >/dev/null
  LOANS="$LOANS${LOANS:+,}$L"
done
export API BANK LOANS WORK
CLIENT="$(dirname "$0")/kill_client.py"
# 16 writers until the server dies under them.
python3 "$CLIENT" write &
WRITERS=$!
sleep "$SECS"
kill -9 $SERVER
wait $SERVER 2>/dev/null || true
wait $WRITERS
serve
python3 "$CLIENT" check
