//! Yearly evaluations and rankings.

use serde_json::json;

use super::*;

#[actix_web::test]
async fn evaluations_create_replace_and_validate() {
    let app = TestApp::new().await;
    let id = create(&app, body(&[TOWN_A])).await;
    let url = format!("{PATH}/{id}/evaluations/2025");
    let r = put(
        &app,
        &url,
        &app.admin(),
        json!({"score": 100, "rating": "excellent", "reward": "优秀辅导员", "reward_fen": 200000}),
    )
    .await;
    let e = r.ok(201);
    assert_eq!(e["version"], 1);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    let e = put(
        &app,
        &url,
        &app.admin(),
        json!({"score": 0, "rating": "fail"}),
    )
    .await
    .ok(200);
    assert_eq!(e["score"], 0);
    assert_eq!(e["reward"], Value::Null);
    assert_eq!(e["version"], 2);
    let stale = TestRequest::put()
        .uri(&url)
        .insert_header(("Authorization", format!("Bearer {}", app.admin())))
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"score": 50, "rating": "pass"}));
    app.request(stale).await.problem(412);
    for (b, field) in [
        (json!({"score": 101, "rating": "good"}), "score"),
        (json!({"score": -1, "rating": "good"}), "score"),
        (json!({"score": 80, "rating": "superb"}), "rating"),
        (
            json!({"score": 80, "rating": "good", "reward_fen": -5}),
            "reward_fen",
        ),
        (json!({"rating": "good"}), "score"),
    ] {
        put(&app, &url, &app.admin(), b).await.field_error(field);
    }
    put(
        &app,
        &format!("{PATH}/{id}/evaluations/{}", this_year() + 1),
        &app.admin(),
        json!({"score": 80, "rating": "good"}),
    )
    .await
    .field_error("year");
    put(
        &app,
        &format!("{PATH}/{id}/evaluations/1999"),
        &app.admin(),
        json!({"score": 80, "rating": "good"}),
    )
    .await
    .field_error("year");
    put(
        &app,
        &format!("{PATH}/9999/evaluations/2025"),
        &app.admin(),
        json!({"score": 80, "rating": "good"}),
    )
    .await
    .problem(404);
    let list = app
        .get(
            &format!("{PATH}/{id}/evaluations"),
            &counselor_token(&app, id),
        )
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["score"], 0);
}

#[actix_web::test]
async fn rankings_order_ties_and_counts() {
    let app = TestApp::new().await;
    let a = create(&app, body(&[TOWN_A])).await;
    let b = create(&app, body(&[TOWN_A])).await;
    let c = create(&app, body(&[TOWN_B])).await;
    let d = create(&app, body(&[TOWN_B])).await; // not evaluated
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    for (id, score, rating) in [(a, 90, "excellent"), (b, 95, "excellent"), (c, 90, "good")] {
        put(
            &app,
            &format!("{PATH}/{id}/evaluations/2025"),
            &app.admin(),
            json!({"score": score, "rating": rating}),
        )
        .await
        .ok(201);
    }
    // Another year's evaluation does not count.
    put(
        &app,
        &format!("{PATH}/{d}/evaluations/2024"),
        &app.admin(),
        json!({"score": 100, "rating": "excellent"}),
    )
    .await
    .ok(201);
    // Visits and trainings of 2025 are counted; those of 2024 not.
    let mut v = visit(coop);
    v["visited_on"] = json!("2025-05-01");
    app.post(&format!("{PATH}/{a}/visits"), &app.admin(), v.clone())
        .await
        .ok(201);
    app.post(&format!("{PATH}/{a}/visits"), &app.admin(), v.clone())
        .await
        .ok(201);
    v["visited_on"] = json!("2024-12-31");
    app.post(&format!("{PATH}/{a}/visits"), &app.admin(), v)
        .await
        .ok(201);
    app.post(
        &format!("{PATH}/{c}/trainings"),
        &app.admin(),
        json!({"title": "t", "held_on": "2025-12-31", "hours": 3}),
    )
    .await
    .ok(201);

    let r = app
        .get(&format!("{PATH}/rankings?year=2025"), &app.admin())
        .await
        .ok(200);
    assert_eq!(r["evaluated"], 3);
    let rows: Vec<(i64, i64, i64, i64, i64)> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["counselor_id"].as_i64().unwrap(),
                e["rank"].as_i64().unwrap(),
                e["score"].as_i64().unwrap(),
                e["visits"].as_i64().unwrap(),
                e["trainings"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![(b, 1, 95, 0, 0), (a, 2, 90, 2, 0), (c, 2, 90, 0, 1)]
    );
    // A counselor sees their own entry with its true rank.
    let mine = app
        .get(
            &format!("{PATH}/rankings?year=2025"),
            &counselor_token(&app, c),
        )
        .await
        .ok(200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["rank"], 2);
    // An empty year.
    let none = app
        .get(
            &format!("{PATH}/rankings?year=2023"),
            &app.token(Role::Observer),
        )
        .await
        .ok(200);
    assert_eq!(none["items"], json!([]));
    // The year is required and checked.
    app.get(&format!("{PATH}/rankings"), &app.admin())
        .await
        .problem(400);
    app.get(&format!("{PATH}/rankings?year=abc"), &app.admin())
        .await
        .problem(400);
    app.get(&format!("{PATH}/rankings?year=1999"), &app.admin())
        .await
        .field_error("year");
}
