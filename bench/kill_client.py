"""The client of bench/kill_repayments.sh (stdlib only).

`write`: 16 threads, one per loan, post 1-fen repayments with fresh Idempotency-Keys until the
server goes away; each key is logged before it is sent and, when answered, with its status
and the repayment's id. `check`: posts every logged key again and checks the ledgers.
"""
import json
import os
import sys
import threading
import urllib.error
import urllib.request

API, TOKEN, WORK = os.environ["API"], os.environ["BANK"], os.environ["WORK"]
LOANS = [int(x) for x in os.environ["LOANS"].split(",")]
BODY = json.dumps({"amount_fen": 1, "paid_on": "2026-02-15"}).encode()


def call(method, path, key=None, body=None):
    req = urllib.request.Request(API + path, data=body, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers


def writer(i, loan):
    sent = open(f"{WORK}/sent.{i}", "w", buffering=1)
    acked = open(f"{WORK}/acked.{i}", "w", buffering=1)
    n = 0
    while True:
        key = f"kill-{loan}-{n}"
        n += 1
        sent.write(f"{loan} {key}\n")
        try:
            status, body, _ = call("POST", f"/loans/{loan}/repayments", key, BODY)
        except (urllib.error.URLError, ConnectionError, OSError):
            return  # the server is gone
        if 200 <= status < 300:
            acked.write(f"{loan} {key} {body['id']}\n")
        else:
            print(f"writer {i}: {key} answered {status}: {body}", file=sys.stderr)


def lines(prefix):
    out = []
    for i in range(len(LOANS)):
        with open(f"{WORK}/{prefix}.{i}") as f:
            out += [line.split() for line in f if line.strip()]
    return out


def check():
    sent, acked = lines("sent"), lines("acked")
    failures = []
    resolved = {}  # key → repayment id after the restart
    replays = performed = 0
    for loan, key in sent:
        status, body, headers = call("POST", f"/loans/{loan}/repayments", key, BODY)
        if status != 201:
            failures.append(f"{key}: answered {status} after the restart: {body}")
            continue
        resolved[key] = body["id"]
        if headers.get("Idempotent-Replayed") == "true":
            replays += 1
        else:
            performed += 1
    for loan, key, rid in acked:
        if resolved.get(key) not in (None, int(rid)):
            failures.append(f"{key}: acknowledged as {rid}, replayed as {resolved[key]}")
    for loan in LOANS:
        _, ledger, _ = call("GET", f"/loans/{loan}/repayments")
        ids = [r["id"] for r in ledger["items"]]
        if len(ids) != len(set(ids)):
            failures.append(f"loan {loan}: a repayment twice in the ledger")
        mine = [k for l, k in sent if int(l) == loan]
        if len(ids) != len(mine):
            failures.append(f"loan {loan}: {len(ids)} repayments for {len(mine)} keys")
        for l, key, rid in acked:
            if int(l) == loan and int(rid) not in ids:
                failures.append(f"{key}: acknowledged repayment {rid} lost")
        _, l, _ = call("GET", f"/loans/{loan}")
        paid = l["paid_principal_fen"] + l["paid_interest_fen"]
        total = sum(r["amount_fen"] for r in ledger["items"])
        if paid != total:
            failures.append(f"loan {loan}: totals {paid} fen, ledger {total} fen")
    print(f"keys sent {len(sent)}, acknowledged before the kill {len(acked)}; "
          f"after the restart: {replays} replayed, {performed} performed, {len(failures)} failures")
    for f in failures[:20]:
        print("  " + f)
    if failures or not acked:
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        ts = [threading.Thread(target=writer, args=(i, l)) for i, l in enumerate(LOANS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    else:
        check()
