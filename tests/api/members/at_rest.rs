//! Farmers' ID numbers at rest: sealed, found through the blind index, shown only masked;
//! plain values from before are sealed at first start; keys rotate in resumable batches.

use coophub::db::models::member;
use coophub::db::schema::members;
use coophub::pii::{DataKey, Keyring};
use coophub::service::members::{rotate, seal_plain};
use diesel::prelude::*;
use serde_json::json;

use crate::common::{data_keys, id_number, member_body, TestApp, TestDb, TOWN_A};

fn path(coop: i64) -> String {
    format!("/api/v1/cooperatives/{coop}/members")
}

/// Everything the database holds, as bytes: the SQLite files (database, WAL), or a
/// `pg_dump` of the PostgreSQL test database.
fn raw_database(app: &TestApp) -> Vec<u8> {
    match &app.db {
        TestDb::Sqlite(dir) => {
            let mut out = Vec::new();
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                out.extend(std::fs::read(entry.unwrap().path()).unwrap());
            }
            out
        }
        TestDb::Postgres { admin_url, name } => {
            let mut url = url::Url::parse(admin_url).unwrap();
            url.set_path(name);
            let dump = std::process::Command::new("pg_dump")
                .arg("--dbname")
                .arg(url.as_str())
                .output()
                .expect("pg_dump runs");
            assert!(dump.status.success(), "{dump:?}");
            dump.stdout
        }
    }
}

/// Asserts that no whole ID number of `sent` is anywhere in the stored database.
#[track_caller]
pub fn assert_none_stored(app: &TestApp, sent: &[String]) {
    let raw = raw_database(app);
    assert!(raw.len() > 1000, "the database was read");
    for n in sent {
        assert!(
            !raw.windows(n.len()).any(|w| w == n.as_bytes()),
            "an ID number is stored plain: {}",
            coophub::domain::id_number::mask(n)
        );
    }
}

fn stored(app: &TestApp, id: i64) -> member::Member {
    members::table
        .filter(members::id.eq(id))
        .select(member::Member::as_select())
        .first(&mut *app.conn())
        .unwrap()
}

fn set_sealed(app: &TestApp, id: i64, sealed: &str) {
    diesel::update(members::table.filter(members::id.eq(id)))
        .set(members::id_number_sealed.eq(sealed))
        .execute(&mut *app.conn())
        .unwrap();
}

#[actix_web::test]
async fn the_database_holds_no_id_number_the_ledger_was_sent() {
    let app = TestApp::new().await;
    let c = app.coop_id(1, TOWN_A).await;
    let admin = app.admin();
    let mut sent = Vec::new();
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(app.add_member(c, n, "farmer").await["id"].as_i64().unwrap());
        sent.push(id_number(n));
    }
    // Changed, re-used after an exit, duplicated, exported, audited.
    app.patch(
        &format!("{}/{}", path(c), ids[0]),
        &admin,
        json!({"id_number": id_number(77)}),
    )
    .await
    .ok(200);
    sent.push(id_number(77));
    app.post(&path(c), &admin, member_body(2, "farmer"))
        .await
        .problem(409);
    app.delete(&format!("{}/{}", path(c), ids[1]), &admin)
        .await
        .ok(200);
    app.add_member(c, 2, "farmer").await;
    let csv = app
        .get(&format!("/api/v1/cooperatives/{c}/members.csv"), &admin)
        .await;
    assert_eq!(csv.status, 200);
    let audit = app
        .get("/api/v1/audit-events?limit=100", &admin)
        .await
        .ok(200);
    assert!(audit["items"].as_array().unwrap().len() >= 8);
    let audit = audit.to_string().into_bytes();
    for body in [&csv.body[..], &audit[..]] {
        for n in &sent {
            assert!(!body.windows(n.len()).any(|w| w == n.as_bytes()));
        }
    }
    let row = stored(&app, ids[2]);
    assert_eq!(
        row.id_number_masked.as_deref(),
        Some(coophub::domain::id_number::mask(&id_number(3)).as_str())
    );
    assert_eq!(
        data_keys().open(
            row.id_number_key.as_deref().unwrap(),
            row.id_number_sealed.as_deref().unwrap()
        ),
        Ok(id_number(3))
    );
    assert_none_stored(&app, &sent);
}

#[actix_web::test]
async fn an_altered_sealed_value_fails_only_that_members_read() {
    let app = TestApp::new().await;
    let c = app.coop_id(1, TOWN_A).await;
    let admin = app.admin();
    let a = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    let b = app.add_member(c, 2, "farmer").await["id"].as_i64().unwrap();
    let d = app.add_member(c, 3, "farmer").await["id"].as_i64().unwrap();
    let sealed = stored(&app, a).id_number_sealed.unwrap();
    let mut bytes = sealed.into_bytes();
    bytes[20] = if bytes[20] == b'A' { b'B' } else { b'A' };
    set_sealed(&app, a, std::str::from_utf8(&bytes).unwrap());
    // Another member's value swapped in: it opens, but not as this member's mask.
    set_sealed(&app, b, &stored(&app, d).id_number_sealed.unwrap());

    for id in [a, b] {
        let p = app
            .get(&format!("{}/{id}", path(c)), &admin)
            .await
            .problem(500);
        assert!(!p.to_string().contains(&id_number(3)[6..]));
    }
    app.get(&format!("{}/{d}", path(c)), &admin).await.ok(200);
    // Lists and exports never open values: they still answer.
    let list = app.get(&path(c), &admin).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    let csv = app
        .get(&format!("/api/v1/cooperatives/{c}/members.csv"), &admin)
        .await;
    assert_eq!(csv.status, 200);
}

