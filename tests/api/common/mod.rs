//! The test harness: a fresh database per test (a temp SQLite file, or a new PostgreSQL
//! database under `TEST_DATABASE_URL`), the whole app in-process, and tokens per role.

#![allow(dead_code)]

pub mod fixtures;

pub use fixtures::{coop_body, id_number, member_body, uscc};

use std::rc::Rc;

use actix_http::Request;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use actix_web::web::Bytes;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use coophub::config::Settings;
use coophub::db::{self, DbConn};
use coophub::{build_app, AppState};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

pub const REGION: &str = "500119";
/// 金山镇, the home town of most test cooperatives.
pub const TOWN_A: &str = "500119110";
/// 东城街道, "another town".
pub const TOWN_B: &str = "500119001";
pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
/// The fixed data key farmers' ID numbers are sealed under in tests.
pub const DATA_KEY: [u8; 32] = *b"test-data-key-test-data-key-32b!";

pub fn data_keys() -> coophub::pii::Keyring {
    coophub::pii::Keyring::new(coophub::pii::DataKey::from_bytes(&DATA_KEY), vec![])
}

/// A fresh database that disappears with the test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Makes a fresh database; returns it with its URL.
    pub fn create() -> (TestDb, String) {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(admin_url) => {
                let name = format!("coophub_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL does not answer: {e}"));
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                (TestDb::Postgres { admin_url, name }, url.to_string())
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("coophub.db").to_string_lossy().into_owned();
                (TestDb::Sqlite(dir), path)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub fn settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_string(),
        jwt_secret: SECRET.to_vec(),
        region_code: REGION.to_string(),
        trust_proxy: false,
        webhook_allow_loopback: true,
        revocation_ttl_ms: coophub::auth::revocation::DEFAULT_TTL_MS,
        risk_compensation_share_bp: coophub::config::DEFAULT_RISK_COMPENSATION_SHARE_BP,
        risk_leverage: coophub::config::DEFAULT_RISK_LEVERAGE,
        default_min_dpd: coophub::domain::loan_ageing::DEFAULT_MIN_DPD,
        targets: coophub::config::PilotTargets::default(),
        data_keys: data_keys(),
        integrations: Default::default(),
        write_group: Default::default(),
        // Each TestApp puts its own temp folder here (see `TestApp::with_settings`).
        storage: coophub::storage::StorageConfig::Folder(
            std::env::temp_dir().join("coophub-test-documents"),
        ),
    }
}

