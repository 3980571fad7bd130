use std::collections::HashSet;

use actix_web::test::TestRequest;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{coop_body, uscc, TestApp, TOWN_A, TOWN_B};

const PATH: &str = "/api/v1/cooperatives";

#[actix_web::test]
async fn create_returns_location_etag_and_the_record() {
    let app = TestApp::new().await;
    let r = app.post(PATH, &app.admin(), coop_body(1, TOWN_A)).await;
    let c = r.ok(201);
    let id = c["id"].as_i64().unwrap();
    assert_eq!(r.header("location").unwrap(), format!("{PATH}/{id}"));
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(c["status"], "active");
    assert_eq!(c["tier"], Value::Null);
    assert_eq!(c["demonstration_level"], Value::Null);
    assert_eq!(c["version"], 1);
    assert_eq!(c["uscc"], uscc(1));
    assert_eq!(c["industry_codes"], json!(["ancient_tree_tea"]));
    let got = app.get(&format!("{PATH}/{id}"), &app.admin()).await;
    assert_eq!(got.ok(200), c);
    assert_eq!(got.header("etag").unwrap(), "\"1\"");
}

#[actix_web::test]
async fn uscc_lower_case_with_letters_is_accepted_and_upper_cased() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    let code = coophub::domain::uscc::complete("93500119MA6CXY2K1").unwrap();
    body["uscc"] = json!(code.to_lowercase());
    let c = app.post(PATH, &app.admin(), body).await.ok(201);
    assert_eq!(c["uscc"], code);
}

#[actix_web::test]
async fn bad_usccs_are_422_on_uscc() {
    let app = TestApp::new().await;
    let good = uscc(1);
    let bad_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let not_coop = coophub::domain::uscc::complete("91500119MA5U7K3L7").unwrap();
    let other_region = coophub::domain::uscc::complete("93500101MA5U7K3L7").unwrap();
    for (code, expected) in [
        (bad_check.as_str(), "checksum"),
        (not_coop.as_str(), "not_cooperative"),
        (other_region.as_str(), "region"),
        ("93500119MA5U7K3L7", "length"),
        ("93500119MA5U7K3LO8", "character"),
    ] {
        let mut body = coop_body(1, TOWN_A);
        body["uscc"] = json!(code);
        let p = app.post(PATH, &app.admin(), body).await.field_error("uscc");
        assert_eq!(p["errors"][0]["code"], expected, "{code}");
    }
}

#[actix_web::test]
async fn duplicate_uscc_is_409_and_writes_nothing() {
    let app = TestApp::new().await;
    app.create_coop(1, TOWN_A).await;
    let mut body = coop_body(1, TOWN_B);
    body["name"] = json!("另一个名字");
    app.post(PATH, &app.admin(), body).await.problem(409);
    let list = app
        .get(&format!("{PATH}?count=true"), &app.admin())
        .await
        .ok(200);
    assert_eq!(list["total"], 1);
}

#[actix_web::test]
async fn field_rules_are_422_naming_the_field() {
    let app = TestApp::new().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("phone", json!("12345"), "phone"),
        ("phone", json!("23812345678"), "phone"),
        ("town_code", json!("500119999"), "town_code"),
        (
            "industry_codes",
            json!(["ancient_tree_tea", "unicorns"]),
            "industry_codes.1",
        ),
        ("industry_codes", json!([]), "industry_codes"),
        (
            "registered_capital_fen",
            json!(-1),
            "registered_capital_fen",
        ),
        ("established_on", json!("2999-01-01"), "established_on"),
        ("name", json!(""), "name"),
    ];
    for (key, value, field) in cases {
        let mut body = coop_body(1, TOWN_A);
        body[key] = value;
        app.post(PATH, &app.admin(), body).await.field_error(field);
    }
    // Nothing was written by any of them.
    assert_eq!(
        app.get(&format!("{PATH}?count=true"), &app.admin())
            .await
            .ok(200)["total"],
        0
    );
}

#[actix_web::test]
async fn phone_with_country_code_is_normalised() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    body["phone"] = json!("+86 138-1234-5678");
    assert_eq!(
        app.post(PATH, &app.admin(), body).await.ok(201)["phone"],
        "13812345678"
    );
}

