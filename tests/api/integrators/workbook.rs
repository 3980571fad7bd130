//! `/pilot/progress.xlsx` shows its figures as charts.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use crate::common::fixtures::{apply, product};
use crate::common::{TestApp, TOWN_A, TOWN_B};

fn zip_text(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> String {
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[actix_web::test]
async fn the_progress_workbook_has_a_sheet_of_charts_drawn_from_its_figures() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let b = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    app.add_counselor(&[TOWN_A]);
    let p = product(&app, "psbc", "equal_installment", true).await;
    apply(&app, a, p, 3_000_000, 12).await;
    apply(&app, b, p, 1_000_000, 12).await;
    let progress = app.get("/api/v1/pilot/progress", &admin).await.ok(200);

    let x = app.get("/api/v1/pilot/progress.xlsx", &admin).await;
    assert_eq!(x.status.as_u16(), 200);
    let bytes = x.body.to_vec();

    // The workbook opened as the zip it is: five chart parts, drawn on the sheet 图表.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
    let charts: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with("xl/charts/chart"))
        .map(str::to_owned)
        .collect();
    assert_eq!(charts.len(), 5, "{charts:?}");
    let kinds: Vec<&str> = (1..=5)
        .map(|i| {
            let xml = zip_text(&mut zip, &format!("xl/charts/chart{i}.xml"));
            assert!(
                xml.contains("图表!$B$"),
                "chart{i} reads the sheet 图表: {xml}"
            );
            ["c:barChart", "c:pieChart"]
                .into_iter()
                .find(|k| xml.contains(&format!("<{k}>")))
                .unwrap_or("other")
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "c:barChart",
            "c:barChart",
            "c:barChart",
            "c:pieChart",
            "c:barChart"
        ]
    );
    let titles = zip_text(&mut zip, "xl/charts/chart1.xml");
    assert!(titles.contains("示范社：逐年新增与年度目标"));
    let total = zip_text(&mut zip, "xl/charts/chart2.xml");
    assert!(total.contains("目标 100"), "the 100 target in its title");

    // The tables the charts read hold the dashboard's figures.
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("图表").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    let find = |label: &str| {
        (0..sheet.height() as u32)
            .find(|&r| cell(r, 0) == Data::String(label.into()))
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    let demo = find("区级以上示范社");
    assert_eq!(
        cell(demo, 2),
        Data::Float(progress["demonstration"]["target_total"].as_f64().unwrap())
    );
    assert_eq!(cell(find("已覆盖"), 1), Data::Float(1.0), "TOWN_A");
    let towns = progress["counselor_coverage"]["towns_total"]
        .as_f64()
        .unwrap();
    assert_eq!(cell(find("未覆盖"), 1), Data::Float(towns - 1.0));
    // Both applications, by their status.
    let by_status = progress["loans"]["by_status"].as_object().unwrap();
    assert!(!by_status.is_empty());
    for (status, n) in by_status {
        assert_eq!(cell(find(status), 1), Data::Float(n.as_f64().unwrap()));
    }
    let rate = progress["annual_report_publication"]["rate"]
        .as_f64()
        .unwrap();
    let year = progress["annual_report_publication"]["year"]
        .as_i64()
        .unwrap();
    assert_eq!(cell(find(&format!("{year}年度")), 1), Data::Float(rate));
}
