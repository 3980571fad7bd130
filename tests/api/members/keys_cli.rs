//! The data key on the command line: `serve` refuses to start without one, `keys rotate`.

use std::process::Command;

fn coophub() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coophub"));
    c.env_remove("COOPHUB_DATA_KEY")
        .env_remove("COOPHUB_DATA_KEY_PREVIOUS")
        .env_remove("RUST_LOG");
    c
}

#[test]
fn serve_without_a_data_key_explains_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = coophub()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("COOPHUB_JWT_SECRET", "x".repeat(40))
        .env("COOPHUB_DATABASE_URL", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("COOPHUB_DATA_KEY is not set"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = coophub()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("COOPHUB_JWT_SECRET", "x".repeat(40))
        .env("COOPHUB_DATA_KEY", "not-a-key")
        .env("COOPHUB_DATABASE_URL", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("COOPHUB_DATA_KEY is not a data key"), "{err}");
    assert!(!err.contains("not-a-key"), "the value is not echoed: {err}");
}

#[test]
fn keys_rotate_needs_the_new_key_and_reports_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let out = coophub()
        .args(["keys", "rotate"])
        .env("COOPHUB_DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("COOPHUB_DATA_KEY is not set"));

    let key = coophub::pii::DataKey::generate_hex();
    let out = coophub()
        .args(["keys", "rotate", "--batch", "10"])
        .env("COOPHUB_DATABASE_URL", &db)
        .env("COOPHUB_DATA_KEY", &key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    let id = coophub::pii::DataKey::parse(&key).unwrap();
    assert!(
        said.contains(&format!("every ID number is sealed under key {}", id.id())),
        "{said}"
    );
    assert!(!said.contains(&key) && !String::from_utf8_lossy(&out.stderr).contains(&key));
}
