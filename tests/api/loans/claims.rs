//! The fund's four eyes: compensation claims (submitted → approved → paid by another district
//! admin, or rejected), per-bank agreements, recoveries, the paged ledger with vouchers.

use coophub::auth::Role;
use coophub::db::schema::webhook_deliveries;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::fixtures::loans::{
    approved_claim, claim_ready, loan_at, other_bank, second_admin, At,
};
use crate::common::fixtures::{act, contribute, product};
use crate::common::{TestApp, TOWN_A};

async fn claim(app: &TestApp, token: &str, loan: i64, body: Value) -> crate::common::Resp {
    app.post(
        &format!("/api/v1/loans/{loan}/compensation-claims"),
        token,
        body,
    )
    .await
}

async fn claim_act(
    app: &TestApp,
    token: &str,
    id: i64,
    action: &str,
    body: Value,
) -> crate::common::Resp {
    app.post(
        &format!("/api/v1/compensation-claims/{id}/{action}"),
        token,
        body,
    )
    .await
}

fn evidence() -> Value {
    json!({"evidence": ["借款合同 JJ-0001", "催收记录 2026-06-30"], "note": "逾期催收无果"})
}

#[actix_web::test]
async fn a_claim_is_paid_on_four_eyes() {
    let app = TestApp::new().await;
    app.post(
        "/api/v1/webhooks",
        &app.token(Role::BankPartner),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["risk_fund.claim_paid"], "secret": "whsec_test_0123456789abcdef"}),
    )
    .await
    .ok(201);
    let (coop, eligible, bank) = claim_ready(&app, 100_000).await;
    let id = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
    let disbursed = loan_at(&app, &bank, coop, eligible, 1_000, At::Disbursed).await;
    // Who may file: the bank and the district; others 403; another bank 404.
    for role in [
        Role::Cooperative,
        Role::TownOfficer,
        Role::Observer,
        Role::Counselor,
        Role::ServiceCenter,
    ] {
        claim(&app, &app.token(role), id, evidence())
            .await
            .problem(403);
    }
    claim(&app, &other_bank(&app), id, evidence())
        .await
        .problem(404);
    claim(&app, &bank, disbursed, evidence()).await.problem(409);
    // Evidence: 1–20 non-blank items of at most 500 characters.
    for bad in [
        json!([]),
        json!([" "]),
        json!(vec!["x"; 21]),
        json!(["长".repeat(501)]),
    ] {
        claim(&app, &bank, id, json!({"evidence": bad}))
            .await
            .field_error("evidence");
    }
    let c = claim(&app, &bank, id, evidence()).await.ok(201);
    assert_eq!(c["status"], "submitted");
    assert_eq!(
        c["evidence"],
        json!(["借款合同 JJ-0001", "催收记录 2026-06-30"])
    );
    let cid = c["id"].as_i64().unwrap();
    // One live claim per loan.
    claim(&app, &app.admin(), id, evidence()).await.problem(409);
    // It cannot be paid before approval; only a district admin approves.
    claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .problem(409);
    for t in [bank.clone(), app.token(Role::Observer)] {
        claim_act(&app, &t, cid, "approve", json!({}))
            .await
            .problem(403);
    }
    let a = claim_act(&app, &app.admin(), cid, "approve", json!({}))
        .await
        .ok(200);
    assert_eq!(a["status"], "approved");
    assert_eq!(a["approved_by"], "test-district_admin");
    claim_act(&app, &app.admin(), cid, "approve", json!({}))
        .await
        .problem(409);
    // The approver may not pay it too.
    let p = claim_act(&app, &app.admin(), cid, "pay", json!({}))
        .await
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("approved"));
    claim_act(&app, &bank, cid, "pay", json!({}))
        .await
        .problem(403);
    // Another district admin pays 80 % of 100,000 = 80,000.
    let paid = claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .ok(200);
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["amount_fen"], 80_000);
    assert_eq!(paid["paid_by"], "treasurer");
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(l["status"], "compensated");
    let f = app.get("/api/v1/risk-fund", &app.admin()).await.ok(200);
    assert_eq!(f["balance_fen"], 20_000);
    let events: Vec<String> = webhook_deliveries::table
        .select(webhook_deliveries::event_type)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(events, ["risk_fund.claim_paid"]);
    // Reading it: the bank its own, another bank 404, a town officer 403.
    let got = app
        .get(&format!("/api/v1/compensation-claims/{cid}"), &bank)
        .await
        .ok(200);
    assert_eq!(got["fund_entry_id"], paid["fund_entry_id"]);
    app.get(
        &format!("/api/v1/compensation-claims/{cid}"),
        &other_bank(&app),
    )
    .await
    .problem(404);
    app.get(
        &format!("/api/v1/compensation-claims/{cid}"),
        &app.token(Role::TownOfficer),
    )
    .await
    .problem(403);
    claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .problem(409);
}

