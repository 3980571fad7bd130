//! The claims list: the four-eyes worklists (`submitted` for the first admin, `approved` for
//! the second), a bank's own claims only, refused roles, bad filters.

use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::loans::{approved_claim, claim_ready, loan_at, other_bank, At};
use crate::common::fixtures::{contribute, product};
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn the_worklists_of_the_two_admins() {
    let app = TestApp::new().await;
    let (coop, eligible, bank) = claim_ready(&app, 10_000_000).await;
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

/// The district's `bank_code` filter separates two banks' claims, alone and with `status`.
#[actix_web::test]
async fn the_bank_filter_across_banks() {
    use crate::common::fixtures::loans::bank_token;
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    contribute(&app, 10_000_000).await;
    let psbc = app.token(Role::BankPartner);
    let abc = bank_token(&app, "abc");
    let psbc_product = product(&app, "psbc", "bullet", true).await;
    let abc_product = product(&app, "abc", "bullet", true).await;
    let psbc_loan = loan_at(&app, &psbc, coop, psbc_product, 600_000, At::Defaulted).await;
    let abc_loan = loan_at(&app, &abc, coop, abc_product, 300_000, At::Defaulted).await;
    let psbc_claim = approved_claim(&app, psbc_loan).await;
    let abc_claim = app
        .post(
            &format!("/api/v1/loans/{abc_loan}/compensation"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let ids = |v: serde_json::Value| -> Vec<(i64, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_i64().unwrap(),
                    c["bank_code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let get = |q: &'static str| {
        let app = &app;
        async move {
            ids(app
                .get(&format!("/api/v1/compensation-claims{q}"), &app.admin())
                .await
                .ok(200))
        }
    };
    assert_eq!(
        get("").await,
        [(psbc_claim, "psbc".into()), (abc_claim, "abc".into())]
    );
    assert_eq!(get("?bank_code=psbc").await, [(psbc_claim, "psbc".into())]);
    assert_eq!(get("?bank_code=abc").await, [(abc_claim, "abc".into())]);
    assert_eq!(
        get("?bank_code=abc&status=submitted").await,
        [(abc_claim, "abc".into())]
    );
    assert!(get("?bank_code=abc&status=approved").await.is_empty());
    assert!(get("?bank_code=ccb").await.is_empty());
    // Each bank sees only its own, whatever it filters by.
    let own = ids(app.get("/api/v1/compensation-claims", &abc).await.ok(200));
    assert_eq!(own, [(abc_claim, "abc".into())]);
    let asked = ids(app
        .get("/api/v1/compensation-claims?bank_code=psbc", &abc)
        .await
        .ok(200));
    assert!(asked.is_empty());
}
