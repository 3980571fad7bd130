//! The command line: `serve`, `migrate`, `openapi`, `seed`, `user create|disable|enable|list`,
//! `keys rotate`, `loans age`, `documents sweep`.

use std::io::{BufRead, IsTerminal};

use clap::{Args, Parser, Subcommand, ValueEnum};

use diesel::prelude::*;

use crate::auth::{password, Role};
use crate::config::{self, Settings};
use crate::db::models::audit::Actor;
use crate::db::models::user::{self, UserFilter, UserScope};
use crate::db::schema::cooperatives;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::service::{users, Problems};
use crate::views::validators;

#[derive(Parser, Debug)]
#[command(
    name = "coophub",
    version,
    about = "The farmers' cooperative pilot API"
)]
pub struct Cli {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database, then serve the API.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document (JSON) on stdout.
    Openapi,
    /// Load data: `--demo` writes the Nanchuan-sized demonstration data set.
    Seed(SeedArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the data key farmers' ID numbers are sealed under.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The loan book's batch jobs.
    Loans {
        #[command(subcommand)]
        command: LoansCommand,
    },
    /// The document store's upkeep.
    Documents {
        #[command(subcommand)]
        command: DocumentsCommand,
    },
    /// Rebuild the counters triggers keep (registry_tallies, member_tallies) from the rows,
    /// after changes made with the triggers disabled.
    Recount,
}

#[derive(Subcommand, Debug)]
pub enum DocumentsCommand {
    /// Delete the stored objects no document row references (in `COOPHUB_STORAGE`), once
    /// older than the age guard; prints each one and a summary.
    Sweep(SweepArgs),
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// List what would be deleted, delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Keep objects changed less than this many minutes ago (uploads on their way to
    /// their row).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(i64).range(1..=525_600))]
    pub min_age_minutes: i64,
}

#[derive(Subcommand, Debug)]
pub enum LoansCommand {
    /// Age every loan as of a day (default today): days past due, classification, overdue
    /// and cured loans, with their events (what `serve` does daily).
    Age(AgeArgs),
}

#[derive(Args, Debug)]
pub struct AgeArgs {
    /// The day to age as of (YYYY-MM-DD, default today).
    #[arg(long)]
    pub on: Option<chrono::NaiveDate>,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Re-seal every ID number under COOPHUB_DATA_KEY (the new key), opening the old values
    /// with COOPHUB_DATA_KEY_PREVIOUS; in batches, and resumable: run it again after a crash.
    Rotate(RotateArgs),
}

#[derive(Args, Debug)]
pub struct RotateArgs {
    /// Members per batch (one transaction each).
    #[arg(long, default_value_t = crate::service::members::KEY_BATCH, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub batch: i64,
    /// Stop after this many batches (the rest is done by running it again).
    #[arg(long)]
    pub max_batches: Option<usize>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = config::DEFAULT_BIND)]
    pub bind: String,
    /// Development mode: without COOPHUB_JWT_SECRET or COOPHUB_DATA_KEY, make a secret and a
    /// data key and keep them in the data folder.
    #[arg(long)]
    pub dev: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Threads of each worker's blocking pool, where database calls, password hashing and
    /// file spooling run (default: on SQLite the worker's share of the database connections,
    /// at least 2; on PostgreSQL all of them). Raise it when slow blocking work (webhook DNS
    /// lookups, many logins at once) holds up reads.
    #[arg(long, env = "COOPHUB_BLOCKING_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub blocking_threads: Option<u16>,
    /// Serve `GET /metrics` (Prometheus text format) on this address, a listener of its own
    /// (for example 127.0.0.1:9090). `COOPHUB_METRICS=1` serves it on the main listener instead.
    #[arg(long, value_name = "ADDR")]
    pub metrics_bind: Option<String>,
}

#[derive(Args, Debug)]
pub struct SeedArgs {
    /// The demonstration data set (the only one there is).
    #[arg(long, required = true)]
    pub demo: bool,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = crate::seed::DEFAULT_SEED)]
    pub seed: u64,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from stdin (at least 12 characters, not containing
    /// the username, not one of the 10,000 most common).
    Create(CreateUser),
    /// Disable a user: every token it holds is refused from now on.
    Disable(UserName),
    /// Enable a disabled user again (it logs in anew).
    Enable(UserName),
    /// List the users: id, username, role, scope, enabled or disabled.
    List,
}

#[derive(Args, Debug, Clone)]
pub struct UserName {
    #[arg(long)]
    pub username: String,
}

