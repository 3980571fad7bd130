//! `coophub seed --demo`: a Nanchuan-sized, reproducible demonstration data set.
//!
//! 34 towns (from the migration), 1,446 cooperatives spread over the towns and industries with
//! the specialty industries prominent, ~88,000 members with valid synthetic ID numbers,
//! governance, annual reports for the pilot years with a believable mix of published, late and
//! missing filings, assessments and tiers, the abnormal list, and the 6 national and 25
//! municipal demonstration titles the plan starts from. Every random choice comes from one
//! seeded generator, so the same seed gives the same data.

mod books;
pub mod documents;
mod loans;
mod people;
mod registry;

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::models::{now, reference};
use crate::db::schema::cooperatives;
use crate::db::{write_tx, DbConn};
use crate::domain::id_number;

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

pub(super) fn name(rng: &mut StdRng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.gen_range(0..SURNAMES.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    )
}

pub(super) fn phone(rng: &mut StdRng) -> String {
    let prefix = ["138", "139", "135", "150", "151", "177", "182", "187"][rng.gen_range(0..8)];
    format!("{prefix}{:08}", rng.gen_range(0..100_000_000u32))
}

pub(super) fn synthetic_id(rng: &mut StdRng) -> String {
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
pub(super) fn industry(rng: &mut StdRng) -> &'static str {
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

pub(super) fn industry_name(code: &str) -> &'static str {
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

pub(super) fn progress(total: u64, show: bool, what: &str) -> ProgressBar {
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
    let keys = crate::pii::keyring().map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(seed);
    let today = now().date();
    let sizes = member_counts(&mut rng);
    write_tx(conn, |conn| {
        registry::fill(
            conn,
            &mut rng,
            &towns,
            &sizes,
            today,
            show_progress,
            region,
            &keys,
        )
    })
    .map_err(|e: diesel::result::Error| e.to_string())
}
