//! The people of the demo data: counselors with their visits and trainings, federations,
//! service orders.

use chrono::{Datelike, Days, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use super::{industry_name, name, phone};
use crate::db::models::cooperative::NewCooperative;
use crate::db::models::{coverage_history, now, reference};
use crate::db::DbConn;
use crate::domain::uscc;

/// Counselors (≥ 1 in most towns, district counselors by area), their visits and trainings,
/// federations for four of the five specialty industries, and service orders.
pub(super) fn people(
    conn: &mut DbConn,
    rng: &mut StdRng,
    towns: &[reference::Town],
    ids: &[(i64, String)],
    rows: &[NewCooperative],
    today: NaiveDate,
) -> QueryResult<()> {
    use crate::db::schema::{
        counselor_towns, counselor_trainings, counselor_visits, counselors, federation_members,
        federations, service_orders,
    };
    let at = now();
    let appointed = NaiveDate::from_ymd_opt(2021, 1, 1).expect("date");
    let sources = [
        "agri_tech_instructor",
        "college_village_official",
        "demo_coop_chair",
        "first_secretary",
        "other",
    ];
    // The counselors were appointed at the start of the pilot's second year (the dashboard's
    // past days show them from then). Two towns are left uncovered so the dashboard has
    // something to show.
    let mut town_counselor = std::collections::HashMap::new();
    for town in towns.iter().take(towns.len().saturating_sub(2)) {
        let id: i64 = diesel::insert_into(counselors::table)
            .values((
                counselors::name.eq(name(rng)),
                counselors::phone.eq(phone(rng)),
                counselors::source.eq(sources[rng.gen_range(0..sources.len())]),
                counselors::level.eq("town"),
                counselors::active.eq(true),
                counselors::version.eq(1),
                counselors::created_at.eq(at),
                counselors::updated_at.eq(at),
            ))
            .returning(counselors::id)
            .get_result(conn)?;
        diesel::insert_into(counselor_towns::table)
            .values((
                counselor_towns::counselor_id.eq(id),
                counselor_towns::town_code.eq(&town.code),
            ))
            .execute(conn)?;
        coverage_history::sync_counselor(
            conn,
            id,
            true,
            std::slice::from_ref(&town.code),
            appointed,
        )?;
        town_counselor.insert(town.code.clone(), id);
    }
    for (i, area) in ["东片区", "南片区", "西片区", "北片区"].iter().enumerate() {
        let id: i64 = diesel::insert_into(counselors::table)
            .values((
                counselors::name.eq(name(rng)),
                counselors::phone.eq(phone(rng)),
                counselors::source.eq("agri_tech_instructor"),
                counselors::level.eq("district"),
                counselors::area.eq(Some(*area)),
                counselors::active.eq(true),
                counselors::version.eq(1),
                counselors::created_at.eq(at),
                counselors::updated_at.eq(at),
            ))
            .returning(counselors::id)
            .get_result(conn)?;
        let mut covered = Vec::new();
        for town in towns
            .iter()
            .skip(i)
            .step_by(4)
            .take(towns.len().saturating_sub(2) / 4)
        {
            diesel::insert_into(counselor_towns::table)
                .values((
                    counselor_towns::counselor_id.eq(id),
                    counselor_towns::town_code.eq(&town.code),
                ))
                .execute(conn)?;
            covered.push(town.code.clone());
        }
        coverage_history::sync_counselor(conn, id, true, &covered, appointed)?;
        diesel::insert_into(counselor_trainings::table)
            .values((
                counselor_trainings::counselor_id.eq(id),
                counselor_trainings::title.eq("农民合作社质量提升辅导员培训"),
                counselor_trainings::held_on
                    .eq(NaiveDate::from_ymd_opt(today.year() - 1, 4, 15).expect("date")),
                counselor_trainings::hours.eq(16.0),
                counselor_trainings::topics.eq(r#"["章程","财务管理","年报公示"]"#),
                counselor_trainings::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    let findings = [
        "成员台账不完整",
        "年报尚未公示",
        "财务制度需完善",
        "盈余未按交易量返还",
        "运行规范",
        "社务公开栏未更新",
    ];
    let mut visits = Vec::new();
    for _ in 0..1500 {
        let i = rng.gen_range(0..rows.len());
        let Some(counselor) = town_counselor.get(&rows[i].town_code) else {
            continue;
        };
        visits.push((
            counselor_visits::counselor_id.eq(*counselor),
            counselor_visits::cooperative_id.eq(ids[i].0),
            counselor_visits::visited_on.eq(today - Days::new(rng.gen_range(1..700))),
            counselor_visits::topics.eq(r#"["规范化建设"]"#.to_string()),
            counselor_visits::findings.eq(findings[rng.gen_range(0..findings.len())].to_string()),
            counselor_visits::created_at.eq(at),
        ));
    }
    for chunk in visits.chunks(500) {
        crate::on_inner!(conn, |c| diesel::insert_into(counselor_visits::table)
            .values(chunk)
            .execute(c))?;
    }
    // Federations: union cooperatives for three specialty industries, a consortium for a
    // fourth; blueberries still have none (the dashboard shows the gap).
    let plans = [
        (
            "herbal_medicine",
            "union_cooperative",
            "南川区中药材专业合作社联合社",
        ),
        (
            "ancient_tree_tea",
            "union_cooperative",
            "南川区古树茶专业合作社联合社",
        ),
        (
            "nanchuan_rice",
            "union_cooperative",
            "南川区南川米专业合作社联合社",
        ),
        (
            "square_bamboo_shoot",
            "industrial_consortium",
            "南川区方竹笋产业化联合体",
        ),
    ];
    let region = rows
        .first()
        .map(|r| r.uscc[2..8].to_string())
        .unwrap_or_default();
    for (n, (industry_code, kind, fed_name)) in plans.iter().enumerate() {
        let activated = NaiveDate::from_ymd_opt(2022, 3 + n as u32, 1).expect("date");
        let uscc_code = (*kind == "union_cooperative")
            .then(|| uscc::complete(&format!("93{region}MA{:07}", 9_000_000 + n)).expect("valid"));
        let fid: i64 = diesel::insert_into(federations::table)
            .values((
                federations::name.eq(*fed_name),
                federations::kind.eq(*kind),
                federations::industry_code.eq(*industry_code),
                federations::uscc.eq(uscc_code),
                federations::status.eq(crate::domain::federation::FederationStatus::Active),
                federations::activated_on.eq(Some(activated)),
                federations::version.eq(1),
                federations::created_at.eq(at),
                federations::updated_at.eq(at),
            ))
            .returning(federations::id)
            .get_result(conn)?;
        coverage_history::sync_federation(
            conn,
            fid,
            industry_code,
            crate::domain::federation::FederationStatus::Active,
            activated,
        )?;
        let members: Vec<usize> = (0..rows.len())
            .filter(|i| industries_match(rows, *i, industry_code))
            .take(5)
            .collect();
        for (k, i) in members.iter().enumerate() {
            diesel::insert_into(federation_members::table)
                .values((
                    federation_members::federation_id.eq(fid),
                    federation_members::member_kind.eq("cooperative"),
                    federation_members::cooperative_id.eq(Some(ids[*i].0)),
                    federation_members::name.eq(&rows[*i].name),
                    federation_members::role.eq(if k == 0 && *kind == "union_cooperative" {
                        "lead"
                    } else {
                        "member"
                    }),
                    federation_members::joined_on.eq(activated),
                    federation_members::created_at.eq(at),
                ))
                .execute(conn)?;
        }
        if *kind == "industrial_consortium" {
            for (member_kind, member_name, role) in [
                ("company", "重庆金佛山方竹笋食品有限公司", "lead"),
                ("family_farm", "三泉镇李家家庭农场", "member"),
                ("smallholder", "王德明", "member"),
            ] {
                diesel::insert_into(federation_members::table)
                    .values((
                        federation_members::federation_id.eq(fid),
                        federation_members::member_kind.eq(member_kind),
                        federation_members::name.eq(member_name),
                        federation_members::role.eq(role),
                        federation_members::joined_on.eq(activated),
                        federation_members::created_at.eq(at),
                    ))
                    .execute(conn)?;
            }
        }
    }
    // Service orders across the catalogue and their life stages.
    let types = [
        "branding",
        "bookkeeping",
        "registration",
        "annual_report_filing",
        "project_application",
        "credit_guarantee",
        "ecommerce",
        "product_sales",
        "logistics",
        "insurance",
    ];
    for _ in 0..600 {
        let i = rng.gen_range(0..rows.len());
        let service = types[rng.gen_range(0..types.len())];
        let placed = at - chrono::Duration::days(rng.gen_range(1..500));
        let stage = rng.gen_range(0..10);
        let status = match stage {
            0 => "submitted",
            1 => "accepted",
            2 => "in_progress",
            3 => "cancelled",
            _ => "completed",
        };
        let done = status == "completed";
        let paid = !matches!(
            service,
            "registration"
                | "annual_report_filing"
                | "project_application"
                | "product_sales"
                | "insurance"
        );
        diesel::insert_into(service_orders::table)
            .values((
                service_orders::cooperative_id.eq(ids[i].0),
                service_orders::service_type.eq(service),
                service_orders::description.eq("请服务中心协助办理"),
                service_orders::status.eq(status),
                service_orders::placed_by.eq("seed"),
                service_orders::assignee.eq((stage != 0 && stage != 3).then_some("服务中心")),
                service_orders::fee_fen.eq(done.then_some(if paid {
                    rng.gen_range(1..50) * 10_000
                } else {
                    0
                })),
                service_orders::cancel_reason
                    .eq((status == "cancelled").then_some("合作社已自行办理")),
                service_orders::rating_score
                    .eq((done && rng.gen_bool(0.7)).then(|| rng.gen_range(3..=5))),
                (
                    service_orders::placed_at.eq(placed),
                    service_orders::accepted_at
                        .eq((stage != 0 && stage != 3)
                            .then_some(placed + chrono::Duration::days(1))),
                    service_orders::completed_at
                        .eq(done.then_some(placed + chrono::Duration::days(10))),
                    service_orders::cancelled_at
                        .eq((status == "cancelled").then_some(placed + chrono::Duration::days(2))),
                    service_orders::version.eq(1),
                    service_orders::updated_at.eq(at),
                ),
            ))
            .execute(conn)?;
    }
    diesel::update(service_orders::table.filter(service_orders::rating_score.is_not_null()))
        .set(service_orders::rated_at.eq(service_orders::completed_at))
        .execute(conn)?;
    diesel::update(
        service_orders::table.filter(service_orders::status.eq_any(["in_progress", "completed"])),
    )
    .set(service_orders::started_at.eq(service_orders::accepted_at))
    .execute(conn)?;
    Ok(())
}

fn industries_match(rows: &[NewCooperative], i: usize, industry: &str) -> bool {
    rows[i]
        .business_scope
        .as_deref()
        .is_some_and(|s| s.contains(industry_name(industry)))
}
