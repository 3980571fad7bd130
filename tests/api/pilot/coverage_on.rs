//! `?on=` for counselor coverage and federations: changes made today leave yesterday's
//! figures as they were; a day before any period counts nothing.

use chrono::{Days, Utc};
use serde_json::json;

use crate::common::{exec, TestApp, TOWN_A, TOWN_B};

/// 南城街道, a third town.
const TOWN_C: &str = "500119002";

fn yesterday() -> String {
    (Utc::now().date_naive() - Days::new(1)).to_string()
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|c| c.as_str().expect("a code").to_string())
        .collect()
}

#[actix_web::test]
async fn coverage_is_as_it_stood_on_the_day() {
    let app = TestApp::new().await;
    let admin = app.admin();
    // Two counselors in post since 2024: one for A and B, one for B.
    let both = app.add_counselor(&[TOWN_A, TOWN_B]);
    let b_only = app.add_counselor(&[TOWN_B]);
    exec(
        &mut app.conn(),
        "UPDATE counselor_town_periods SET valid_from = '2024-01-01'",
    );
    // Today: the first drops B, the second leaves (and B is uncovered), a third takes C.
    app.patch(
        &format!("/api/v1/counselors/{both}"),
        &admin,
        json!({"town_codes": [TOWN_A]}),
    )
    .await
    .ok(200);
    app.patch(
        &format!("/api/v1/counselors/{b_only}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .ok(200);
    app.add_counselor(&[TOWN_C]);

    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    let now = &now["counselor_coverage"];
    assert_eq!(now["towns_total"], 34);
    assert_eq!(now["towns_covered"], 2);
    let without = codes(&now["towns_without_counselor"]);
    assert!(without.contains(&TOWN_B.to_string()), "{without:?}");
    assert!(!without.contains(&TOWN_C.to_string()), "{without:?}");
    // The dashboard today agrees with the coverage endpoint.
    let coverage = app.get("/api/v1/counselors/coverage", &admin).await.ok(200);
    assert_eq!(coverage["towns_covered"], 2);

    let then = app
        .get(
            &format!("/api/v1/pilot/progress?on={}", yesterday()),
            &admin,
        )
        .await
        .ok(200);
    let then = &then["counselor_coverage"];
    assert_eq!(then["towns_covered"], 2);
    let without = codes(&then["towns_without_counselor"]);
    assert!(!without.contains(&TOWN_B.to_string()), "{without:?}");
    assert!(without.contains(&TOWN_C.to_string()), "{without:?}");
    assert_eq!(without.len(), 32);

    // Narrowed to B: covered yesterday (by both), not today.
    for (on, covered) in [(yesterday(), 1), (Utc::now().date_naive().to_string(), 0)] {
        let p = app
            .get(
                &format!("/api/v1/pilot/progress?on={on}&town_code={TOWN_B}"),
                &admin,
            )
            .await
            .ok(200);
        assert_eq!(p["counselor_coverage"]["towns_total"], 1);
        assert_eq!(p["counselor_coverage"]["towns_covered"], covered, "{on}");
    }

    // Before anyone was in post: nothing covered.
    let before = app
        .get("/api/v1/pilot/progress?on=2023-12-31", &admin)
        .await
        .ok(200);
    assert_eq!(before["counselor_coverage"]["towns_covered"], 0);
    assert_eq!(
        codes(&before["counselor_coverage"]["towns_without_counselor"]).len(),
        34
    );

    // Back in post today: B is covered again today, and yesterday is unchanged.
    app.patch(
        &format!("/api/v1/counselors/{b_only}"),
        &admin,
        json!({"active": true}),
    )
    .await
    .ok(200);
    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(now["counselor_coverage"]["towns_covered"], 3);
    let then = app
        .get(
            &format!("/api/v1/pilot/progress?on={}", yesterday()),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(then["counselor_coverage"]["towns_covered"], 2);
}

async fn federation(app: &TestApp, industry: &str) -> i64 {
    let admin = app.admin();
    let id = app
        .post(
            "/api/v1/federations",
            &admin,
            json!({"name": format!("{industry}产业化联合体"), "kind": "industrial_consortium", "industry_code": industry}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/federations/{id}/members"),
        &admin,
        json!({"member_kind": "company", "name": "龙头公司", "role": "lead"}),
    )
    .await
    .ok(201);
    id
}

async fn activate(app: &TestApp, id: i64) {
    app.send(
        actix_web::http::Method::POST,
        &format!("/api/v1/federations/{id}/activate"),
        Some(&app.admin()),
        None,
    )
    .await
    .ok(200);
}

fn industry<'a>(p: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    p["federations_by_industry"]["specialty"]
        .as_array()
        .expect("specialty industries")
        .iter()
        .find(|i| i["industry_code"] == code)
        .expect("the industry")
}

#[actix_web::test]
async fn federations_are_as_they_stood_on_the_day() {
    let app = TestApp::new().await;
    let admin = app.admin();
    // Blueberries: a consortium forming since 2024, activated today.
    let blue = federation(&app, "blueberry").await;
    // Herbal medicine: a consortium active since 2024, moved to ancient tree tea today.
    let herbal = federation(&app, "herbal_medicine").await;
    activate(&app, herbal).await;
    exec(
        &mut app.conn(),
        "UPDATE federation_states SET valid_from = '2024-01-01'",
    );
    activate(&app, blue).await;
    app.patch(
        &format!("/api/v1/federations/{herbal}"),
        &admin,
        json!({"industry_code": "ancient_tree_tea"}),
    )
    .await
    .ok(200);

    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(now["federations_by_industry"]["specialty_covered"], 2);
    assert_eq!(
        codes(&now["federations_by_industry"]["specialty_without_federation"]),
        vec!["herbal_medicine", "square_bamboo_shoot", "nanchuan_rice"]
    );
    assert_eq!(industry(&now, "blueberry")["active_federations"], 1);
    assert_eq!(industry(&now, "herbal_medicine")["federations"], 0);
    assert_eq!(industry(&now, "ancient_tree_tea")["active_federations"], 1);

    let then = app
        .get(
            &format!("/api/v1/pilot/progress?on={}", yesterday()),
            &admin,
        )
        .await
        .ok(200);
    let feds = &then["federations_by_industry"];
    assert_eq!(feds["specialty_total"], 5);
    assert_eq!(feds["specialty_covered"], 1);
    assert_eq!(
        codes(&feds["specialty_without_federation"]),
        vec![
            "ancient_tree_tea",
            "square_bamboo_shoot",
            "nanchuan_rice",
            "blueberry"
        ]
    );
    let blueberry = industry(&then, "blueberry");
    assert_eq!(
        (&blueberry["federations"], &blueberry["active_federations"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(industry(&then, "herbal_medicine")["active_federations"], 1);
    assert_eq!(industry(&then, "ancient_tree_tea")["federations"], 0);

    // Before either was registered: none.
    let before = app
        .get("/api/v1/pilot/progress?on=2023-06-30", &admin)
        .await
        .ok(200);
    assert_eq!(before["federations_by_industry"]["specialty_covered"], 0);
    assert_eq!(industry(&before, "blueberry")["federations"], 0);
}
