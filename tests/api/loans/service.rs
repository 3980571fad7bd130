//! The loan use cases called directly, without HTTP: the rules hold at the service layer
//! whatever front end calls it.

use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use coophub::error::ApiError;
use coophub::service::loans::claims::{self, Defaults};
use coophub::service::loans::{actions, applications, risk_fund};
use coophub::views::loans::{ApproveBody, LoanCreate, NoteBody};
use serde_json::json;

use crate::common::fixtures::loans::{
    approved_claim, claim_ready, loan_at, partner_with_token, second_admin, At,
};
use crate::common::fixtures::{contribute, product};
use crate::common::{TestApp, TOWN_A};

fn application(coop: i64, product: i64, amount: i64, term: i32) -> LoanCreate {
    serde_json::from_value(json!({"cooperative_id": coop, "product_id": product,
        "amount_fen": amount, "term_months": term, "purpose": "购置加工设备"}))
    .expect("a valid body")
}

fn fields(e: &ApiError) -> Vec<(String, String)> {
    match e {
        ApiError::Validation(v) => v
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect(),
        other => panic!("expected a 422, got {other:?}"),
    }
}

fn leverage(app: &TestApp) -> Defaults {
    Defaults::of(&app.state.settings)
}

fn share(app: &TestApp) -> i64 {
    app.state.settings.risk_compensation_share_bp
}

#[actix_web::test]
async fn an_application_outside_the_product_limits_names_both_fields_and_writes_nothing() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    // 100,000,000 fen over at most 36 months.
    let prod = product(&app, "psbc", "bullet", false).await;
    let own = app.caller(&app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(coop),
            ..Default::default()
        },
    ));
    let err = app
        .write(|conn| applications::apply(conn, &own, application(coop, prod, 100_000_001, 37)))
        .unwrap_err();
    assert_eq!(
        fields(&err),
        [
            ("amount_fen".to_string(), "above_product_max".to_string()),
            ("term_months".to_string(), "above_product_max".to_string())
        ]
    );
    let out = app
        .write(|conn| applications::apply(conn, &own, application(coop, prod, 100_000_000, 36)))
        .expect("at the limits");
    assert_eq!(out.status.as_str(), "submitted");
    assert_eq!(out.annual_rate_bp, 600, "the product's rate");
    let admin = app.caller(&app.admin());
    let list = app
        .write(|conn| {
            applications::list(
                conn,
                &admin,
                &serde_json::from_value(json!({})).unwrap(),
                &serde_json::from_value(json!({"count": true})).unwrap(),
            )
        })
        .unwrap();
    assert_eq!(
        list.totals.count, 1,
        "the refused application wrote nothing"
    );
    // A bank does not apply.
    let bank = app.caller(&app.token(Role::BankPartner));
    let err = app
        .write(|conn| applications::apply(conn, &bank, application(coop, prod, 1_000, 12)))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
}

#[actix_web::test]
async fn approval_is_capped_by_the_fund_for_guaranteed_products_only() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let eligible = product(&app, "psbc", "bullet", true).await;
    let plain = product(&app, "psbc", "bullet", false).await;
    let token = app.token(Role::BankPartner);
    contribute(&app, 100_000).await; // cap 1,000,000 at leverage 10
    let first = loan_at(&app, &token, coop, eligible, 900_000, At::UnderReview).await;
    let second = loan_at(&app, &token, coop, eligible, 300_000, At::UnderReview).await;
    let unguaranteed = loan_at(&app, &token, coop, plain, 5_000_000, At::UnderReview).await;
    let bank = app.caller(&token);
    let lev = leverage(&app);
    app.write(|conn| actions::approve(conn, &bank, first, lev, ApproveBody::default()))
        .expect("within the cap");
    let err = app
        .write(|conn| actions::approve(conn, &bank, second, lev, ApproveBody::default()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("headroom is 100000 fen")),
        "{err:?}"
    );
    let less = ApproveBody {
        approved_amount_fen: Some(100_000),
        ..Default::default()
    };
    let out = app
        .write(|conn| actions::approve(conn, &bank, second, lev, less))
        .expect("approving less fits");
    assert_eq!(out.approved_amount_fen, Some(100_000));
    app.write(|conn| actions::approve(conn, &bank, unguaranteed, lev, ApproveBody::default()))
        .expect("not capped");
    let fund = app
        .write(|conn| risk_fund::get(conn, &bank, lev.leverage, share(&app)))
        .unwrap();
    assert_eq!((fund.exposure_fen, fund.headroom_fen), (1_000_000, 0));
}

