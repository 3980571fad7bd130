//! The dashboard's use case called directly, without HTTP: figures computed by hand.

use chrono::NaiveDate;
use coophub::auth::Role;
use coophub::error::ApiError;
use coophub::service::pilot;
use coophub::views::pilot::ProgressParams;

use crate::common::{TestApp, TOWN_A, TOWN_B};

fn on(town: Option<&str>) -> ProgressParams {
    ProgressParams {
        on: NaiveDate::from_ymd_opt(2022, 3, 1),
        town_code: town.map(str::to_string),
    }
}

#[actix_web::test]
async fn coverage_registry_and_publication_by_hand() {
    let app = TestApp::new().await;
    // Three cooperatives (two in TOWN_A, one in TOWN_B, all established 2015), no report
    // published; one counselor covering TOWN_A since 2021 (the figures are of 2022-03-01).
    for (n, town) in [(1, TOWN_A), (2, TOWN_A), (3, TOWN_B)] {
        app.create_coop(n, town).await;
    }
    app.add_counselor(&[TOWN_A]);
    crate::common::exec(
        &mut app.conn(),
        "UPDATE counselor_town_periods SET valid_from = '2021-01-01'",
    );
    let targets = app.state.settings.targets.clone();
    let observer = app.caller(&app.token(Role::Observer));

    let all = app
        .write(|conn| pilot::progress(conn, &observer, &on(None), &targets))
        .unwrap();
    assert_eq!(all.cooperatives.total, 3);
    assert_eq!(all.cooperatives.by_status.get("active"), Some(&3));
    assert_eq!(all.cooperatives.by_tier.get("unassessed"), Some(&3));
    // 34 towns, one covered.
    assert_eq!(
        (
            all.counselor_coverage.towns_total,
            all.counselor_coverage.towns_covered
        ),
        (34, 1)
    );
    assert_eq!(all.counselor_coverage.towns_without_counselor.len(), 33);
    // Reports of 2021: 3 expected, none published, rate 0 against a target of 1.
    let p = &all.annual_report_publication;
    assert_eq!((p.year, p.expected, p.published), (2021, 3, 0));
    assert_eq!((p.rate, p.target_rate), (0.0, 1.0));
    // Quota years 2021–2023, nothing approved.
    assert_eq!(
        all.demonstration.by_year.keys().collect::<Vec<_>>(),
        ["2021", "2022", "2023"]
    );
    assert_eq!(all.service_orders.average_rating, None);

    let b = app
        .write(|conn| pilot::progress(conn, &observer, &on(Some(TOWN_B)), &targets))
        .unwrap();
    assert_eq!(b.cooperatives.total, 1);
    assert_eq!(
        (
            b.counselor_coverage.towns_total,
            b.counselor_coverage.towns_covered
        ),
        (1, 0)
    );
    assert_eq!(b.counselor_coverage.towns_without_counselor, vec![TOWN_B]);

    // A town officer's figures are its town's.
    let officer = app.caller(&app.token(Role::TownOfficer));
    let a = app
        .write(|conn| pilot::progress(conn, &officer, &on(None), &targets))
        .unwrap();
    assert_eq!(a.cooperatives.total, 2);
    // A bank may not read the dashboard; an unknown town is 422.
    let bank = app.caller(&app.token(Role::BankPartner));
    let err = app
        .write(|conn| pilot::progress(conn, &bank, &on(None), &targets))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    let err = app
        .write(|conn| pilot::progress(conn, &observer, &on(Some("999")), &targets))
        .unwrap_err();
    assert!(matches!(err, ApiError::Validation(_)), "{err:?}");
}
