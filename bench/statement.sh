#!/usr/bin/env bash
# The reconciliation statement of a bank with N loans (default 100,000) on PostgreSQL:
# generates the loans (12-month 等额本息 at 4.35 %, disbursed over 2026) and one repayment for
# every tenth loan, recorded on the statement's day, directly in SQL, then times the CSV and
# the JSON through the API (curl, release build). Usage:
#   bench/statement.sh [target/release/coophub] [postgres://…/coophub_stmt] [N] [DAY]
# The database is dropped and made again.
set -euo pipefail
BIN=${1:-target/release/coophub}
DB=${2:-postgres://postgres@127.0.0.1:5432/coophub_stmt}
N=${3:-100000}
DAY=${4:-2026-11-16}
PORT=18081
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
ADMIN_URL=${DB%/*}/postgres
NAME=${DB##*/}
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME"
export COOPHUB_JWT_SECRET=bench-secret-bench-secret-bench-secret
export COOPHUB_DATA_KEY=${COOPHUB_DATA_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export COOPHUB_DATABASE_URL="$DB"
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
COOP=$(post /cooperatives "$ADMIN" '{"name":"南川区对账基准专业合作社","uscc":"93500119MA5U7K3L78","town_code":"500119110","industry_codes":["ancient_tree_tea"],"legal_representative":"张三","phone":"13812345678","established_on":"2015-03-18","registered_capital_fen":50000000}' | j '["id"]')
PROD=$(post /loan-products "$ADMIN" '{"bank_code":"psbc","name":"对账","annual_rate_bp":435,"max_amount_fen":100000000000,"max_term_months":36,"repayment_method":"equal_installment","risk_compensation_eligible":false}' | j '["id"]')
psql -q "$DB" <<SQL
INSERT INTO loans (cooperative_id, product_id, bank_code, amount_fen, approved_amount_fen,
  annual_rate_bp, term_months, repayment_method, risk_compensation_eligible, purpose, status,
  disbursed_on, version, created_at, updated_at, bank_reference)
SELECT $COOP, $PROD, 'psbc', 10000000, 10000000, 435, 12, 'equal_installment', false, 'bench',
  'disbursed', DATE '2026-01-01' + (g % 300), 4, now(), now(), 'JJ-' || g
FROM generate_series(1, $N) g;
INSERT INTO loan_repayments (loan_id, amount_fen, principal_fen, interest_fen, paid_on,
  actor_name, created_at, bank_code, bank_reference, penalty_interest_fen,
  prepaid_principal_fen, prepayment, updated_at)
SELECT id, 853099, 816849, 36250, DATE '$DAY', 'bench', TIMESTAMP '$DAY 10:00:00', 'psbc',
  'LS-' || id, 0, 0, 'reduce_payment', TIMESTAMP '$DAY 10:00:00'
FROM loans WHERE id % 10 = 0 AND disbursed_on < DATE '$DAY';
ANALYZE;
SQL
time_it() {
  curl -s -o "$WORK/out" -w '%{http_code} %{time_starttransfer} %{time_total}\n' \
    "$API/statements/psbc/$DAY$1" -H "Authorization: Bearer $ADMIN"
}
for what in .csv ''; do
  for run in 1 2 3; do
    read -r code first total < <(time_it "$what")
    echo "statement${what:-.json} run $run: HTTP $code, first byte ${first}s, total ${total}s, $(wc -c <"$WORK/out") bytes"
  done
done
LINES=$(python3 -c "import json; s=json.load(open('$WORK/out')); print(s['totals']['loans'], 'loans,', s['totals']['repayments'], 'movements')")
echo "JSON statement: $LINES"
