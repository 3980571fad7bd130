//! The registry part of the demo data: cooperatives, members, governance, annual reports,
//! assessments and tiers, the abnormal list and demonstration titles.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use crate::db::models::cooperative::NewCooperative;
use crate::db::models::member::NewMember;
use crate::db::models::supervision::NewAssessment;
use crate::db::models::{now, reference};
use crate::db::schema::{
    abnormal_listings, annual_reports, assessments, cooperative_industries, cooperatives,
    governance,
};
use crate::db::DbConn;
use crate::domain::classification::{self, Checklist};
use crate::domain::member::{ContributionForm, MemberType};
use crate::domain::{annual_report, uscc};

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn fill(
    conn: &mut DbConn,
    rng: &mut StdRng,
    towns: &[reference::Town],
    sizes: &[usize],
    today: NaiveDate,
    show: bool,
    region: &str,
    keys: &crate::pii::Keyring,
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
            // Sealed as the ledger seals them: the demo database holds no plain number.
            let sealed = id.as_deref().map(|n| keys.seal(n));
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
                id_number_sealed: sealed.as_ref().map(|s| s.sealed.clone()),
                id_number_key: sealed.as_ref().map(|s| s.key_id.clone()),
                id_number_index: sealed.as_ref().map(|s| s.index.clone()),
                id_number_masked: sealed.map(|s| s.masked),
                phone: rng.gen_bool(0.6).then(|| phone(rng)),
                joined_on: joined.min(today),
                contribution_fen: rng.gen_range(1..=50) * 100_000,
                contribution_form: if member_type == MemberType::CollectiveEconomicOrg {
                    ContributionForm::CollectiveAsset
                } else {
                    forms[rng.gen_range(0..forms.len())]
                },
                // Most farmers carry a household code; two members in a row often share one
                // household (no draw from the generator: the rest of the data stays as it was).
                household_code: (member_type == MemberType::Farmer && m % 5 != 4)
                    .then(|| format!("H{}-{}", id_of(i), m / 2)),
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
        .set(cooperatives::status.eq(crate::domain::cooperative::CoopStatus::Abnormal))
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
    super::people::people(conn, rng, towns, &ids, &rows, today)?;
    summary.loans = super::loans::loans(conn, rng, &ids, &abnormal, today)?;
    let coop_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    super::books::books(conn, rng, &coop_ids, today)?;
    Ok(summary)
}
