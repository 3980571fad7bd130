mod at_rest;
mod keys_cli;
mod service;
mod tallies;

use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::json;

use crate::common::{id_number, member_body, TestApp, TOWN_A, TOWN_B};

fn path(coop: i64) -> String {
    format!("/api/v1/cooperatives/{coop}/members")
}

#[actix_web::test]
async fn add_list_and_mask() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let r = app
        .post(&path(c), &app.admin(), member_body(1, "farmer"))
        .await;
    let m = r.ok(201);
    let full = id_number(1);
    assert_eq!(
        m["id_number_masked"],
        format!("{}********{}", &full[..6], &full[14..])
    );
    assert!(m.get("id_number").is_none());
    assert!(
        !r.body.windows(full.len()).any(|w| w == full.as_bytes()),
        "whole ID number leaked"
    );
    assert_eq!(
        r.header("location").unwrap(),
        format!("{}/{}", path(c), m["id"])
    );
    app.add_member(c, 2, "enterprise").await;
    let mut homestead = member_body(3, "farmer");
    homestead["contribution_form"] = json!("homestead_use_right");
    homestead["contribution_fen"] = json!(250_000);
    app.post(&path(c), &app.admin(), homestead).await.ok(201);
    let mut village = member_body(4, "collective_economic_org");
    village["contribution_form"] = json!("collective_asset");
    app.post(&path(c), &app.admin(), village).await.ok(201);

    let list = app
        .get(&format!("{}?count=true", path(c)), &app.admin())
        .await
        .ok(200);
    assert_eq!(list["total"], 4);
    let farmers = app
        .get(&format!("{}?member_type=farmer", path(c)), &app.admin())
        .await
        .ok(200);
    assert_eq!(farmers["items"].as_array().unwrap().len(), 2);

    let coop = app
        .get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(coop["members"]["active"], 4);
    assert_eq!(coop["members"]["by_type"]["farmer"], 2);
    assert_eq!(coop["members"]["by_type"]["collective_economic_org"], 1);
    assert_eq!(
        coop["members"]["total_contribution_fen"],
        100_000 * 3 + 250_000
    );
    let listed = app.get("/api/v1/cooperatives", &app.admin()).await.ok(200);
    assert_eq!(listed["items"][0]["members"]["active"], 4);
    at_rest::assert_none_stored(&app, &[id_number(1), id_number(3)]);
}

#[actix_web::test]
async fn id_number_rules() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    // A farmer needs one.
    let mut body = member_body(1, "farmer");
    body.as_object_mut().unwrap().remove("id_number");
    let p = app
        .post(&path(c), &app.admin(), body)
        .await
        .field_error("id_number");
    assert_eq!(p["errors"][0]["code"], "required");
    // Wrong check digit, impossible birth date, wrong format: 422 without echoing the number.
    let good = id_number(1);
    let wrong_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    for (bad, code) in [
        (wrong_check.as_str(), "checksum"),
        ("500119201002300020", "birth_date"),
        ("50011920100307", "format"),
    ] {
        let mut body = member_body(1, "farmer");
        body["id_number"] = json!(bad);
        let r = app.post(&path(c), &app.admin(), body).await;
        let p = r.field_error("id_number");
        assert_eq!(p["errors"][0]["code"], code);
        assert!(!String::from_utf8_lossy(&r.body).contains(bad));
    }
    // Lower-case x is accepted.
    let mut body = member_body(9, "farmer");
    body["id_number"] = json!("11010519491231002x");
    let m = app.post(&path(c), &app.admin(), body).await.ok(201);
    assert_eq!(m["id_number_masked"], "110105********002X");
    // The same number twice among active members → 409; after exit it is free again.
    app.add_member(c, 1, "farmer").await;
    app.post(&path(c), &app.admin(), member_body(1, "farmer"))
        .await
        .problem(409);
    let other = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    app.post(&path(other), &app.admin(), member_body(1, "farmer"))
        .await
        .ok(201);
}

#[actix_web::test]
async fn bad_fields_are_422_naming_them() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    for (key, value, field) in [
        ("member_type", json!("alien"), "member_type"),
        ("contribution_form", json!("gold"), "contribution_form"),
        ("contribution_fen", json!(-5), "contribution_fen"),
        ("joined_on", json!("2999-01-01"), "joined_on"),
        ("name", json!(""), "name"),
        ("phone", json!("123"), "phone"),
    ] {
        let mut body = member_body(1, "farmer");
        body[key] = value;
        app.post(&path(c), &app.admin(), body)
            .await
            .field_error(field);
    }
    assert_eq!(
        app.get(&format!("{}?count=true", path(c)), &app.admin())
            .await
            .ok(200)["total"],
        0
    );
}