#[derive(Args, Debug, Clone)]
pub struct CreateUser {
    #[arg(long)]
    pub username: String,
    /// district_admin, town_officer, counselor, cooperative, bank_partner, service_center or observer.
    #[arg(long)]
    pub role: String,
    /// The town of a town_officer.
    #[arg(long)]
    pub town_code: Option<String>,
    /// The cooperative of a cooperative account.
    #[arg(long)]
    pub cooperative_id: Option<i64>,
    /// The bank of a bank_partner user.
    #[arg(long)]
    pub bank_code: Option<String>,
    /// The counselor record of a counselor (their covered towns are the scope).
    #[arg(long)]
    pub counselor_id: Option<i64>,
}

/// Reads the password: one line from stdin, or a hidden prompt on a terminal.
pub fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    let pw = if stdin.is_terminal() {
        rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    Ok(pw)
}

/// Runs a `user` subcommand; answers the lines to print.
pub fn user_command(command: UserCommand) -> Result<Vec<String>, String> {
    let pool = open_database()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    match command {
        UserCommand::Create(create) => {
            let pw = read_password().map_err(|e| format!("cannot read the password: {e}"))?;
            let id = create_user(&mut conn, &create, &pw)?;
            Ok(vec![format!(
                "created user {} (id {id}, role {})",
                create.username, create.role
            )])
        }
        UserCommand::Disable(who) => set_user_disabled(&mut conn, &who.username, true)
            .map(|()| vec![format!("disabled user {}", who.username)]),
        UserCommand::Enable(who) => set_user_disabled(&mut conn, &who.username, false)
            .map(|()| vec![format!("enabled user {}", who.username)]),
        UserCommand::List => list_users(&mut conn),
    }
}

/// Creates a user by the rules of `POST /users` (scope, password policy); returns its id.
pub fn create_user(conn: &mut DbConn, args: &CreateUser, pw: &str) -> Result<i64, String> {
    let username = args.username.trim();
    if !(3..=50).contains(&username.len()) || validators::username(username).is_err() {
        return Err("--username must be 3 to 50 letters, digits, '.', '_' or '-'".into());
    }
    let role = Role::parse(&args.role).ok_or_else(|| {
        format!(
            "--role must be one of: {}",
            Role::ALL.map(|r| r.as_str()).join(", ")
        )
    })?;
    if let Some(refusal) = password::policy_refusal(username, pw) {
        return Err(format!("the password {refusal}"));
    }
    let scope = UserScope {
        role,
        town_code: args.town_code.clone(),
        cooperative_id: args.cooperative_id,
        bank_code: args.bank_code.clone(),
        counselor_id: args.counselor_id,
    };
    let mut problems = Problems::default();
    users::check_scope(conn, &scope, None, &mut problems).map_err(cli_error)?;
    problems.finish().map_err(cli_error)?;
    let hash = password::hash(pw)?;
    db::write_tx(conn, |conn| {
        users::insert_account(conn, &Actor::cli(), username, scope, hash, false)
    })
    .map(|u| u.id)
    .map_err(cli_error)
}

/// `user disable` / `user enable`: the same rules as `PATCH /users/{id}` (the last enabled
/// district admin stays); every token of the user is refused within the revocation cache's
/// lifetime (5 s by default) on every running instance.
pub fn set_user_disabled(conn: &mut DbConn, username: &str, disabled: bool) -> Result<(), String> {
    db::write_tx(conn, |conn| {
        users::set_disabled_by_name(conn, &Actor::cli(), username, disabled)
    })
    .map(|_| ())
    .map_err(|e| match e {
        ApiError::NotFound => format!("no user named {username}"),
        e => cli_error(e),
    })
}

/// `user list`: one line per user, tab-separated (id, username, role, scope, disabled).
pub fn list_users(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page =
            user::list(conn, &UserFilter::default(), after, 500).map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for u in &page {
            let scope = match (&u.town_code, u.cooperative_id, &u.bank_code, u.counselor_id) {
                (Some(t), ..) => format!("town {t}"),
                (_, Some(c), ..) => format!("cooperative {c}"),
                (_, _, Some(b), _) => format!("bank {b}"),
                (.., Some(c)) => format!("counselor {c}"),
                _ => "-".into(),
            };
            let state = if u.disabled { "disabled" } else { "enabled" };
            out.push(format!(
                "{}\t{}\t{}\t{scope}\t{state}",
                u.id, u.username, u.role
            ));
        }
    }
    Ok(out)
}

