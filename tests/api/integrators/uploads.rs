//! CSV imports as browsers send them: `multipart/form-data` with the file in `file`.

use coophub::auth::Role;

use crate::common::fixtures::registry::{csv_file, csv_row, CSV_HEADER};
use crate::common::{TestApp, TOWN_A, TOWN_B};

const BOUNDARY: &str = "----coophubFormBoundary7MA4YWxkTrZu0gW";

/// A form part: name, file name, part type, content.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A form of these parts.
fn form(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, part_type, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(t) = part_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[actix_web::test]
async fn a_form_with_the_file_imports_like_a_csv_body() {
    let app = TestApp::new().await;
    let csv = csv_file(&[csv_row(1, TOWN_A), csv_row(2, TOWN_B)]);
    let body = form(&[
        ("note", None, None, "from the browser".as_bytes()),
        ("file", Some("名录.csv"), Some("text/csv"), csv.as_bytes()),
    ]);
    let out = app
        .import_as(&app.admin(), &form_type(), body)
        .await
        .ok(201);
    assert_eq!(out["created"], 2);
    assert_eq!(app.coop_count().await, 2);
    // The types browsers give a .csv, or none at all.
    for (n, part_type) in [(3, Some("application/vnd.ms-excel")), (4, None)] {
        let csv = csv_file(&[csv_row(n, TOWN_A)]);
        let body = form(&[("file", Some("x.csv"), part_type, csv.as_bytes())]);
        let out = app
            .import_as(&app.admin(), &form_type(), body)
            .await
            .ok(201);
        assert_eq!(out["created"], 1, "{part_type:?}");
    }
    assert_eq!(app.coop_count().await, 4);
}

#[actix_web::test]
async fn a_bad_cell_in_a_form_file_is_named_by_line_and_field() {
    let app = TestApp::new().await;
    let bad = csv_row(2, TOWN_A).replace("13812345678", "12345");
    let csv = csv_file(&[csv_row(1, TOWN_A), bad]);
    let body = form(&[("file", Some("x.csv"), Some("text/csv"), csv.as_bytes())]);
    let p = app
        .import_as(&app.admin(), &form_type(), body)
        .await
        .field_error("phone");
    let line = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "phone")
        .unwrap()["line"]
        .clone();
    assert_eq!(line, 3, "header is line 1, the bad row line 3");
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn a_form_without_exactly_one_file_is_422_naming_file() {
    let app = TestApp::new().await;
    let csv = csv_file(&[csv_row(1, TOWN_A)]);
    let none = form(&[("upload", Some("x.csv"), Some("text/csv"), csv.as_bytes())]);
    let p = app
        .import_as(&app.admin(), &form_type(), none)
        .await
        .field_error("file");
    assert_eq!(p["errors"][0]["code"], "required");
    let two = form(&[
        ("file", Some("a.csv"), Some("text/csv"), csv.as_bytes()),
        ("file", Some("b.csv"), Some("text/csv"), csv.as_bytes()),
    ]);
    let p = app
        .import_as(&app.admin(), &form_type(), two)
        .await
        .field_error("file");
    assert_eq!(p["errors"][0]["code"], "duplicate");
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn a_form_file_that_is_not_a_utf8_csv_is_415_and_a_broken_form_400() {
    let app = TestApp::new().await;
    let csv = csv_file(&[csv_row(1, TOWN_A)]);
    for part_type in ["image/png", "text/csv; charset=gbk", "application/json"] {
        let body = form(&[("file", Some("x.csv"), Some(part_type), csv.as_bytes())]);
        app.import_as(&app.admin(), &form_type(), body)
            .await
            .problem(415);
    }
    // The boundary the header names is not the body's.
    let body = form(&[("file", Some("x.csv"), Some("text/csv"), csv.as_bytes())]);
    app.import_as(&app.admin(), "multipart/form-data; boundary=other", body)
        .await
        .problem(400);
    // No boundary at all.
    app.import_as(&app.admin(), "multipart/form-data", csv.clone())
        .await
        .problem(400);
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn a_form_file_over_32_mib_is_413() {
    let app = TestApp::new().await;
    let line = csv_row(1, TOWN_A);
    let mut csv = format!("{CSV_HEADER}\n");
    while csv.len() <= 32 * 1024 * 1024 {
        csv.push_str(&line);
        csv.push('\n');
    }
    let body = form(&[("file", Some("x.csv"), Some("text/csv"), csv.as_bytes())]);
    app.import_as(&app.admin(), &form_type(), body)
        .await
        .problem(413);
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn roles_that_may_not_import_are_refused_a_form_too() {
    let app = TestApp::new().await;
    let csv = csv_file(&[csv_row(1, TOWN_A)]);
    for role in [Role::Observer, Role::BankPartner, Role::Counselor] {
        let body = form(&[("file", Some("x.csv"), Some("text/csv"), csv.as_bytes())]);
        app.import_as(&app.token(role), &form_type(), body)
            .await
            .problem(403);
    }
    assert_eq!(app.coop_count().await, 0);
}
