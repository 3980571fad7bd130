//! Meetings and resolutions decided by the law's thresholds; the merger that needs one.

use chrono::Datelike;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::books::coop_token;
use crate::common::fixtures::people::merge;
use crate::common::{TestApp, TOWN_A, TOWN_B};

fn url(coop: i64) -> String {
    format!("/api/v1/cooperatives/{coop}/meetings")
}

fn last_year() -> i32 {
    chrono::Utc::now().date_naive().year() - 1
}

/// A member assembly of 9, all present, voting 5 for and 4 against on each subject.
fn five_of_nine(subjects: &[&str]) -> Value {
    let resolutions: Vec<Value> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({"seq": i + 1, "subject": s, "votes_for": 5, "votes_against": 4, "abstentions": 0})
        })
        .collect();
    json!({"kind": "member_assembly", "held_on": format!("{}-03-15", last_year()),
        "members_total": 9, "attending": 9, "resolutions": resolutions})
}

fn passed(meeting: &Value, seq: i64) -> bool {
    meeting["resolutions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["seq"] == seq)
        .unwrap()["passed"]
        .as_bool()
        .unwrap()
}

#[actix_web::test]
async fn a_vote_passing_by_half_fails_two_thirds() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let r = app
        .post(
            &url(c),
            &app.admin(),
            five_of_nine(&[
                "surplus_distribution",
                "charter_amendment",
                "merger",
                "budget",
            ]),
        )
        .await;
    let m = r.ok(201);
    assert_eq!(
        r.header("location").unwrap(),
        format!("{}/{}", url(c), m["id"])
    );
    // 5 of 9 basic votes: 5 × 2 = 10 > 9, more than half of all members → passes;
    // 5 × 3 = 15 < 9 × 2 = 18, short of two thirds → a charter amendment or merger fails.
    assert!(passed(&m, 1), "{m}");
    assert!(!passed(&m, 2), "{m}");
    assert!(!passed(&m, 3), "{m}");
    assert!(passed(&m, 4), "{m}");
    assert_eq!(m["resolutions"][1]["threshold"], "two_thirds");
    assert_eq!(m["resolutions"][0]["threshold"], "half");

    // Half of *all* members, not of those present: 10 members, 6 attend, 5 for → 10 > 10 is
    // false, the resolution fails though 5 of the 6 present voted for it.
    let thin = app
        .post(
            &url(c),
            &app.admin(),
            json!({"kind": "member_assembly", "held_on": format!("{}-04-01", last_year()),
                "members_total": 10, "attending": 6, "resolutions": [
                {"seq": 1, "subject": "budget", "votes_for": 5, "votes_against": 1, "abstentions": 0}]}),
        )
        .await
        .ok(201);
    assert!(!passed(&thin, 1));
    // Additional votes count on both sides: 10 members, 5 for + 2 additional → 7 × 2 = 14 >
    // 12 → passes.
    let extra = app
        .post(
            &url(c),
            &app.admin(),
            json!({"kind": "member_assembly", "held_on": format!("{}-05-01", last_year()),
                "members_total": 10, "attending": 10, "resolutions": [
                {"seq": 1, "subject": "budget", "votes_for": 5, "votes_against": 5, "abstentions": 0,
                 "additional_votes_for": 2}]}),
        )
        .await
        .ok(201);
    assert!(passed(&extra, 1));

    let list = app
        .get(&format!("{}?count=true", url(c)), &app.admin())
        .await
        .ok(200);
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0]["id"], extra["id"], "most recent first");
    let one = app
        .get(&format!("{}/{}", url(c), m["id"]), &app.admin())
        .await
        .ok(200);
    assert_eq!(one["resolutions"].as_array().unwrap().len(), 4);
    app.get(&format!("{}/999", url(c)), &app.admin())
        .await
        .problem(404);
}