#[actix_web::test]
async fn rejected_claims_and_a_fund_that_never_goes_negative() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let plain = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 100_000).await;
    let big = loan_at(&app, &bank, coop, eligible, 600_000, At::Defaulted).await;
    let other = loan_at(&app, &bank, coop, plain, 100_000, At::Defaulted).await;
    // Not a guaranteed product: no claim.
    claim(&app, &bank, other, evidence()).await.problem(409);
    // 80 % of 600,000 = 480,000 > the balance of 100,000: 409, nothing changes.
    let cid = approved_claim(&app, big).await;
    let p = claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("negative"));
    let got = app
        .get(&format!("/api/v1/compensation-claims/{cid}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(got["status"], "approved");
    let f = app.get("/api/v1/risk-fund", &app.admin()).await.ok(200);
    assert_eq!(f["balance_fen"], 100_000);
    // Rejected with a reason, then a new claim may be filed.
    claim_act(&app, &app.admin(), cid, "reject", json!({}))
        .await
        .field_error("reason");
    claim_act(&app, &bank, cid, "reject", json!({"reason": "x"}))
        .await
        .problem(403);
    let r = claim_act(
        &app,
        &app.admin(),
        cid,
        "reject",
        json!({"reason": "证据不足"}),
    )
    .await
    .ok(200);
    assert_eq!(
        (r["status"].as_str(), r["reason"].as_str()),
        (Some("rejected"), Some("证据不足"))
    );
    claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .problem(409);
    claim_act(
        &app,
        &app.admin(),
        cid,
        "reject",
        json!({"reason": "again"}),
    )
    .await
    .problem(409);
    claim(&app, &bank, big, evidence()).await.ok(201);
    claim_act(&app, &app.admin(), 999_999, "approve", json!({}))
        .await
        .problem(404);
}

#[actix_web::test]
async fn agreements_set_the_banks_cap_and_share() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let psbc = product(&app, "psbc", "bullet", true).await;
    let other = product(&app, "other", "bullet", true).await;
    contribute(&app, 100_000).await;
    let put = |bank: &str| format!("/api/v1/risk-fund/agreements/{bank}");
    let terms =
        json!({"leverage": 2, "compensation_share_bp": 5000, "effective_from": "2026-01-01"});
    app.put(&put("psbc"), &app.token(Role::BankPartner), terms.clone())
        .await
        .problem(403);
    app.put(&put("psbc"), &app.token(Role::Observer), terms.clone())
        .await
        .problem(403);
    for (field, v) in [
        ("leverage", json!(0)),
        ("leverage", json!(101)),
        ("compensation_share_bp", json!(10_001)),
        ("effective_from", json!("1800-01-01")),
    ] {
        let mut b = terms.clone();
        b[field] = v;
        app.put(&put("psbc"), &app.admin(), b)
            .await
            .field_error(field);
    }
    app.put(&put("PSBC"), &app.admin(), terms.clone())
        .await
        .field_error("bank_code");
    let a = app
        .put(&put("psbc"), &app.admin(), terms.clone())
        .await
        .ok(200);
    assert_eq!(
        (a["leverage"].as_i64(), a["version"].as_i64()),
        (Some(2), Some(1))
    );
    let a = app
        .put(&put("psbc"), &app.admin(), terms.clone())
        .await
        .ok(200);
    assert_eq!(a["version"], 2);
    // A future agreement of `other` does not apply yet.
    app.put(
        &put("other"),
        &app.admin(),
        json!({"leverage": 1, "compensation_share_bp": 0, "effective_from": "2099-01-01"}),
    )
    .await
    .ok(200);
    let mine = app
        .get(
            "/api/v1/risk-fund/agreements",
            &app.token(Role::BankPartner),
        )
        .await
        .ok(200);
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        1,
        "a bank sees its own"
    );
    let all = app
        .get("/api/v1/risk-fund/agreements", &app.token(Role::Observer))
        .await
        .ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    app.get(
        "/api/v1/risk-fund/agreements",
        &app.token(Role::TownOfficer),
    )
    .await
    .problem(403);
    // psbc: cap 2 × 100,000 = 200,000 against its own exposure.
    let bank = app.token(Role::BankPartner);
    loan_at(&app, &bank, coop, psbc, 150_000, At::Approved).await;
    let next = loan_at(&app, &bank, coop, psbc, 100_000, At::UnderReview).await;
    let p = act(&app, &bank, next, "approve", json!({}))
        .await
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("headroom is 50000"),
        "{p}"
    );
    act(
        &app,
        &bank,
        next,
        "approve",
        json!({"approved_amount_fen": 50_000}),
    )
    .await
    .ok(200);
    // `other` (its agreement not in effect): the default 10 × 100,000 against every bank's
    // exposure (200,000): 800,000 of headroom.
    let ob = other_bank(&app);
    let o = loan_at(&app, &ob, coop, other, 800_001, At::UnderReview).await;
    act(&app, &ob, o, "approve", json!({})).await.problem(409);
    act(
        &app,
        &ob,
        o,
        "approve",
        json!({"approved_amount_fen": 800_000}),
    )
    .await
    .ok(200);
}