#[actix_web::test]
async fn pagination_walks_to_the_end_without_repeats() {
    let app = TestApp::new().await;
    for n in 0..7 {
        app.create_coop(n, TOWN_A).await;
    }
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{PATH}?limit=3&cursor={c}"),
            None => format!("{PATH}?limit=3&count=true"),
        };
        let page = app.get(&url, &app.admin()).await.ok(200);
        if cursor.is_none() {
            assert_eq!(page["total"], 7);
        }
        for item in page["items"].as_array().unwrap() {
            assert!(seen.insert(item["id"].as_i64().unwrap()), "repeated {item}");
        }
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(pages, 3);
}

#[actix_web::test]
async fn limit_and_cursor_are_checked() {
    let app = TestApp::new().await;
    app.get(&format!("{PATH}?limit=201"), &app.admin())
        .await
        .field_error("limit");
    app.get(&format!("{PATH}?limit=0"), &app.admin())
        .await
        .field_error("limit");
    app.get(&format!("{PATH}?limit=200"), &app.admin())
        .await
        .ok(200);
    app.get(&format!("{PATH}?cursor=garbage!"), &app.admin())
        .await
        .field_error("cursor");
}

#[actix_web::test]
async fn filters_narrow_the_list() {
    let app = TestApp::new().await;
    app.create_coop(1, TOWN_A).await;
    app.create_coop(2, TOWN_B).await;
    let mut rice = coop_body(3, TOWN_A);
    rice["industry_codes"] = json!(["nanchuan_rice", "ecommerce"]);
    rice["name"] = json!("南川米100%_合作社");
    app.post(PATH, &app.admin(), rice).await.ok(201);
    crate::common::exec(
        &mut app.conn(),
        "UPDATE cooperatives SET status = 'abnormal', tier = 'shell' WHERE id = 2",
    );

    let ids = |v: Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let admin = app.admin();
    assert_eq!(
        ids(app
            .get(&format!("{PATH}?town_code={TOWN_A}"), &admin)
            .await
            .ok(200)),
        vec![1, 3]
    );
    assert_eq!(
        ids(app
            .get(&format!("{PATH}?industry=nanchuan_rice"), &admin)
            .await
            .ok(200)),
        vec![3]
    );
    assert_eq!(
        ids(app
            .get(&format!("{PATH}?status=abnormal"), &admin)
            .await
            .ok(200)),
        vec![2]
    );
    assert_eq!(
        ids(app.get(&format!("{PATH}?tier=shell"), &admin).await.ok(200)),
        vec![2]
    );
    assert_eq!(
        ids(app
            .get(&format!("{PATH}?demonstration_level=national"), &admin)
            .await
            .ok(200)),
        Vec::<i64>::new()
    );
    // q matches the name (wildcards taken literally) or the USCC, in any case.
    assert_eq!(
        ids(app.get(&format!("{PATH}?q=100%25_"), &admin).await.ok(200)),
        vec![3]
    );
    assert_eq!(
        ids(app
            .get(
                &format!(
                    "{PATH}?q={}",
                    url::form_urlencoded::byte_serialize("测试2号".as_bytes()).collect::<String>()
                ),
                &admin
            )
            .await
            .ok(200)),
        vec![2]
    );
    let part = uscc(2)[8..].to_lowercase();
    assert_eq!(
        ids(app.get(&format!("{PATH}?q={part}"), &admin).await.ok(200)),
        vec![2]
    );
    let counted = app
        .get(&format!("{PATH}?town_code={TOWN_A}&count=true"), &admin)
        .await
        .ok(200);
    assert_eq!(counted["total"], 2);
}

