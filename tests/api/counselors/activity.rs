//! Coverage of the towns, trainings and guidance visits.

use serde_json::json;

use super::*;

#[actix_web::test]
async fn coverage_with_none_one_and_all_towns() {
    let app = TestApp::new().await;
    let cov = app
        .get(&format!("{PATH}/coverage"), &app.admin())
        .await
        .ok(200);
    assert_eq!(cov["towns_total"], 34);
    assert_eq!(cov["towns_covered"], 0);
    assert_eq!(cov["towns_without_counselor"].as_array().unwrap().len(), 34);
    assert_eq!(cov["towns"].as_array().unwrap().len(), 34);

    let one = create(&app, body(&[TOWN_A])).await;
    let cov = app
        .get(&format!("{PATH}/coverage"), &app.admin())
        .await
        .ok(200);
    assert_eq!(cov["towns_covered"], 1);
    let without = cov["towns_without_counselor"].as_array().unwrap();
    assert_eq!(without.len(), 33);
    assert!(without.iter().all(|t| t["town_code"] != TOWN_A));
    let a = cov["towns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["town_code"] == TOWN_A)
        .unwrap();
    assert_eq!(a["counselor_count"], 1);
    assert_eq!(a["counselors"][0]["id"], one);

    // An inactive counselor covers nothing.
    app.patch(
        &format!("{PATH}/{one}"),
        &app.admin(),
        json!({"active": false}),
    )
    .await
    .ok(200);
    let cov = app
        .get(&format!("{PATH}/coverage"), &app.admin())
        .await
        .ok(200);
    assert_eq!(cov["towns_covered"], 0);

    // A district counselor whose area covers every town.
    let towns = app.get("/api/v1/towns", &app.admin()).await.ok(200);
    let all: Vec<String> = towns["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 34);
    let mut d = json!({"name": "区级辅导员", "phone": "13900000001", "source": "other",
        "level": "district", "town_codes": all, "area": "全区"});
    d["town_codes"] = json!(all);
    let district = create(&app, d).await;
    let cov = app
        .get(&format!("{PATH}/coverage"), &app.admin())
        .await
        .ok(200);
    assert_eq!(cov["towns_covered"], 34);
    assert_eq!(cov["towns_without_counselor"], json!([]));
    assert_eq!(cov["areas"][0]["area"], "全区");
    assert_eq!(cov["areas"][0]["counselors"][0]["id"], district);
    assert_eq!(cov["areas"][0]["town_codes"].as_array().unwrap().len(), 34);
    // A cooperative sees the counts but names only its town's counselors… which here is everyone
    // covering its town; another counselor's login names only itself.
    let other = create(&app, body(&[TOWN_A])).await;
    let t = counselor_token(&app, other);
    let cov = app.get(&format!("{PATH}/coverage"), &t).await.ok(200);
    let a = cov["towns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["town_code"] == TOWN_A)
        .unwrap();
    assert_eq!(a["counselor_count"], 2);
    assert_eq!(
        a["counselors"],
        json!([{"id": other, "name": "王辅导", "level": "town"}])
    );
    assert_eq!(cov["areas"], json!([]));
}

#[actix_web::test]
async fn trainings_are_recorded_and_checked() {
    let app = TestApp::new().await;
    let id = create(&app, body(&[TOWN_A])).await;
    let url = format!("{PATH}/{id}/trainings");
    let t = app
        .post(
            &url,
            &app.admin(),
            json!({"title": "规范化培训", "held_on": "2026-03-15", "hours": 6.5, "topics": ["章程"], "attendees": 40}),
        )
        .await
        .ok(201);
    assert_eq!(t["hours"], 6.5);
    assert_eq!(t["topics"], json!(["章程"]));
    let cases: Vec<(&str, Value, &str)> = vec![
        ("hours", json!(0), "hours"),
        ("hours", json!(201), "hours"),
        ("held_on", json!("2999-01-01"), "held_on"),
        ("attendees", json!(-1), "attendees"),
        ("topics", json!([" "]), "topics"),
        ("title", json!(""), "title"),
    ];
    for (key, value, field) in cases {
        let mut b = json!({"title": "t", "held_on": "2026-01-01", "hours": 2});
        b[key] = value;
        app.post(&url, &app.admin(), b).await.field_error(field);
    }
    app.post(
        &format!("{PATH}/9999/trainings"),
        &app.admin(),
        json!({"title": "t", "held_on": "2026-01-01", "hours": 2}),
    )
    .await
    .problem(404);
    let list = app.get(&url, &counselor_token(&app, id)).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn counselor_records_own_visits_in_covered_towns_only() {
    let app = TestApp::new().await;
    let me = create(&app, body(&[TOWN_A])).await;
    let other = create(&app, body(&[TOWN_A])).await;
    let home = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let away = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let t = counselor_token(&app, me);
    let v = app
        .post(&format!("{PATH}/{me}/visits"), &t, visit(home))
        .await
        .ok(201);
    assert_eq!(v["counselor_id"], me);
    assert_eq!(v["cooperative_id"], home);
    assert_eq!(v["topics"], json!(["年报"]));
    // Another town's cooperative: 404, as if it did not exist.
    app.post(&format!("{PATH}/{me}/visits"), &t, visit(away))
        .await
        .problem(404);
    // As another counselor: 403.
    app.post(&format!("{PATH}/{other}/visits"), &t, visit(home))
        .await
        .problem(403);
    // Other roles may not record visits.
    for role in [Role::TownOfficer, Role::Observer, Role::Cooperative] {
        app.post(
            &format!("{PATH}/{me}/visits"),
            &app.token(role),
            visit(home),
        )
        .await
        .problem(403);
    }
    // Bad input.
    let mut b = visit(home);
    b["visited_on"] = json!("2999-01-01");
    app.post(&format!("{PATH}/{me}/visits"), &t, b)
        .await
        .field_error("visited_on");
    let mut b = visit(home);
    b["topics"] = json!([]);
    app.post(&format!("{PATH}/{me}/visits"), &t, b)
        .await
        .field_error("topics");
    let mut b = visit(home);
    b["findings"] = json!("");
    app.post(&format!("{PATH}/{me}/visits"), &t, b)
        .await
        .field_error("findings");
    // The district records for a counselor, but only in the counselor's towns.
    app.post(&format!("{PATH}/{me}/visits"), &app.admin(), visit(away))
        .await
        .field_error("cooperative_id");
    app.post(&format!("{PATH}/{me}/visits"), &app.admin(), visit(9999))
        .await
        .field_error("cooperative_id");
    app.post(&format!("{PATH}/9999/visits"), &app.admin(), visit(home))
        .await
        .problem(404);
    app.post(&format!("{PATH}/{other}/visits"), &app.admin(), visit(home))
        .await
        .ok(201);
    // An inactive counselor records nothing.
    app.patch(
        &format!("{PATH}/{other}"),
        &app.admin(),
        json!({"active": false}),
    )
    .await
    .ok(200);
    app.post(&format!("{PATH}/{other}/visits"), &app.admin(), visit(home))
        .await
        .problem(409);

    // The cooperative's page lists both visits (a counselor its own only: below).
    let coop_url = format!("/api/v1/cooperatives/{home}/visits");
    for token in [
        app.admin(),
        coop_token(&app, home),
        app.token(Role::TownOfficer),
    ] {
        let list = app.get(&coop_url, &token).await.ok(200);
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
        assert_eq!(list["items"][0]["counselor_name"], "王辅导");
    }
    // Outside the caller's scope: 404.
    app.get(&coop_url, &coop_token(&app, away))
        .await
        .problem(404);
    app.get(&format!("/api/v1/cooperatives/{away}/visits"), &t)
        .await
        .problem(404);
    app.get(
        &format!("/api/v1/cooperatives/{away}/visits"),
        &app.token(Role::TownOfficer),
    )
    .await
    .problem(404);
    app.get(
        &format!("/api/v1/cooperatives/{away}/visits"),
        &app.token(Role::Observer),
    )
    .await
    .ok(200);
    app.get("/api/v1/cooperatives/9999/visits", &app.admin())
        .await
        .problem(404);
    let mine = app.get(&format!("{PATH}/{me}/visits"), &t).await.ok(200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let audit = app
        .get(
            "/api/v1/audit-events?entity=counselor_visit&count=true",
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["total"], 2);
}

#[actix_web::test]
async fn a_counselor_reads_only_its_own_visits() {
    let app = TestApp::new().await;
    let me = create(&app, body(&[TOWN_A])).await;
    let other = create(&app, body(&[TOWN_A])).await;
    let home = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let (mine, theirs) = (counselor_token(&app, me), counselor_token(&app, other));
    for (id, t) in [(me, &mine), (other, &theirs), (other, &theirs)] {
        app.post(&format!("{PATH}/{id}/visits"), t, visit(home))
            .await
            .ok(201);
    }
    // The cooperative's page: the district sees all three, each counselor its own.
    let coop_url = format!("/api/v1/cooperatives/{home}/visits");
    let all = app.get(&coop_url, &app.admin()).await.ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    for (id, t, n) in [(me, &mine, 1), (other, &theirs, 2)] {
        let list = app.get(&coop_url, t).await.ok(200);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), n);
        assert!(items.iter().all(|v| v["counselor_id"] == id), "{list}");
    }
    // Another counselor's own list: 404, as if it did not exist.
    app.get(&format!("{PATH}/{other}/visits"), &mine)
        .await
        .problem(404);
    let own = app.get(&format!("{PATH}/{me}/visits"), &mine).await.ok(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
}
