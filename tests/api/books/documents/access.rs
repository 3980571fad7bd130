//! Who may upload and read, scoped like the member ledger; lists and their filters.

use coophub::auth::jwt::Subject;
use coophub::auth::Role;

use super::{form_of, url, PDF, PNG};
use crate::common::fixtures::books::coop_token;
use crate::common::fixtures::people::merge;
use crate::common::{TestApp, TOWN_A, TOWN_B};

fn doc(coop: i64, id: &serde_json::Value) -> String {
    format!("{}/{id}", url(coop))
}

fn content(coop: i64, id: &serde_json::Value) -> String {
    format!("{}/{id}/content", url(coop))
}

#[actix_web::test]
async fn roles_and_scope() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let form = form_of("a.pdf", PDF, "minutes", "记录", "2026");
    // The town officer writes and reads its own town's archives.
    let officer = app.token(Role::TownOfficer);
    let d = app.upload(mine, &officer, &form).await.ok(201);
    app.get(&doc(mine, &d["id"]), &officer).await.ok(200);
    app.upload(other, &officer, &form).await.problem(404);
    let theirs = app.upload(other, &app.admin(), &form).await.ok(201);
    // Another town's document: 404 on the list, the metadata and the content.
    app.get(&url(other), &officer).await.problem(404);
    app.get(&doc(other, &theirs["id"]), &officer)
        .await
        .problem(404);
    app.get(&content(other, &theirs["id"]), &officer)
        .await
        .problem(404);
    // Nor may it be reached through a cooperative in scope.
    app.get(&doc(mine, &theirs["id"]), &officer)
        .await
        .problem(404);
    app.get(&content(mine, &theirs["id"]), &app.admin())
        .await
        .problem(404);
    // The cooperative keeps its own.
    let own = coop_token(&app, mine);
    app.upload(mine, &own, &form).await.ok(201);
    let dl = app.get(&content(mine, &d["id"]), &own).await;
    assert_eq!(&dl.body[..], PDF);
    app.upload(other, &own, &form).await.problem(404);
    app.get(&content(other, &theirs["id"]), &own)
        .await
        .problem(404);
    // Counselors of the town and observers read, and may not write.
    let counselor_id = app.add_counselor(&[TOWN_A]);
    let counselor = app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(counselor_id),
            ..Default::default()
        },
    );
    for token in [&counselor, &app.token(Role::Observer)] {
        app.get(&url(mine), token).await.ok(200);
        app.get(&doc(mine, &d["id"]), token).await.ok(200);
        let dl = app.get(&content(mine, &d["id"]), token).await;
        assert_eq!(&dl.body[..], PDF);
        app.upload(mine, token, &form).await.problem(403);
    }
    app.get(&content(other, &theirs["id"]), &counselor)
        .await
        .problem(404);
    // Banks and the service center never see an archive.
    for role in [Role::BankPartner, Role::ServiceCenter] {
        let t = app.token(role);
        app.get(&url(mine), &t).await.problem(403);
        app.get(&doc(mine, &d["id"]), &t).await.problem(403);
        app.get(&content(mine, &d["id"]), &t).await.problem(403);
        app.upload(mine, &t, &form).await.problem(403);
    }
    // No such cooperative or document.
    app.upload(999, &app.admin(), &form).await.problem(404);
    app.get(&doc(mine, &serde_json::json!(999)), &app.admin())
        .await
        .problem(404);
    app.get(&content(mine, &serde_json::json!(999)), &app.admin())
        .await
        .problem(404);
    // A merged cooperative's archive is closed to new documents, still readable.
    let closed = app.create_coop(3, TOWN_A).await["id"].as_i64().unwrap();
    let kept = app.upload(closed, &app.admin(), &form).await.ok(201);
    merge(&app, closed, mine).await;
    app.upload(closed, &app.admin(), &form).await.problem(409);
    let dl = app.get(&content(closed, &kept["id"]), &app.admin()).await;
    assert_eq!(&dl.body[..], PDF);
}

#[actix_web::test]
async fn lists_page_and_filter() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.admin();
    for (kind, year) in [
        ("charter", "2024"),
        ("minutes", "2025"),
        ("minutes", "2026"),
        ("financial_statement", "2025"),
        ("other", ""),
    ] {
        app.upload(c, &admin, &form_of("a.png", PNG, kind, kind, year))
            .await
            .ok(201);
    }
    let all = app
        .get(&format!("{}?count=true&limit=2", url(c)), &admin)
        .await
        .ok(200);
    assert_eq!(all["total"], 5);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(all["items"][0]["kind"], "other", "most recent first");
    let next = all["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("{}?cursor={next}&limit=10", url(c)), &admin)
        .await
        .ok(200);
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    assert_eq!(rest["items"][2]["kind"], "charter");
    let minutes = app
        .get(&format!("{}?kind=minutes&count=true", url(c)), &admin)
        .await
        .ok(200);
    assert_eq!(minutes["total"], 2);
    let of_2025 = app
        .get(&format!("{}?year=2025&count=true", url(c)), &admin)
        .await
        .ok(200);
    assert_eq!(of_2025["total"], 2);
    let both = app
        .get(&format!("{}?year=2025&kind=minutes", url(c)), &admin)
        .await
        .ok(200);
    assert_eq!(both["items"].as_array().unwrap().len(), 1);
    // Bad filters.
    app.get(&format!("{}?year=1999", url(c)), &admin)
        .await
        .field_error("year");
    app.get(&format!("{}?limit=0", url(c)), &admin)
        .await
        .field_error("limit");
    let bad_kind = app.get(&format!("{}?kind=memo", url(c)), &admin).await;
    assert_eq!(
        bad_kind.status,
        400,
        "{}",
        String::from_utf8_lossy(&bad_kind.body)
    );
}
