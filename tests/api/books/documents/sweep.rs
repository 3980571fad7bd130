//! `documents sweep`: objects no row references are deleted once past the age guard; bytes
//! shared by several rows stay while any row has them; other files are left alone.

use std::path::PathBuf;
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{Duration, Utc};
use coophub::service::books::sweep::{sweep, Swept, MIN_AGE};

use super::{form_of, sha256_hex, JPEG, PDF, PNG};
use crate::common::{exec, TestApp, TOWN_A, TOWN_B};

/// Sweeps the app's store as of `now` (off the test's runtime, as the command does).
fn run(app: &TestApp, now: chrono::DateTime<Utc>, dry_run: bool) -> Swept {
    let store = app.state.store.clone();
    let mut conn = app.conn();
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            sweep(&mut conn, &store, &rt, now, MIN_AGE, dry_run).unwrap()
        })
        .join()
        .unwrap()
    })
}

fn object(app: &TestApp, sha: &str) -> PathBuf {
    app.storage
        .path()
        .join("documents")
        .join(&sha[..2])
        .join(sha)
}

/// Writes bytes into the store as an upload that never got its row would have left them.
fn orphan(app: &TestApp, bytes: &[u8]) -> String {
    let sha = sha256_hex(bytes);
    let path = object(app, &sha);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    sha
}

fn age(app: &TestApp, sha: &str, by: StdDuration) {
    let f = std::fs::File::options()
        .write(true)
        .open(object(app, sha))
        .unwrap();
    f.set_modified(SystemTime::now() - by).unwrap();
}

fn shas(swept: &Swept) -> Vec<String> {
    let mut out: Vec<String> = swept.orphans.iter().map(|o| o.sha256.clone()).collect();
    out.sort();
    out
}

#[actix_web::test]
async fn unreferenced_objects_past_the_age_guard_are_deleted() {
    let app = TestApp::new().await;
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let b = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    // The same PDF in two archives (one object, two rows); a PNG whose row is removed.
    let pdf = app.upload_pdf(a, PDF).await;
    let shared = app.upload_pdf(b, PDF).await;
    assert_eq!(pdf["sha256"], shared["sha256"]);
    let png = app
        .upload(a, &app.admin(), &form_of("p.png", PNG, "other", "p", ""))
        .await
        .ok(201);
    let removed = png["sha256"].as_str().unwrap().to_string();
    exec(
        &mut app.conn(),
        &format!("DELETE FROM documents WHERE id = {}", png["id"]),
    );
    exec(
        &mut app.conn(),
        &format!("DELETE FROM documents WHERE id = {}", shared["id"]),
    );
    // Two objects no upload recorded: one written two hours ago, one just now.
    let old = orphan(&app, b"%PDF-1.4 old orphan");
    age(&app, &old, StdDuration::from_secs(2 * 3600));
    let fresh = orphan(&app, JPEG);
    // A file that is no document's bytes.
    std::fs::write(app.storage.path().join("documents").join("notes.txt"), "x").unwrap();

    // Now: only the old orphan is past the guard; a dry run deletes nothing.
    let dry = run(&app, Utc::now(), true);
    assert_eq!(dry.stored, 4);
    assert_eq!((dry.young, dry.referenced), (3, 0));
    assert_eq!(shas(&dry), vec![old.clone()]);
    assert!(object(&app, &old).exists());

    // Two hours on, everything is past the guard: the PDF is kept (one row still has it),
    // the rest goes.
    let later = run(&app, Utc::now() + Duration::hours(2), false);
    assert_eq!((later.stored, later.young, later.referenced), (4, 0, 1));
    let mut expected = vec![old.clone(), fresh.clone(), removed.clone()];
    expected.sort();
    assert_eq!(shas(&later), expected);
    let pdf_sha = pdf["sha256"].as_str().unwrap();
    assert_eq!(
        app.stored_objects(),
        vec![
            format!("{}/{pdf_sha}", &pdf_sha[..2]),
            "notes.txt".to_string()
        ]
    );
    for sha in [&old, &fresh, &removed] {
        assert!(!object(&app, sha).exists(), "{sha}");
    }
    // The kept document still downloads.
    let r = app
        .get(
            &format!("/api/v1/cooperatives/{a}/documents/{}/content", pdf["id"]),
            &app.admin(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(&r.body[..], PDF);

    // The last row gone, the shared bytes go too.
    exec(
        &mut app.conn(),
        &format!("DELETE FROM documents WHERE id = {}", pdf["id"]),
    );
    let last = run(&app, Utc::now() + Duration::hours(2), false);
    assert_eq!(shas(&last), vec![pdf_sha.to_string()]);
    assert_eq!(app.stored_objects(), vec!["notes.txt".to_string()]);
}

#[actix_web::test]
async fn the_command_lists_then_deletes() {
    let app = TestApp::new().await;
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let kept = app.upload_pdf(a, PDF).await;
    let old = orphan(&app, PNG);
    age(&app, &old, StdDuration::from_secs(3 * 3600));
    let command = |dry_run: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_coophub"));
        c.env_remove("RUST_LOG")
            .env("COOPHUB_DATABASE_URL", &app.url)
            .env("COOPHUB_STORAGE", app.storage.path().join("documents"))
            .args(["documents", "sweep"]);
        if dry_run {
            c.arg("--dry-run");
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let listed = command(true);
    assert!(
        listed.starts_with(&format!("{old} {}\n", PNG.len())),
        "{listed}"
    );
    assert!(
        listed.contains("2 objects stored: 0 referenced, 1 younger than the age guard, 1 orphaned"),
        "{listed}"
    );
    assert!(listed.contains("dry run: nothing deleted"), "{listed}");
    assert!(object(&app, &old).exists());
    let swept = command(false);
    assert!(swept.contains("1 orphaned"), "{swept}");
    assert!(!object(&app, &old).exists());
    assert!(object(&app, kept["sha256"].as_str().unwrap()).exists());
}