#[actix_web::test]
async fn patch_bumps_version_and_honours_if_match() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    let url = format!("{PATH}/{}", c["id"]);
    let r = app
        .patch(
            &url,
            &app.admin(),
            json!({"phone": "13900001111", "industry_codes": ["blueberry"]}),
        )
        .await;
    let v2 = r.ok(200);
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["phone"], "13900001111");
    assert_eq!(v2["industry_codes"], json!(["blueberry"]));
    assert_eq!(r.header("etag").unwrap(), "\"2\"");

    // A stale If-Match is refused and changes nothing.
    let stale = TestRequest::patch()
        .uri(&url)
        .insert_header(("Authorization", format!("Bearer {}", app.admin())))
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"name": "改名"}));
    app.request(stale).await.problem(412);
    assert_eq!(app.get(&url, &app.admin()).await.ok(200)["name"], c["name"]);

    let fresh = TestRequest::patch()
        .uri(&url)
        .insert_header(("Authorization", format!("Bearer {}", app.admin())))
        .insert_header(("If-Match", "\"2\""))
        .set_json(json!({"name": "改名"}));
    let v3 = app.request(fresh).await.ok(200);
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["name"], "改名");
}

#[actix_web::test]
async fn patch_validates_like_create() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    app.create_coop(2, TOWN_A).await;
    let url = format!("{PATH}/{}", c["id"]);
    app.patch(&url, &app.admin(), json!({"phone": "1"}))
        .await
        .field_error("phone");
    app.patch(&url, &app.admin(), json!({"uscc": "93500119MA5U7K3L79"}))
        .await
        .field_error("uscc");
    app.patch(&url, &app.admin(), json!({"town_code": "1"}))
        .await
        .field_error("town_code");
    app.patch(&url, &app.admin(), json!({"uscc": uscc(2)}))
        .await
        .problem(409);
    app.patch(&url, &app.admin(), json!({"status": "merged"}))
        .await
        .problem(400);
    app.patch(
        &format!("{PATH}/999"),
        &app.admin(),
        json!({"phone": "13900001111"}),
    )
    .await
    .problem(404);
    assert_eq!(app.get(&url, &app.admin()).await.ok(200)["version"], 1);
}

#[actix_web::test]
async fn town_officer_sees_and_writes_only_its_town() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await;
    let other = app.create_coop(2, TOWN_B).await;
    let officer = app.token(Role::TownOfficer); // TOWN_A
    let list = app.get(PATH, &officer).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], mine["id"]);
    app.get(&format!("{PATH}/{}", other["id"]), &officer)
        .await
        .problem(404);
    app.patch(
        &format!("{PATH}/{}", other["id"]),
        &officer,
        json!({"phone": "13900001111"}),
    )
    .await
    .problem(404);
    app.patch(
        &format!("{PATH}/{}", mine["id"]),
        &officer,
        json!({"phone": "13900001111"}),
    )
    .await
    .ok(200);
    // Registering in its own town works; in another town it is refused.
    app.post(PATH, &officer, coop_body(3, TOWN_A)).await.ok(201);
    app.post(PATH, &officer, coop_body(4, TOWN_B))
        .await
        .problem(403);
    app.patch(
        &format!("{PATH}/{}", mine["id"]),
        &officer,
        json!({"town_code": TOWN_B}),
    )
    .await
    .problem(403);
}

#[actix_web::test]
async fn cooperative_account_sees_itself_and_changes_only_contacts() {
    let app = TestApp::new().await;
    let own = app.create_coop(1, TOWN_A).await;
    let other = app.create_coop(2, TOWN_A).await;
    let token = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: own["id"].as_i64(),
            ..Default::default()
        },
    );
    let list = app.get(PATH, &token).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    app.get(&format!("{PATH}/{}", other["id"]), &token)
        .await
        .problem(404);
    let url = format!("{PATH}/{}", own["id"]);
    let c = app
        .patch(
            &url,
            &token,
            json!({"phone": "13900001111", "address": "新地址"}),
        )
        .await
        .ok(200);
    assert_eq!(c["address"], "新地址");
    let p = app
        .patch(&url, &token, json!({"name": "改名"}))
        .await
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("name"));
    app.post(PATH, &token, coop_body(3, TOWN_A))
        .await
        .problem(403);
}

