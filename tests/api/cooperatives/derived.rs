//! The derived fields of a cooperative (tier, status, merge pointer, title), written by other
//! processes through `set_derived`: only what changed, and only over the version it read.

use coophub::db::models::cooperative as coop;
use coophub::domain::cooperative::{CoopStatus, Tier};
use coophub::domain::scope::CoopScope;
use coophub::error::ApiError;
use coophub::service::cooperatives::set_derived;

use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn a_stale_snapshot_loses_the_race_and_writes_nothing() {
    let app = TestApp::new().await;
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let actor = app.caller(&app.admin()).actor();
    let load = || {
        app.write(|conn| Ok(coop::find(conn, &CoopScope::All, id)?))
            .unwrap()
    };
    // Two processes read the same cooperative.
    let (mine, theirs) = (load(), load());
    let v = mine.version;
    let after = app
        .write(|conn| {
            set_derived(conn, &actor, "classify", &mine, |c| {
                c.tier = Some(Tier::Basic)
            })
        })
        .unwrap();
    assert_eq!((after.tier, after.version), (Some(Tier::Basic), v + 1));
    // The other writes from its stale snapshot: refused, nothing written.
    let err = app
        .write(|conn| {
            set_derived(conn, &actor, "list_abnormal", &theirs, |c| {
                c.status = CoopStatus::Abnormal
            })
        })
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("changed meanwhile")),
        "{err:?}"
    );
    let now = load();
    assert_eq!(now.status, CoopStatus::Active);
    assert_eq!(
        now.tier,
        Some(Tier::Basic),
        "the first write is not overwritten"
    );
    assert_eq!(now.version, v + 1);
    // From a fresh snapshot it goes through, and leaves the tier as it was.
    let listed = app
        .write(|conn| {
            set_derived(conn, &actor, "list_abnormal", &now, |c| {
                c.status = CoopStatus::Abnormal
            })
        })
        .unwrap();
    assert_eq!(listed.status, CoopStatus::Abnormal);
    assert_eq!((listed.tier, listed.version), (Some(Tier::Basic), v + 2));
    let r = app
        .get(&format!("/api/v1/cooperatives/{id}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(r["version"], v + 2);
}
