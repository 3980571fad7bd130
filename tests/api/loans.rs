use actix_web::test::TestRequest;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::{act, apply, contribute, disbursed, partner_token, product, repay};
use crate::common::{TestApp, TOWN_A, TOWN_B};

fn other_bank(app: &TestApp) -> String {
    app.token_for(
        Role::BankPartner,
        Subject {
            bank_code: Some("other".into()),
            ..Default::default()
        },
    )
}

#[actix_web::test]
async fn whole_lifecycle_by_a_bank_client() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "equal_principal", true).await;
    contribute(&app, 10_000_000).await;
    let bank = partner_token(&app, "psbc").await;
    // The cooperative applies for itself.
    let l = app
        .post(
            "/api/v1/loans",
            &app.token(Role::Cooperative),
            json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1_000_000, "term_months": 3, "purpose": "购置茶叶加工设备"}),
        )
        .await
        .ok(201);
    assert_eq!(l["status"], "submitted");
    assert_eq!(l["bank_code"], "psbc");
    assert_eq!(l["annual_rate_bp"], 600);
    assert_eq!(l["outstanding_principal_fen"], 0);
    let id = l["id"].as_i64().unwrap();

    // Preview of the schedule before disbursement.
    let s = app
        .get(&format!("/api/v1/loans/{id}/schedule"), &bank)
        .await
        .ok(200);
    assert_eq!(s["preview"], true);
    assert_eq!(s["total_principal_fen"], 1_000_000);

    assert_eq!(
        act(&app, &bank, id, "review", json!({})).await.ok(200)["status"],
        "under_review"
    );
    // Not above what was asked.
    act(
        &app,
        &bank,
        id,
        "approve",
        json!({"approved_amount_fen": 1_000_001}),
    )
    .await
    .field_error("approved_amount_fen");
    act(&app, &bank, id, "approve", json!({"annual_rate_bp": 601}))
        .await
        .field_error("annual_rate_bp");
    let a = act(
        &app,
        &bank,
        id,
        "approve",
        json!({"approved_amount_fen": 900_000, "annual_rate_bp": 600}),
    )
    .await
    .ok(200);
    assert_eq!(a["status"], "approved");
    assert_eq!(a["approved_amount_fen"], 900_000);
    // The district may not act for a bank that has an integration.
    act(&app, &app.admin(), id, "disburse", json!({}))
        .await
        .problem(403);
    let d = act(
        &app,
        &bank,
        id,
        "disburse",
        json!({"disbursed_on": "2026-03-01"}),
    )
    .await
    .ok(200);
    assert_eq!(d["status"], "disbursed");
    assert_eq!(d["outstanding_principal_fen"], 900_000);

    // Schedule: 300,000 × 3 at 6 %: interest 4,500, 3,000, 1,500.
    let s = app
        .get(
            &format!("/api/v1/loans/{id}/schedule"),
            &app.token(Role::Cooperative),
        )
        .await
        .ok(200);
    assert_eq!(s["preview"], false);
    let items = s["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["due_on"], "2026-04-01");
    assert_eq!(items[0]["principal_fen"], 300_000);
    assert_eq!(items[0]["interest_fen"], 4_500);
    assert_eq!(items[2]["interest_fen"], 1_500);
    let total = 900_000 + 4_500 + 3_000 + 1_500;

    let r = repay(
        &app,
        &bank,
        id,
        Some("k1"),
        json!({"amount_fen": 304_500, "paid_on": "2026-04-01"}),
    )
    .await
    .ok(201);
    assert_eq!(r["principal_fen"], 300_000);
    assert_eq!(r["interest_fen"], 4_500);
    assert_eq!(r["loan_status"], "disbursed");
    assert_eq!(r["outstanding_principal_fen"], 600_000);
    let s = app
        .get(&format!("/api/v1/loans/{id}/schedule"), &bank)
        .await
        .ok(200);
    assert_eq!(s["items"][0]["paid_principal_fen"], 300_000);
    assert_eq!(s["items"][0]["paid_interest_fen"], 4_500);
    assert_eq!(s["items"][1]["paid_principal_fen"], 0);

    // Late: overdue, then a repayment covering what is due cures it.
    act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    let r = repay(
        &app,
        &bank,
        id,
        Some("k2"),
        json!({"amount_fen": 303_000, "paid_on": "2026-05-10"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "disbursed");
    // Overpayment.
    let left = total - 304_500 - 303_000;
    repay(
        &app,
        &bank,
        id,
        Some("k3"),
        json!({"amount_fen": left + 1, "paid_on": "2026-05-20"}),
    )
    .await
    .field_error("amount_fen");
    // The last fen settles it.
    repay(
        &app,
        &bank,
        id,
        Some("k4"),
        json!({"amount_fen": left - 1, "paid_on": "2026-05-20"}),
    )
    .await
    .ok(201);
    let r = repay(
        &app,
        &bank,
        id,
        Some("k5"),
        json!({"amount_fen": 1, "paid_on": "2026-05-21"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "settled");
    assert_eq!(r["outstanding_principal_fen"], 0);
    assert_eq!(r["outstanding_interest_fen"], 0);
    // Nothing more can happen.
    let p = repay(
        &app,
        &bank,
        id,
        Some("k6"),
        json!({"amount_fen": 1, "paid_on": "2026-05-21"}),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("settled"));

    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &app.admin())
        .await
        .ok(200);
    let steps: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "under_review",
            "approved",
            "disbursed",
            "overdue",
            "disbursed",
            "settled"
        ]
    );
    assert_eq!(h["items"][0]["actor_role"], "cooperative");
    assert_eq!(h["items"][1]["actor_role"], "bank_partner");
    assert!(h["items"][1]["actor"].as_str().unwrap().starts_with("cp_"));
    assert!(h["items"][1]["occurred_at"].is_string());
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn the_district_acts_for_a_bank_without_integration() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "cqrcb", "bullet", false).await;
    let id = disbursed(&app, &app.admin(), coop, prod, 600_000).await;
    let r = repay(
        &app,
        &app.admin(),
        id,
        None,
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    assert_eq!(r["interest_fen"], 3_000);
}

#[actix_web::test]
async fn illegal_transitions_are_409_naming_the_state() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = apply(&app, coop, prod, 100_000, 2).await;
    for action in ["approve", "disburse", "mark-overdue", "default"] {
        let p = act(&app, &bank, id, action, json!({})).await.problem(409);
        assert!(p["detail"].as_str().unwrap().contains("submitted"), "{p}");
    }
    act(&app, &bank, id, "reject", json!({"reason": "x"}))
        .await
        .problem(409);
    act(&app, &app.admin(), id, "compensation", json!({}))
        .await
        .problem(409);
    act(&app, &bank, id, "review", json!({})).await.ok(200);
    act(&app, &bank, id, "reject", json!({}))
        .await
        .field_error("reason");
    let r = act(&app, &bank, id, "reject", json!({"reason": "经营流水不足"}))
        .await
        .ok(200);
    assert_eq!(r["status"], "rejected");
    let p = act(
        &app,
        &app.token(Role::Cooperative),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("rejected"));
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &app.admin())
        .await
        .ok(200);
    assert_eq!(h["items"][2]["note"], "经营流水不足");
}

