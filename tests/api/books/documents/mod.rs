//! The archive: uploads checked by content, the size cap, downloads, scope, dedup, and the
//! document ids claims and applications cite. Helpers: small files of each type and a
//! multipart form written out by hand.

mod access;
mod cited;
mod s3;
mod seeded;
mod sweep;
mod upload;

use std::io::Write;

use actix_web::test::TestRequest;
use sha2::{Digest, Sha256};

use crate::common::{Resp, TestApp};

/// A minimal PDF (what `infer` needs: the `%PDF` header).
pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
/// The start of a PNG (signature and IHDR).
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
/// The start of a JPEG (SOI, APP0 JFIF).
pub const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";
/// A Windows program's DOS header (`MZ`).
pub const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0This program cannot be run in DOS mode.";

/// A DOCX as Word lays it out: `[Content_Types].xml`, `_rels/.rels`, then `word/…`.
pub fn docx() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in [
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
        ("_rels/.rels", "<?xml version=\"1.0\"?><Relationships/>"),
        ("word/document.xml", "<?xml version=\"1.0\"?><w:document/>"),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A real XLSX workbook.
pub fn xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "成员名册").unwrap();
    wb.save_to_buffer().unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One part of a form.
pub struct Part {
    pub name: &'static str,
    pub file_name: Option<String>,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

pub fn text(name: &'static str, value: &str) -> Part {
    Part {
        name,
        file_name: None,
        content_type: None,
        body: value.as_bytes().to_vec(),
    }
}

/// The file part, named and typed as a client may (the server looks at neither).
pub fn file(file_name: &str, content_type: &'static str, body: &[u8]) -> Part {
    Part {
        name: "file",
        file_name: Some(file_name.to_string()),
        content_type: Some(content_type),
        body: body.to_vec(),
    }
}

/// A complete upload: the file and `kind`, `title`, `year`.
pub fn form_of(file_name: &str, body: &[u8], kind: &str, title: &str, year: &str) -> Vec<Part> {
    vec![
        file(file_name, "application/octet-stream", body),
        text("kind", kind),
        text("title", title),
        text("year", year),
    ]
}

const BOUNDARY: &str = "----coophub-test-7MA4YWxkTrZu0gW";

/// The body of a `multipart/form-data` request.
pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        write!(
            out,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"",
            p.name
        )
        .unwrap();
        if let Some(f) = &p.file_name {
            write!(out, "; filename=\"{f}\"").unwrap();
        }
        out.extend_from_slice(b"\r\n");
        if let Some(t) = p.content_type {
            write!(out, "Content-Type: {t}\r\n").unwrap();
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.body);
        out.extend_from_slice(b"\r\n");
    }
    write!(out, "--{BOUNDARY}--\r\n").unwrap();
    out
}

pub fn url(coop: i64) -> String {
    format!("/api/v1/cooperatives/{coop}/documents")
}

impl TestApp {
    /// `POST /cooperatives/{coop}/documents` with this form.
    pub async fn upload(&self, coop: i64, token: &str, parts: &[Part]) -> Resp {
        self.request(
            TestRequest::post()
                .uri(&url(coop))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header((
                    "Content-Type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                ))
                .set_payload(multipart(parts)),
        )
        .await
    }

    /// Uploads a PDF charter of `coop` as the district; returns the document.
    pub async fn upload_pdf(&self, coop: i64, body: &[u8]) -> serde_json::Value {
        self.upload(
            coop,
            &self.admin(),
            &form_of("章程.pdf", body, "charter", "章程", "2026"),
        )
        .await
        .ok(201)
    }

    /// The files of this test's document store (relative paths), sorted.
    pub fn stored_objects(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                }
            }
        }
        let root = self.storage.path().join("documents");
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }
}
