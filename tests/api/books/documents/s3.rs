//! The S3 backend, against a local S3-compatible server (moto, installed from PyPI into
//! `.ci/s3-venv` by `.ci/run` step a, or the venv named by `COOPHUB_S3_VENV`). Without it the
//! test fails under CI (`CI=true`) and is skipped, saying so, elsewhere.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use coophub::storage::StorageConfig;

use super::{form_of, sha256_hex, url, PDF};
use crate::common::{TestApp, TOWN_A};

fn moto_server() -> Option<PathBuf> {
    let venv = std::env::var("COOPHUB_S3_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/s3-venv"));
    let bin = venv.join("bin/moto_server");
    bin.exists().then_some(bin)
}

/// The moto server of one test, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http(port: u16, request: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(request.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

fn start_moto(bin: &PathBuf) -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = http(
            port,
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        .is_ok_and(|r| r.starts_with("HTTP/1."));
        if up {
            return moto;
        }
        assert!(
            Instant::now() < deadline,
            "moto_server did not answer on {port}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[actix_web::test]
async fn documents_go_to_an_s3_bucket() {
    let Some(bin) = moto_server() else {
        let msg = "the S3 test needs moto: python3 -m venv .ci/s3-venv && \
                   .ci/s3-venv/bin/pip install 'moto[server]' (as .ci/run step a does)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    };
    let moto = start_moto(&bin);
    let created = http(
        moto.port,
        "PUT /coophub-archive HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(created.starts_with("HTTP/1.1 200"), "{created}");
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let app = TestApp::with_settings(|s| {
        s.storage = StorageConfig::S3 {
            bucket: "coophub-archive".into(),
            prefix: "nanchuan/docs".into(),
            options: [
                ("aws_endpoint", endpoint.as_str()),
                ("aws_allow_http", "true"),
                ("aws_region", "us-east-1"),
                ("aws_access_key_id", "test"),
                ("aws_secret_access_key", "test"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        };
    })
    .await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let d = app
        .upload(
            c,
            &app.admin(),
            &form_of("章程.pdf", PDF, "charter", "章程", "2026"),
        )
        .await
        .ok(201);
    let again = app.upload_pdf(c, PDF).await;
    assert_eq!(again["sha256"], d["sha256"]);
    let dl = app
        .get(&format!("{}/{}/content", url(c), d["id"]), &app.admin())
        .await;
    assert_eq!(dl.status, 200);
    assert_eq!(&dl.body[..], PDF);
    // The object is in the bucket under the prefix, content-addressed, once.
    let sha = sha256_hex(PDF);
    let listing = http(
        moto.port,
        "GET /coophub-archive?list-type=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let key = format!("<Key>nanchuan/docs/{}/{sha}</Key>", &sha[..2]);
    assert_eq!(listing.matches("<Key>").count(), 1, "{listing}");
    assert!(listing.contains(&key), "{listing}");
    // Over S3's 5 MiB part: stored by a multipart upload from the spooled file, given back
    // whole.
    let mut big = PDF.to_vec();
    big.extend((0..12 * 1024 * 1024).map(|i| (i % 251) as u8));
    let d = app
        .upload(
            c,
            &app.admin(),
            &form_of("big.pdf", &big, "other", "big", ""),
        )
        .await
        .ok(201);
    assert_eq!(d["sha256"], sha256_hex(&big));
    let dl = app
        .get(&format!("{}/{}/content", url(c), d["id"]), &app.admin())
        .await;
    assert_eq!(dl.status, 200);
    assert!(
        dl.body[..] == big[..],
        "the download differs from the upload"
    );
}