#[actix_web::test]
async fn who_may_do_what() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let id = apply(&app, coop, prod, 100_000, 2).await;
    // Only the cooperative withdraws; it does not act for the bank.
    act(
        &app,
        &app.token(Role::BankPartner),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .problem(403);
    act(&app, &app.admin(), id, "withdraw", json!({}))
        .await
        .problem(403);
    act(&app, &app.token(Role::Cooperative), id, "review", json!({}))
        .await
        .problem(403);
    for role in [Role::Observer, Role::TownOfficer] {
        act(&app, &app.token(role), id, "review", json!({}))
            .await
            .problem(403);
        app.get(&format!("/api/v1/loans/{id}"), &app.token(role))
            .await
            .ok(200);
    }
    for role in [Role::Counselor, Role::ServiceCenter] {
        app.get(&format!("/api/v1/loans/{id}"), &app.token(role))
            .await
            .problem(403);
        app.get("/api/v1/loans", &app.token(role))
            .await
            .problem(403);
    }
    // A bank does not apply; nor does an observer.
    let body = json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1, "term_months": 1, "purpose": "x"});
    app.post("/api/v1/loans", &app.token(Role::BankPartner), body.clone())
        .await
        .problem(403);
    app.post("/api/v1/loans", &app.token(Role::Observer), body)
        .await
        .problem(403);
    // Products and the fund are the district's.
    app.post(
        "/api/v1/loan-products",
        &app.token(Role::BankPartner),
        json!({"bank_code": "psbc", "name": "x", "annual_rate_bp": 1, "max_amount_fen": 1, "max_term_months": 1, "repayment_method": "bullet", "risk_compensation_eligible": true}),
    )
    .await
    .problem(403);
    app.post(
        "/api/v1/risk-fund/contributions",
        &app.token(Role::BankPartner),
        json!({"amount_fen": 1, "source": "x", "contributed_on": "2026-01-01"}),
    )
    .await
    .problem(403);
    app.get("/api/v1/risk-fund", &app.token(Role::TownOfficer))
        .await
        .problem(403);
    app.get("/api/v1/risk-fund", &app.token(Role::BankPartner))
        .await
        .ok(200);
    act(
        &app,
        &app.token(Role::BankPartner),
        id,
        "compensation",
        json!({}),
    )
    .await
    .problem(403);
    let p = act(
        &app,
        &app.token(Role::Cooperative),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .ok(200);
    assert_eq!(p["status"], "withdrawn");
}

