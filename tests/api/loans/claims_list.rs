//! The claims list: the four-eyes worklists (`submitted` for the first admin, `approved` for
//! the second), a bank's own claims only, refused roles, bad filters.

use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::loans::{approved_claim, loan_at, other_bank, At};
use crate::common::fixtures::{contribute, product};
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn the_worklists_of_the_two_admins() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 10_000_000).await;
    let a = loan_at(&app, &bank, coop, eligible, 600_000, At::Defaulted).await;
    let b = loan_at(&app, &bank, coop, eligible, 300_000, At::Defaulted).await;
    let approved = approved_claim(&app, a).await;
    let submitted = app
        .post(
            &format!("/api/v1/loans/{b}/compensation"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let all = app
        .get("/api/v1/compensation-claims?count=true", &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&all), [approved, submitted]);
    assert_eq!(all["total"], 2);
    let first = app
        .get("/api/v1/compensation-claims?status=submitted", &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&first), [submitted]);
    let second = app
        .get("/api/v1/compensation-claims?status=approved", &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&second), [approved]);
    assert_eq!(second["items"][0]["approved_by"], "test-district_admin");
    let page = app
        .get("/api/v1/compensation-claims?limit=1", &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&page), [approved]);
    assert!(page["next_cursor"].is_string());
    // Observers read; the bank sees its own; another bank nothing.
    let obs = app
        .get("/api/v1/compensation-claims", &app.token(Role::Observer))
        .await
        .ok(200);
    assert_eq!(ids(&obs).len(), 2);
    assert_eq!(
        ids(&app.get("/api/v1/compensation-claims", &bank).await.ok(200)).len(),
        2
    );
    let other = other_bank(&app);
    assert!(ids(&app.get("/api/v1/compensation-claims", &other).await.ok(200)).is_empty());
    // Even asking for psbc's by name.
    let asked = app
        .get("/api/v1/compensation-claims?bank_code=psbc", &other)
        .await
        .ok(200);
    assert!(ids(&asked).is_empty());
    for role in [
        Role::TownOfficer,
        Role::Cooperative,
        Role::Counselor,
        Role::ServiceCenter,
    ] {
        app.get("/api/v1/compensation-claims", &app.token(role))
            .await
            .problem(403);
    }
    app.get("/api/v1/compensation-claims?status=lost", &app.admin())
        .await
        .problem(400);
    app.get("/api/v1/compensation-claims?limit=0", &app.admin())
        .await
        .field_error("limit");
    app.get("/api/v1/compensation-claims?bank_code=", &app.admin())
        .await
        .field_error("bank_code");
}
