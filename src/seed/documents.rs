//! Demo documents: a few small generated files (a PDF charter and minutes, a PNG photo of the
//! signboard) in the archives of the first cooperatives, stored in the configured document
//! store before their rows are written. Every archive holds the same model charter (示范章程),
//! so the store keeps it once.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::models::document::{self as db, Document};
use crate::db::models::now;
use crate::db::schema::cooperatives;
use crate::db::{write_tx, DbConn};
use crate::domain::document::{content_type, DocumentKind};
use crate::storage::DocumentStore;

/// How many cooperatives get documents.
pub const COOPERATIVES_WITH_DOCUMENTS: i64 = 12;

/// A file to store and record.
struct SeedFile {
    kind: DocumentKind,
    title: String,
    year: Option<i32>,
    file_name: String,
    bytes: Vec<u8>,
}

/// A one-page PDF whose text is `text` (ASCII; enough for a reader and for `infer`).
fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n\
         4 0 obj << /Length {} >> stream\n{stream}\nendstream endobj\n\
         trailer << /Root 1 0 R >>\n%%EOF\n",
        stream.len()
    )
    .into_bytes()
}

/// The start of a PNG (signature and a 1×1 IHDR), marked with `n` so each is its own file.
fn png(n: i64) -> Vec<u8> {
    let mut b =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    b.extend_from_slice(format!("\0\0\0\x08tEXtid\0{n:06}").as_bytes());
    b
}

fn files_of(coop_id: i64, year: i32) -> Vec<SeedFile> {
    vec![
        SeedFile {
            kind: DocumentKind::Charter,
            title: "示范章程".into(),
            year: None,
            file_name: "示范章程.pdf".into(),
            bytes: pdf("Model charter of a farmers' specialized cooperative"),
        },
        SeedFile {
            kind: DocumentKind::Minutes,
            title: format!("{year}年成员大会记录"),
            year: Some(year),
            file_name: format!("成员大会记录-{year}.pdf"),
            bytes: pdf(&format!(
                "Minutes of the member assembly {year}, cooperative {coop_id}"
            )),
        },
        SeedFile {
            kind: DocumentKind::Evidence,
            title: "合作社牌匾照片".into(),
            year: Some(year),
            file_name: "牌匾.png".into(),
            bytes: png(coop_id),
        },
    ]
}

fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores the files on a thread of their own (the store is async; seeding is not, and may
/// run inside another runtime).
fn store_all(store: &DocumentStore, files: Vec<(String, Vec<u8>)>) -> Result<(), String> {
    let store = store.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            for (sha, bytes) in files {
                store
                    .put_once(&sha, bytes.into())
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        })
    })
    .join()
    .map_err(|_| "the document store thread panicked".to_string())?
}

/// Adds the demo documents to the first cooperatives' archives; how many rows were written.
pub fn demo(conn: &mut DbConn, store: &DocumentStore) -> Result<usize, String> {
    let ids: Vec<i64> = cooperatives::table
        .select(cooperatives::id)
        .order(cooperatives::id)
        .limit(COOPERATIVES_WITH_DOCUMENTS)
        .load(conn)
        .map_err(|e| e.to_string())?;
    let year = now()
        .date()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026)
        - 1;
    let mut rows = Vec::new();
    let mut objects = Vec::new();
    for id in ids {
        for f in files_of(id, year) {
            let sha = hash(&f.bytes);
            let mime = content_type(&f.bytes).map_err(|e| e.to_string())?;
            rows.push(Document {
                id: 0,
                cooperative_id: id,
                kind: f.kind,
                title: f.title,
                year: f.year,
                file_name: f.file_name,
                sha256: sha.clone(),
                size: f.bytes.len() as i64,
                content_type: mime.to_string(),
                uploaded_by: "seed".into(),
                created_at: now(),
            });
            if !objects.iter().any(|(s, _): &(String, Vec<u8>)| *s == sha) {
                objects.push((sha, f.bytes));
            }
        }
    }
    // The objects first: a row is never written without its bytes.
    store_all(store, objects)?;
    let n = rows.len();
    write_tx(conn, |conn| {
        for r in &rows {
            db::insert(conn, r)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| e.to_string())?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_files_are_of_accepted_types() {
        for f in files_of(7, 2025) {
            assert!(content_type(&f.bytes).is_ok(), "{}", f.file_name);
        }
        assert_ne!(hash(&png(1)), hash(&png(2)));
        assert_eq!(
            hash(&files_of(1, 2025)[0].bytes),
            hash(&files_of(2, 2025)[0].bytes)
        );
    }
}