#[actix_web::test]
async fn a_plain_id_number_from_before_is_sealed_at_first_start_and_still_found() {
    let app = TestApp::new().await;
    let source = app.coop_id(1, TOWN_A).await;
    let target = app.coop_id(2, TOWN_A).await;
    for n in 1..=2 {
        app.add_member(source, n, "farmer").await;
    }
    app.add_member(target, 0, "farmer").await;
    // A member written before sealing: plain number, no sealed columns.
    let legacy: i64 = {
        let mut conn = app.conn();
        let at = chrono::Utc::now().naive_utc();
        diesel::insert_into(members::table)
            .values((
                members::cooperative_id.eq(source),
                members::name.eq("旧成员"),
                members::member_type.eq("farmer"),
                members::id_number.eq(id_number(0)),
                members::joined_on.eq(chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap()),
                members::contribution_fen.eq(100_000i64),
                members::contribution_form.eq("cash"),
                members::version.eq(1),
                members::created_at.eq(at),
                members::updated_at.eq(at),
            ))
            .returning(members::id)
            .get_result(&mut *conn)
            .unwrap()
    };
    let sealed = seal_plain(&mut app.conn(), &data_keys(), 1).unwrap();
    assert_eq!(sealed, 1);
    assert_eq!(seal_plain(&mut app.conn(), &data_keys(), 1).unwrap(), 0);
    let plain: Option<String> = members::table
        .filter(members::id.eq(legacy))
        .select(members::id_number)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(plain, None);
    let row = stored(&app, legacy);
    assert_eq!(
        data_keys().open(
            row.id_number_key.as_deref().unwrap(),
            row.id_number_sealed.as_deref().unwrap()
        ),
        Ok(id_number(0))
    );
    assert_eq!(row.version, 1, "sealing is not a change of the member");
    assert_none_stored(&app, &[id_number(0), id_number(1), id_number(2)]);

    // Still found: shown masked, a duplicate in its cooperative, the same person in a merger.
    let m = app
        .get(&format!("{}/{legacy}", path(source)), &app.admin())
        .await
        .ok(200);
    assert_eq!(
        m["id_number_masked"],
        coophub::domain::id_number::mask(&id_number(0))
    );
    app.post(&path(source), &app.admin(), member_body(0, "farmer"))
        .await
        .problem(409);
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{source}/merge"),
            &app.admin(),
            json!({"into_cooperative_id": target}),
        )
        .await
        .ok(200);
    assert_eq!(r["moved_members"], 2);
    assert_eq!(r["skipped_members"].as_array().unwrap().len(), 1);
}

fn under(app: &TestApp, key: &DataKey) -> i64 {
    members::table
        .filter(members::id_number_key.eq(key.id()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_rotation_stopped_midway_reads_both_keys_and_finishes_when_run_again() {
    let app = TestApp::new().await;
    let c = app.coop_id(1, TOWN_A).await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for n in 1..=6 {
        ids.push(app.add_member(c, n, "farmer").await["id"].as_i64().unwrap());
    }
    let old = DataKey::from_bytes(&crate::common::DATA_KEY);
    let new = DataKey::from_bytes(&[9u8; 32]);
    // The server holds the new key as well (known, not yet sealing): reads both meanwhile.
    coophub::pii::install(&Keyring::new(old.clone(), vec![new.clone()]));
    let rotating = Keyring::new(new.clone(), vec![old.clone()]);

    // Killed after the first batch of two.
    let report = rotate(&mut app.conn(), &rotating, 2, Some(1)).unwrap();
    assert_eq!((report.resealed, report.finished), (2, false));
    assert_eq!((under(&app, &new), under(&app, &old)), (2, 4));
    for id in &ids {
        app.get(&format!("{}/{id}", path(c)), &admin).await.ok(200);
    }
    // Duplicates are found under either key.
    for n in [1, 6] {
        app.post(&path(c), &admin, member_body(n, "farmer"))
            .await
            .problem(409);
    }

    // A batch that fails half-way is undone whole: the value before the bad one stays too.
    let bad = ids[3];
    let good = stored(&app, bad).id_number_sealed.unwrap();
    set_sealed(&app, bad, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let err = rotate(&mut app.conn(), &rotating, 2, None).unwrap_err();
    let err = coophub::service::members::sealing_error(err);
    assert!(err.contains(&format!("member {bad}")), "{err}");
    assert_eq!((under(&app, &new), under(&app, &old)), (2, 4));
    assert_eq!(
        stored(&app, ids[2]).id_number_key.as_deref(),
        Some(old.id())
    );

    // Run again: goes on where it stopped and ends with every value under the new key.
    set_sealed(&app, bad, &good);
    let report = rotate(&mut app.conn(), &rotating, 2, None).unwrap();
    assert_eq!((report.resealed, report.finished), (4, true));
    assert_eq!((under(&app, &new), under(&app, &old)), (6, 0));
    for (i, id) in ids.iter().enumerate() {
        let row = stored(&app, *id);
        let n = id_number(i as u32 + 1);
        assert_eq!(
            row.id_number_index.as_deref(),
            Some(new.blind_index(&n).as_str())
        );
        assert_eq!(new.open(row.id_number_sealed.as_deref().unwrap()), Ok(n));
        app.get(&format!("{}/{id}", path(c)), &admin).await.ok(200);
    }
    app.post(&path(c), &admin, member_body(3, "farmer"))
        .await
        .problem(409);
    assert_eq!(
        rotate(&mut app.conn(), &rotating, 2, None)
            .unwrap()
            .resealed,
        0
    );
    assert_none_stored(&app, &(1..=6).map(id_number).collect::<Vec<_>>());
}
