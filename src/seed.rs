//! `coophub seed --demo`: a Nanchuan-sized, reproducible demonstration data set.
//!
//! 34 towns (from the migration), 1,446 cooperatives spread over the towns and industries with
//! the specialty industries prominent, ~88,000 members with valid synthetic ID numbers,
//! governance, annual reports for the pilot years with a believable mix of published, late and
//! missing filings, assessments and tiers, the abnormal list, and the 6 national and 25
//! municipal demonstration titles the plan starts from. Every random choice comes from one
//! seeded generator, so the same seed gives the same data.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::models::cooperative::NewCooperative;
use crate::db::models::member::NewMember;
use crate::db::models::supervision::NewAssessment;
use crate::db::models::{now, reference};
use crate::db::schema::{
    abnormal_listings, annual_reports, assessments, cooperative_industries, cooperatives,
    governance,
};
use crate::db::{write_tx, DbConn};
use crate::domain::classification::{self, Checklist};
use crate::domain::member::{ContributionForm, MemberType};
use crate::domain::{annual_report, id_number, uscc};

pub const DEFAULT_SEED: u64 = 20210801;
pub const COOPERATIVES: usize = 1446;
pub const TARGET_MEMBERS: usize = 88_000;
pub const NATIONAL_TITLES: usize = 6;
pub const MUNICIPAL_TITLES: usize = 25;
pub const DISTRICT_TITLES: usize = 45;

const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "韦", "冉", "谭", "邓", "蒋", "彭", "曾", "肖", "田", "袁", "唐", "冯",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "桂兰", "华", "平", "刚", "建国", "德明", "春梅", "玉兰", "志强", "文", "红",
    "成",
];
const PLACES: &[&str] = &[
    "青山", "金竹", "龙泉", "石桥", "双河", "桃园", "新华", "红星", "凤凰", "大坪", "白云", "柏杨",
    "茶园", "马嘴", "黄泥", "杉树", "水井", "银杏", "樱桃", "松林",
];

/// What was made.
#[derive(Debug, Default)]
pub struct SeedSummary {
    pub cooperatives: usize,
    pub members: usize,
    pub annual_reports: usize,
    pub abnormal: usize,
    pub loans: usize,
}

fn name(rng: &mut StdRng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.gen_range(0..SURNAMES.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    )
}

fn phone(rng: &mut StdRng) -> String {
    let prefix = ["138", "139", "135", "150", "151", "177", "182", "187"][rng.gen_range(0..8)];
    format!("{prefix}{:08}", rng.gen_range(0..100_000_000u32))
}

fn synthetic_id(rng: &mut StdRng) -> String {
    let birth =
        NaiveDate::from_ymd_opt(1950, 1, 1).expect("date") + Days::new(rng.gen_range(0..18_250));
    let region = if rng.gen_bool(0.9) {
        "500119"
    } else {
        ["500101", "500102", "500110", "520322"][rng.gen_range(0..4)]
    };
    let first17 = format!(
        "{region}{}{:03}",
        birth.format("%Y%m%d"),
        rng.gen_range(0..1000)
    );
    let check = id_number::check_character(first17.as_bytes()).expect("digits");
    format!("{first17}{check}")
}

/// Weighted industry choice: the "3+1" and blueberries hold most cooperatives.
fn industry(rng: &mut StdRng) -> &'static str {
    const W: &[(&str, u32)] = &[
        ("herbal_medicine", 18),
        ("ancient_tree_tea", 14),
        ("square_bamboo_shoot", 14),
        ("nanchuan_rice", 16),
        ("blueberry", 8),
        ("vegetables", 8),
        ("fruit", 8),
        ("livestock", 7),
        ("aquaculture", 3),
        ("rural_tourism", 2),
        ("ecommerce", 1),
        ("other", 1),
    ];
    let total: u32 = W.iter().map(|w| w.1).sum();
    let mut pick = rng.gen_range(0..total);
    for (code, w) in W {
        if pick < *w {
            return code;
        }
        pick -= w;
    }
    "other"
}

fn industry_name(code: &str) -> &'static str {
    match code {
        "herbal_medicine" => "中药材种植",
        "ancient_tree_tea" => "古树茶",
        "square_bamboo_shoot" => "方竹笋",
        "nanchuan_rice" => "南川米",
        "blueberry" => "蓝莓",
        "vegetables" => "蔬菜",
        "fruit" => "水果",
        "livestock" => "畜禽养殖",
        "aquaculture" => "水产养殖",
        "rural_tourism" => "乡村旅游",
        "ecommerce" => "电子商务",
        _ => "农业综合",
    }
}

