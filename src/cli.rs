//! The command line: `serve`, `migrate`, `openapi`, `seed`, `user create`, `keys rotate`.

use std::io::{BufRead, IsTerminal};

use clap::{Args, Parser, Subcommand, ValueEnum};
use diesel::prelude::*;

use crate::auth::{password, Role};
use crate::config::{self, Settings};
use crate::db::models::audit::{self, Actor};
use crate::db::models::{now, reference, user};
use crate::db::schema::{cooperatives, counselors};
use crate::db::{self, DbConn};

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
    /// Create a user; the password is read from stdin.
    Create(CreateUser),
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

/// Creates a user after checking the role's scope; returns the new user's id.
pub fn create_user(conn: &mut DbConn, args: &CreateUser, pw: &str) -> Result<i64, String> {
    let username = args.username.trim();
    if username.is_empty() || username.len() > 100 {
        return Err("--username must be 1 to 100 characters".into());
    }
    let role = Role::parse(&args.role).ok_or_else(|| {
        format!(
            "--role must be one of: {}",
            Role::ALL.map(|r| r.as_str()).join(", ")
        )
    })?;
    if pw.chars().count() < password::MIN_PASSWORD_LEN {
        return Err(format!(
            "the password must be at least {} characters",
            password::MIN_PASSWORD_LEN
        ));
    }
    let needed = match role {
        Role::TownOfficer if args.town_code.is_none() => Some("--town-code"),
        Role::Cooperative if args.cooperative_id.is_none() => Some("--cooperative-id"),
        Role::BankPartner if args.bank_code.is_none() => Some("--bank-code"),
        Role::Counselor if args.counselor_id.is_none() => Some("--counselor-id"),
        _ => None,
    };
    if let Some(flag) = needed {
        return Err(format!("the role {role} needs {flag}"));
    }
    // Keep only the scope the role uses.
    let town_code = args.town_code.clone().filter(|_| role == Role::TownOfficer);
    let cooperative_id = args.cooperative_id.filter(|_| role == Role::Cooperative);
    let bank_code = args.bank_code.clone().filter(|_| role == Role::BankPartner);
    let counselor_id = args.counselor_id.filter(|_| role == Role::Counselor);
    let err = |e: diesel::result::Error| e.to_string();
    if let Some(t) = &town_code {
        if !reference::town_exists(conn, t).map_err(err)? {
            return Err(format!("no town with code {t}"));
        }
    }
    if let Some(id) = cooperative_id {
        let n: i64 = cooperatives::table
            .filter(cooperatives::id.eq(id))
            .count()
            .get_result(conn)
            .map_err(err)?;
        if n == 0 {
            return Err(format!("no cooperative with id {id}"));
        }
    }
    if let Some(id) = counselor_id {
        let n: i64 = counselors::table
            .filter(counselors::id.eq(id))
            .count()
            .get_result(conn)
            .map_err(err)?;
        if n == 0 {
            return Err(format!("no counselor with id {id}"));
        }
    }
    if user::find_by_username(conn, username)
        .map_err(err)?
        .is_some()
    {
        return Err(format!("a user named {username} exists already"));
    }
    let hash = password::hash(pw)?;
    db::write_tx(conn, |conn| {
        let created = user::insert(
            conn,
            &user::NewUser {
                username: username.to_string(),
                password_hash: hash,
                role,
                town_code,
                cooperative_id,
                bank_code,
                counselor_id,
                disabled: false,
                created_at: now(),
            },
        )?;
        let shown = serde_json::json!({
            "id": created.id, "username": created.username, "role": created.role,
            "town_code": created.town_code, "cooperative_id": created.cooperative_id,
            "bank_code": created.bank_code, "counselor_id": created.counselor_id,
        });
        audit::record(
            conn,
            &Actor::cli(),
            "create",
            "user",
            &created.id.to_string(),
            None::<&()>,
            Some(&shown),
        )?;
        Ok(created.id)
    })
    .map_err(|e: diesel::result::Error| e.to_string())
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

/// `coophub loans age [--on DATE]`.
pub fn age_loans(args: &AgeArgs) -> Result<String, String> {
    let pool = open_database()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let on = args.on.unwrap_or_else(crate::db::models::today);
    let report =
        crate::service::loans::ageing::age_all(&mut conn, on).map_err(|e| e.to_string())?;
    Ok(format!("as of {on}: {report}"))
}
