//! The pilot dashboard's shapes, and the dashboard rendered as a workbook.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::pilot::PhaseOn;

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// The day to report for (default today), from 2020-01-01 to today: every figure is as it
    /// stood at the end of that day (see docs/dashboard.md: cooperatives by their registration
    /// date and their status, tier and title history; reports by publication date; titles by
    /// decision date; loans by their status log; service orders by their step times; members
    /// by the days they joined and left). It also sets the phase and the report year.
    #[validate(custom(function = "crate::views::validators::as_of_date"))]
    #[param(example = "2023-06-30")]
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

/// Household participation (the plan: 88,000 member households, 58%).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"households": 51040, "rural_households": 88000, "rate": 0.58}))]
pub struct ParticipationProgress {
    /// Distinct `household_code`s among the farmer members of the cooperatives in view who were
    /// members on `on`.
    pub households: i64,
    /// The district's rural households (`COOPHUB_RURAL_HOUSEHOLDS`); `null` when not
    /// configured, and for a dashboard narrowed to a town (no per-town figure is held).
    pub rural_households: Option<i64>,
    /// `households / rural_households` as a fraction (like the publication rate); `null`
    /// without `rural_households`.
    pub rate: Option<f64>,
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
    pub participation: ParticipationProgress,
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Renders the dashboard as a workbook: a sheet per section, then a sheet of charts.
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
    super::pilot_charts::add(&mut wb, p)?;
    wb.save_to_buffer()
}