/// Member counts: mostly small cooperatives, a few large ones, scaled to the target.
fn member_counts(rng: &mut StdRng) -> Vec<usize> {
    let raw: Vec<f64> = (0..COOPERATIVES)
        .map(|_| match rng.gen_range(0..100) {
            0..=44 => rng.gen_range(5..=20) as f64,
            45..=79 => rng.gen_range(21..=60) as f64,
            80..=94 => rng.gen_range(61..=200) as f64,
            _ => rng.gen_range(201..=600) as f64,
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    let scale = TARGET_MEMBERS as f64 / sum;
    raw.into_iter()
        .map(|r| ((r * scale).round() as usize).max(5))
        .collect()
}

fn progress(total: u64, show: bool, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Writes the demo data in one transaction. Refuses a database that already has cooperatives.
pub fn demo(
    conn: &mut DbConn,
    seed: u64,
    show_progress: bool,
    region: &str,
) -> Result<SeedSummary, String> {
    let existing: i64 = cooperatives::table
        .count()
        .get_result(conn)
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(format!(
            "the database already holds {existing} cooperatives; seed a fresh database"
        ));
    }
    let towns = reference::all_towns(conn).map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(seed);
    let today = now().date();
    let sizes = member_counts(&mut rng);
    write_tx(conn, |conn| {
        fill(conn, &mut rng, &towns, &sizes, today, show_progress, region)
    })
    .map_err(|e: diesel::result::Error| e.to_string())
}

#[allow(clippy::too_many_arguments)]
fn fill(
    conn: &mut DbConn,
    rng: &mut StdRng,
    towns: &[reference::Town],
    sizes: &[usize],
    today: NaiveDate,
    show: bool,
    region: &str,
) -> QueryResult<SeedSummary> {
    let mut summary = SeedSummary::default();
    let at = now();
    // 1. Cooperatives, in batches; USCCs unique, valid, of this region.
    let bar = progress(COOPERATIVES as u64, show, "cooperatives");
    let mut rows = Vec::with_capacity(COOPERATIVES);
    let mut industries_of = Vec::with_capacity(COOPERATIVES);
    let mut used_names = HashSet::new();
    for i in 0..COOPERATIVES {
        let town = &towns[rng.gen_range(0..towns.len())];
        let main = industry(rng);
        let mut codes = vec![main.to_string()];
        if rng.gen_bool(0.2) {
            let extra = ["ecommerce", "rural_tourism", "vegetables"][rng.gen_range(0..3)];
            if extra != main {
                codes.push(extra.to_string());
            }
        }
        let mut coop_name = format!(
            "南川区{}{}{}专业合作社",
            town.name,
            PLACES[rng.gen_range(0..PLACES.len())],
            industry_name(main)
        );
        if !used_names.insert(coop_name.clone()) {
            coop_name = format!(
                "南川区{}{}{}专业合作社（{}）",
                town.name,
                PLACES[rng.gen_range(0..PLACES.len())],
                industry_name(main),
                i + 1
            );
        }
        let established = NaiveDate::from_ymd_opt(
            rng.gen_range(2008..=2024),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        )
        .expect("date");
        let org = format!("MA{:07}", 1_000_000 + i * 37 + rng.gen_range(0..37));
        rows.push(NewCooperative {
            name: coop_name,
            uscc: uscc::complete(&format!("93{region}{org}")).expect("17 valid characters"),
            town_code: town.code.clone(),
            legal_representative: name(rng),
            phone: phone(rng),
            established_on: established,
            registered_capital_fen: rng.gen_range(10..=500) * 1_000_000,
            address: Some(format!(
                "{}{}村{}组",
                town.name,
                PLACES[rng.gen_range(0..PLACES.len())],
                rng.gen_range(1..=9)
            )),
            business_scope: Some(format!(
                "组织成员开展{}生产，收购、销售成员产品，提供技术培训与信息服务",
                industry_name(main)
            )),
            status: crate::domain::cooperative::CoopStatus::Active,
            version: 1,
            created_at: at,
            updated_at: at,
        });
        industries_of.push(codes);
    }
    for chunk in rows.chunks(500) {
        crate::on_inner!(conn, |c| diesel::insert_into(cooperatives::table)
            .values(chunk)
            .execute(c))?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    let ids: Vec<(i64, String)> = cooperatives::table
        .order(cooperatives::id)
        .select((cooperatives::id, cooperatives::uscc))
        .load(conn)?;
    let id_of = |i: usize| ids[i].0;
    let links: Vec<_> = industries_of
        .iter()
        .enumerate()
        .flat_map(|(i, codes)| codes.iter().map(move |c| (i, c.clone())))
        .map(|(i, c)| {
            (
                cooperative_industries::cooperative_id.eq(id_of(i)),
                cooperative_industries::industry_code.eq(c),
            )
        })
        .collect();
    for chunk in links.chunks(1000) {
        crate::on_inner!(conn, |c| diesel::insert_into(cooperative_industries::table)
            .values(chunk)
            .execute(c))?;
    }
    summary.cooperatives = rows.len();

    // 2. Members: farmers with valid ID numbers, at least 80%; few capped non-farmers.
    let total_members: usize = sizes.iter().sum();
    let bar = progress(total_members as u64, show, "members");
    let forms = [
        ContributionForm::Cash,
        ContributionForm::Cash,
        ContributionForm::Cash,
        ContributionForm::Cash,
        ContributionForm::Cash,
        ContributionForm::Cash,
        ContributionForm::LandManagementRight,
        ContributionForm::LandManagementRight,
        ContributionForm::HomesteadUseRight,
        ContributionForm::CollectiveAsset,
        ContributionForm::Equipment,
        ContributionForm::Technology,
        ContributionForm::Other,
    ];
    let mut batch: Vec<NewMember> = Vec::with_capacity(2000);
    for (i, size) in sizes.iter().enumerate() {
        let coop = &rows[i];
        let mut seen = HashSet::new();
        let capped = if *size <= 20 {
            usize::from(rng.gen_bool(0.15))
        } else {
            (size * 4 / 100).min(rng.gen_range(0..=3))
        };
        let collective = usize::from(rng.gen_bool(0.1));
        for m in 0..*size {
            let member_type = if m < capped {
                [
                    MemberType::Enterprise,
                    MemberType::Institution,
                    MemberType::SocialGroup,
                ][rng.gen_range(0..3)]
            } else if m < capped + collective {
                MemberType::CollectiveEconomicOrg
            } else {
                MemberType::Farmer
            };
            let id = (member_type == MemberType::Farmer).then(|| loop {
                let candidate = synthetic_id(rng);
                if seen.insert(candidate.clone()) {
                    break candidate;
                }
            });
            let joined = coop.established_on
                + Days::new(
                    rng.gen_range(0..=((today - coop.established_on).num_days().max(1) as u64)),
                );
            batch.push(NewMember {
                cooperative_id: id_of(i),
                name: if member_type == MemberType::Farmer {
                    name(rng)
                } else {
                    format!(
                        "南川区{}{}",
                        PLACES[rng.gen_range(0..PLACES.len())],
                        [
                            "农业开发有限公司",
                            "农技服务站",
                            "农民协会",
                            "村股份经济合作联合社"
                        ][rng.gen_range(0..4)]
                    )
                },
                member_type,
                id_number: id,
                phone: rng.gen_bool(0.6).then(|| phone(rng)),
                joined_on: joined.min(today),
                contribution_fen: rng.gen_range(1..=50) * 100_000,
                contribution_form: if member_type == MemberType::CollectiveEconomicOrg {
                    ContributionForm::CollectiveAsset
                } else {
                    forms[rng.gen_range(0..forms.len())]
                },
                version: 1,
                created_at: at,
                updated_at: at,
            });
            if batch.len() == 2000 {
                crate::db::models::member::insert_many(conn, &batch)?;
                bar.inc(batch.len() as u64);
                batch.clear();
            }
        }
    }
    crate::db::models::member::insert_many(conn, &batch)?;
    bar.inc(batch.len() as u64);
    bar.finish();
    summary.members = total_members;

    // 3. Governance, reports, assessments, the abnormal list, titles.
    let bar = progress(COOPERATIVES as u64, show, "standardisation");
    let last_year = today.year() - 1;
    let mut governance_rows = Vec::new();
    let mut report_rows = Vec::new();
    let mut assessment_rows = Vec::new();
    let mut abnormal = Vec::new();
    for (i, coop) in rows.iter().enumerate() {
        let id = id_of(i);
        let diligence: f64 = rng.gen_range(0.0..1.0);
        if diligence > 0.08 {
            let mut board = vec![coop.legal_representative.clone()];
            for _ in 0..rng.gen_range(2..=4) {
                board.push(name(rng));
            }
            let supervisor = loop {
                let n = name(rng);
                if !board.contains(&n) {
                    break n;
                }
            };
            governance_rows.push((
                governance::cooperative_id.eq(id),
                governance::charter_adopted_on.eq(Some(coop.established_on)),
                governance::member_assembly.eq(true),
                governance::board_chair.eq(Some(coop.legal_representative.clone())),
                governance::board_members.eq(serde_json::to_string(&board).unwrap_or_default()),
                governance::supervisors
                    .eq(serde_json::to_string(&[supervisor]).unwrap_or_default()),
                governance::bookkeeping.eq(Some(
                    ["self", "agent", "service_center"][rng.gen_range(0..3)].to_string(),
                )),
                governance::bookkeeper.eq(Some(name(rng))),
                governance::disclosure_channels
                    .eq(r#"["bulletin_board","wechat_group"]"#.to_string()),
                governance::version.eq(1),
                governance::updated_at.eq(at),
            ));
        }
        let size = sizes[i] as i32;
        let mut missed_last = false;
        for year in 2021.max(coop.established_on.year())..=last_year {
            let roll: f64 = rng.gen_range(0.0..1.0) * diligence.max(0.05);
            let (status, submitted, published) = if roll < 0.04 {
                if year == last_year {
                    missed_last = true;
                }
                continue;
            } else if roll < 0.07 {
                let s = annual_report::deadline(year) + Days::new(rng.gen_range(1..120));
                (
                    "published",
                    Some(s),
                    Some(s + Days::new(rng.gen_range(1..10))),
                )
            } else if roll < 0.09 {
                let s =
                    NaiveDate::from_ymd_opt(year + 1, rng.gen_range(2..=6), rng.gen_range(1..=28))
                        .expect("date");
                ("submitted", Some(s), None)
            } else {
                let s =
                    NaiveDate::from_ymd_opt(year + 1, rng.gen_range(1..=6), rng.gen_range(1..=20))
                        .expect("date");
                (
                    "published",
                    Some(s),
                    Some(s + Days::new(rng.gen_range(1..8))),
                )
            };
            let (submitted, published) = (
                submitted.map(|d| d.min(today)),
                published.map(|d| d.min(today)),
            );
            let surplus = rng.gen_range(0..=200) * 100_000i64;
            report_rows.push((
                annual_reports::cooperative_id.eq(id),
                annual_reports::year.eq(year),
                annual_reports::status.eq(status),
                annual_reports::member_count.eq(size),
                annual_reports::farmer_member_count.eq(size - (size / 20)),
                annual_reports::total_assets_fen.eq(rng.gen_range(50..=5000) * 1_000_000i64),
                annual_reports::total_liabilities_fen.eq(rng.gen_range(0..=1000) * 1_000_000i64),
                annual_reports::operating_revenue_fen.eq(rng.gen_range(10..=8000) * 1_000_000i64),
                annual_reports::surplus_fen.eq(surplus),
                annual_reports::surplus_returned_by_transactions_fen
                    .eq(surplus * rng.gen_range(40..=90) / 100),
                annual_reports::member_income_fen.eq(Some(rng.gen_range(15..=60) * 100_000i64)),
                (
                    annual_reports::submitted_on.eq(submitted),
                    annual_reports::published_on.eq(published),
                    annual_reports::late
                        .eq(submitted.is_some_and(|s| annual_report::is_late(year, s))),
                    annual_reports::version.eq(if status == "published" { 3 } else { 2 }),
                    annual_reports::created_at.eq(at),
                    annual_reports::updated_at.eq(at),
                ),
            ));
        }
        let c = Checklist {
            charter: diligence > 0.08,
            bodies: diligence > 0.1,
            member_ledger: diligence > 0.15,
            bookkeeping: diligence > 0.25,
            disclosure: diligence > 0.3,
            annual_report: !missed_last,
            transaction_distribution: diligence > 0.35,
            real_operations: diligence > 0.05,
        };
        let tier = classification::tier(&c);
        assessment_rows.push(NewAssessment {
            cooperative_id: id,
            charter: c.charter,
            bodies: c.bodies,
            member_ledger: c.member_ledger,
            bookkeeping: c.bookkeeping,
            disclosure: c.disclosure,
            annual_report: c.annual_report,
            transaction_distribution: c.transaction_distribution,
            real_operations: c.real_operations,
            passed: c.passed() as i32,
            tier,
            notes: None,
            assessed_by: "seed".into(),
            assessed_at: at,
        });
        if missed_last && today > annual_report::deadline(last_year) && rng.gen_bool(0.7) {
            abnormal.push(id);
        }
        bar.inc(1);
    }
    for chunk in governance_rows.chunks(500) {
        crate::on_inner!(conn, |c| diesel::insert_into(governance::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in report_rows.chunks(500) {
        crate::on_inner!(conn, |c| diesel::insert_into(annual_reports::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in assessment_rows.chunks(500) {
        crate::on_inner!(conn, |c| diesel::insert_into(assessments::table)
            .values(chunk)
            .execute(c))?;
    }
    for a in &assessment_rows {
        diesel::update(cooperatives::table.filter(cooperatives::id.eq(a.cooperative_id)))
            .set(cooperatives::tier.eq(&a.tier))
            .execute(conn)?;
    }
    let listed_on = annual_report::deadline(last_year) + Days::new(15);
    for id in &abnormal {
        diesel::insert_into(abnormal_listings::table)
            .values((
                abnormal_listings::cooperative_id.eq(id),
                abnormal_listings::reason.eq(format!("未按期报送{last_year}年度报告")),
                abnormal_listings::listed_on.eq(listed_on.min(today)),
                abnormal_listings::listed_by.eq("seed"),
            ))
            .execute(conn)?;
    }
    diesel::update(cooperatives::table.filter(cooperatives::id.eq_any(&abnormal)))
        .set(cooperatives::status.eq("abnormal"))
        .execute(conn)?;
    summary.abnormal = abnormal.len();
    summary.annual_reports = report_rows.len();
    // Demonstration titles go to standard cooperatives not on the abnormal list.
    let mut eligible: Vec<i64> = assessment_rows
        .iter()
        .filter(|a| {
            a.tier == crate::domain::cooperative::Tier::Standard
                && !abnormal.contains(&a.cooperative_id)
        })
        .map(|a| a.cooperative_id)
        .collect();
    eligible.sort_unstable();
    for (level, n) in [
        ("national", NATIONAL_TITLES),
        ("municipal", MUNICIPAL_TITLES),
        ("district", DISTRICT_TITLES),
    ] {
        for _ in 0..n {
            if eligible.is_empty() {
                break;
            }
            let id = eligible.remove(rng.gen_range(0..eligible.len()));
            diesel::update(cooperatives::table.filter(cooperatives::id.eq(id)))
                .set(cooperatives::demonstration_level.eq(level))
                .execute(conn)?;
        }
    }
    bar.finish();
    people(conn, rng, towns, &ids, &rows, today)?;
    summary.loans = loans(conn, rng, &ids, &abnormal, today)?;
    Ok(summary)
}

/// Counselors (≥ 1 in most towns, district counselors by area), their visits and trainings,
/// federations for four of the five specialty industries, and service orders.
fn people(
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
    let sources = [
        "agri_tech_instructor",
        "college_village_official",
        "demo_coop_chair",
        "first_secretary",
        "other",
    ];
    // Two towns are left uncovered so the dashboard has something to show.
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
        }
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
                federations::status.eq("active"),
                federations::activated_on.eq(Some(activated)),
                federations::version.eq(1),
                federations::created_at.eq(at),
                federations::updated_at.eq(at),
            ))
            .returning(federations::id)
            .get_result(conn)?;
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

/// 惠农贷 products at three partner banks, a funded risk-compensation pool, and loans at
/// every stage the state machine allows without repayments (submitted to disbursed,
/// rejected, withdrawn), each with its history.
fn loans(
    conn: &mut DbConn,
    rng: &mut StdRng,
    ids: &[(i64, String)],
    abnormal: &[i64],
    today: NaiveDate,
) -> QueryResult<usize> {
    use crate::db::models::loans::{
        insert_event, insert_fund_entry, insert_loan, insert_product, NewFundEntry, NewLoan,
        NewLoanEvent, NewLoanProduct,
    };
    use crate::domain::loan_schedule::RepaymentMethod;
    use crate::domain::loan_state::LoanStatus;
    use crate::domain::risk_fund::EntryKind;
    let at = now();
    let products = [
        (
            "psbc",
            "邮储银行惠农贷（等额本息）",
            435,
            300_000_000,
            36,
            RepaymentMethod::EqualInstallment,
            true,
        ),
        (
            "psbc",
            "邮储银行惠农贷（按月付息到期还本）",
            465,
            100_000_000,
            12,
            RepaymentMethod::Bullet,
            true,
        ),
        (
            "cqrcb",
            "重庆农商行合作社贷（等额本金）",
            480,
            500_000_000,
            36,
            RepaymentMethod::EqualPrincipal,
            true,
        ),
        (
            "abc",
            "农业银行惠农e贷",
            450,
            200_000_000,
            24,
            RepaymentMethod::EqualInstallment,
            false,
        ),
    ];
    let mut made = Vec::new();
    for (bank, name, rate, max, term, method, eligible) in products {
        made.push(insert_product(
            conn,
            &NewLoanProduct {
                bank_code: bank.into(),
                name: name.into(),
                annual_rate_bp: rate,
                max_amount_fen: max,
                max_term_months: term,
                repayment_method: method,
                risk_compensation_eligible: eligible,
                retired: false,
                version: 1,
                created_at: at,
                updated_at: at,
            },
        )?);
    }
    insert_fund_entry(
        conn,
        &NewFundEntry {
            kind: EntryKind::Contribution,
            amount_fen: 500_000_000,
            source: Some("区财政风险补偿资金".into()),
            loan_id: None,
            entry_on: NaiveDate::from_ymd_opt(2021, 9, 30).expect("date"),
            actor_name: "seed".into(),
            created_at: at,
        },
    )?;
    let stages: [(LoanStatus, &[(&str, &str)]); 6] = [
        (LoanStatus::Submitted, &[]),
        (LoanStatus::UnderReview, &[("review", "under_review")]),
        (
            LoanStatus::Approved,
            &[("review", "under_review"), ("approve", "approved")],
        ),
        (
            LoanStatus::Disbursed,
            &[
                ("review", "under_review"),
                ("approve", "approved"),
                ("disburse", "disbursed"),
            ],
        ),
        (
            LoanStatus::Rejected,
            &[("review", "under_review"), ("reject", "rejected")],
        ),
        (LoanStatus::Withdrawn, &[("withdraw", "withdrawn")]),
    ];
    let mut count = 0;
    for _ in 0..240 {
        let (coop, _) = ids[rng.gen_range(0..ids.len())];
        if abnormal.contains(&coop) {
            continue;
        }
        let p = &made[rng.gen_range(0..made.len())];
        let amount = rng.gen_range(5..=(p.max_amount_fen / 10_000_000).max(6)) * 10_000_000;
        let term = [12, 24, 36][rng.gen_range(0..3)].min(p.max_term_months);
        let (status, steps) = stages[[0, 1, 2, 3, 3, 3, 3, 4, 5][rng.gen_range(0..9)]];
        let applied = at - chrono::Duration::days(rng.gen_range(30..600));
        let approved = matches!(status, LoanStatus::Approved | LoanStatus::Disbursed);
        let disbursed_on = (status == LoanStatus::Disbursed)
            .then(|| (applied + chrono::Duration::days(20)).date().min(today));
        let loan = insert_loan(
            conn,
            &NewLoan {
                cooperative_id: coop,
                product_id: p.id,
                bank_code: p.bank_code.clone(),
                amount_fen: amount,
                approved_amount_fen: approved.then_some(amount),
                annual_rate_bp: p.annual_rate_bp,
                term_months: term,
                repayment_method: p.repayment_method,
                risk_compensation_eligible: p.risk_compensation_eligible,
                purpose: "购买农资、扩大种植规模".into(),
                status,
                disbursed_on,
                version: 1 + steps.len() as i32,
                created_at: applied,
                updated_at: at,
            },
        )?;
        let mut from = "submitted";
        insert_event(
            conn,
            &NewLoanEvent {
                loan_id: loan.id,
                action: "apply",
                from_status: None,
                to_status: "submitted",
                actor_name: "seed",
                actor_role: "cooperative",
                note: None,
                occurred_at: applied,
            },
        )?;
        for (k, (action, to)) in steps.iter().enumerate() {
            let role = if *action == "withdraw" {
                "cooperative"
            } else {
                "bank_partner"
            };
            let note = (*action == "reject").then_some("经营流水不足");
            let when = applied + chrono::Duration::days(5 * (k as i64 + 1));
            insert_event(
                conn,
                &NewLoanEvent {
                    loan_id: loan.id,
                    action,
                    from_status: Some(from),
                    to_status: to,
                    actor_name: "seed",
                    actor_role: role,
                    note,
                    occurred_at: when,
                },
            )?;
            from = to;
        }
        count += 1;
    }
    Ok(count)
}

fn industries_match(rows: &[NewCooperative], i: usize, industry: &str) -> bool {
    rows[i]
        .business_scope
        .as_deref()
        .is_some_and(|s| s.contains(industry_name(industry)))
}