#[actix_web::test]
async fn applications_within_the_product_limits() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let post = |coop: i64, product: i64, amount: i64, term: i64, token: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/loans",
                &token,
                json!({"cooperative_id": coop, "product_id": product, "amount_fen": amount, "term_months": term, "purpose": "x"}),
            )
            .await
        }
    };
    post(coop, prod, 100_000_001, 12, app.admin())
        .await
        .field_error("amount_fen");
    post(coop, prod, 1_000, 37, app.admin())
        .await
        .field_error("term_months");
    post(coop, prod, 0, 12, app.admin())
        .await
        .field_error("amount_fen");
    post(coop, 999, 1_000, 12, app.admin())
        .await
        .field_error("product_id");
    // Another cooperative is out of a cooperative's scope.
    post(other, prod, 1_000, 12, app.token(Role::Cooperative))
        .await
        .problem(404);
    app.post(
        &format!("/api/v1/loan-products/{prod}/retire"),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    let p = post(coop, prod, 1_000, 12, app.admin())
        .await
        .field_error("product_id");
    assert_eq!(p["errors"][0]["code"], "retired");
    app.post(
        "/api/v1/loans",
        &app.admin(),
        json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1, "term_months": 1, "purpose": "x", "extra": 1}),
    )
    .await
    .problem(400);
}

#[actix_web::test]
async fn banks_see_only_their_own_loans() {
    let app = TestApp::new().await;
    let c1 = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let c2 = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let psbc = product(&app, "psbc", "bullet", false).await;
    let oth = product(&app, "other", "bullet", false).await;
    let l1 = apply(&app, c1, psbc, 100_000, 2).await;
    let l2 = apply(&app, c2, oth, 200_000, 2).await;
    let mine = app.token(Role::BankPartner);
    let theirs = other_bank(&app);
    app.get(&format!("/api/v1/loans/{l2}"), &mine)
        .await
        .problem(404);
    app.get(&format!("/api/v1/loans/{l1}"), &theirs)
        .await
        .problem(404);
    act(&app, &mine, l2, "review", json!({})).await.problem(404);
    app.get(&format!("/api/v1/loans/{l2}/schedule"), &mine)
        .await
        .problem(404);
    repay(
        &app,
        &mine,
        l2,
        Some("x"),
        json!({"amount_fen": 1, "paid_on": "2026-01-01"}),
    )
    .await
    .problem(404);
    let list = app.get("/api/v1/loans?count=true", &mine).await.ok(200);
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![l1]);
    assert_eq!(list["total"], 1);
    assert_eq!(list["totals"]["amount_fen"], 100_000);
    // Asking for another bank's loans by filter finds nothing.
    let list = app
        .get("/api/v1/loans?bank_code=other", &mine)
        .await
        .ok(200);
    assert!(list["items"].as_array().unwrap().is_empty());
    // Products: own bank's only.
    let prods = app.get("/api/v1/loan-products", &mine).await.ok(200);
    assert_eq!(prods["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/loan-products/{oth}"), &mine)
        .await
        .problem(404);
    // Cooperatives: those with a loan at the bank.
    let coops = app.get("/api/v1/cooperatives", &mine).await.ok(200);
    let ids: Vec<i64> = coops["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![c1]);
    app.get(&format!("/api/v1/cooperatives/{c2}"), &mine)
        .await
        .problem(404);
    app.get(&format!("/api/v1/cooperatives/{c2}"), &theirs)
        .await
        .ok(200);
}

