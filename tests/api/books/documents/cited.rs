//! Document ids cited by compensation claims (the loan's cooperative's archive) and by
//! demonstration applications (the applicant's).

use chrono::Datelike;
use coophub::auth::Role;
use serde_json::json;

use super::PDF;
use crate::common::fixtures::loans::{loan_at, At};
use crate::common::fixtures::{contribute, product};
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn claims_cite_documents_of_the_loans_cooperative_only() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let neighbour = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let own = app.upload_pdf(coop, PDF).await["id"].as_i64().unwrap();
    let theirs = app.upload_pdf(neighbour, PDF).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 100_000).await;
    let loan = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
    let claim = |body: serde_json::Value| {
        let bank = bank.clone();
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/loans/{loan}/compensation-claims"),
                &bank,
                body,
            )
            .await
        }
    };
    // Another cooperative's document, and one that does not exist: 422 naming the item.
    let p = claim(json!({"evidence": ["催收记录", theirs, format!("doc:{}", own + 1000)]}))
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["evidence.1", "evidence.2"], "{p}");
    assert_eq!(p["errors"][0]["code"], "unknown_document");
    // Ids below 1 are not ids.
    claim(json!({"evidence": [0]}))
        .await
        .field_error("evidence");
    // Its own documents, by id or as "doc:N", beside free text.
    let c = claim(json!({"evidence": [own, format!("doc:{own}"), " 催收记录 2026-06-30 "]}))
        .await
        .ok(201);
    assert_eq!(c["evidence"], json!([own, own, "催收记录 2026-06-30"]));
    let read = app
        .get(
            &format!("/api/v1/compensation-claims/{}", c["id"]),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(read["evidence"], c["evidence"]);
}

#[actix_web::test]
async fn the_compensation_shortcut_checks_cited_documents_too() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let neighbour = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let theirs = app.upload_pdf(neighbour, PDF).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let bank = app.token(Role::BankPartner);
    contribute(&app, 100_000).await;
    let loan = loan_at(&app, &bank, coop, eligible, 100_000, At::Defaulted).await;
    app.post(
        &format!("/api/v1/loans/{loan}/compensation"),
        &app.admin(),
        json!({"evidence": [theirs]}),
    )
    .await
    .field_error("evidence.0");
}

#[actix_web::test]
async fn applications_cite_the_applicants_documents() {
    let app = TestApp::new().await;
    let coop = app.gate_candidate(1, TOWN_A).await;
    let neighbour = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let own = app.upload_pdf(coop, PDF).await["id"].as_i64().unwrap();
    let theirs = app.upload_pdf(neighbour, PDF).await["id"].as_i64().unwrap();
    let year = chrono::Utc::now().year();
    let apply = |ids: serde_json::Value| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/demonstration-applications",
                &app.admin(),
                json!({"cooperative_id": coop, "level": "district", "year": year, "document_ids": ids}),
            )
            .await
        }
    };
    let p = apply(json!([own, theirs])).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "document_ids.1", "{p}");
    assert_eq!(p["errors"].as_array().unwrap().len(), 1);
    apply(json!([own, own])).await.field_error("document_ids");
    apply(json!([-1])).await.field_error("document_ids");
    let a = apply(json!([own])).await.ok(201);
    assert_eq!(a["document_ids"], json!([own]));
    // Without the field, none.
    let plain = app.create_coop(3, TOWN_A).await["id"].as_i64().unwrap();
    let b = app
        .post(
            "/api/v1/demonstration-applications",
            &app.admin(),
            json!({"cooperative_id": plain, "level": "district", "year": year}),
        )
        .await
        .ok(201);
    assert_eq!(b["document_ids"], json!([]));
}
