//! Supervision's use cases called directly, without HTTP: the abnormal list and mergers.

use coophub::auth::Role;
use coophub::domain::cooperative::CoopStatus;
use coophub::error::ApiError;
use coophub::service::{cooperatives, supervision};
use coophub::views::members::MemberFilterParams;
use coophub::views::pagination::PageParams;
use coophub::views::supervision::{AbnormalIn, LiftParams};

use crate::common::{TestApp, TOWN_A};

fn listing(reason: &str) -> AbnormalIn {
    AbnormalIn {
        reason: reason.into(),
        listed_on: None,
    }
}

#[actix_web::test]
async fn listing_and_lifting_move_the_status_and_keep_the_history() {
    let app = TestApp::new().await;
    let c = app.coop_id(1, TOWN_A).await;
    let admin = app.caller(&app.admin());
    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| supervision::list_abnormal(conn, &officer, c, listing("未报年报")))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    let err = app
        .write(|conn| supervision::lift_abnormal(conn, &admin, c, LiftParams::default()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("not on the abnormal list")),
        "{err:?}"
    );

    let listed = app
        .write(|conn| supervision::list_abnormal(conn, &admin, c, listing("  未报年报 ")))
        .unwrap();
    assert_eq!(listed.reason, "未报年报", "trimmed");
    assert_eq!(listed.lifted_on, None);
    let coop = app
        .write(|conn| cooperatives::get(conn, &admin, c))
        .unwrap();
    assert_eq!(coop.status, CoopStatus::Abnormal);
    assert_eq!(coop.version, 2);
    let err = app
        .write(|conn| supervision::list_abnormal(conn, &admin, c, listing("again")))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("abnormal, not active")),
        "{err:?}"
    );
    let early = LiftParams {
        reason: None,
        lifted_on: Some(listed.listed_on - chrono::Days::new(1)),
    };
    let err = app
        .write(|conn| supervision::lift_abnormal(conn, &admin, c, early))
        .unwrap_err();
    assert!(matches!(err, ApiError::Validation(ref e) if e[0].code == "before_listing"));

    let lifted = app
        .write(|conn| {
            supervision::lift_abnormal(
                conn,
                &admin,
                c,
                LiftParams {
                    reason: Some("filed late".into()),
                    lifted_on: None,
                },
            )
        })
        .unwrap();
    assert_eq!(lifted.id, listed.id);
    assert_eq!(lifted.lift_reason.as_deref(), Some("filed late"));
    assert!(lifted.lifted_by.is_some());
    let coop = app
        .write(|conn| cooperatives::get(conn, &admin, c))
        .unwrap();
    assert_eq!(coop.status, CoopStatus::Active);
    let history = app
        .write(|conn| supervision::abnormal_history(conn, &admin, c))
        .unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].lifted_on.is_some());
}

#[actix_web::test]
async fn a_merger_moves_members_and_exits_the_duplicates() {
    let app = TestApp::new().await;
    let source = app.coop_id(1, TOWN_A).await;
    let target = app.coop_id(2, TOWN_A).await;
    for n in 0..3 {
        app.add_member(source, n, "farmer").await;
    }
    app.add_member(source, 7, "enterprise").await;
    // Member 0 already belongs to the target.
    app.add_member(target, 0, "farmer").await;
    let admin = app.caller(&app.admin());
    let err = app
        .write(|conn| supervision::merge(conn, &admin, source, source))
        .unwrap_err();
    assert!(matches!(err, ApiError::Validation(ref e) if e[0].code == "self"));

    let out = app
        .write(|conn| supervision::merge(conn, &admin, source, target))
        .unwrap();
    assert_eq!(out.moved_members, 3);
    assert_eq!(out.skipped_members.len(), 1);
    let dup = &out.skipped_members[0];
    assert!(!dup.active);
    assert_eq!(dup.cooperative_id, source, "it exits the source");
    assert_eq!(
        dup.exit_reason.as_deref(),
        Some(
            format!("merged into cooperative {target}, where the member already belongs").as_str()
        )
    );
    assert_eq!(out.source.status, CoopStatus::Merged);
    assert_eq!(out.source.merged_into_id, Some(target));
    assert_eq!(out.target.members.as_ref().unwrap().active, 4);
    let moved = app
        .write(|conn| {
            coophub::service::members::list(
                conn,
                &admin,
                target,
                &MemberFilterParams::default(),
                &PageParams::default(),
            )
        })
        .unwrap();
    assert_eq!(moved.items.len(), 4);
    assert!(moved.items.iter().all(|m| m.cooperative_id == target));
    // The source is closed now.
    let err = app
        .write(|conn| supervision::merge(conn, &admin, source, target))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
}

#[actix_web::test]
async fn a_union_left_below_three_refuses_the_merger_and_nothing_changes() {
    let app = TestApp::new().await;
    let source = app.coop_id(1, TOWN_A).await;
    let target = app.coop_id(2, TOWN_A).await;
    let third = app.coop_id(3, TOWN_A).await;
    app.add_member(source, 1, "farmer").await;
    let union = app.union(1).await;
    for c in [source, target, third] {
        app.join(union, c).await;
    }
    app.activate(union).await;
    let consortium = app.consortium().await;
    app.join(consortium, source).await;
    let admin = app.caller(&app.admin());
    let err = app
        .write(|conn| supervision::merge(conn, &admin, source, target))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains(&format!("union cooperative {union} with fewer than 3"))),
        "{err:?}"
    );
    // Nothing half-done: the source operates with its member and both memberships.
    let coop = app
        .write(|conn| cooperatives::get(conn, &admin, source))
        .unwrap();
    assert_eq!(coop.status, CoopStatus::Active);
    assert_eq!(coop.members.unwrap().active, 1);
    assert_eq!(app.federation_members(union).await.len(), 3);
    let consortium_members = app.federation_members(consortium).await;
    assert_eq!(consortium_members[0]["cooperative_id"], source);
}

#[actix_web::test]
async fn a_merger_moves_memberships_and_hands_the_lead_to_the_target() {
    let app = TestApp::new().await;
    let source = app.coop_id(1, TOWN_A).await;
    let target = app.coop_id(2, TOWN_A).await;
    let led = app.consortium().await;
    app.join_as_lead(led, source).await;
    app.join(led, target).await;
    let only_source = app.consortium().await;
    app.join(only_source, source).await;
    let admin = app.caller(&app.admin());
    let out = app
        .write(|conn| supervision::merge(conn, &admin, source, target))
        .unwrap();
    assert_eq!(out.moved_federation_ids, vec![only_source]);
    assert_eq!(out.merged_federation_ids, vec![led]);
    let members = app.federation_members(led).await;
    assert_eq!(members.len(), 1, "the source's membership is removed");
    assert_eq!(members[0]["cooperative_id"], target);
    assert_eq!(members[0]["role"], "lead", "the target now leads");
    let moved = app.federation_members(only_source).await;
    assert_eq!(moved[0]["cooperative_id"], target);
    assert_eq!(moved[0]["name"], out.target.name);
}
