//! Writes a CSV file of N valid, distinct cooperatives for `POST /api/v1/imports/cooperatives`
//! (used by the benchmark in BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release --example gen_coop_csv -- 20000 > coops.csv
//! ```

use std::io::{BufWriter, Write};

const TOWNS: [&str; 6] = [
    "500119001",
    "500119002",
    "500119003",
    "500119101",
    "500119110",
    "500119108",
];
const INDUSTRIES: [&str; 6] = [
    "herbal_medicine",
    "ancient_tree_tea",
    "square_bamboo_shoot;ecommerce",
    "nanchuan_rice",
    "blueberry;rural_tourism",
    "vegetables",
];

fn main() -> std::io::Result<()> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let region = std::env::var("COOPHUB_REGION_CODE").unwrap_or_else(|_| "500119".into());
    let out = std::io::stdout();
    let mut w = BufWriter::new(out.lock());
    writeln!(w, "name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope")?;
    for i in 0..n {
        let uscc =
            coophub::domain::uscc::complete(&format!("93{region}MB{i:07}")).expect("17 characters");
        let town = TOWNS[i as usize % TOWNS.len()];
        let industry = INDUSTRIES[i as usize % INDUSTRIES.len()];
        writeln!(
            w,
            "南川区测试{i}号种植专业合作社,{uscc},{town},{industry},张{i},138{:08},{}-{:02}-{:02},{},\"{town}村{}组\",\"组织收购、销售成员种植的农产品；引进新技术、新品种，开展技术培训\"",
            i,
            2008 + i % 17,
            1 + i % 12,
            1 + i % 28,
            (i as i64 % 500 + 1) * 1_000_000,
            i % 12 + 1
        )?;
    }
    w.flush()
}
