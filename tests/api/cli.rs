//! The binary's command line.

use std::io::Write;
use std::process::{Command, Stdio};

use coophub::cli::{create_user, CreateUser};

use crate::common::{TestApp, TestDb, TOWN_A};

fn coophub() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coophub"));
    c.env_remove("COOPHUB_JWT_SECRET").env_remove("RUST_LOG");
    c
}

/// Runs `coophub <command>` on the database at `url`; its standard output, once it exits 0.
fn succeeds(url: &str, command: &str) -> String {
    let out = coophub()
        .arg(command)
        .env("COOPHUB_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run_with_stdin(mut cmd: Command, input: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run coophub");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn serve_without_a_secret_explains_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = coophub()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("COOPHUB_DATABASE_URL", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("COOPHUB_JWT_SECRET is not set"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = coophub()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("COOPHUB_JWT_SECRET", "too-short")
        .env("COOPHUB_DATABASE_URL", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 32 bytes"), "{err}");
}

#[test]
fn openapi_command_prints_the_committed_document() {
    let out = coophub().arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string("openapi/openapi.json").unwrap()
    );
}

#[test]
fn migrate_then_user_create_reads_the_password_from_stdin() {
    let (_db, url) = TestDb::create();
    succeeds(&url, "migrate");

    let mut cmd = coophub();
    cmd.args([
        "user",
        "create",
        "--username",
        "admin",
        "--role",
        "district_admin",
    ])
    .env("COOPHUB_DATABASE_URL", &url);
    let out = run_with_stdin(cmd, "a long password\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user admin"));

    // The same name again fails cleanly.
    let mut cmd = coophub();
    cmd.args([
        "user",
        "create",
        "--username",
        "admin",
        "--role",
        "observer",
    ])
    .env("COOPHUB_DATABASE_URL", &url);
    let out = run_with_stdin(cmd, "a long password\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));

    // A town officer needs its town.
    let mut cmd = coophub();
    cmd.args([
        "user",
        "create",
        "--username",
        "town.one",
        "--role",
        "town_officer",
    ])
    .env("COOPHUB_DATABASE_URL", &url);
    let out = run_with_stdin(cmd, "a long password\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--town-code"));

    // user list / disable / enable.
    let run = |args: &[&str]| {
        coophub()
            .args(args)
            .env("COOPHUB_DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let mut cmd = coophub();
    cmd.args([
        "user",
        "create",
        "--username",
        "obs.one",
        "--role",
        "observer",
    ])
    .env("COOPHUB_DATABASE_URL", &url);
    assert!(run_with_stdin(cmd, "a long password\n").status.success());
    let out = run(&["user", "disable", "--username", "obs.one"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8(run(&["user", "list"]).stdout).unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(
        lines[0].contains("\tadmin\tdistrict_admin\t-\tenabled"),
        "{list}"
    );
    assert!(
        lines[1].contains("\tobs.one\tobserver\t-\tdisabled"),
        "{list}"
    );
    // The last enabled district admin stays; an unknown name is an error.
    let out = run(&["user", "disable", "--username", "admin"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("last enabled district_admin"));
    let out = run(&["user", "disable", "--username", "nobody"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named nobody"));
    assert!(run(&["user", "enable", "--username", "obs.one"])
        .status
        .success());
    let list = String::from_utf8(run(&["user", "list"]).stdout).unwrap();
    assert!(list.contains("\tobs.one\tobserver\t-\tenabled"), "{list}");
}

fn args(role: &str) -> CreateUser {
    CreateUser {
        username: "user.one".into(),
        role: role.into(),
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: None,
    }
}

#[actix_web::test]
async fn user_create_checks_role_scope_and_password() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    let pw = "a long password";
    assert!(create_user(&mut conn, &args("root"), pw)
        .unwrap_err()
        .contains("--role must be one of"));
    assert!(create_user(&mut conn, &args("observer"), "short")
        .unwrap_err()
        .contains("at least 12"));
    // The policy of the API: not the username, not a common password.
    assert!(
        create_user(&mut conn, &args("observer"), "my user.one login")
            .unwrap_err()
            .contains("username")
    );
    assert!(create_user(&mut conn, &args("observer"), "qwerty123456")
        .unwrap_err()
        .contains("common"));
    let mut a = args("observer");
    a.username = "x".into();
    assert!(create_user(&mut conn, &a, pw)
        .unwrap_err()
        .contains("--username must be 3 to 50"));
    for (role, flag) in [
        ("town_officer", "--town-code"),
        ("cooperative", "--cooperative-id"),
        ("bank_partner", "--bank-code"),
        ("counselor", "--counselor-id"),
    ] {
        assert!(
            create_user(&mut conn, &args(role), pw)
                .unwrap_err()
                .contains(flag),
            "{role}"
        );
    }
    let mut a = args("town_officer");
    a.town_code = Some("999".into());
    assert!(create_user(&mut conn, &a, pw)
        .unwrap_err()
        .contains("--town-code: no such town"));
    let mut a = args("cooperative");
    a.cooperative_id = Some(42);
    assert!(create_user(&mut conn, &a, pw)
        .unwrap_err()
        .contains("--cooperative-id: no such cooperative"));
    let mut a = args("counselor");
    a.counselor_id = Some(42);
    assert!(create_user(&mut conn, &a, pw)
        .unwrap_err()
        .contains("--counselor-id: no such counselor"));
    let mut a = args("town_officer");
    a.town_code = Some(TOWN_A.into());
    let id = create_user(&mut conn, &a, pw).unwrap();
    assert!(id > 0);
    // The account creation is in the audit trail, without the password hash.
    drop(conn);
    let events = app
        .get("/api/v1/audit-events?entity=user", &app.admin())
        .await
        .ok(200);
    assert_eq!(events["items"][0]["after"]["role"], "town_officer");
    assert!(!events.to_string().contains("argon2"));
}

#[test]
fn recount_rebuilds_the_counters() {
    let (_db, url) = TestDb::create();
    assert!(succeeds(&url, "migrate").contains("migrations applied"));
    assert!(succeeds(&url, "recount").contains("recounted: 0 registry keys, 0 member keys"));
}
