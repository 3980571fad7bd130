//! The registry's tallies (kept by triggers) against a scan of the registry, after every kind
//! of change a cooperative goes through: created, imported, listed abnormal, assessed,
//! deregistered, merged, edited and deleted by hand, on both backends.

use coophub::db::models::{pilot, tallies};
use coophub::db::DbConn;
use coophub::domain::scope::CoopScope;
use coophub::service::supervision;
use serde_json::json;

use crate::common::fixtures::registry::{csv_file, csv_row};
use crate::common::{exec, TestApp, TOWN_A, TOWN_B};

/// The views the tallies key (the district, one town, two towns, a town within two) and, for
/// each, the tallied counts and publication bases against those of a scan.
fn assert_tallies_match_a_scan(conn: &mut DbConn, stage: &str) {
    let one = CoopScope::Towns(vec![TOWN_A.to_string()]);
    let two = CoopScope::Towns(vec![TOWN_A.to_string(), TOWN_B.to_string()]);
    let views = [
        (&CoopScope::All, None),
        (&CoopScope::All, Some(TOWN_B)),
        (&one, None),
        (&two, None),
        (&two, Some(TOWN_A)),
    ];
    for (scope, town) in views {
        let view = pilot::InView { scope, town };
        let mut tallied = tallies::registry_counts(conn, view)
            .unwrap()
            .expect("towns are tallied");
        let mut scanned = pilot::scanned_registry_counts(conn, view).unwrap();
        tallied.sort_by_key(|c| format!("{c:?}"));
        scanned.sort_by_key(|c| format!("{c:?}"));
        assert_eq!(tallied, scanned, "{stage}: {scope:?} {town:?}");
        for year in 2008..=2027 {
            let tallied = tallies::active_established_by(conn, view, year)
                .unwrap()
                .expect("towns are tallied");
            assert_eq!(
                tallied,
                active_established_by_scan(conn, scope, town, year),
                "{stage}: {scope:?} {town:?} {year}"
            );
        }
    }
}

/// Active cooperatives of the view established by the end of `year`, counted row by row.
fn active_established_by_scan(
    conn: &mut DbConn,
    scope: &CoopScope,
    town: Option<&str>,
    year: i32,
) -> i64 {
    use coophub::db::schema::cooperatives as c;
    use diesel::prelude::*;
    let end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    let rows: Vec<(String, String, chrono::NaiveDate)> = c::table
        .select((c::town_code, c::status, c::established_on))
        .load(conn)
        .unwrap();
    rows.iter()
        .filter(|(t, s, on)| {
            let in_scope = match scope {
                CoopScope::Towns(towns) => towns.contains(t),
                _ => true,
            };
            in_scope && town.is_none_or(|x| x == t) && s == "active" && *on <= end
        })
        .count() as i64
}

#[actix_web::test]
async fn the_tallies_follow_every_change_of_the_registry() {
    let app = TestApp::new().await;
    let admin = app.admin();
    assert_tallies_match_a_scan(&mut app.conn(), "empty");

    let mut ids = Vec::new();
    for (n, town) in [
        (1, TOWN_A),
        (2, TOWN_A),
        (3, TOWN_A),
        (4, TOWN_B),
        (5, TOWN_B),
    ] {
        ids.push(app.coop_id(n, town).await);
    }
    let rows: Vec<String> = (10..16)
        .map(|n| csv_row(n, if n % 2 == 0 { TOWN_A } else { TOWN_B }))
        .collect();
    app.import(csv_file(&rows)).await.ok(201);
    assert_tallies_match_a_scan(&mut app.conn(), "created and imported");

    app.post(
        &format!("/api/v1/cooperatives/{}/abnormal-listing", ids[0]),
        &admin,
        json!({"reason": "未报年报"}),
    )
    .await
    .ok(201);
    let pass = json!({"checklist": {"charter": true, "bodies": true, "member_ledger": true,
        "bookkeeping": true, "disclosure": true, "annual_report": true,
        "transaction_distribution": true, "real_operations": true}});
    app.post(
        &format!("/api/v1/cooperatives/{}/assessments", ids[1]),
        &admin,
        pass,
    )
    .await
    .ok(201);
    app.post(
        &format!("/api/v1/cooperatives/{}/deregister", ids[3]),
        &admin,
        json!({"reason": "成员大会决议解散", "deregistered_on": "2026-03-01"}),
    )
    .await
    .ok(200);
    let district = app.caller(&admin);
    app.write(|conn| supervision::merge(conn, &district, ids[2], ids[4]))
        .unwrap();
    assert_tallies_match_a_scan(&mut app.conn(), "listed, assessed, deregistered, merged");

    // By hand: a title, a new year of establishment and another town, a rename (no counted
    // column), a row inserted and one deleted; the triggers see SQL whatever sends it.
    let mut conn = app.conn();
    exec(
        &mut conn,
        &format!(
            "UPDATE cooperatives SET demonstration_level = 'national' WHERE id = {}",
            ids[1]
        ),
    );
    exec(
        &mut conn,
        &format!(
            "UPDATE cooperatives SET established_on = '2009-06-30', town_code = '{TOWN_A}' WHERE id = {}",
            ids[4]
        ),
    );
    exec(
        &mut conn,
        &format!("UPDATE cooperatives SET name = 'x' WHERE id = {}", ids[1]),
    );
    exec(
        &mut conn,
        &format!(
            "INSERT INTO cooperatives (name, uscc, town_code, legal_representative, phone, \
             established_on, registered_capital_fen, status, tier, version, created_at, updated_at) \
             VALUES ('手工', '93500119MA0000099X', '{TOWN_B}', '李四', '13812345678', '2026-01-02', \
             1, 'active', 'shell', 1, '2026-01-02 00:00:00', '2026-01-02 00:00:00')"
        ),
    );
    assert_tallies_match_a_scan(&mut conn, "edited and inserted by hand");
    exec(
        &mut conn,
        "DELETE FROM cooperatives WHERE uscc = '93500119MA0000099X'",
    );
    assert_tallies_match_a_scan(&mut conn, "deleted by hand");

    // The figures by hand: 12 cooperatives but the deleted one; of the 11, one abnormal, one
    // deregistered, one merged; one standard (and national), the rest unassessed.
    let view = pilot::InView {
        scope: &CoopScope::All,
        town: None,
    };
    let counts = pilot::registry_counts(&mut conn, view).unwrap();
    let total: i64 = counts.iter().map(|c| c.3).sum();
    let of = |status: &str| -> i64 {
        counts
            .iter()
            .filter(|c| c.0.as_str() == status)
            .map(|c| c.3)
            .sum()
    };
    assert_eq!(total, 11);
    assert_eq!(
        (
            of("active"),
            of("abnormal"),
            of("deregistered"),
            of("merged")
        ),
        (8, 1, 1, 1)
    );
    let national: i64 = counts
        .iter()
        .filter(|c| c.2.map(|l| l.as_str()) == Some("national"))
        .map(|c| c.3)
        .sum();
    assert_eq!(national, 1);
}

