//! The risk-compensation fund: the lending cap at approval, compensation of defaulted loans.

use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::loans::{loan_at, At};
use crate::common::fixtures::{act, contribute, product};
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn lending_cap_is_enforced_at_approval() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let plain = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 100_000).await; // cap 1,000,000
    loan_at(&app, &bank, coop, eligible, 800_000, At::Approved).await;
    let b = loan_at(&app, &bank, coop, eligible, 300_000, At::UnderReview).await;
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
    loan_at(&app, &bank, coop, plain, 5_000_000, At::Approved).await;
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
    let big = loan_at(&app, &bank, coop, eligible, 600_000, At::Defaulted).await;
    let small = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
    let other = loan_at(&app, &bank, coop, plain, 100_000, At::Defaulted).await;
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
    let id = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
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
