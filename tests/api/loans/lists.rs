//! Who sees which loans and products; filters, totals and paging; products' changes.

use actix_web::test::TestRequest;
use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::loans::other_bank;
use crate::common::fixtures::{act, apply, product, repay};
use crate::common::{TestApp, TOWN_A, TOWN_B};

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