#[actix_web::test]
async fn a_failed_change_leaves_the_tallies_as_they_were() {
    let app = TestApp::new().await;
    app.coop_id(1, TOWN_A).await;
    // An import whose second row repeats the first's USCC is refused whole: neither row is
    // registered, nor counted.
    let file = csv_file(&[csv_row(20, TOWN_A), csv_row(20, TOWN_B)]);
    let refused = app.import(file).await;
    assert!(refused.status.is_client_error(), "{:?}", refused.status);
    let view = pilot::InView {
        scope: &CoopScope::All,
        town: None,
    };
    let counts = tallies::registry_counts(&mut app.conn(), view)
        .unwrap()
        .unwrap();
    assert_eq!(counts.iter().map(|c| c.3).sum::<i64>(), 1);
    assert_tallies_match_a_scan(&mut app.conn(), "after a refused import");
}

#[actix_web::test]
async fn scopes_the_tallies_do_not_key_are_counted_by_a_scan() {
    let app = TestApp::new().await;
    let id = app.coop_id(1, TOWN_A).await;
    let mut conn = app.conn();
    for scope in [CoopScope::One(id), CoopScope::Bank("psbc".into())] {
        let view = pilot::InView {
            scope: &scope,
            town: None,
        };
        assert_eq!(tallies::registry_counts(&mut conn, view).unwrap(), None);
        assert_eq!(
            tallies::active_established_by(&mut conn, view, 2026).unwrap(),
            None
        );
    }
    let view = pilot::InView {
        scope: &CoopScope::One(id),
        town: None,
    };
    let counts = pilot::registry_counts(&mut conn, view).unwrap();
    assert_eq!(counts.iter().map(|c| c.3).sum::<i64>(), 1);
}

#[actix_web::test]
async fn recount_rebuilds_counters_changed_behind_the_triggers() {
    let app = TestApp::new().await;
    let a = app.coop_id(1, TOWN_A).await;
    app.coop_id(2, TOWN_B).await;
    app.add_member(a, 1, "farmer").await;
    app.add_member(a, 2, "enterprise").await;
    let before = app.coop(a).await["members"].clone();
    // Counters gone wrong (as after a restore with the triggers disabled).
    let mut conn = app.conn();
    exec(&mut conn, "UPDATE registry_tallies SET n = n + 5");
    exec(&mut conn, "DELETE FROM member_tallies");
    drop(conn);
    assert_eq!(
        app.coop(a).await["members"]["active"],
        0,
        "read from the counters"
    );

    let done = tallies::recount(&mut app.conn()).unwrap();
    // Two keys each: (TOWN_A, active, 2015) and (TOWN_B, …); a's farmers and enterprises.
    assert_eq!((done.registry_keys, done.member_keys), (2, 2));
    assert_tallies_match_a_scan(&mut app.conn(), "recounted");
    assert_eq!(app.coop(a).await["members"], before);
}