type CallFn = Rc<dyn Fn(Request) -> LocalBoxFuture<'static, ServiceResponse<BoxBody>>>;

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts a problem+json answer with this status; returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "not a problem document: {}",
            self.content_type()
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        for key in ["type", "title", "detail"] {
            assert!(p[key].is_string(), "problem lacks {key}: {p}");
        }
        p
    }

    /// Asserts a 422 naming `field`; returns the problem.
    #[track_caller]
    pub fn field_error(&self, field: &str) -> Value {
        let p = self.problem(422);
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .expect("errors[]")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(
            fields.contains(&field),
            "expected an error on {field}, got {fields:?}"
        );
        p
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

pub struct TestApp {
    pub state: AppState,
    call: CallFn,
    pub db: TestDb,
    /// The database's URL (for the binary's commands).
    pub url: String,
    /// This test's own document store (a temp folder, removed with the test).
    pub storage: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_settings(|_| {}).await
    }

    /// A test app whose settings are changed by `change` first.
    pub async fn with_settings(change: impl FnOnce(&mut Settings)) -> TestApp {
        let (db, url) = TestDb::create();
        let pool = db::connect_and_migrate(&url).expect("migrate test database");
        let storage = tempfile::tempdir().expect("temp storage dir");
        let mut s = settings(&url);
        s.storage = coophub::storage::StorageConfig::Folder(storage.path().join("documents"));
        change(&mut s);
        let state = AppState::new(pool, s).expect("the document store opens");
        let svc = Rc::new(actix_web::test::init_service(build_app(state.clone())).await);
        let call: CallFn = Rc::new(move |req| {
            let svc = svc.clone();
            Box::pin(async move {
                match svc.call(req).await {
                    Ok(res) => res.map_body(|_, b| b.boxed()),
                    Err(e) => panic!("service error escaped the error handlers: {e}"),
                }
            })
        });
        TestApp {
            state,
            call,
            db,
            url,
            storage,
        }
    }

    /// A pooled connection; `&mut *app.conn()` is the `DbConn` Diesel's methods take.
    pub fn conn(&self) -> TestConn {
        TestConn(self.state.pool.get().expect("pool"))
    }

    pub fn token(&self, role: Role) -> String {
        let subject = match role {
            Role::TownOfficer => Subject {
                town_code: Some(TOWN_A.into()),
                ..Default::default()
            },
            Role::BankPartner => Subject {
                bank_code: Some("psbc".into()),
                ..Default::default()
            },
            Role::Cooperative => Subject {
                cooperative_id: Some(1),
                ..Default::default()
            },
            Role::Counselor => Subject {
                counselor_id: Some(1),
                ..Default::default()
            },
            _ => Subject::default(),
        };
        self.token_for(role, subject)
    }

    pub fn token_for(&self, role: Role, mut subject: Subject) -> String {
        if subject.sub.is_empty() {
            subject.sub = "1000".into();
        }
        if subject.name.is_empty() {
            subject.name = format!("test-{role}");
        }
        subject.ver = self.subject_version(&subject.sub);
        self.state.jwt.issue(role, subject).expect("token").0
    }

    /// The credentials version of a token's subject; a numeric subject with no user gets a
    /// placeholder account (no scope columns, so no foreign keys), as a real token has one.
    pub fn subject_version(&self, sub: &str) -> i64 {
        use coophub::auth::revocation::{self, SubjectKey};
        let mut conn = self.conn();
        let Some(key) = SubjectKey::parse(sub) else {
            return 0;
        };
        if let SubjectKey::User(id) = key {
            exec(
                &mut conn,
                &format!(
                    "INSERT INTO users (id, username, password_hash, role, disabled, created_at) \
                     VALUES ({id}, 'token-subject-{id}', '!', 'observer', FALSE, CURRENT_TIMESTAMP) \
                     ON CONFLICT DO NOTHING"
                ),
            );
        }
        revocation::load(&mut conn, key)
            .expect("read credentials version")
            .map_or(0, |s| s.version)
    }

    /// The caller a handler would get for `token`, for calling services without HTTP.
    pub fn caller(&self, token: &str) -> coophub::auth::Caller {
        let claims = self.state.jwt.decode(token).expect("a token of this app");
        coophub::auth::Caller::new(claims, Some("test".into()))
    }

    /// Runs `f` in one write transaction, as a handler's `db_write` does.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> coophub::error::ApiResult<T>,
    ) -> coophub::error::ApiResult<T> {
        let mut conn = self.conn();
        db::write_tx(&mut conn, f)
    }

    pub fn admin(&self) -> String {
        self.token(Role::DistrictAdmin)
    }

    pub async fn request(&self, req: TestRequest) -> Resp {
        let res = (self.call)(req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let body = actix_web::body::to_bytes(res.into_body())
            .await
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = TestRequest::default().method(method).uri(path);
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.request(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(token), Some(body))
            .await
    }
}

/// Runs raw SQL on the test database (for setting up odd states).
/// A connection of the test's pool, as the `DbConn` inside it.
pub struct TestConn(db::PooledConn);

impl std::ops::Deref for TestConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.0
    }
}

impl std::ops::DerefMut for TestConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.0
    }
}

pub fn exec(conn: &mut DbConn, sql: &str) {
    conn.batch_execute(sql).expect("sql");
}

impl TestApp {
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    /// A PATCH carrying `If-Match: if_match` (sent as given, malformed values included).
    pub async fn patch_if_match(
        &self,
        path: &str,
        token: &str,
        if_match: &str,
        body: Value,
    ) -> Resp {
        self.request(
            TestRequest::patch()
                .uri(path)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header(("If-Match", if_match))
                .set_json(body),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.send(Method::DELETE, path, Some(token), None).await
    }
}
