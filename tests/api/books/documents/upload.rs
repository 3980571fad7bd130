//! Uploads: metadata, hash, download of the same bytes, type by content, the size cap, bad
//! fields, one object for the same bytes.

use actix_web::test::TestRequest;
use serde_json::json;

use super::{docx, file, form_of, sha256_hex, text, url, xlsx, EXE, JPEG, PDF, PNG};
use crate::common::{TestApp, TOWN_A};

fn count_rows(app: &TestApp) -> i64 {
    use coophub::db::schema::documents;
    use diesel::prelude::*;
    documents::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn an_upload_is_kept_and_given_back_byte_for_byte() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let r = app
        .upload(
            c,
            &app.admin(),
            &form_of(
                "archive/合作社/章程 2026.pdf",
                PDF,
                "charter",
                " 章程（2026年修订） ",
                "2026",
            ),
        )
        .await;
    let d = r.ok(201);
    let id = d["id"].as_i64().unwrap();
    assert_eq!(r.header("location").unwrap(), format!("{}/{id}", url(c)));
    assert_eq!(d["cooperative_id"], c);
    assert_eq!(d["kind"], "charter");
    assert_eq!(d["title"], "章程（2026年修订）");
    assert_eq!(d["year"], 2026);
    assert_eq!(d["file_name"], "章程 2026.pdf", "the last segment only");
    assert_eq!(d["sha256"], sha256_hex(PDF));
    assert_eq!(d["size"], PDF.len());
    assert_eq!(d["content_type"], "application/pdf");
    assert_eq!(d["uploaded_by"], "test-district_admin");
    assert!(d["created_at"].is_string());
    // Stored outside the database, content-addressed.
    let sha = sha256_hex(PDF);
    assert_eq!(app.stored_objects(), vec![format!("{}/{sha}", &sha[..2])]);

    let meta = app.get(&format!("{}/{id}", url(c)), &app.admin()).await;
    assert_eq!(meta.ok(200), d);
    assert_eq!(meta.header("etag").unwrap(), "\"1\"");

    let dl = app
        .get(&format!("{}/{id}/content", url(c)), &app.admin())
        .await;
    assert_eq!(dl.status, 200);
    assert_eq!(&dl.body[..], PDF);
    assert_eq!(dl.content_type(), "application/pdf");
    assert_eq!(
        dl.header("content-disposition").unwrap(),
        "attachment; filename=\"__ 2026.pdf\"; filename*=UTF-8''%E7%AB%A0%E7%A8%8B%202026.pdf"
    );
    assert_eq!(dl.header("etag").unwrap(), format!("\"{sha}\""));
    // The hash is the download's ETag: a client holding it gets a 304.
    let again = app
        .request(
            TestRequest::get()
                .uri(&format!("{}/{id}/content", url(c)))
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("If-None-Match", format!("\"{sha}\""))),
        )
        .await;
    assert_eq!(again.status, 304);

    // The audit trail records the upload.
    let audit = app
        .get(
            &format!("/api/v1/audit-events?entity=document&entity_id={id}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["items"][0]["action"], "create", "{audit}");
}

#[actix_web::test]
async fn the_type_is_told_by_content_not_by_name() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.admin();
    // A PDF named .exe (and typed as a program by the client) is a PDF.
    let pdf = app
        .upload(
            c,
            &admin,
            &[
                file("minutes.exe", "application/x-msdownload", PDF),
                text("kind", "minutes"),
                text("title", "成员大会记录"),
            ],
        )
        .await
        .ok(201);
    assert_eq!(pdf["content_type"], "application/pdf");
    assert_eq!(pdf["file_name"], "minutes.exe");
    assert!(pdf["year"].is_null());
    // A program named .pdf (and typed as a PDF by the client) is refused.
    let p = app
        .upload(
            c,
            &admin,
            &[
                file("minutes.pdf", "application/pdf", EXE),
                text("kind", "minutes"),
                text("title", "成员大会记录"),
            ],
        )
        .await
        .field_error("file");
    assert_eq!(p["errors"][0]["code"], "file_type", "{p}");
    // Plain text is of no accepted type either.
    app.upload(
        c,
        &admin,
        &form_of("a.pdf", b"just some text", "other", "x", ""),
    )
    .await
    .field_error("file");
    // The five accepted types.
    for (name, bytes, mime) in [
        ("a.png", PNG.to_vec(), "image/png"),
        ("a.jpg", JPEG.to_vec(), "image/jpeg"),
        (
            "a.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "a.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let d = app
            .upload(c, &admin, &form_of(name, &bytes, "evidence", name, "2025"))
            .await
            .ok(201);
        assert_eq!(d["content_type"], mime, "{name}");
        let dl = app
            .get(&format!("{}/{}/content", url(c), d["id"]), &admin)
            .await;
        assert_eq!(&dl.body[..], &bytes[..], "{name}");
        assert_eq!(dl.content_type(), mime);
    }
    // A plain ZIP is neither DOCX nor XLSX.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("notes.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"hello").unwrap();
    let plain = zip.finish().unwrap().into_inner();
    app.upload(c, &admin, &form_of("a.docx", &plain, "other", "x", ""))
        .await
        .field_error("file");
    assert_eq!(count_rows(&app), 5);
}

#[actix_web::test]
async fn over_20_mib_is_413_with_nothing_kept() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let mut big = PDF.to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let p = app
        .upload(
            c,
            &app.admin(),
            &form_of("big.pdf", &big, "other", "big", ""),
        )
        .await
        .problem(413);
    assert!(p["detail"].as_str().unwrap().contains("20 MiB"), "{p}");
    assert_eq!(count_rows(&app), 0);
    assert!(app.stored_objects().is_empty());
    // Other fields are bounded too: many of them are a 413 as well.
    let mut padded = form_of("a.pdf", PDF, "other", "padded", "");
    for _ in 0..20 {
        padded.push(text("note", &"x".repeat(4000)));
    }
    app.upload(c, &app.admin(), &padded).await.problem(413);
    assert_eq!(count_rows(&app), 0);
    // Exactly 20 MiB is accepted.
    big.truncate(20 * 1024 * 1024);
    let d = app
        .upload(
            c,
            &app.admin(),
            &form_of("big.pdf", &big, "other", "big", ""),
        )
        .await
        .ok(201);
    assert_eq!(d["size"], 20 * 1024 * 1024);
}

