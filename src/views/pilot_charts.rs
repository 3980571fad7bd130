//! The charts of the progress workbook (`/pilot/progress.xlsx`): a sheet 图表 holding each
//! chart's figures in a small table, the chart beside it, so the workbook shows the progress
//! and a reader can check each bar against its cell.

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};

use super::pilot::PilotProgress;

/// The name of the sheet of charts.
pub const SHEET: &str = "图表";
/// Rows between the tops of two tables (a chart is about 15 rows high).
const BLOCK_ROWS: u32 = 17;
/// The column charts are placed in (the tables use A–C).
const CHART_COLUMN: u16 = 4;

/// A table of `headers` and `rows` (a label, then numbers) at `top`; returns its first and
/// last data rows. An empty table gets one row "无" of zeros, so every chart has a range.
fn table(
    ws: &mut Worksheet,
    top: u32,
    headers: &[&str],
    rows: &[(String, Vec<f64>)],
    bold: &Format,
) -> Result<(u32, u32), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, bold)?;
    }
    let empty = [("无".to_string(), vec![0.0; headers.len().saturating_sub(1)])];
    let rows = if rows.is_empty() { &empty[..] } else { rows };
    for (i, (label, values)) in rows.iter().enumerate() {
        let r = top + 1 + i as u32;
        ws.write_string(r, 0, label)?;
        for (c, v) in values.iter().enumerate() {
            ws.write_number(r, c as u16 + 1, *v)?;
        }
    }
    Ok((top + 1, top + rows.len() as u32))
}

/// A chart of the table's value columns `1..=series` against its labels.
fn chart(
    kind: ChartType,
    title: &str,
    headers: &[&str],
    (first, last): (u32, u32),
    top: u32,
) -> Chart {
    let mut chart = Chart::new(kind);
    chart.title().set_name(title);
    for c in 1..headers.len() as u16 {
        chart
            .add_series()
            .set_name((SHEET, top, c))
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, c, last, c));
    }
    chart
}

/// Adds the sheet of charts: demonstration cooperatives by year against the quota and in
/// total against the target, the annual-report publication rate, the towns with a
/// counselor, the loans by status.
pub fn add(wb: &mut Workbook, p: &PilotProgress) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 12)?;
    ws.set_column_width(2, 12)?;
    let mut top = 0;
    let mut place = |ws: &mut Worksheet,
                     kind: ChartType,
                     title: &str,
                     headers: &[&str],
                     rows: Vec<(String, Vec<f64>)>,
                     percent: bool|
     -> Result<(), XlsxError> {
        let range = table(ws, top, headers, &rows, &bold)?;
        let mut c = chart(kind, title, headers, range, top);
        if percent {
            c.y_axis().set_min(0).set_max(1).set_num_format("0%");
        }
        ws.insert_chart(top, CHART_COLUMN, &c)?;
        top += BLOCK_ROWS.max(range.1 - top + 3);
        Ok(())
    };
    let d = &p.demonstration;
    place(
        ws,
        ChartType::Column,
        "示范社：逐年新增与年度目标",
        &["年份", "新增", "年度目标"],
        d.by_year
            .iter()
            .map(|(y, t)| (format!("{y}年"), vec![t.achieved as f64, t.target as f64]))
            .collect(),
        false,
    )?;
    place(
        ws,
        ChartType::Bar,
        &format!("区级以上示范社：已有与目标 {}", d.target_total),
        &["指标", "已有", "目标"],
        vec![(
            "区级以上示范社".into(),
            vec![d.achieved as f64, d.target_total as f64],
        )],
        false,
    )?;
    let a = &p.annual_report_publication;
    place(
        ws,
        ChartType::Column,
        &format!("{}年度年报公示率", a.year),
        &["年度", "公示率", "目标"],
        vec![(format!("{}年度", a.year), vec![a.rate, a.target_rate])],
        true,
    )?;
    let c = &p.counselor_coverage;
    place(
        ws,
        ChartType::Pie,
        "辅导员覆盖乡镇",
        &["乡镇", "个数"],
        vec![
            ("已覆盖".into(), vec![c.towns_covered as f64]),
            (
                "未覆盖".into(),
                vec![(c.towns_total - c.towns_covered).max(0) as f64],
            ),
        ],
        false,
    )?;
    place(
        ws,
        ChartType::Column,
        "惠农贷：按状态的笔数",
        &["状态", "笔数"],
        p.loans
            .by_status
            .iter()
            .map(|(s, n)| (s.clone(), vec![*n as f64]))
            .collect(),
        false,
    )?;
    Ok(())
}