#[actix_web::test]
async fn impossible_counts_are_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let held = format!("{}-03-15", last_year());
    let one = |members: i64, attending: i64, r: Value| {
        json!({"kind": "member_assembly", "held_on": held, "members_total": members,
            "attending": attending, "resolutions": [r]})
    };
    // Additional votes over 20% of the basic votes: 10 members allow 2, 3 are refused.
    let over = app
        .post(
            &url(c),
            &app.admin(),
            one(
                10,
                10,
                json!({"seq": 1, "subject": "budget", "votes_for": 5,
                "votes_against": 5, "abstentions": 0, "additional_votes_for": 3}),
            ),
        )
        .await;
    let p = over.field_error("resolutions.0.additional_votes_for");
    assert_eq!(p["errors"][0]["code"], "additional_votes_cap", "{p}");
    // More votes than members present.
    app.post(
        &url(c),
        &app.admin(),
        one(
            10,
            6,
            json!({"seq": 1, "subject": "budget", "votes_for": 5,
            "votes_against": 1, "abstentions": 1}),
        ),
    )
    .await
    .field_error("resolutions.0.votes_for");
    // More present than the body has.
    app.post(
        &url(c),
        &app.admin(),
        one(
            5,
            6,
            json!({"seq": 1, "subject": "budget", "votes_for": 1,
            "votes_against": 0, "abstentions": 0}),
        ),
    )
    .await
    .field_error("attending");
    // The same resolution number twice.
    let mut twice = five_of_nine(&["budget", "election"]);
    twice["resolutions"][1]["seq"] = json!(1);
    app.post(&url(c), &app.admin(), twice)
        .await
        .field_error("resolutions.1.seq");
    // Bounds and vocabularies.
    let mut future = five_of_nine(&["budget"]);
    future["held_on"] = json!("2999-01-01");
    app.post(&url(c), &app.admin(), future)
        .await
        .field_error("held_on");
    let mut nobody = five_of_nine(&["budget"]);
    nobody["members_total"] = json!(0);
    app.post(&url(c), &app.admin(), nobody)
        .await
        .field_error("members_total");
    let mut huge = five_of_nine(&["budget"]);
    huge["resolutions"][0]["votes_for"] = json!(2_000_000);
    app.post(&url(c), &app.admin(), huge)
        .await
        .field_error("resolutions.0.votes_for");
    let mut subject = five_of_nine(&["budget"]);
    subject["resolutions"][0]["subject"] = json!("coup");
    assert_eq!(
        app.post(&url(c), &app.admin(), subject)
            .await
            .status
            .as_u16(),
        422
    );
    let mut kind = five_of_nine(&["budget"]);
    kind["kind"] = json!("party");
    assert_eq!(
        app.post(&url(c), &app.admin(), kind).await.status.as_u16(),
        422
    );
    let list = app
        .get(&format!("{}?count=true", url(c)), &app.admin())
        .await
        .ok(200);
    assert_eq!(list["total"], 0, "nothing written: {list}");
}

#[actix_web::test]
async fn roles_and_scope() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let body = five_of_nine(&["budget"]);
    let officer = app.token(Role::TownOfficer);
    app.post(&url(mine), &officer, body.clone()).await.ok(201);
    app.post(&url(other), &officer, body.clone())
        .await
        .problem(404);
    let theirs = app
        .post(&url(other), &app.admin(), body.clone())
        .await
        .ok(201);
    app.get(&url(other), &officer).await.problem(404);
    app.get(&format!("{}/{}", url(other), theirs["id"]), &officer)
        .await
        .problem(404);
    // The cooperative keeps its own books.
    let own = coop_token(&app, mine);
    app.post(&url(mine), &own, body.clone()).await.ok(201);
    app.get(&url(other), &own).await.problem(404);
    // Counselors and observers read; they may not write.
    let counselor_id = app.add_counselor(&[TOWN_A]);
    let counselor = app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(counselor_id),
            ..Default::default()
        },
    );
    app.get(&url(mine), &counselor).await.ok(200);
    app.get(&url(other), &counselor).await.problem(404);
    for role in [Role::Observer] {
        app.get(&url(mine), &app.token(role)).await.ok(200);
    }
    for token in [counselor, app.token(Role::Observer)] {
        app.post(&url(mine), &token, body.clone())
            .await
            .problem(403);
    }
    // Banks and the service center never see a cooperative's books.
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.get(&url(mine), &app.token(role)).await.problem(403);
        app.post(&url(mine), &app.token(role), body.clone())
            .await
            .problem(403);
    }
    app.post(&url(999), &app.admin(), body).await.problem(404);
    // A merged cooperative's books are closed.
    let closed = app.create_coop(3, TOWN_A).await["id"].as_i64().unwrap();
    merge(&app, closed, mine).await;
    app.post(&url(closed), &app.admin(), five_of_nine(&["budget"]))
        .await
        .problem(409);
}

