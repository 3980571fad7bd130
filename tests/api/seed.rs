//! `coophub seed --demo` on both databases.

use coophub::auth::Role;

use crate::common::{TestApp, REGION};

#[actix_web::test]
async fn demo_data_is_nanchuan_sized_valid_and_reproducible() {
    let app = TestApp::new().await;
    let summary = coophub::seed::demo(&mut app.conn(), 7, false, REGION).unwrap();
    assert_eq!(summary.cooperatives, 1446);
    assert!(
        (85_000..=91_000).contains(&summary.members),
        "{}",
        summary.members
    );

    let admin = app.admin();
    let total = |q: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.get(
                &format!("/api/v1/cooperatives?count=true&limit=1&{q}"),
                &admin,
            )
            .await
            .ok(200)["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(total("").await, 1446);
    assert_eq!(total("demonstration_level=national").await, 6);
    assert_eq!(total("demonstration_level=municipal").await, 25);
    assert!(total("industry=herbal_medicine").await > total("industry=aquaculture").await);
    assert!(total("status=abnormal").await > 0);
    assert!(total("tier=shell").await > 0);

    // Every town has cooperatives, and the data passes the API's own rules.
    let page = app
        .get("/api/v1/cooperatives?limit=200", &admin)
        .await
        .ok(200);
    for c in page["items"].as_array().unwrap() {
        coophub::domain::uscc::validate_cooperative(c["uscc"].as_str().unwrap(), REGION).unwrap();
        coophub::domain::phone::normalize(c["phone"].as_str().unwrap()).unwrap();
    }
    let first = page["items"][0]["id"].as_i64().unwrap();
    let members = app
        .get(
            &format!("/api/v1/cooperatives/{first}/members?limit=200"),
            &admin,
        )
        .await;
    assert!(!String::from_utf8_lossy(&members.body).contains("\"id_number\""));
    let compliance = app
        .get(&format!("/api/v1/cooperatives/{first}/compliance"), &admin)
        .await
        .ok(200);
    assert_eq!(compliance["checks"].as_array().unwrap().len(), 9);
    // The books: the first cooperative's distribution is adopted and read by compliance.
    let surplus = compliance["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "surplus_return")
        .unwrap()
        .clone();
    assert_eq!(surplus["source"], "distribution", "{surplus}");
    assert_eq!(surplus["passed"], true, "{surplus}");
    {
        use coophub::db::schema::{meetings, resolutions, surplus_distributions};
        use diesel::prelude::*;
        let conn = &mut *app.conn();
        let held: i64 = meetings::table.count().get_result(conn).unwrap();
        assert!(held > 1000, "{held} meetings");
        let failed: i64 = resolutions::table
            .filter(resolutions::passed.eq(false))
            .count()
            .get_result(conn)
            .unwrap();
        assert!(failed > 0, "some resolutions fail the two-thirds rule");
        let adopted: i64 = surplus_distributions::table
            .count()
            .get_result(conn)
            .unwrap();
        assert!((100..=200).contains(&adopted), "{adopted} distributions");
    }
    let late = app
        .get(
            "/api/v1/annual-reports?late=true&count=true&limit=1",
            &admin,
        )
        .await
        .ok(200);
    assert!(late["total"].as_i64().unwrap() > 0);
    let towns_with_coops = {
        use coophub::db::schema::cooperatives;
        use diesel::prelude::*;
        cooperatives::table
            .select(cooperatives::town_code)
            .distinct()
            .load::<String>(&mut *app.conn())
            .unwrap()
            .len()
    };
    assert_eq!(towns_with_coops, 34);

    // A second run is refused; the same seed elsewhere gives the same registry.
    assert!(coophub::seed::demo(&mut app.conn(), 7, false, REGION)
        .unwrap_err()
        .contains("already holds"));
    let other = TestApp::new().await;
    coophub::seed::demo(&mut other.conn(), 7, false, REGION).unwrap();
    let again = other
        .get("/api/v1/cooperatives?limit=200", &other.admin())
        .await
        .ok(200);
    let key = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["uscc"].as_str().unwrap().to_string(),
                    c["name"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(key(&page), key(&again));
    // Loans at several banks, a funded risk pool, and a dashboard with every section filled.
    assert!(summary.loans > 150, "{}", summary.loans);
    let progress = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(progress["demonstration"]["achieved"], 76);
    assert!(progress["loans"]["by_bank"].as_object().unwrap().len() >= 3);
    assert!(progress["service_orders"]["count"].as_i64().unwrap() > 500);
    assert_eq!(progress["counselor_coverage"]["towns_covered"], 32);
    assert_eq!(
        progress["federations_by_industry"]["specialty_without_federation"],
        serde_json::json!(["blueberry"])
    );
    let fund = app.get("/api/v1/risk-fund", &admin).await.ok(200);
    assert_eq!(fund["balance_fen"], 500_000_000);
    // Observers may read it all.
    app.get("/api/v1/cooperatives?limit=1", &app.token(Role::Observer))
        .await
        .ok(200);
}