#[actix_web::test]
async fn patch_and_exit_keep_history() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let m = app.add_member(c, 1, "farmer").await;
    let url = format!("{}/{}", path(c), m["id"]);
    let changed = app
        .patch(
            &url,
            &app.admin(),
            json!({"contribution_fen": 800_000, "contribution_form": "land_management_right"}),
        )
        .await
        .ok(200);
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["contribution_form"], "land_management_right");
    app.patch(&url, &app.admin(), json!({"id_number": "123"}))
        .await
        .field_error("id_number");
    // Exit: not in the future, not twice.
    app.delete(&format!("{url}?exited_on=2999-01-01"), &app.admin())
        .await
        .field_error("exited_on");
    app.delete(&format!("{url}?exited_on=2019-01-01"), &app.admin())
        .await
        .field_error("exited_on");
    let exited = app
        .delete(
            &format!("{url}?exited_on=2024-05-01&reason=moved"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(exited["active"], false);
    assert_eq!(exited["exited_on"], "2024-05-01");
    app.delete(&url, &app.admin()).await.problem(409);
    app.patch(&url, &app.admin(), json!({"name": "x"}))
        .await
        .problem(409);
    let active = app
        .get(&format!("{}?active=true&count=true", path(c)), &app.admin())
        .await
        .ok(200);
    assert_eq!(active["total"], 0);
    let exited_list = app
        .get(
            &format!("{}?active=false&count=true", path(c)),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(exited_list["total"], 1);
    // The number is free again.
    app.add_member(c, 1, "farmer").await;
    // The audit trail holds only masked numbers.
    let events = app
        .get("/api/v1/audit-events?entity=member", &app.admin())
        .await;
    assert!(!String::from_utf8_lossy(&events.body).contains(&id_number(1)));
    assert_eq!(events.ok(200)["items"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn csv_export_masks_ids_and_has_a_bom() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    for n in 0..3 {
        app.add_member(c, n, "farmer").await;
    }
    let r = app
        .get(
            &format!("/api/v1/cooperatives/{c}/members.csv"),
            &app.admin(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.content_type().starts_with("text/csv"));
    assert!(r.body.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8_lossy(&r.body[3..]).to_string();
    assert_eq!(text.lines().count(), 4);
    assert!(text.starts_with("id,name,member_type,id_number_masked"));
    for n in 0..3 {
        assert!(
            !text.contains(&id_number(n)),
            "whole ID number in the export"
        );
        assert!(text.contains(&coophub::domain::id_number::mask(&id_number(n))));
    }
}

#[actix_web::test]
async fn roles_and_scope() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    app.add_member(other, 5, "farmer").await;
    // Town officer: its town only.
    let officer = app.token(Role::TownOfficer);
    app.post(&path(mine), &officer, member_body(1, "farmer"))
        .await
        .ok(201);
    app.post(&path(other), &officer, member_body(2, "farmer"))
        .await
        .problem(404);
    app.get(&path(other), &officer).await.problem(404);
    app.get(
        &format!("/api/v1/cooperatives/{other}/members.csv"),
        &officer,
    )
    .await
    .problem(404);
    // The cooperative itself reads and writes its own ledger.
    let own = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(mine),
            ..Default::default()
        },
    );
    app.post(&path(mine), &own, member_body(3, "farmer"))
        .await
        .ok(201);
    app.get(&path(other), &own).await.problem(404);
    // Counselor (covering TOWN_A) and observer read; they may not write.
    let counselor_id = app.add_counselor(&[TOWN_A]);
    let counselor = app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(counselor_id),
            ..Default::default()
        },
    );
    app.get(&path(mine), &counselor).await.ok(200);
    app.get(&path(other), &counselor).await.problem(404);
    app.post(&path(mine), &counselor, member_body(4, "farmer"))
        .await
        .problem(403);
    app.get(&path(mine), &app.token(Role::Observer))
        .await
        .ok(200);
    app.post(
        &path(mine),
        &app.token(Role::Observer),
        member_body(4, "farmer"),
    )
    .await
    .problem(403);
    // Banks and the service center never see member ledgers.
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.get(&path(mine), &app.token(role)).await.problem(403);
        app.post(&path(mine), &app.token(role), member_body(4, "farmer"))
            .await
            .problem(403);
    }
    app.get(&path(999), &app.admin()).await.problem(404);
}