/// A DOCX of exactly `size` bytes whose first entry is a large blob, so the parts that
/// tell a DOCX are known only from the ZIP's central directory at the end of the file.
fn big_docx(size: usize) -> Vec<u8> {
    let build = |media: usize| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, body) in [
            ("customXml/item1.bin", vec![b'x'; media]),
            ("[Content_Types].xml", b"<Types/>".to_vec()),
            ("word/document.xml", b"<w:document/>".to_vec()),
        ] {
            zip.start_file(name, opts).unwrap();
            std::io::Write::write_all(&mut zip, &body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let overhead = build(0).len();
    let out = build(size - overhead);
    assert_eq!(out.len(), size);
    out
}

#[actix_web::test]
async fn a_docx_just_under_the_cap_is_told_from_its_end_and_just_over_is_413() {
    const CAP: usize = 20 * 1024 * 1024;
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let over = big_docx(CAP + 1);
    app.upload(
        c,
        &app.admin(),
        &form_of("big.docx", &over, "other", "big", ""),
    )
    .await
    .problem(413);
    assert_eq!(count_rows(&app), 0);
    assert!(app.stored_objects().is_empty());

    let under = big_docx(CAP - 1);
    let d = app
        .upload(
            c,
            &app.admin(),
            &form_of("big.docx", &under, "other", "big", ""),
        )
        .await
        .ok(201);
    assert_eq!(d["size"], CAP - 1);
    assert_eq!(
        d["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let sha = sha256_hex(&under);
    assert_eq!(d["sha256"], sha);
    assert_eq!(app.stored_objects(), vec![format!("{}/{sha}", &sha[..2])]);
    let stored = std::fs::read(
        app.storage
            .path()
            .join("documents")
            .join(&sha[..2])
            .join(&sha),
    )
    .unwrap();
    assert!(stored == under, "the stored object differs from the upload");
}

#[actix_web::test]
async fn each_bad_field_is_named() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.admin();
    let cases: Vec<(Vec<super::Part>, &str)> = vec![
        (form_of("a.pdf", b"", "charter", "t", ""), "file"),
        (form_of("a.pdf", PDF, "memo", "t", ""), "kind"),
        (form_of("a.pdf", PDF, "", "t", ""), "kind"),
        (form_of("a.pdf", PDF, "charter", "   ", ""), "title"),
        (
            form_of("a.pdf", PDF, "charter", &"长".repeat(201), ""),
            "title",
        ),
        (form_of("a.pdf", PDF, "charter", "t", "1999"), "year"),
        (form_of("a.pdf", PDF, "charter", "t", "2101"), "year"),
        (form_of("a.pdf", PDF, "charter", "t", "twenty"), "year"),
        (form_of("a.pdf", PDF, "charter", "t", "99999999999"), "year"),
        (vec![text("kind", "charter"), text("title", "t")], "file"),
        (
            vec![file("a.pdf", "application/pdf", PDF), text("title", "t")],
            "kind",
        ),
        (
            vec![
                file("a.pdf", "application/pdf", PDF),
                text("kind", "charter"),
            ],
            "title",
        ),
    ];
    for (parts, field) in cases {
        let p = app.upload(c, &admin, &parts).await.field_error(field);
        assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
    }
    // Every field's problem in one answer.
    let p = app
        .upload(c, &admin, &form_of("a.pdf", EXE, "memo", "", "3000"))
        .await
        .problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 4, "{p}");
    // A field twice, a body that is not a form.
    let mut twice = form_of("a.pdf", PDF, "charter", "t", "");
    twice.push(file("b.pdf", "application/pdf", PDF));
    app.upload(c, &admin, &twice).await.field_error("file");
    let json = app.post(&url(c), &admin, json!({"kind": "charter"})).await;
    json.problem(415);
    assert_eq!(count_rows(&app), 0);
    assert!(app.stored_objects().is_empty());
}

#[actix_web::test]
async fn the_same_bytes_are_stored_once() {
    let app = TestApp::new().await;
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let b = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let first = app.upload_pdf(a, PDF).await;
    let second = app.upload_pdf(b, PDF).await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
    assert_eq!(count_rows(&app), 2);
    assert_eq!(app.stored_objects().len(), 1, "{:?}", app.stored_objects());
    let other = app.upload_pdf(a, &[PDF, b"% v2\n"].concat()).await;
    assert_ne!(other["sha256"], first["sha256"]);
    assert_eq!(app.stored_objects().len(), 2);
    // Each row downloads the same bytes.
    for (coop, d) in [(a, &first), (b, &second)] {
        let dl = app
            .get(&format!("{}/{}/content", url(coop), d["id"]), &app.admin())
            .await;
        assert_eq!(&dl.body[..], PDF);
    }
}

#[actix_web::test]
async fn a_store_that_fails_is_503_and_no_row() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    // The store's folder replaced by a file: nothing can be written under it.
    let root = app.storage.path().join("documents");
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::write(&root, b"not a folder").unwrap();
    let p = app
        .upload(
            c,
            &app.admin(),
            &form_of("a.pdf", PDF, "charter", "章程", ""),
        )
        .await
        .problem(503);
    assert!(
        p["detail"].as_str().unwrap().contains("document store"),
        "{p}"
    );
    assert_eq!(count_rows(&app), 0);
}
