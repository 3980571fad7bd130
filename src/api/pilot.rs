//! The pilot's progress dashboard: every figure computed from the data, against the plan's
//! targets (MISSION.md), as JSON and as a spreadsheet a district office can forward.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::extract::ValidQuery;
use crate::auth::policy::CoopScope;
use crate::auth::{Access, Caller, Resource};
use crate::config::PilotTargets;
use crate::db::models::counselor::CounselorScope;
use crate::db::models::{annual_report, cooperative as coop, today};
use crate::db::schema::{cooperatives, demonstration_applications, loans, service_orders};
use crate::db::DbConn;
use crate::domain::pilot::{phase, PhaseOn, QUOTA_YEARS};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(progress).service(progress_xlsx);
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// The day to report for (default today): sets the phase and the report year.
    pub on: Option<NaiveDate>,
    /// Narrow every figure to one town.
    pub town_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetProgress {
    pub target: i64,
    pub achieved: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemonstrationProgress {
    /// District-level-or-higher demonstration cooperatives the plan asks for (≥ 100).
    pub target_total: i64,
    /// Cooperatives holding a district, municipal or national title now.
    pub achieved: i64,
    pub by_level: BTreeMap<String, i64>,
    /// New titles approved per year against the yearly quota (≥ 7).
    pub by_year: BTreeMap<String, TargetProgress>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicationProgress {
    /// The report year (the year before `on`).
    pub year: i32,
    /// Cooperatives expected to publish: active (not on the abnormal list) and established by the year's end.
    pub expected: i64,
    pub published: i64,
    pub rate: f64,
    /// The plan's target rate (100%).
    pub target_rate: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageProgress {
    pub towns_total: i64,
    pub towns_covered: i64,
    /// Codes of towns without a counselor (the plan asks for ≥ 1 in every town).
    pub towns_without_counselor: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndustryProgress {
    pub industry_code: String,
    pub name: String,
    /// Active union cooperatives and industrial consortia.
    pub active_federations: i64,
    /// All, including those still forming.
    pub federations: i64,
    pub covered: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FederationProgress {
    /// The specialty industries (the plan: one federation or consortium each).
    pub specialty: Vec<IndustryProgress>,
    pub specialty_total: i64,
    pub specialty_covered: i64,
    pub specialty_without_federation: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoanProgress {
    pub count: i64,
    /// Sum of the amounts applied for, in fen.
    pub amount_fen: i64,
    /// Sum of approved amounts of loans approved or later, in fen.
    pub approved_amount_fen: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_bank: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderProgress {
    pub count: i64,
    pub by_type: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
    /// The mean of the cooperatives' ratings (1–5), `null` when none.
    pub average_rating: Option<f64>,
    pub ratings: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryProgress {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_tier: BTreeMap<String, i64>,
}

/// The pilot's progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PilotProgress {
    pub on: NaiveDate,
    pub phase: PhaseOn,
    /// The town the figures are narrowed to, if any.
    pub town_code: Option<String>,
    pub cooperatives: RegistryProgress,
    pub demonstration: DemonstrationProgress,
    pub annual_report_publication: PublicationProgress,
    pub counselor_coverage: CoverageProgress,
    pub federations_by_industry: FederationProgress,
    pub loans: LoanProgress,
    pub service_orders: OrderProgress,
}

fn tally<I: IntoIterator<Item = String>>(values: I) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for v in values {
        *m.entry(v).or_insert(0) += 1;
    }
    m
}

/// Computes the dashboard for the caller's scope, narrowed to `town` if given.
pub fn compute(
    conn: &mut DbConn,
    scope: &CoopScope,
    town: Option<&str>,
    on: NaiveDate,
    targets: &PilotTargets,
) -> ApiResult<PilotProgress> {
    // The cooperatives in view, and their status, tier and title.
    let mut q = coop::scoped(scope);
    if let Some(t) = town {
        q = q.filter(cooperatives::town_code.eq(t.to_string()));
    }
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = q
        .select((
            cooperatives::id,
            cooperatives::status,
            cooperatives::tier,
            cooperatives::demonstration_level,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let all = *scope == CoopScope::All && town.is_none();

    let registry = RegistryProgress {
        total: rows.len() as i64,
        by_status: tally(rows.iter().map(|r| r.1.clone())),
        by_tier: tally(
            rows.iter()
                .map(|r| r.2.clone().unwrap_or_else(|| "unassessed".into())),
        ),
    };

    let by_level = tally(rows.iter().filter_map(|r| r.3.clone()));
    let mut approvals = demonstration_applications::table
        .filter(demonstration_applications::status.eq("approved"))
        .into_boxed::<crate::db::Backend>();
    if !all {
        approvals =
            approvals.filter(demonstration_applications::cooperative_id.eq_any(ids.clone()));
    }
    let approved_years: Vec<i32> = approvals
        .select(demonstration_applications::year)
        .load(conn)?;
    let last_year = QUOTA_YEARS[QUOTA_YEARS.len() - 1].max(on.year());
    let by_year = (QUOTA_YEARS[0]..=last_year)
        .map(|y| {
            let achieved = approved_years.iter().filter(|a| **a == y).count() as i64;
            (
                y.to_string(),
                TargetProgress {
                    target: targets.demonstration_per_year,
                    achieved,
                },
            )
        })
        .collect();
    let demonstration = DemonstrationProgress {
        target_total: targets.demonstration_total,
        achieved: by_level.values().sum(),
        by_level,
        by_year,
    };

    let report_year = on.year() - 1;
    let (expected, published) = annual_report::publication(conn, scope, report_year, town)?;
    let annual_report_publication = PublicationProgress {
        year: report_year,
        expected,
        published,
        rate: if expected == 0 {
            1.0
        } else {
            published as f64 / expected as f64
        },
        target_rate: 1.0,
    };

    let coverage = crate::service::counselors::build_coverage(conn, &CounselorScope::All)?;
    let towns: Vec<_> = coverage
        .towns
        .iter()
        .filter(|t| town.is_none_or(|code| t.town_code == code))
        .collect();
    let counselor_coverage = CoverageProgress {
        towns_total: towns.len() as i64,
        towns_covered: towns.iter().filter(|t| t.counselor_count > 0).count() as i64,
        towns_without_counselor: towns
            .iter()
            .filter(|t| t.counselor_count == 0)
            .map(|t| t.town_code.clone())
            .collect(),
    };

    let feds = crate::service::federations::by_industry(conn)?;
    let specialty: Vec<IndustryProgress> = feds
        .items
        .iter()
        .filter(|i| i.specialty)
        .map(|i| IndustryProgress {
            industry_code: i.industry_code.clone(),
            name: i.name.clone(),
            active_federations: i.active_union_cooperatives + i.active_industrial_consortia,
            federations: i.federations.len() as i64,
            covered: i.covered,
        })
        .collect();
    let federations_by_industry = FederationProgress {
        specialty_total: feds.specialty_total,
        specialty_covered: feds.specialty_covered,
        specialty_without_federation: feds.specialty_industries_without_federation.clone(),
        specialty,
    };

    let mut lq = loans::table.into_boxed::<crate::db::Backend>();
    if !all {
        lq = lq.filter(loans::cooperative_id.eq_any(ids.clone()));
    }
    let loan_rows: Vec<(String, String, i64, Option<i64>)> = lq
        .select((
            loans::status,
            loans::bank_code,
            loans::amount_fen,
            loans::approved_amount_fen,
        ))
        .load(conn)?;
    let loans = LoanProgress {
        count: loan_rows.len() as i64,
        amount_fen: loan_rows.iter().map(|l| l.2).sum(),
        approved_amount_fen: loan_rows.iter().filter_map(|l| l.3).sum(),
        by_status: tally(loan_rows.iter().map(|l| l.0.clone())),
        by_bank: tally(loan_rows.iter().map(|l| l.1.clone())),
    };

    let mut oq = service_orders::table.into_boxed::<crate::db::Backend>();
    if !all {
        oq = oq.filter(service_orders::cooperative_id.eq_any(ids));
    }
    let orders: Vec<(String, String, Option<i32>)> = oq
        .select((
            service_orders::service_type,
            service_orders::status,
            service_orders::rating_score,
        ))
        .load(conn)?;
    let scores: Vec<i32> = orders.iter().filter_map(|o| o.2).collect();
    let service_orders = OrderProgress {
        count: orders.len() as i64,
        by_type: tally(orders.iter().map(|o| o.0.clone())),
        by_status: tally(orders.iter().map(|o| o.1.clone())),
        average_rating: (!scores.is_empty()).then(|| {
            let mean = scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64;
            (mean * 100.0).round() / 100.0
        }),
        ratings: scores.len() as i64,
    };

    Ok(PilotProgress {
        on,
        phase: phase(on),
        town_code: town.map(str::to_string),
        cooperatives: registry,
        demonstration,
        annual_report_publication,
        counselor_coverage,
        federations_by_industry,
        loans,
        service_orders,
    })
}

async fn load(
    state: &web::Data<AppState>,
    user: Caller,
    p: ProgressParams,
) -> ApiResult<PilotProgress> {
    user.require(Resource::Demonstration, Access::Read)?;
    let on = p.on.unwrap_or_else(today);
    let targets = state.settings.targets.clone();
    state
        .db(move |conn| {
            if let Some(t) = &p.town_code {
                if !crate::db::models::reference::town_exists(conn, t)? {
                    return Err(ApiError::field(
                        "town_code",
                        "unknown_code",
                        format!("{t} is not a town of this district"),
                    ));
                }
            }
            let scope = user.coop_scope(conn)?;
            compute(conn, &scope, p.town_code.as_deref(), on, &targets)
        })
        .await
}

/// Pilot progress.
#[utoipa::path(
    tag = "pilot",
    operation_id = "getPilotProgress",
    summary = "The pilot's progress against the plan's targets",
    description = "Computed from the data for the caller's scope (a town officer: the town): demonstration cooperatives against the target of 100 and 7 a year, the annual-report publication rate of last year over cooperatives not on the abnormal list (target 100%), counselor coverage of the towns, federations per specialty industry (one each), loans and service orders, and the plan's phase on `on`. `town_code` narrows every figure to one town.",
    params(ProgressParams),
    responses(
        (status = 200, description = "The dashboard", body = PilotProgress),
        (status = 400, description = "A parameter has the wrong type"),
        (status = 403, description = "The role may not read pilot progress"),
        (status = 422, description = "Unknown town")
    )
)]
#[get("/pilot/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    user: Caller,
    params: ValidQuery<ProgressParams>,
) -> ApiResult<HttpResponse> {
    let out = load(&state, user, params.0).await?;
    Ok(HttpResponse::Ok().json(out))
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Renders the dashboard as a workbook: a sheet per section.
pub fn workbook(p: &PilotProgress) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut sheet = |name: &str,
                     headers: &[&str],
                     rows: Vec<Vec<String>>|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, 18)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(n) => ws.write_number(r as u32 + 1, c as u16, n)?,
                    Err(_) => ws.write_string(r as u32 + 1, c as u16, v)?,
                };
            }
        }
        Ok(())
    };
    let kv = |pairs: &BTreeMap<String, i64>| {
        pairs
            .iter()
            .map(|(k, v)| vec![k.clone(), v.to_string()])
            .collect::<Vec<_>>()
    };
    sheet(
        "概况",
        &["指标", "数值"],
        vec![
            vec!["统计日期".into(), p.on.to_string()],
            vec!["试点阶段".into(), p.phase.phase.to_string()],
            vec![
                "乡镇".into(),
                p.town_code.clone().unwrap_or_else(|| "全区".into()),
            ],
            vec!["合作社总数".into(), p.cooperatives.total.to_string()],
        ],
    )?;
    let mut demo_rows = vec![
        vec![
            "区级以上示范社目标".into(),
            p.demonstration.target_total.to_string(),
            String::new(),
        ],
        vec![
            "区级以上示范社".into(),
            p.demonstration.achieved.to_string(),
            String::new(),
        ],
    ];
    for (y, t) in &p.demonstration.by_year {
        demo_rows.push(vec![
            format!("{y}年新增"),
            t.achieved.to_string(),
            t.target.to_string(),
        ]);
    }
    sheet("示范社", &["指标", "完成", "目标"], demo_rows)?;
    let a = &p.annual_report_publication;
    sheet(
        "年报公示",
        &["年度", "应报", "已公示", "公示率", "目标"],
        vec![vec![
            a.year.to_string(),
            a.expected.to_string(),
            a.published.to_string(),
            format!("{:.4}", a.rate),
            "1".into(),
        ]],
    )?;
    let c = &p.counselor_coverage;
    sheet(
        "辅导员覆盖",
        &["乡镇总数", "已覆盖", "未覆盖乡镇"],
        vec![vec![
            c.towns_total.to_string(),
            c.towns_covered.to_string(),
            c.towns_without_counselor.join("、"),
        ]],
    )?;
    sheet(
        "联合社",
        &[
            "特色产业",
            "名称",
            "运行中的联合社/联合体",
            "全部",
            "已覆盖",
        ],
        p.federations_by_industry
            .specialty
            .iter()
            .map(|i| {
                vec![
                    i.industry_code.clone(),
                    i.name.clone(),
                    i.active_federations.to_string(),
                    i.federations.to_string(),
                    if i.covered { "是" } else { "否" }.into(),
                ]
            })
            .collect(),
    )?;
    let mut loan_rows = vec![
        vec!["贷款笔数".into(), p.loans.count.to_string()],
        vec!["申请金额（分）".into(), p.loans.amount_fen.to_string()],
        vec![
            "批准金额（分）".into(),
            p.loans.approved_amount_fen.to_string(),
        ],
    ];
    loan_rows.extend(
        kv(&p.loans.by_status)
            .into_iter()
            .map(|r| vec![format!("状态 {}", r[0]), r[1].clone()]),
    );
    loan_rows.extend(
        kv(&p.loans.by_bank)
            .into_iter()
            .map(|r| vec![format!("银行 {}", r[0]), r[1].clone()]),
    );
    sheet("惠农贷", &["指标", "数值"], loan_rows)?;
    let mut order_rows = vec![
        vec!["服务订单".into(), p.service_orders.count.to_string()],
        vec![
            "平均评分".into(),
            p.service_orders
                .average_rating
                .map(|r| r.to_string())
                .unwrap_or_default(),
        ],
    ];
    order_rows.extend(
        kv(&p.service_orders.by_type)
            .into_iter()
            .map(|r| vec![format!("类型 {}", r[0]), r[1].clone()]),
    );
    order_rows.extend(
        kv(&p.service_orders.by_status)
            .into_iter()
            .map(|r| vec![format!("状态 {}", r[0]), r[1].clone()]),
    );
    sheet("服务中心", &["指标", "数值"], order_rows)?;
    wb.save_to_buffer()
}

/// Pilot progress as a spreadsheet.
#[utoipa::path(
    tag = "pilot",
    operation_id = "getPilotProgressXlsx",
    summary = "The pilot's progress as a spreadsheet",
    description = "The same figures as `GET /api/v1/pilot/progress`, as an .xlsx workbook with a sheet per section and Chinese headings, for a district office to forward.",
    params(ProgressParams),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A parameter has the wrong type"),
        (status = 403, description = "The role may not read pilot progress"),
        (status = 422, description = "Unknown town")
    )
)]
#[get("/pilot/progress.xlsx")]
pub async fn progress_xlsx(
    state: web::Data<AppState>,
    user: Caller,
    params: ValidQuery<ProgressParams>,
) -> ApiResult<HttpResponse> {
    let out = load(&state, user, params.0).await?;
    let bytes = web::block(move || workbook(&out))
        .await?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, XLSX))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"pilot-progress.xlsx\"",
        ))
        .body(bytes))
}