#[actix_web::test]
async fn a_merger_needs_the_members_two_thirds_once_meetings_are_kept() {
    let app = TestApp::new().await;
    let source = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let target = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let paper = app.create_coop(3, TOWN_A).await["id"].as_i64().unwrap();
    let merge_url = |id: i64| format!("/api/v1/cooperatives/{id}/merge");
    let into = json!({ "into_cooperative_id": target });
    // The source keeps its meetings here; a merger carried by half, not two thirds, fails.
    app.post(&url(source), &app.admin(), five_of_nine(&["merger"]))
        .await
        .ok(201);
    let refused = app
        .post(&merge_url(source), &app.admin(), into.clone())
        .await;
    let p = refused.problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("merger resolution"),
        "{p}"
    );
    // A board cannot decide it either: 6 of 9 is two thirds, but only an assembly counts.
    let mut board = five_of_nine(&["merger"]);
    board["kind"] = json!("board");
    board["resolutions"][0]["votes_for"] = json!(6);
    board["resolutions"][0]["votes_against"] = json!(3);
    app.post(&url(source), &app.admin(), board).await.ok(201);
    app.post(&merge_url(source), &app.admin(), into.clone())
        .await
        .problem(409);
    // 6 of 9 at the assembly: 18 ≥ 18, two thirds → the merger goes through.
    app.hold_assembly(source, &format!("{}-06-01", last_year()), 9, "merger", 6)
        .await;
    app.post(&merge_url(source), &app.admin(), into.clone())
        .await
        .ok(200);
    // A cooperative with no meeting recorded keeps its minutes on paper: merged as before.
    app.post(&merge_url(paper), &app.admin(), into)
        .await
        .ok(200);
}

#[actix_web::test]
async fn annual_assembly_and_representation_in_compliance() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let compliance = format!("/api/v1/cooperatives/{c}/compliance");
    let check = |v: &Value, name: &str| -> Value {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["check"] == name)
            .cloned()
            .unwrap()
    };
    let before = app.get(&compliance, &app.admin()).await.ok(200);
    assert_eq!(check(&before, "annual_assembly")["passed"], false);
    // A board meeting is not an assembly.
    let mut board = five_of_nine(&["budget"]);
    board["kind"] = json!("board");
    app.post(&url(c), &app.admin(), board).await.ok(201);
    let board_only = app.get(&compliance, &app.admin()).await.ok(200);
    assert_eq!(check(&board_only, "annual_assembly")["passed"], false);
    // An assembly two years ago does not count for the last fiscal year.
    app.hold_assembly(c, &format!("{}-12-31", last_year() - 1), 9, "budget", 9)
        .await;
    let stale = app.get(&compliance, &app.admin()).await.ok(200);
    assert_eq!(check(&stale, "annual_assembly")["passed"], false);
    app.hold_assembly(c, &format!("{}-01-01", last_year()), 9, "budget", 9)
        .await;
    let after = app.get(&compliance, &app.admin()).await.ok(200);
    let a = check(&after, "annual_assembly");
    assert_eq!(a["passed"], true, "{a}");
    assert_eq!(a["figures"]["held_on"], format!("{}-01-01", last_year()));
    // Few members: no representative assembly is needed.
    assert_eq!(check(&after, "representation")["passed"], true);
}