/// A service error as one line for the terminal.
fn cli_error(e: ApiError) -> String {
    match e {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|f| format!("--{}: {}", f.field.replace('_', "-"), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    }
}

/// Opens the database named by the environment and migrates it.
pub fn open_database() -> Result<db::Pool, String> {
    db::connect_and_migrate(&config::database_url_from_env())
}

pub fn settings(dev: bool) -> Result<Settings, String> {
    Settings::from_env(dev).map_err(|e| e.to_string())
}

/// The data keys for a command other than `serve`: `COOPHUB_DATA_KEY` (and previous ones),
/// or with `dev` the development key kept in the data folder.
pub fn data_keys(dev: bool) -> Result<crate::pii::Keyring, String> {
    config::data_keys(dev, &config::database_url_from_env()).map_err(|e| e.to_string())
}

/// `coophub keys rotate`: opens the database and re-seals every ID number under the current key.
pub fn rotate_keys(args: &RotateArgs) -> Result<String, String> {
    let keys = data_keys(false)?;
    crate::pii::install(&keys);
    let pool = open_database()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let report = crate::service::members::rotate(&mut conn, &keys, args.batch, args.max_batches)
        .map_err(crate::service::members::sealing_error)?;
    let id = keys.current().id();
    Ok(if report.finished {
        format!(
            "every ID number is sealed under key {id} ({} re-sealed, {} plain values sealed); \
             {} may be unset now",
            report.resealed,
            report.sealed_plain,
            config::ENV_DATA_KEY_PREVIOUS
        )
    } else {
        format!(
            "stopped after {} re-sealed under key {id}; run `coophub keys rotate` again to go on",
            report.resealed
        )
    })
}

/// The development admin `serve --dev` makes on an empty database.
pub const DEV_ADMIN: &str = "admin";
/// Length of its generated password (letters and digits: about 119 bits).
pub const DEV_PASSWORD_LEN: usize = 20;

/// What `serve --dev` did to an empty database.
#[derive(Debug)]
pub struct DevDemo {
    pub summary: crate::seed::SeedSummary,
    pub username: String,
    /// Shown once on the terminal; only its hash is stored.
    pub password: String,
}

/// `serve --dev` on an empty database (no cooperative, no user): writes the demo data and
/// makes a development district admin with a generated password. A database that holds
/// anything is left as it is (`None`). Never called without `--dev`.
pub fn dev_demo(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    show_progress: bool,
) -> Result<Option<DevDemo>, String> {
    let region = settings.region_code.as_str();
    let err = |e: diesel::result::Error| e.to_string();
    let coops: i64 = cooperatives::table.count().get_result(conn).map_err(err)?;
    let users: i64 = crate::db::schema::users::table
        .count()
        .get_result(conn)
        .map_err(err)?;
    if coops > 0 || users > 0 {
        return Ok(None);
    }
    let summary = crate::seed::demo(conn, crate::seed::DEFAULT_SEED, show_progress, region)?;
    let store = crate::storage::DocumentStore::open(&settings.storage)?;
    crate::seed::documents::demo(conn, &store)?;
    use rand::distributions::{Alphanumeric, DistString};
    let password = Alphanumeric.sample_string(&mut rand::rngs::OsRng, DEV_PASSWORD_LEN);
    let admin = CreateUser {
        username: DEV_ADMIN.into(),
        role: Role::DistrictAdmin.as_str().into(),
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: None,
    };
    create_user(conn, &admin, &password)?;
    Ok(Some(DevDemo {
        summary,
        username: DEV_ADMIN.into(),
        password,
    }))
}

/// `coophub loans age [--on DATE]`.
pub fn age_loans(args: &AgeArgs) -> Result<String, String> {
    let pool = open_database()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let on = args.on.unwrap_or_else(crate::db::models::today);
    let report =
        crate::service::loans::ageing::age_all(&mut conn, on).map_err(|e| e.to_string())?;
    Ok(format!("as of {on}: {report}"))
}

/// `recount`: rebuilds the counters the triggers keep; one line saying how many keys.
pub fn recount() -> Result<String, String> {
    let pool = open_database()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let done = crate::db::models::tallies::recount(&mut conn).map_err(|e| e.to_string())?;
    Ok(format!(
        "recounted: {} registry keys, {} member keys",
        done.registry_keys, done.member_keys
    ))
}

/// `documents sweep`: the store of `COOPHUB_STORAGE` against the database's rows; one line
/// per orphan (`<sha256> <bytes>`) and the summary.
pub fn sweep_documents(args: &SweepArgs) -> Result<Vec<String>, String> {
    let storage = crate::storage::StorageConfig::parse(
        &std::env::var(config::ENV_STORAGE).unwrap_or_default(),
    )?;
    let store = crate::storage::DocumentStore::open(&storage)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let pool = open_database()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let swept = crate::service::books::sweep::sweep(
        &mut conn,
        &store,
        &rt,
        chrono::Utc::now(),
        chrono::Duration::minutes(args.min_age_minutes),
        args.dry_run,
    )
    .map_err(cli_error)?;
    let mut lines: Vec<String> = swept
        .orphans
        .iter()
        .map(|o| format!("{} {}", o.sha256, o.size))
        .collect();
    lines.push(swept.to_string());
    Ok(lines)
}
