//! Worklists: the annual reports not filed.

use chrono::Datelike;
use coophub::auth::Role;

use crate::common::fixtures::books::report_body;
use crate::common::{TestApp, TOWN_A, TOWN_B};

#[actix_web::test]
async fn annual_reports_missing_before_and_after_the_deadline() {
    let app = TestApp::new().await;
    let ly = chrono::Utc::now().date_naive().year() - 1;
    let filed = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let drafted = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let silent = app.create_coop(3, TOWN_A).await["id"].as_i64().unwrap();
    let elsewhere = app.create_coop(4, TOWN_B).await["id"].as_i64().unwrap();
    let young = app.create_coop(5, TOWN_A).await["id"].as_i64().unwrap();
    app.set_established_on(young, &format!("{}-01-02", ly + 1))
        .await;
    let opens = format!("{}-01-01", ly + 1);
    app.file_report(filed, ly, &opens, &opens).await;
    app.put(
        &format!("/api/v1/cooperatives/{drafted}/annual-reports/{ly}"),
        &app.admin(),
        report_body(),
    )
    .await
    .ok(201);
    let url = format!("/api/v1/annual-reports/missing?year={ly}");
    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["cooperative_id"].as_i64().unwrap())
            .collect()
    };
    let all = app.get(&url, &app.admin()).await.ok(200);
    assert_eq!(ids(&all), [drafted, silent, elsewhere], "{all}");
    assert_eq!(all["items"][0]["draft"], true);
    assert_eq!(all["items"][1]["draft"], false);
    assert_eq!(all["items"][0]["deadline"], format!("{}-06-30", ly + 1));
    let overdue =
        chrono::Utc::now().date_naive() > chrono::NaiveDate::from_ymd_opt(ly + 1, 6, 30).unwrap();
    assert_eq!(all["items"][0]["overdue"], overdue);
    // The town officer's worklist is its town's; pages walk by id.
    let officer = app.token(Role::TownOfficer);
    let mine = app.get(&url, &officer).await.ok(200);
    assert_eq!(ids(&mine), [drafted, silent]);
    let first = app
        .get(&format!("{url}&limit=1"), &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&first), [drafted]);
    let next = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("{url}&limit=1&cursor={next}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&second), [silent]);
    let town_b = app
        .get(&format!("{url}&town_code={TOWN_B}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(ids(&town_b), [elsewhere]);
    // Bad input and roles.
    app.get("/api/v1/annual-reports/missing?year=1999", &app.admin())
        .await
        .field_error("year");
    app.get(&format!("{url}&limit=500"), &app.admin())
        .await
        .field_error("limit");
    app.get(&url, &app.token(Role::Observer)).await.ok(200);
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.get(&url, &app.token(role)).await.problem(403);
    }
}

#[actix_web::test]
async fn deregistration_closes_the_book() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{c}/deregister");
    let body = serde_json::json!({"reason": "成员大会决议解散", "deregistered_on": "2026-01-15"});
    // Only the district records it.
    for role in [
        Role::TownOfficer,
        Role::Cooperative,
        Role::Observer,
        Role::BankPartner,
    ] {
        app.post(&url, &app.token(role), body.clone())
            .await
            .problem(403);
    }
    // Bad input, each named.
    for (k, v, field) in [
        ("reason", serde_json::json!(""), "reason"),
        (
            "deregistered_on",
            serde_json::json!("2999-01-01"),
            "deregistered_on",
        ),
        (
            "deregistered_on",
            serde_json::json!("2001-01-01"),
            "deregistered_on",
        ),
    ] {
        let mut b = body.clone();
        b[k] = v;
        app.post(&url, &app.admin(), b).await.field_error(field);
    }
    app.post(
        "/api/v1/cooperatives/999/deregister",
        &app.admin(),
        body.clone(),
    )
    .await
    .problem(404);
    let out = app.post(&url, &app.admin(), body.clone()).await.ok(200);
    assert_eq!(out["cooperative"]["status"], "deregistered");
    assert_eq!(out["deregistered_on"], "2026-01-15");
    // A closed book: twice is a 409, its ledger no longer changes, it leaves the worklist.
    app.post(&url, &app.admin(), body.clone())
        .await
        .problem(409);
    app.post(
        &format!("/api/v1/cooperatives/{c}/members"),
        &app.admin(),
        crate::common::member_body(1, "farmer"),
    )
    .await
    .problem(409);
    let ly = chrono::Utc::now().date_naive().year() - 1;
    let missing = app
        .get(
            &format!("/api/v1/annual-reports/missing?year={ly}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(missing["items"].as_array().unwrap().len(), 0, "{missing}");
    let audit = app
        .get(
            &format!("/api/v1/audit-events?entity=cooperative_deregistration&entity_id={c}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
}

#[actix_web::test]
async fn a_cooperative_with_a_loan_outstanding_does_not_deregister() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let bank = app.token(Role::BankPartner);
    let p = crate::common::fixtures::product(&app, "psbc", "bullet", false).await;
    crate::common::fixtures::disbursed(&app, &bank, c, p, 600_000).await;
    app.post(
        &format!("/api/v1/cooperatives/{c}/deregister"),
        &app.admin(),
        serde_json::json!({"reason": "解散", "deregistered_on": "2026-01-15"}),
    )
    .await
    .problem(409);
}

async fn import_members(app: &TestApp, token: &str, coop: i64, body: &str) -> crate::common::Resp {
    app.request(
        actix_web::test::TestRequest::post()
            .uri(&format!("/api/v1/imports/members?cooperative_id={coop}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", "text/csv"))
            .set_payload(body.to_string()),
    )
    .await
}

#[actix_web::test]
async fn members_from_csv_all_or_nothing() {
    use crate::common::id_number;
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    app.add_member(c, 9, "farmer").await;
    let header = "name,member_type,id_number,phone,joined_on,contribution_fen,contribution_form\n";
    let mut broken_id = id_number(2);
    broken_id.pop();
    broken_id.push(if id_number(2).ends_with('0') {
        '1'
    } else {
        '0'
    });
    let bad = format!(
        "{header}李四,farmer,{},,2020-03-01,500000,cash\n王五,farmer,{broken_id},,2020-03-01,1,cash\n赵六,farmer,{},,2020-03-01,1,cash\n钱七,robot,,,2020-03-01,1,cash\n孙八,farmer,{},,2020-03-01,-5,cash\n周九,farmer,,,2020-03-01,1,cash\n",
        id_number(1),
        id_number(9),
        id_number(3),
    );
    let p = import_members(&app, &app.admin(), c, &bad)
        .await
        .problem(422);
    let errs: Vec<(u64, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        (3, "id_number"),        // check digit
        (4, "id_number"),        // already an active member
        (5, "member_type"),      // not a type
        (6, "contribution_fen"), // negative
        (7, "id_number"),        // a farmer needs one
    ] {
        assert!(
            errs.contains(&(want.0, want.1.to_string())),
            "{want:?} in {errs:?}"
        );
    }
    assert!(
        !errs.iter().any(|(l, _)| *l == 2),
        "line 2 is good: {errs:?}"
    );
    let list = format!("/api/v1/cooperatives/{c}/members?count=true");
    assert_eq!(
        app.get(&list, &app.admin()).await.ok(200)["total"],
        1,
        "nothing written"
    );
    // The same ID number twice in one file: the second line is named.
    let twice = format!(
        "{header}李四,farmer,{},,2020-03-01,1,cash\n李四,farmer,{},,2020-03-01,1,cash\n",
        id_number(1),
        id_number(1)
    );
    let p = import_members(&app, &app.admin(), c, &twice)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["line"], 3, "{p}");
    // A good file.
    let good = format!(
        "\u{feff}{header}李四,farmer,{},,2020-03-01,500000,land_management_right\n南川区某农业公司,enterprise,,,2021-05-01,2000000,cash\n",
        id_number(1)
    );
    let done = import_members(&app, &app.admin(), c, &good).await.ok(201);
    assert_eq!(done["created"], 2);
    assert_eq!(app.get(&list, &app.admin()).await.ok(200)["total"], 3);
    // Header, roles and scope.
    import_members(&app, &app.admin(), c, "name,member_type\nx,farmer\n")
        .await
        .field_error("header");
    let officer = app.token(Role::TownOfficer);
    import_members(&app, &officer, other, &good)
        .await
        .problem(404);
    for role in [Role::Observer, Role::BankPartner, Role::ServiceCenter] {
        import_members(&app, &app.token(role), c, &good)
            .await
            .problem(403);
    }
}