#[actix_web::test]
async fn district_lists_with_filters_and_totals() {
    let app = TestApp::new().await;
    let c1 = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let c2 = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let p1 = product(&app, "psbc", "bullet", false).await;
    let p2 = product(&app, "other", "bullet", false).await;
    apply(&app, c1, p1, 100_000, 2).await;
    let l2 = apply(&app, c2, p1, 200_000, 2).await;
    apply(&app, c2, p2, 400_000, 2).await;
    act(&app, &app.token(Role::BankPartner), l2, "review", json!({}))
        .await
        .ok(200);
    let admin = app.admin();
    let all = app.get("/api/v1/loans", &admin).await.ok(200);
    assert_eq!(all["totals"]["count"], 3);
    assert_eq!(all["totals"]["amount_fen"], 700_000);
    let f = app
        .get("/api/v1/loans?bank_code=psbc", &admin)
        .await
        .ok(200);
    assert_eq!(f["totals"]["amount_fen"], 300_000);
    let f = app
        .get(&format!("/api/v1/loans?town_code={TOWN_B}"), &admin)
        .await
        .ok(200);
    assert_eq!(f["totals"]["amount_fen"], 600_000);
    let f = app
        .get("/api/v1/loans?status=under_review", &admin)
        .await
        .ok(200);
    assert_eq!(f["items"][0]["id"], l2);
    assert_eq!(f["totals"]["count"], 1);
    let f = app
        .get(&format!("/api/v1/loans?product_id={p2}"), &admin)
        .await
        .ok(200);
    assert_eq!(f["totals"]["amount_fen"], 400_000);
    app.get("/api/v1/loans?status=bogus", &admin)
        .await
        .problem(400);
    let page = app.get("/api/v1/loans?limit=2", &admin).await.ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next_cursor"].is_string());
    // A town officer sees its own town's loans; a cooperative its own.
    let t = app
        .get("/api/v1/loans", &app.token(Role::TownOfficer))
        .await
        .ok(200);
    assert_eq!(t["totals"]["count"], 1);
    let c = app
        .get("/api/v1/loans", &app.token(Role::Cooperative))
        .await
        .ok(200);
    assert_eq!(c["totals"]["count"], 1);
    app.get(
        &format!("/api/v1/loans/{l2}"),
        &app.token(Role::Cooperative),
    )
    .await
    .problem(404);
    app.get(
        &format!("/api/v1/loans/{l2}"),
        &app.token(Role::TownOfficer),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn idempotent_repayments() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    let body = json!({"amount_fen": 3_000, "paid_on": "2026-02-15"});
    // Required for bank partners.
    repay(&app, &bank, id, None, body.clone())
        .await
        .problem(400);
    let first = repay(&app, &bank, id, Some("rep-1"), body.clone()).await;
    let first_body = first.ok(201);
    let again = repay(&app, &bank, id, Some("rep-1"), body.clone()).await;
    assert_eq!(again.ok(201), first_body);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 1);
    // Same key, other body.
    repay(
        &app,
        &bank,
        id,
        Some("rep-1"),
        json!({"amount_fen": 3_001, "paid_on": "2026-02-15"}),
    )
    .await
    .field_error("Idempotency-Key");
    // A failed request does not burn its key.
    repay(
        &app,
        &bank,
        id,
        Some("rep-2"),
        json!({"amount_fen": 999_999_999, "paid_on": "2026-02-15"}),
    )
    .await
    .field_error("amount_fen");
    repay(
        &app,
        &bank,
        id,
        Some("rep-2"),
        json!({"amount_fen": 100, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    // A key still in flight → 409.
    {
        use coophub::db::schema::idempotency_keys as k;
        use diesel::prelude::*;
        let owner = "bank_partner:1000:psbc";
        diesel::insert_into(k::table)
            .values((
                k::owner.eq(owner),
                k::idem_key.eq("rep-3"),
                k::request_hash.eq("whatever"),
                k::status.eq("in_flight"),
                k::created_at.eq(coophub::db::models::now()),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let b3 = json!({"amount_fen": 1, "paid_on": "2026-02-15"});
    // (other hash → 422 is checked first; same hash in flight → 409)
    {
        use coophub::db::schema::idempotency_keys as k;
        use diesel::prelude::*;
        use sha2::Digest;
        let canonical =
            serde_json::to_string(&json!({"amount_fen": 1, "paid_on": "2026-02-15"})).unwrap();
        let hash = hex::encode(sha2::Sha256::digest(format!(
            "POST /api/v1/loans/{id}/repayments\n{canonical}"
        )));
        diesel::update(k::table.filter(k::idem_key.eq("rep-3")))
            .set(k::request_hash.eq(hash))
            .execute(&mut *app.conn())
            .unwrap();
    }
    repay(&app, &bank, id, Some("rep-3"), b3).await.problem(409);
    // Keys belong to their caller: another bank's client with the same key is not a replay.
    repay(&app, &other_bank(&app), id, Some("rep-1"), body)
        .await
        .problem(404);
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_record_once() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    let body = json!({"amount_fen": 3_000, "paid_on": "2026-02-15"});
    let (a, b) = futures_util::join!(
        repay(&app, &bank, id, Some("same"), body.clone()),
        repay(&app, &bank, id, Some("same"), body.clone())
    );
    let mut codes = vec![a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert!(
        codes == vec![201, 201] || codes == vec![201, 409],
        "{codes:?}"
    );
    if codes == vec![201, 201] {
        assert_eq!(a.json(), b.json(), "the second is a replay");
    }
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn repayment_input_is_checked() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    repay(
        &app,
        &bank,
        id,
        Some("a"),
        json!({"amount_fen": 0, "paid_on": "2026-02-15"}),
    )
    .await
    .field_error("amount_fen");
    repay(
        &app,
        &bank,
        id,
        Some("b"),
        json!({"amount_fen": 1, "paid_on": "2026-01-01"}),
    )
    .await
    .field_error("paid_on");
    repay(
        &app,
        &bank,
        id,
        Some("c"),
        json!({"amount_fen": 1, "paid_on": "2999-01-01"}),
    )
    .await
    .field_error("paid_on");
    repay(&app, &bank, id, Some("d"), json!({"amount_fen": 1}))
        .await
        .field_error("paid_on");
    repay(
        &app,
        &app.token(Role::Cooperative),
        id,
        Some("e"),
        json!({"amount_fen": 1, "paid_on": "2026-02-15"}),
    )
    .await
    .problem(403);
    // Exactly the whole amount settles in one go.
    let r = repay(
        &app,
        &bank,
        id,
        Some("f"),
        json!({"amount_fen": 606_000, "paid_on": "2026-03-15"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "settled");
    assert_eq!(r["principal_fen"], 600_000);
    assert_eq!(r["interest_fen"], 6_000);
}

#[actix_web::test]
async fn lending_cap_is_enforced_at_approval() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let plain = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 100_000).await; // cap 1,000,000
    let a = apply(&app, coop, eligible, 800_000, 2).await;
    act(&app, &bank, a, "review", json!({})).await.ok(200);
    act(&app, &bank, a, "approve", json!({})).await.ok(200);
    let b = apply(&app, coop, eligible, 300_000, 2).await;
    act(&app, &bank, b, "review", json!({})).await.ok(200);
    let p = act(&app, &bank, b, "approve", json!({})).await.problem(409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("headroom is 200000 fen"),
        "{p}"
    );
    // Approving less fits.
    act(
        &app,
        &bank,
        b,
        "approve",
        json!({"approved_amount_fen": 200_000}),
    )
    .await
    .ok(200);
    // Products outside the guarantee are not capped.
    let c = apply(&app, coop, plain, 5_000_000, 2).await;
    act(&app, &bank, c, "review", json!({})).await.ok(200);
    act(&app, &bank, c, "approve", json!({})).await.ok(200);
    let f = app.get("/api/v1/risk-fund", &app.admin()).await.ok(200);
    assert_eq!(f["balance_fen"], 100_000);
    assert_eq!(f["exposure_fen"], 1_000_000);
    assert_eq!(f["lending_cap_fen"], 1_000_000);
    assert_eq!(f["headroom_fen"], 0);
    assert_eq!(f["leverage"], 10);
}

#[actix_web::test]
async fn compensation_once_and_never_below_zero() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let plain = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 100_000).await;
    let big = disbursed(&app, &bank, coop, eligible, 600_000).await;
    let small = disbursed(&app, &bank, coop, eligible, 100_000).await;
    let other = disbursed(&app, &bank, coop, plain, 100_000).await;
    for id in [big, small, other] {
        act(&app, &bank, id, "mark-overdue", json!({}))
            .await
            .ok(200);
        let d = act(&app, &bank, id, "default", json!({})).await.ok(200);
        assert_eq!(d["status"], "defaulted");
    }
    // 80 % of 600,000 = 480,000 > balance 100,000 → 409, nothing written.
    let p = app
        .post(
            &format!("/api/v1/loans/{big}/compensation"),
            &app.admin(),
            json!({}),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("negative"));
    // Not a guaranteed product.
    app.post(
        &format!("/api/v1/loans/{other}/compensation"),
        &app.admin(),
        json!({}),
    )
    .await
    .problem(409);
    let c = app
        .post(
            &format!("/api/v1/loans/{small}/compensation"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(201);
    assert_eq!(c["entry"]["amount_fen"], 80_000);
    assert_eq!(c["entry"]["kind"], "compensation");
    assert_eq!(c["loan"]["status"], "compensated");
    assert_eq!(c["fund_balance_fen"], 20_000);
    let p = app
        .post(
            &format!("/api/v1/loans/{small}/compensation"),
            &app.admin(),
            json!({}),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("compensated"));
    let f = app
        .get("/api/v1/risk-fund", &app.token(Role::Observer))
        .await
        .ok(200);
    assert_eq!(f["balance_fen"], 20_000);
    assert_eq!(f["contributed_fen"], 100_000);
    assert_eq!(f["compensated_fen"], 80_000);
    assert_eq!(f["entries"].as_array().unwrap().len(), 2);
    assert_eq!(f["compensation_share_bp"], 8000);
}

#[actix_web::test]
async fn compensation_share_is_configurable() {
    let app = TestApp::with_settings(|s| s.risk_compensation_share_bp = 5_000).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 1_000_000).await;
    let id = disbursed(&app, &bank, coop, eligible, 100_000).await;
    act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    act(&app, &bank, id, "default", json!({})).await.ok(200);
    let c = app
        .post(
            &format!("/api/v1/loans/{id}/compensation"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(201);
    assert_eq!(c["entry"]["amount_fen"], 50_000);
}

#[actix_web::test]
async fn products_are_listed_patched_and_retired() {
    let app = TestApp::new().await;
    let id = product(&app, "psbc", "equal_installment", true).await;
    let r = app
        .get(
            &format!("/api/v1/loan-products/{id}"),
            &app.token(Role::Observer),
        )
        .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    let req = TestRequest::patch()
        .uri(&format!("/api/v1/loan-products/{id}"))
        .insert_header(("Authorization", format!("Bearer {}", app.admin())))
        .insert_header(("If-Match", "\"7\""))
        .set_json(json!({"annual_rate_bp": 400}));
    app.request(req).await.problem(412);
    let p = app
        .patch(
            &format!("/api/v1/loan-products/{id}"),
            &app.admin(),
            json!({"annual_rate_bp": 400}),
        )
        .await
        .ok(200);
    assert_eq!(p["annual_rate_bp"], 400);
    assert_eq!(p["version"], 2);
    app.patch(
        &format!("/api/v1/loan-products/{id}"),
        &app.admin(),
        json!({"repayment_method": "weekly"}),
    )
    .await
    .problem(422);
    app.patch(
        &format!("/api/v1/loan-products/{id}"),
        &app.token(Role::BankPartner),
        json!({"annual_rate_bp": 1}),
    )
    .await
    .problem(403);
    app.post(
        &format!("/api/v1/loan-products/{id}/retire"),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    let l = app.get("/api/v1/loan-products", &app.admin()).await.ok(200);
    assert!(l["items"].as_array().unwrap().is_empty());
    let l = app
        .get("/api/v1/loan-products?include_retired=true", &app.admin())
        .await
        .ok(200);
    assert_eq!(l["items"][0]["retired"], true);
    app.post(
        "/api/v1/loan-products",
        &app.admin(),
        json!({"bank_code": "psbc", "name": "x", "annual_rate_bp": -1, "max_amount_fen": 1, "max_term_months": 1, "repayment_method": "bullet", "risk_compensation_eligible": true}),
    )
    .await
    .field_error("annual_rate_bp");
    // Every change is audited.
    let a = app
        .get(
            &format!("/api/v1/audit-events?entity=loan_product&entity_id={id}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(a["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn bank_actions_honour_an_idempotency_key() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = apply(&app, coop, prod, 100_000, 2).await;
    act(&app, &bank, id, "review", json!({})).await.ok(200);
    let send = |key: &'static str, body: Value| {
        let app = &app;
        let bank = bank.clone();
        async move {
            app.request(
                TestRequest::post()
                    .uri(&format!("/api/v1/loans/{id}/approve"))
                    .insert_header(("Authorization", format!("Bearer {bank}")))
                    .insert_header(("Idempotency-Key", key))
                    .set_json(body),
            )
            .await
        }
    };
    let first = send("approve-1", json!({"approved_amount_fen": 90_000}))
        .await
        .ok(200);
    // A retry after a lost answer gets the same answer, not a 409.
    let again = send("approve-1", json!({"approved_amount_fen": 90_000})).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.ok(200), first);
    send("approve-1", json!({"approved_amount_fen": 80_000}))
        .await
        .field_error("Idempotency-Key");
    // Without a key the same action is an illegal transition.
    act(&app, &bank, id, "approve", json!({}))
        .await
        .problem(409);
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    assert_eq!(h["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn paying_off_an_overdue_loan_settles_it_through_disbursed() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    let r = repay(
        &app,
        &bank,
        id,
        Some("all"),
        json!({"amount_fen": 606_000, "paid_on": "2026-04-01"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "settled");
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    let steps: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "under_review",
            "approved",
            "disbursed",
            "overdue",
            "disbursed",
            "settled"
        ]
    );
}

#[actix_web::test]
async fn concurrent_repayments_of_one_loan_all_count() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    let b = json!({"amount_fen": 1_000, "paid_on": "2026-02-15"});
    let (r1, r2, r3, r4) = futures_util::join!(
        repay(&app, &bank, id, Some("c1"), b.clone()),
        repay(&app, &bank, id, Some("c2"), b.clone()),
        repay(&app, &bank, id, Some("c3"), b.clone()),
        repay(&app, &bank, id, Some("c4"), b.clone())
    );
    for r in [r1, r2, r3, r4] {
        r.ok(201);
    }
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    // Bullet: interest first, instalment by instalment (3,000 a month).
    assert_eq!(l["paid_interest_fen"], 4_000);
    assert_eq!(l["paid_principal_fen"], 0);
    assert_eq!(l["outstanding_interest_fen"], 2_000);
}
