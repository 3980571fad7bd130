use std::process::ExitCode;

use clap::Parser;
use coophub::cli::{self, Cli, Command, DocumentsCommand, KeysCommand, LoansCommand, LogFormat};
use coophub::{build_app, AppState};
use tracing_subscriber::EnvFilter;

/// mimalloc: a request allocates and frees many small buffers across the I/O and blocking
/// threads, where glibc's malloc spent a sixth of the time of a GET (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns the memory freed so far to the system: after start-up, which builds and drops the
/// OpenAPI document (tens of MB at its peak), and after each worker's routes are built.
fn give_back_freed_memory() {
    // SAFETY: `mi_collect` takes a flag and touches only the allocator's own state; it is
    // meant to be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("coophub: {message}");
    ExitCode::from(2)
}

/// No transparent huge pages for this process: with THP `always` (a common kernel default),
/// mimalloc's aligned arenas are backed by 2 MiB pages and the resident set under load more
/// than doubles (BENCHMARKS.md, P4). The setting holds for the whole process.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let args = Cli::parse();
    match args.command {
        Command::Openapi => {
            print!("{}", coophub::openapi_json());
            ExitCode::SUCCESS
        }
        Command::Migrate => {
            init_logging(args.log_format);
            match cli::open_database() {
                Ok(_) => {
                    println!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Keys {
            command: KeysCommand::Rotate(rotate),
        } => {
            init_logging(args.log_format);
            match cli::rotate_keys(&rotate) {
                Ok(done) => {
                    println!("{done}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Recount => {
            init_logging(args.log_format);
            match cli::recount() {
                Ok(done) => {
                    println!("{done}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Loans {
            command: LoansCommand::Age(age),
        } => {
            init_logging(args.log_format);
            match cli::age_loans(&age) {
                Ok(done) => {
                    println!("{done}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Documents {
            command: DocumentsCommand::Sweep(sweep),
        } => {
            init_logging(args.log_format);
            match cli::sweep_documents(&sweep) {
                Ok(lines) => {
                    for line in lines {
                        println!("{line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Seed(seed) => {
            let region = match coophub::config::region_code_from_env() {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            // Demo members are sealed like any others: under COOPHUB_DATA_KEY, or the
            // development key `serve --dev` uses.
            match cli::data_keys(true) {
                Ok(keys) => coophub::pii::install(&keys),
                Err(e) => return fail(e),
            }
            let pool = match cli::open_database() {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let started = std::time::Instant::now();
            let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
            // The demo documents go to the configured store (COOPHUB_STORAGE).
            let store = match coophub::storage::StorageConfig::parse(
                &std::env::var(coophub::config::ENV_STORAGE).unwrap_or_default(),
            )
            .and_then(|c| coophub::storage::DocumentStore::open(&c))
            {
                Ok(s) => s,
                Err(e) => return fail(format!("{}: {e}", coophub::config::ENV_STORAGE)),
            };
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                let s = coophub::seed::demo(&mut conn, seed.seed, show, &region)?;
                let docs = coophub::seed::documents::demo(&mut conn, &store)?;
                Ok((s, docs))
            });
            match result {
                Ok((s, docs)) => {
                    println!(
                        "demo data written in {:.1} s: {} cooperatives, {} members, {} annual reports, {} on the abnormal list, {} loans, {} documents (seed {})",
                        started.elapsed().as_secs_f64(),
                        s.cooperatives,
                        s.members,
                        s.annual_reports,
                        s.abnormal,
                        s.loans,
                        docs,
                        seed.seed
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::User { command } => match cli::user_command(command) {
            Ok(lines) => {
                for l in lines {
                    println!("{l}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Command::Serve(serve) => {
            init_logging(args.log_format);
            let settings = match cli::settings(serve.dev) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let pool = match coophub::db::connect_and_migrate(&settings.database_url) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            // A database from before sealing: seal its plain ID numbers before serving.
            let sealed = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                coophub::service::members::seal_plain(
                    &mut conn,
                    &settings.data_keys,
                    coophub::service::members::KEY_BATCH,
                )
                .map_err(coophub::service::members::sealing_error)
            });
            match sealed {
                Ok(0) => {}
                Ok(n) => tracing::info!(sealed = n, "plain ID numbers sealed"),
                Err(e) => return fail(format!("cannot seal the stored ID numbers: {e}")),
            }
            if serve.dev {
                coophub::pii::install(&settings.data_keys);
                let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let demo = pool
                    .get()
                    .map_err(|e| e.to_string())
                    .and_then(|mut conn| cli::dev_demo(&mut conn, &settings, show));
                match demo {
                    Ok(Some(d)) => {
                        println!(
                            "empty database: demo data written ({} cooperatives, {} members, {} loans)",
                            d.summary.cooperatives, d.summary.members, d.summary.loans
                        );
                        println!("development admin (the password is shown this once only):");
                        println!("  username:     {}", d.username);
                        println!("  password:     {}", d.password);
                    }
                    Ok(None) => {}
                    Err(e) => return fail(format!("cannot write the demo data: {e}")),
                }
            }
            let state = match AppState::new(pool, settings) {
                Ok(state) => state,
                Err(e) => return fail(e.to_string()),
            };
            match run_server(state, &serve) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
    }
}

fn run_server(state: AppState, serve: &cli::ServeArgs) -> std::io::Result<()> {
    let bind = serve.bind.clone();
    let workers = serve.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    // Each worker's blocking pool, where every database call runs (`web::block`), is sized to
    // the connection pool unless told otherwise (BENCHMARKS.md). On SQLite, the worker's share
    // of it: more threads only wait on the pool for a connection, and waking and parking them
    // cost an authenticated GET more than its queries do. On PostgreSQL, where a call waits on
    // the network, every connection: a worker may use them all.
    let connections = state.pool.max_size() as usize;
    let blocking_threads = serve.blocking_threads.map(usize::from).unwrap_or_else(|| {
        if coophub::db::is_postgres_url(&state.settings.database_url) {
            connections
        } else {
            connections.div_ceil(workers.max(1)).max(2)
        }
    });
    let backend = if coophub::db::is_postgres_url(&state.settings.database_url) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    tracing::info!(%bind, backend, workers, blocking_threads, "coophub listening");
    println!("coophub is listening on http://{bind}");
    println!("  Swagger UI:   http://{bind}/swagger-ui/");
    println!("  OpenAPI:      http://{bind}/api-docs/openapi.json");
    println!("  log in:       POST http://{bind}/api/v1/auth/login {{\"username\",\"password\"}}");
    println!(
        "  more users:   echo 'a-long-password' | coophub user create --username NAME --role ROLE"
    );
    coophub::app::prepare();
    give_back_freed_memory();
    actix_web::rt::System::new().block_on(async move {
        // Delivers the webhook outbox in the background; never blocks a request.
        coophub::webhooks::Worker {
            allow_loopback: state.settings.webhook_allow_loopback,
            ..coophub::webhooks::Worker::new(state.pool.clone())
        }
        .spawn();
        // Ages the loan book once a day (days past due, classification, overdue/cured).
        coophub::service::loans::ageing::spawn_daily(state.pool.clone());
        let metrics = match &serve.metrics_bind {
            Some(addr) => {
                let state = state.clone();
                let server = actix_web::HttpServer::new(move || {
                    coophub::metrics::metrics_only_app(state.clone())
                })
                .workers(1)
                .shutdown_timeout(5)
                .bind(addr)?
                .run();
                println!("  metrics:      http://{addr}/metrics");
                Some(server)
            }
            None => None,
        };
        if state.settings.integrations.metrics_on_main {
            println!("  metrics:      http://{bind}/metrics");
        }
        let main = actix_web::HttpServer::new(move || {
            let app = build_app(state.clone());
            give_back_freed_memory();
            app
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        // SIGTERM/SIGINT: stop accepting, let requests in flight finish.
        .shutdown_timeout(30)
        .bind(&bind)?
        .run();
        match metrics {
            Some(metrics) => futures_util::future::try_join(main, metrics)
                .await
                .map(|_| ()),
            None => main.await,
        }
    })
}