#[actix_web::test]
async fn the_agreements_share_is_paid_and_recoveries_flow_back() {
    let app = TestApp::new().await;
    let (coop, eligible, bank) = claim_ready(&app, 1_000_000).await;
    app.put(
        "/api/v1/risk-fund/agreements/psbc",
        &app.admin(),
        json!({"leverage": 10, "compensation_share_bp": 5000, "effective_from": "2026-01-01"}),
    )
    .await
    .ok(200);
    let id = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
    let recovery =
        json!({"amount_fen": 30_001, "recovered_on": "2026-11-30", "bank_reference": "ZS-0001"});
    let rec = |token: String, body: Value| {
        let app = &app;
        async move {
            app.post(&format!("/api/v1/loans/{id}/recoveries"), &token, body)
                .await
        }
    };
    // Not compensated yet.
    rec(bank.clone(), recovery.clone()).await.problem(409);
    let cid = approved_claim(&app, id).await;
    let paid = claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .ok(200);
    // 50 % of 100,000.
    assert_eq!(paid["amount_fen"], 50_000);
    for role in [Role::Cooperative, Role::Observer, Role::TownOfficer] {
        rec(app.token(role), recovery.clone()).await.problem(403);
    }
    rec(other_bank(&app), recovery.clone()).await.problem(404);
    for (field, v) in [
        ("amount_fen", json!(0)),
        ("recovered_on", json!("2999-01-01")),
        ("bank_reference", json!("a b")),
    ] {
        let mut b = recovery.clone();
        b[field] = v;
        rec(bank.clone(), b).await.field_error(field);
    }
    // 50 % of 30,001 = 15,000.5 → 15,000 back into the fund.
    let r = rec(bank.clone(), recovery.clone()).await.ok(201);
    assert_eq!(r["fund_share_fen"], 15_000);
    assert_eq!(r["fund_entry"]["kind"], "recovery");
    rec(bank.clone(), recovery.clone()).await.problem(409);
    let f = app.get("/api/v1/risk-fund", &app.admin()).await.ok(200);
    // 1,000,000 − 50,000 + 15,000.
    assert_eq!(f["balance_fen"], 965_000);
    assert_eq!(f["recovered_fen"], 15_000);
}

