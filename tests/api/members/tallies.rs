//! A cooperative's member summary, read from `member_tallies` (kept by triggers), against the
//! members' rows counted here, after every kind of change of a member: added, changed, exited
//! (in the past and dated after today), moved to another cooperative, retyped and deleted by
//! hand, on both backends.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{exec, TestApp, TOWN_A, TOWN_B};

/// The summary by hand: members not exited, or exiting after today, by type, and the sum of
/// their contributions.
fn by_hand(app: &TestApp, coop: i64) -> Value {
    use coophub::db::schema::members as m;
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<(String, Option<chrono::NaiveDate>, i64)> = m::table
        .filter(m::cooperative_id.eq(coop))
        .select((m::member_type, m::exited_on, m::contribution_fen))
        .load(&mut *app.conn())
        .unwrap();
    let mut by_type = BTreeMap::new();
    let mut total = 0i64;
    for (t, _, fen) in rows.into_iter().filter(|r| r.1.is_none_or(|d| d > today)) {
        *by_type.entry(t).or_insert(0i64) += 1;
        total += fen;
    }
    json!({"active": by_type.values().sum::<i64>(), "by_type": by_type, "total_contribution_fen": total})
}

/// The summary as the API gives it, on the cooperative and in its town's list page, which
/// must agree with each other and with [`by_hand`].
async fn assert_summaries(app: &TestApp, coops: &[(i64, &str)], stage: &str) {
    for &(coop, town) in coops {
        let one = app.coop(coop).await["members"].clone();
        let page = app
            .get(
                &format!("/api/v1/cooperatives?town_code={town}&limit=50"),
                &app.admin(),
            )
            .await
            .ok(200);
        let listed = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == coop)
            .expect("listed")["members"]
            .clone();
        let want = by_hand(app, coop);
        assert_eq!(one["active"], want["active"], "{stage}: {coop}");
        assert_eq!(one["by_type"], want["by_type"], "{stage}: {coop}");
        assert_eq!(
            one["total_contribution_fen"], want["total_contribution_fen"],
            "{stage}: {coop}"
        );
        assert_eq!(listed, one, "{stage}: {coop} listed");
    }
}

#[actix_web::test]
async fn the_member_summary_follows_every_change_of_the_members() {
    let app = TestApp::new().await;
    let a = app.coop_id(1, TOWN_A).await;
    let b = app.coop_id(2, TOWN_B).await;
    let coops = [(a, TOWN_A), (b, TOWN_B)];
    assert_summaries(&app, &coops, "no members").await;

    let mut ids = Vec::new();
    for (n, t) in [
        (1, "farmer"),
        (2, "farmer"),
        (3, "farmer"),
        (4, "enterprise"),
    ] {
        ids.push(app.add_member(a, n, t).await["id"].as_i64().unwrap());
    }
    app.add_member(b, 5, "farmer").await;
    assert_summaries(&app, &coops, "added").await;

    // 100,000 fen each, then one of them 800,000 fen: 1,100,000 fen in all for a's four.
    let url = |m: i64| format!("/api/v1/cooperatives/{a}/members/{m}");
    app.patch(
        &url(ids[0]),
        &app.admin(),
        json!({"contribution_fen": 800_000}),
    )
    .await
    .ok(200);
    assert_eq!(
        app.coop(a).await["members"]["total_contribution_fen"],
        1_100_000
    );
    app.delete(
        &format!("{}?exited_on=2024-05-01", url(ids[1])),
        &app.admin(),
    )
    .await
    .ok(200);
    assert_summaries(&app, &coops, "changed and exited").await;

    let mut conn = app.conn();
    // An exit dated after today still counts; one dated before does not.
    exec(
        &mut conn,
        &format!(
            "UPDATE members SET exited_on = '2999-12-31' WHERE id = {}",
            ids[2]
        ),
    );
    exec(
        &mut conn,
        &format!(
            "UPDATE members SET member_type = 'collective_economic_org' WHERE id = {}",
            ids[3]
        ),
    );
    drop(conn);
    assert_summaries(&app, &coops, "exiting later, retyped").await;
    let conn = &mut app.conn();
    exec(
        conn,
        &format!(
            "UPDATE members SET cooperative_id = {b} WHERE id = {}",
            ids[0]
        ),
    );
    exec(
        conn,
        &format!("UPDATE members SET exited_on = NULL WHERE id = {}", ids[1]),
    );
    exec(
        conn,
        &format!("UPDATE members SET name = 'x' WHERE id = {}", ids[1]),
    );
    assert_summaries(&app, &coops, "moved, exit undone, renamed").await;
    exec(
        &mut app.conn(),
        &format!("DELETE FROM members WHERE id IN ({}, {})", ids[1], ids[3]),
    );
    assert_summaries(&app, &coops, "deleted").await;
    // Left by hand: a holds only the member exiting in 2999 (100,000 fen); b its own and the
    // one moved to it (100,000 + 800,000 fen).
    let a_now = app.coop(a).await["members"].clone();
    assert_eq!(
        a_now,
        json!({"active": 1, "by_type": {"farmer": 1}, "total_contribution_fen": 100_000})
    );
    assert_eq!(
        app.coop(b).await["members"]["total_contribution_fen"],
        900_000
    );
}
