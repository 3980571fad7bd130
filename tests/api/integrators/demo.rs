//! `serve --dev` on an empty database: the demo data and a development admin at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::TestDb;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    fn start(dir: &std::path::Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coophub"));
        cmd.arg("serve")
            .args(args)
            .current_dir(dir)
            .env("COOPHUB_DATABASE_URL", url)
            .env_remove("COOPHUB_JWT_SECRET")
            .env_remove("COOPHUB_DATA_KEY")
            .env_remove("COOPHUB_METRICS")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run coophub serve");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads stdout up to the line that starts with `prefix` (the server prints it once ready).
    fn wait_for(&mut self, prefix: &str) {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(180)) {
                Ok(line) => {
                    let done = line.trim_start().starts_with(prefix);
                    self.seen.push(line);
                    if done {
                        return;
                    }
                }
                Err(e) => panic!("no {prefix:?} line ({e}); saw {:?}", self.seen),
            }
        }
    }

    fn value(&self, key: &str) -> Option<String> {
        self.seen.iter().find_map(|l| {
            l.trim()
                .strip_prefix(key)
                .map(|v| v.trim_start_matches(':').trim().to_string())
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange; returns the status and the body. Retries while the port opens.
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = None;
    for _ in 0..100 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            stream = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut s = stream.expect("the server listens");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text[9..12].parse().unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    // A chunked body: join the chunks.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        rest.to_string()
    };
    (status, body)
}

#[test]
fn serve_dev_on_an_empty_database_seeds_the_demo_and_prints_an_admin_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, url) = TestDb::create();
    let (port, metrics_port) = (free_port(), free_port());
    let bind = format!("127.0.0.1:{port}");
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let args = ["--dev", "--bind", &bind, "--metrics-bind", &metrics_bind];

    let mut first = Server::start(dir.path(), &url, &args, &[]);
    first.wait_for("coophub is listening");
    assert_eq!(first.value("username").as_deref(), Some("admin"));
    let password = first.value("password").expect("the password is printed");
    assert_eq!(password.len(), coophub::cli::DEV_PASSWORD_LEN);
    assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));

    // The printed credentials log in, and the demo data is there at once.
    let login = format!("{{\"username\":\"admin\",\"password\":\"{password}\"}}");
    let (status, body) = http(port, "POST", "/api/v1/auth/login", None, Some(&login));
    assert_eq!(status, 200, "{body}");
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = http(
        port,
        "GET",
        "/api/v1/cooperatives?count=true&limit=1",
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let total = serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"]
        .as_i64()
        .unwrap();
    assert!(total > 1000, "{total} cooperatives");
    // The separate metrics listener counted that request; the main one has no /metrics.
    let (status, text) = http(metrics_port, "GET", "/metrics", None, None);
    assert_eq!(status, 200);
    assert!(
        text.contains("coophub_http_requests_total{method=\"GET\",route=\"/api/v1/cooperatives\",status=\"200\"} 1"),
        "{text}"
    );
    assert_eq!(http(port, "GET", "/metrics", None, None).0, 404);
    drop(first);

    // Started again over the same database: nothing is written, no password is shown.
    let mut again = Server::start(dir.path(), &url, &args, &[]);
    again.wait_for("coophub is listening");
    assert_eq!(again.value("password"), None, "{:?}", again.seen);
    let (status, _) = http(port, "POST", "/api/v1/auth/login", None, Some(&login));
    assert_eq!(status, 200, "the first admin's password still works");
}

#[test]
fn serve_without_dev_never_seeds_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, url) = TestDb::create();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let secret = "s".repeat(40);
    let key = "ab".repeat(32);
    let mut server = Server::start(
        dir.path(),
        &url,
        &["--bind", &bind],
        &[("COOPHUB_JWT_SECRET", &secret), ("COOPHUB_DATA_KEY", &key)],
    );
    server.wait_for("coophub is listening");
    assert_eq!(server.value("password"), None, "{:?}", server.seen);
    let login = "{\"username\":\"admin\",\"password\":\"whatever-it-is\"}";
    assert_eq!(
        http(port, "POST", "/api/v1/auth/login", None, Some(login)).0,
        401
    );
    drop(server);
    let mut conn = coophub::db::connect_and_migrate(&url)
        .unwrap()
        .get()
        .unwrap();
    use diesel::prelude::*;
    let n: i64 = coophub::db::schema::cooperatives::table
        .count()
        .get_result(&mut **conn)
        .unwrap();
    assert_eq!(n, 0);
}