#[actix_web::test]
async fn the_ledger_is_paged_with_vouchers() {
    let app = TestApp::new().await;
    let (coop, eligible, bank) = claim_ready(&app, 100_000).await;
    contribute(&app, 50_000).await;
    let id = loan_at(&app, &bank, coop, eligible, 10_000, At::Defaulted).await;
    let cid = approved_claim(&app, id).await;
    claim_act(&app, &second_admin(&app), cid, "pay", json!({}))
        .await
        .ok(200);
    let admin = app.admin();
    let page = app
        .get("/api/v1/risk-fund/entries?limit=2", &admin)
        .await
        .ok(200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let v = items[0]["voucher_no"].as_str().unwrap();
    assert_eq!(
        v,
        format!("RF-C-20260101-{:06}", items[0]["id"].as_i64().unwrap())
    );
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/risk-fund/entries?limit=2&cursor={cursor}"),
            &admin,
        )
        .await
        .ok(200);
    let last = &rest["items"][0];
    assert_eq!(last["kind"], "compensation");
    assert_eq!(last["amount_fen"], 8_000);
    assert_eq!(last["bank_code"], "psbc");
    assert_eq!(last["loan_id"], id);
    assert!(last["voucher_no"].as_str().unwrap().starts_with("RF-P-"));
    assert_eq!(rest["next_cursor"], Value::Null);
    // Filters.
    let only = app
        .get("/api/v1/risk-fund/entries?kind=contribution", &admin)
        .await
        .ok(200);
    assert_eq!(only["items"].as_array().unwrap().len(), 2);
    let none = app
        .get("/api/v1/risk-fund/entries?bank_code=other", &admin)
        .await
        .ok(200);
    assert!(none["items"].as_array().unwrap().is_empty());
    let dated = app
        .get(
            "/api/v1/risk-fund/entries?from=2026-01-01&to=2026-01-01",
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(dated["items"].as_array().unwrap().len(), 2);
    // A bank sees the entries of its own loans only.
    let mine = app.get("/api/v1/risk-fund/entries", &bank).await.ok(200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert!(app
        .get("/api/v1/risk-fund/entries", &other_bank(&app))
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .is_empty());
    // Bad input.
    app.get("/api/v1/risk-fund/entries?limit=201", &admin)
        .await
        .field_error("limit");
    app.get(
        "/api/v1/risk-fund/entries?from=2026-02-01&to=2026-01-01",
        &admin,
    )
    .await
    .field_error("to");
    app.get("/api/v1/risk-fund/entries?kind=gift", &admin)
        .await
        .problem(400);
    app.get("/api/v1/risk-fund/entries", &app.token(Role::Cooperative))
        .await
        .problem(403);
}

#[actix_web::test]
async fn a_replayed_claim_filing_answers_the_first_location_and_etag() {
    let app = TestApp::new().await;
    let (coop, eligible, bank) = claim_ready(&app, 100_000).await;
    let id = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
    let send = || {
        app.request(
            actix_web::test::TestRequest::post()
                .uri(&format!("/api/v1/loans/{id}/compensation-claims"))
                .insert_header(("Authorization", format!("Bearer {bank}")))
                .insert_header(("Idempotency-Key", "claim-1"))
                .set_json(evidence()),
        )
    };
    let first = send().await;
    let (location, etag) = (first.header("location"), first.header("etag"));
    let first = first.ok(201);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/compensation-claims/{}", first["id"]).as_str())
    );
    assert!(etag.is_some());
    // The retry of a lost answer: the same claim, where it lives and its version, not a 409
    // (one live claim per loan) and not a second claim.
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.header("location"), location);
    assert_eq!(again.header("etag"), etag);
    assert_eq!(again.ok(201), first);
    let list = app
        .get("/api/v1/compensation-claims?count=true", &app.admin())
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}
