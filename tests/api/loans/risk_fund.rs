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
