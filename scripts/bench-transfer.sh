#!/usr/bin/env bash
# Measures the cooperative CSV import and the CSV/XLSX exports against a release build of
# `coophub serve` on loopback, each under `/usr/bin/time -v` in its own server process
# (so "peak memory" is the server's maximum resident set size for that one request,
# start-up included). See BENCHMARKS.md.
#
#   cargo build --release --bin coophub --example gen_coop_csv
#   bash scripts/bench-transfer.sh                      # 20,000 rows on a fresh SQLite file
#   bash scripts/bench-transfer.sh 20000 postgres://postgres@127.0.0.1:5432/coophub_bench
#                                                       # an existing, empty PostgreSQL database
set -euo pipefail

ROWS="${1:-20000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/target/release/coophub"
GEN="${ROOT}/target/release/examples/gen_coop_csv"
WORK="$(mktemp -d)"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:${PORT}"
export COOPHUB_DATABASE_URL="${2:-${WORK}/coophub.db}"
export COOPHUB_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
export RUST_LOG="${RUST_LOG:-warn}"

for f in "$BIN" "$GEN"; do
    [ -x "$f" ] || { echo "missing $f: cargo build --release --bin coophub --example gen_coop_csv" >&2; exit 1; }
done

"$GEN" "$ROWS" > "${WORK}/coops.csv"
echo "generated ${ROWS} rows, $(stat -c %s "${WORK}/coops.csv") bytes: ${WORK}/coops.csv"
"$BIN" migrate > /dev/null
echo 'bench-password-0123' | "$BIN" user create --username bench --role district_admin > /dev/null

TIME_PID=""
# Starts `coophub serve` under /usr/bin/time -v; the report goes to ${WORK}/$1.time.
start_server() {
    /usr/bin/time -v "$BIN" serve --bind "127.0.0.1:${PORT}" > "${WORK}/$1.log" 2> "${WORK}/$1.time" &
    TIME_PID=$!
    for _ in $(seq 1 100); do
        curl -sf "${BASE}/readyz" > /dev/null && return 0
        sleep 0.1
    done
    echo "the server did not start; see ${WORK}/$1.log" >&2
    exit 1
}
# Stops the server started last (SIGINT to coophub itself, so that time reports) and prints
# its peak memory.
stop_server() {
    local child
    child="$(pgrep -P "$TIME_PID")"
    kill -INT "$child"
    wait "$TIME_PID" || true
    local kb
    kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "${WORK}/$1.time")"
    echo "$1: peak RSS ${kb} KiB ($((kb / 1024)) MiB)"
}
token() {
    curl -sf -X POST "${BASE}/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"username":"bench","password":"bench-password-0123"}' | jq -r .access_token
}
# Prints "label: N rows in T s = R rows/s".
rate() {
    awk -v l="$1" -v n="$2" -v t="$3" 'BEGIN { printf "%s: %d rows in %.3f s = %.0f rows/s\n", l, n, t, n / t }'
}

start_server baseline
stop_server baseline

start_server import
TOKEN="$(token)"
read -r code secs < <(curl -s -o "${WORK}/import.json" -w '%{http_code} %{time_total}\n' \
    -X POST "${BASE}/api/v1/imports/cooperatives" \
    -H "Authorization: Bearer ${TOKEN}" -H 'Content-Type: text/csv' \
    --data-binary "@${WORK}/coops.csv")
[ "$code" = 201 ] || { echo "import answered ${code}: $(head -c 500 "${WORK}/import.json")" >&2; exit 1; }
rate "import (HTTP 201, created $(jq .created "${WORK}/import.json"))" "$ROWS" "$secs"
stop_server import

start_server export_csv
TOKEN="$(token)"
read -r code secs < <(curl -s -o "${WORK}/export.csv" -w '%{http_code} %{time_total}\n' \
    "${BASE}/api/v1/exports/cooperatives.csv" -H "Authorization: Bearer ${TOKEN}")
lines=$(($(wc -l < "${WORK}/export.csv") - 1))
rate "export CSV (HTTP ${code}, $(stat -c %s "${WORK}/export.csv") bytes)" "$lines" "$secs"
stop_server export_csv

start_server export_xlsx
TOKEN="$(token)"
read -r code secs < <(curl -s -o "${WORK}/export.xlsx" -w '%{http_code} %{time_total}\n' \
    "${BASE}/api/v1/exports/cooperatives.xlsx" -H "Authorization: Bearer ${TOKEN}")
rate "export XLSX (HTTP ${code}, $(stat -c %s "${WORK}/export.xlsx") bytes)" "$lines" "$secs"
stop_server export_xlsx

echo "reports of /usr/bin/time -v: ${WORK}/*.time"