#[actix_web::test]
async fn observer_and_service_center_read_but_do_not_write() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    let url = format!("{PATH}/{}", c["id"]);
    for role in [Role::Observer, Role::ServiceCenter] {
        let t = app.token(role);
        app.get(&url, &t).await.ok(200);
        assert_eq!(
            app.get(PATH, &t).await.ok(200)["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        app.post(PATH, &t, coop_body(2, TOWN_A)).await.problem(403);
        app.patch(&url, &t, json!({"phone": "13900001111"}))
            .await
            .problem(403);
    }
}

#[actix_web::test]
async fn counselor_reads_covered_towns_only() {
    let app = TestApp::new().await;
    let covered = app.create_coop(1, TOWN_A).await;
    let other = app.create_coop(2, TOWN_B).await;
    let counselor_id = app.add_counselor(&[TOWN_A]);
    let t = app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(counselor_id),
            ..Default::default()
        },
    );
    app.get(&format!("{PATH}/{}", covered["id"]), &t)
        .await
        .ok(200);
    app.get(&format!("{PATH}/{}", other["id"]), &t)
        .await
        .problem(404);
    assert_eq!(
        app.get(PATH, &t).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.patch(
        &format!("{PATH}/{}", covered["id"]),
        &t,
        json!({"phone": "13900001111"}),
    )
    .await
    .problem(403);
    app.post(PATH, &t, coop_body(3, TOWN_A)).await.problem(403);
}

/// A counselor covering two towns is a scope read through the general scope rule, not the
/// one-town query: the record, its industries and its member counts are the same either way.
#[actix_web::test]
async fn a_two_town_counselor_sees_the_same_record_as_the_district() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_B).await["id"].as_i64().unwrap();
    let members = format!("{PATH}/{c}/members");
    for (n, kind) in [(1, "farmer"), (2, "farmer"), (3, "collective_economic_org")] {
        app.post(&members, &app.admin(), crate::common::member_body(n, kind))
            .await
            .ok(201);
    }
    let counselor_id = app.add_counselor(&[TOWN_A, TOWN_B]);
    let t = app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(counselor_id),
            ..Default::default()
        },
    );
    let district = app.get(&format!("{PATH}/{c}"), &app.admin()).await.ok(200);
    assert_eq!(district["members"]["active"], 3);
    assert_eq!(district["members"]["by_type"]["farmer"], 2);
    let counselor = app.get(&format!("{PATH}/{c}"), &t).await.ok(200);
    assert_eq!(counselor, district);
    let page = app.get(PATH, &t).await.ok(200);
    assert_eq!(page["items"], json!([district]));
}

#[actix_web::test]
async fn bank_partner_sees_no_cooperative_without_a_loan_at_its_bank() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    let t = app.token(Role::BankPartner);
    app.get(&format!("{PATH}/{}", c["id"]), &t)
        .await
        .problem(404);
    assert_eq!(app.get(PATH, &t).await.ok(200)["items"], json!([]));
    app.post(PATH, &t, coop_body(2, TOWN_A)).await.problem(403);
}

#[actix_web::test]
async fn concurrent_writes_all_land() {
    // SQLite under a pool: every write transaction is BEGIN IMMEDIATE, so parallel
    // registrations queue instead of failing with "database is locked".
    let app = TestApp::new().await;
    let admin = app.admin();
    let futures: Vec<_> = (0..12)
        .map(|n| app.post(PATH, &admin, coop_body(100 + n, TOWN_A)))
        .collect();
    for r in futures_util::future::join_all(futures).await {
        r.ok(201);
    }
    assert_eq!(
        app.get(&format!("{PATH}?count=true"), &admin).await.ok(200)["total"],
        12
    );
}

#[actix_web::test]
async fn reference_data_is_loaded() {
    let app = TestApp::new().await;
    let t = app.token(Role::Cooperative);
    let towns = app.get("/api/v1/towns", &t).await.ok(200);
    let towns = towns["items"].as_array().unwrap();
    assert_eq!(towns.len(), 34);
    assert_eq!(
        towns[0],
        json!({"code": "500119001", "name": "东城街道", "kind": "street"})
    );
    assert!(towns.iter().any(|t| t["kind"] == "township"));
    let inds = app.get("/api/v1/industries", &t).await.ok(200);
    let specialty: Vec<&str> = inds["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["specialty"] == true)
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        specialty,
        [
            "herbal_medicine",
            "ancient_tree_tea",
            "square_bamboo_shoot",
            "nanchuan_rice",
            "blueberry"
        ]
    );
    assert_eq!(inds["items"].as_array().unwrap().len(), 12);
}

mod derived;
mod service;
mod worklists;