#[actix_web::test]
async fn compensation_never_takes_the_fund_below_zero_and_happens_once() {
    let app = TestApp::new().await;
    let (coop, eligible, token) = claim_ready(&app, 100_000).await;
    let big = loan_at(&app, &token, coop, eligible, 600_000, At::Defaulted).await;
    let small = loan_at(&app, &token, coop, eligible, 100_000, At::Defaulted).await;
    let (claim_big, claim_small) = (
        approved_claim(&app, big).await,
        approved_claim(&app, small).await,
    );
    let payer = app.caller(&second_admin(&app));
    let fund = leverage(&app);
    // 80 % of 600,000 = 480,000 > balance 100,000.
    let err = app
        .write(|conn| claims::pay(conn, &payer, claim_big, fund))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("negative")),
        "{err:?}"
    );
    let c = app
        .write(|conn| claims::pay(conn, &payer, claim_small, fund))
        .unwrap();
    assert_eq!(c.amount_fen, Some(80_000));
    assert_eq!(c.status.as_str(), "paid");
    // Once: the claim is paid now.
    let err = app
        .write(|conn| claims::pay(conn, &payer, claim_small, fund))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("paid")),
        "{err:?}"
    );
    let admin = app.caller(&app.admin());
    let got = app
        .write(|conn| risk_fund::get(conn, &admin, fund.leverage, share(&app)))
        .unwrap();
    assert_eq!(got.balance_fen, 20_000, "the refused payment wrote nothing");
    assert_eq!(got.entries.len(), 2);
    // Only a district admin pays, and not the one who approved.
    let bank = app.caller(&token);
    let err = app
        .write(|conn| claims::pay(conn, &bank, claim_big, fund))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    let err = app
        .write(|conn| claims::pay(conn, &admin, claim_big, fund))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("approved")),
        "{err:?}"
    );
}

#[actix_web::test]
async fn the_district_acts_only_for_a_bank_without_an_integration() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let cqrcb = product(&app, "cqrcb", "bullet", false).await;
    let psbc = product(&app, "psbc", "bullet", false).await;
    let without = loan_at(&app, &app.admin(), coop, cqrcb, 100_000, At::Submitted).await;
    let with = loan_at(&app, &app.admin(), coop, psbc, 100_000, At::Submitted).await;
    partner_with_token(&app, "psbc").await;
    let admin = app.caller(&app.admin());
    let out = app
        .write(|conn| actions::review(conn, &admin, without, NoteBody::default()))
        .expect("cqrcb has no integration");
    assert_eq!(out.status.as_str(), "under_review");
    let err = app
        .write(|conn| actions::review(conn, &admin, with, NoteBody::default()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("bank psbc acts on its loans through its own integration")),
        "{err:?}"
    );
    // Nor may any other role act for the bank.
    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| actions::review(conn, &officer, without, NoteBody::default()))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
}

#[actix_web::test]
async fn an_illegal_transition_is_a_conflict_naming_the_state_and_changes_nothing() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let token = app.token(Role::BankPartner);
    let id = loan_at(&app, &token, coop, prod, 100_000, At::Submitted).await;
    let bank = app.caller(&token);
    // The state is checked before the body: an approval above what was asked is still a 409.
    let above = ApproveBody {
        approved_amount_fen: Some(100_001),
        ..Default::default()
    };
    let err = app
        .write(|conn| actions::approve(conn, &bank, id, leverage(&app), above))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m)
            if m == "the loan is submitted; it cannot approve from this state"),
        "{err:?}"
    );
    let err = app
        .write(|conn| actions::mark_overdue(conn, &bank, id, NoteBody::default()))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    let loan = app
        .write(|conn| applications::get(conn, &bank, id))
        .unwrap();
    assert_eq!((loan.status.as_str(), loan.version), ("submitted", 1));
}
