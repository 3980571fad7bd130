//! Settings from the environment and command-line flags.

use std::path::{Path, PathBuf};

/// Environment variable names, shared by the CLI, the README and docker-compose.yml.
pub const ENV_DATABASE_URL: &str = "COOPHUB_DATABASE_URL";
pub const ENV_JWT_SECRET: &str = "COOPHUB_JWT_SECRET";
pub const ENV_REGION_CODE: &str = "COOPHUB_REGION_CODE";
pub const ENV_WEBHOOK_ALLOW_LOOPBACK: &str = "COOPHUB_WEBHOOK_ALLOW_LOOPBACK";
pub const ENV_TRUST_PROXY: &str = "COOPHUB_TRUST_PROXY";
pub const ENV_REVOCATION_TTL_MS: &str = "COOPHUB_REVOCATION_TTL_MS";
pub const ENV_RISK_COMPENSATION_SHARE_BP: &str = "COOPHUB_RISK_COMPENSATION_SHARE_BP";
pub const ENV_RISK_LEVERAGE: &str = "COOPHUB_RISK_LEVERAGE";
/// Days past due from which a loan may be declared in default (default 90).
pub const ENV_DEFAULT_MIN_DPD: &str = "COOPHUB_DEFAULT_MIN_DPD";
pub const ENV_TARGET_DEMONSTRATION_TOTAL: &str = "COOPHUB_TARGET_DEMONSTRATION_TOTAL";
pub const ENV_TARGET_DEMONSTRATION_PER_YEAR: &str = "COOPHUB_TARGET_DEMONSTRATION_PER_YEAR";
/// The district's rural households, the denominator of household participation (none: `null`).
pub const ENV_RURAL_HOUSEHOLDS: &str = "COOPHUB_RURAL_HOUSEHOLDS";
/// The key farmers' ID numbers are sealed under (32 bytes, hex or base64).
pub const ENV_DATA_KEY: &str = "COOPHUB_DATA_KEY";
/// Browser origins allowed to call the API (CORS), comma-separated; none by default.
pub const ENV_CORS_ORIGINS: &str = "COOPHUB_CORS_ORIGINS";
/// `1`: serve `GET /metrics` on the main listener (otherwise only on `--metrics-bind`).
pub const ENV_METRICS: &str = "COOPHUB_METRICS";
/// During a key rotation: the keys being replaced, comma-separated; they still open values.
pub const ENV_DATA_KEY_PREVIOUS: &str = "COOPHUB_DATA_KEY_PREVIOUS";
/// Where the archive's documents are kept: a folder (default `./data/documents`) or
/// `s3://bucket/prefix`.
pub const ENV_STORAGE: &str = "COOPHUB_STORAGE";
/// The most changes the SQLite writer commits together.
pub const ENV_WRITE_GROUP_MAX: &str = "COOPHUB_WRITE_GROUP_MAX";
/// How long (ms) a group of SQLite changes keeps taking more.
pub const ENV_WRITE_GROUP_MS: &str = "COOPHUB_WRITE_GROUP_MS";

/// Share of a defaulted loan's outstanding principal the fund compensates (basis points).
pub const DEFAULT_RISK_COMPENSATION_SHARE_BP: i64 = 8000;
/// A bank may lend at most this multiple of the fund's balance under its guarantee.
pub const DEFAULT_RISK_LEVERAGE: i64 = 10;

pub const DEFAULT_DATABASE_URL: &str = "./data/coophub.db";
pub const DEFAULT_REGION_CODE: &str = "500119";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Minimum length of the HS256 secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
/// Issuer and audience written into and required from every token.
pub const JWT_ISSUER: &str = "coophub";
pub const JWT_AUDIENCE: &str = "coophub-api";
/// Token lifetime in seconds (the contract caps it at one hour).
pub const TOKEN_TTL_SECS: i64 = 3600;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{ENV_JWT_SECRET} is not set. Set it to at least {MIN_SECRET_LEN} random bytes \
         (for example: export {ENV_JWT_SECRET}=$(openssl rand -hex 32)), \
         or run `coophub serve --dev` for a development secret kept in the data folder"
    )]
    MissingSecret,
    #[error("{ENV_JWT_SECRET} is {0} bytes long; it must be at least {MIN_SECRET_LEN} bytes")]
    ShortSecret(usize),
    #[error("{ENV_REGION_CODE} must be a 6-digit GB/T 2260 division code, got {0:?}")]
    BadRegion(String),
    #[error("{0} must be {1}, got {2:?}")]
    BadNumber(&'static str, &'static str, String),
    #[error(
        "{ENV_DATA_KEY} is not set. Farmers' ID numbers are sealed under it: set it to 32 random \
         bytes (for example: export {ENV_DATA_KEY}=$(openssl rand -hex 32)) and keep it apart \
         from the database and its backups, or run `coophub serve --dev` for a development key \
         kept in the data folder"
    )]
    MissingDataKey,
    #[error("{0} is not a data key: {1}")]
    BadDataKey(&'static str, crate::pii::KeyError),
    #[error(
        "{ENV_CORS_ORIGINS} must list origins such as https://front.example.org (scheme, host, \
         optional port; no path), got {0:?}"
    )]
    BadOrigin(String),
    #[error("{ENV_STORAGE}: {0}")]
    Storage(String),
    #[error("cannot start the SQLite writer thread: {0}")]
    Writer(std::io::Error),
    #[error("cannot keep the development secret in {path}: {source}")]
    DevSecret {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Everything the running service needs to know.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub jwt_secret: Vec<u8>,
    pub region_code: String,
    /// Take the client address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_proxy: bool,
    pub webhook_allow_loopback: bool,
    /// How long an instance trusts its cached credentials versions (ms, default 5000): another
    /// instance's rotation or disabling takes effect here within this time.
    pub revocation_ttl_ms: u64,
    /// Share of outstanding principal paid by a compensation, in basis points (default 8000).
    pub risk_compensation_share_bp: i64,
    /// Lending cap under the fund's guarantee = leverage × balance (default 10).
    pub risk_leverage: i64,
    /// Days past due from which a loan may be declared in default (default 90).
    pub default_min_dpd: i64,
    /// The pilot's targets (the plan's numbers by default).
    pub targets: PilotTargets,
    /// The data key that seals farmers' ID numbers, and any previous ones (shown by id only).
    pub data_keys: crate::pii::Keyring,
    /// What browser front ends, monitoring and other integrators are offered.
    pub integrations: Integrations,
    /// Where the archive's documents are kept (`COOPHUB_STORAGE`).
    pub storage: crate::storage::StorageConfig,
    /// When the SQLite writer's group of changes stops taking more (`COOPHUB_WRITE_GROUP_MAX`,
    /// `COOPHUB_WRITE_GROUP_MS`); unused on PostgreSQL.
    pub write_group: crate::writer::Limits,
}

/// Settings for integrators: CORS origins and the metrics endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Integrations {
    /// Origins (`scheme://host[:port]`) a browser front end may call from; empty: no CORS.
    pub cors_origins: Vec<String>,
    /// Serve `GET /metrics` on the main listener.
    pub metrics_on_main: bool,
}

impl Integrations {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Integrations {
            cors_origins: parse_origins(&std::env::var(ENV_CORS_ORIGINS).unwrap_or_default())?,
            metrics_on_main: env_flag(ENV_METRICS),
        })
    }
}

/// `COOPHUB_CORS_ORIGINS`: comma-separated origins, each `http(s)://host[:port]` with no path.
pub fn parse_origins(text: &str) -> Result<Vec<String>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let origin = o.trim_end_matches('/');
            let parsed = url::Url::parse(origin).ok();
            let plain = parsed.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some()
                    && u.path() == "/"
                    && u.query().is_none()
                    && u.username().is_empty()
            });
            if plain {
                Ok(origin.to_string())
            } else {
                Err(ConfigError::BadOrigin(o.to_string()))
            }
        })
        .collect()
}

/// The pilot's targets the dashboard measures against (MISSION.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PilotTargets {
    /// District-level-or-higher demonstration cooperatives (≥ 100).
    pub demonstration_total: i64,
    /// New demonstration cooperatives each year (≥ 7).
    pub demonstration_per_year: i64,
    /// The district's rural households (`COOPHUB_RURAL_HOUSEHOLDS`), the denominator of
    /// household participation; `None`: not configured, the rate is `null`.
    pub rural_households: Option<i64>,
}

impl Default for PilotTargets {
    fn default() -> Self {
        PilotTargets {
            demonstration_total: 100,
            demonstration_per_year: 7,
            rural_households: None,
        }
    }
}

/// An integer setting from the environment within `range`, or its default.
pub fn env_int(
    name: &'static str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    what: &'static str,
) -> Result<i64, ConfigError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ConfigError::BadNumber(name, what, v)),
        },
        _ => Ok(default),
    }
}

fn env_flag(name: &str) -> bool {
    matches!(
        std::env::var(name).as_deref(),
        Ok("1") | Ok("true") | Ok("yes")
    )
}

pub fn database_url_from_env() -> String {
    std::env::var(ENV_DATABASE_URL)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
}

pub fn region_code_from_env() -> Result<String, ConfigError> {
    let code = std::env::var(ENV_REGION_CODE).unwrap_or_else(|_| DEFAULT_REGION_CODE.into());
    validate_region(&code)?;
    Ok(code)
}

pub fn validate_region(code: &str) -> Result<(), ConfigError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ConfigError::BadRegion(code.to_string()))
    }
}

/// Checks a secret given by the operator.
pub fn check_secret(secret: &str) -> Result<Vec<u8>, ConfigError> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(ConfigError::ShortSecret(secret.len()));
    }
    Ok(secret.as_bytes().to_vec())
}

/// The folder that holds the SQLite file and the development secret.
pub fn data_dir(database_url: &str) -> PathBuf {
    if crate::db::is_postgres_url(database_url) {
        return PathBuf::from("./data");
    }
    Path::new(database_url)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The secret from the environment; with `dev`, one made once and kept in the data folder.
pub fn jwt_secret(dev: bool, database_url: &str) -> Result<Vec<u8>, ConfigError> {
    match std::env::var(ENV_JWT_SECRET) {
        Ok(s) if !s.is_empty() => check_secret(&s),
        _ if dev => dev_secret(&data_dir(database_url).join(".jwt_secret")),
        _ => Err(ConfigError::MissingSecret),
    }
}

/// The data keys from the environment; with `dev`, a key made once and kept in the data
/// folder (mode 0600) when `COOPHUB_DATA_KEY` is not set.
pub fn data_keys(dev: bool, database_url: &str) -> Result<crate::pii::Keyring, ConfigError> {
    use crate::pii::{DataKey, Keyring};
    let current = match std::env::var(ENV_DATA_KEY) {
        Ok(k) if !k.trim().is_empty() => {
            DataKey::parse(&k).map_err(|e| ConfigError::BadDataKey(ENV_DATA_KEY, e))?
        }
        _ if dev => {
            let path = data_dir(database_url).join(".data_key");
            let text = String::from_utf8(dev_secret(&path)?).unwrap_or_default();
            DataKey::parse(&text).map_err(|e| ConfigError::BadDataKey(".data_key", e))?
        }
        _ => return Err(ConfigError::MissingDataKey),
    };
    let previous = std::env::var(ENV_DATA_KEY_PREVIOUS)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| DataKey::parse(k).map_err(|e| ConfigError::BadDataKey(ENV_DATA_KEY_PREVIOUS, e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Keyring::new(current, previous))
}

fn dev_secret(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let err = |source| ConfigError::DevSecret {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= MIN_SECRET_LEN {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(path, &secret).map_err(err)?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// The SQLite writer's group limits from the environment (defaults: 64 changes, 5 ms).
fn write_group_from_env() -> Result<crate::writer::Limits, ConfigError> {
    use crate::writer::{MAX_GROUP, MAX_GROUP_TIME};
    let max_group = env_int(
        ENV_WRITE_GROUP_MAX,
        MAX_GROUP as i64,
        1..=1024,
        "an integer between 1 and 1024 (changes)",
    )?;
    let max_ms = env_int(
        ENV_WRITE_GROUP_MS,
        MAX_GROUP_TIME.as_millis() as i64,
        0..=1000,
        "an integer between 0 and 1000 (milliseconds)",
    )?;
    Ok(crate::writer::Limits {
        max_group: max_group as usize,
        max_time: std::time::Duration::from_millis(max_ms as u64),
    })
}

impl Settings {
    pub fn from_env(dev: bool) -> Result<Self, ConfigError> {
        let database_url = database_url_from_env();
        let jwt_secret = jwt_secret(dev, &database_url)?;
        let data_keys = data_keys(dev, &database_url)?;
        let storage =
            crate::storage::StorageConfig::parse(&std::env::var(ENV_STORAGE).unwrap_or_default())
                .map_err(ConfigError::Storage)?;
        Ok(Settings {
            storage,
            write_group: write_group_from_env()?,
            integrations: Integrations::from_env()?,
            data_keys,
            region_code: region_code_from_env()?,
            jwt_secret,
            database_url,
            trust_proxy: env_flag(ENV_TRUST_PROXY),
            webhook_allow_loopback: env_flag(ENV_WEBHOOK_ALLOW_LOOPBACK),
            revocation_ttl_ms: env_int(
                ENV_REVOCATION_TTL_MS,
                crate::auth::revocation::DEFAULT_TTL_MS as i64,
                0..=60_000,
                "an integer between 0 and 60000 (milliseconds)",
            )? as u64,
            risk_compensation_share_bp: env_int(
                ENV_RISK_COMPENSATION_SHARE_BP,
                DEFAULT_RISK_COMPENSATION_SHARE_BP,
                0..=10_000,
                "an integer between 0 and 10000 (basis points)",
            )?,
            risk_leverage: env_int(
                ENV_RISK_LEVERAGE,
                DEFAULT_RISK_LEVERAGE,
                1..=100,
                "an integer between 1 and 100",
            )?,
            default_min_dpd: env_int(
                ENV_DEFAULT_MIN_DPD,
                crate::domain::loan_ageing::DEFAULT_MIN_DPD,
                0..=3650,
                "an integer between 0 and 3650 (days)",
            )?,
            targets: PilotTargets {
                demonstration_total: env_int(
                    ENV_TARGET_DEMONSTRATION_TOTAL,
                    100,
                    1..=100_000,
                    "a positive integer",
                )?,
                demonstration_per_year: env_int(
                    ENV_TARGET_DEMONSTRATION_PER_YEAR,
                    7,
                    1..=10_000,
                    "a positive integer",
                )?,
                rural_households: match env_int(
                    ENV_RURAL_HOUSEHOLDS,
                    0,
                    0..=1_000_000_000,
                    "a positive integer (households)",
                )? {
                    0 => None,
                    n => Some(n),
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secret_is_refused() {
        assert!(matches!(
            check_secret("short"),
            Err(ConfigError::ShortSecret(5))
        ));
        assert!(check_secret(&"x".repeat(32)).is_ok());
    }

    #[test]
    fn integer_settings_default_and_range() {
        const NAME: &str = "COOPHUB_TEST_ONLY_ENV_INT";
        std::env::remove_var(NAME);
        assert_eq!(env_int(NAME, 8000, 0..=10_000, "bp").unwrap(), 8000);
        std::env::set_var(NAME, "5000");
        assert_eq!(env_int(NAME, 8000, 0..=10_000, "bp").unwrap(), 5000);
        std::env::set_var(NAME, "10001");
        assert!(env_int(NAME, 8000, 0..=10_000, "bp").is_err());
        std::env::set_var(NAME, "lots");
        assert!(env_int(NAME, 8000, 0..=10_000, "bp").is_err());
        std::env::remove_var(NAME);
    }

    #[test]
    fn write_group_limits_from_env() {
        // The only test that sets these two variables.
        std::env::remove_var(ENV_WRITE_GROUP_MAX);
        std::env::remove_var(ENV_WRITE_GROUP_MS);
        let l = write_group_from_env().unwrap();
        assert_eq!((l.max_group, l.max_time.as_millis()), (64, 5));
        std::env::set_var(ENV_WRITE_GROUP_MAX, "1");
        std::env::set_var(ENV_WRITE_GROUP_MS, "0");
        let l = write_group_from_env().unwrap();
        assert_eq!((l.max_group, l.max_time.as_millis()), (1, 0));
        std::env::set_var(ENV_WRITE_GROUP_MAX, "0");
        assert!(write_group_from_env().is_err(), "a group of no changes");
        std::env::set_var(ENV_WRITE_GROUP_MAX, "64");
        std::env::set_var(ENV_WRITE_GROUP_MS, "1001");
        assert!(write_group_from_env().is_err(), "more than a second");
        std::env::remove_var(ENV_WRITE_GROUP_MAX);
        std::env::remove_var(ENV_WRITE_GROUP_MS);
    }

    #[test]
    fn cors_origins_are_plain_origins() {
        assert!(parse_origins("").unwrap().is_empty());
        assert_eq!(
            parse_origins(" https://a.example.org , http://localhost:5173/").unwrap(),
            vec!["https://a.example.org", "http://localhost:5173"]
        );
        assert!(parse_origins("a.example.org").is_err());
        assert!(parse_origins("https://a.example.org/app").is_err());
        assert!(parse_origins("ftp://a.example.org").is_err());
    }

    #[test]
    fn region_must_be_six_digits() {
        assert!(validate_region("500119").is_ok());
        assert!(validate_region("50011").is_err());
        assert!(validate_region("50011A").is_err());
    }

    #[test]
    fn data_dir_follows_sqlite_path() {
        assert_eq!(data_dir("./data/coophub.db"), PathBuf::from("./data"));
        assert_eq!(data_dir("coophub.db"), PathBuf::from("."));
        assert_eq!(data_dir("postgres://x@y/z"), PathBuf::from("./data"));
    }

    #[test]
    fn the_dev_data_key_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("coophub.db").to_string_lossy().into_owned();
        // Only when COOPHUB_DATA_KEY is unset (as in the test environment).
        if std::env::var(ENV_DATA_KEY).is_ok() {
            return;
        }
        let a = data_keys(true, &db).unwrap();
        let b = data_keys(true, &db).unwrap();
        assert_eq!(a.current().id(), b.current().id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(".data_key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            data_keys(false, &db),
            Err(ConfigError::MissingDataKey)
        ));
    }

    #[test]
    fn dev_secret_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.jwt_secret");
        let a = dev_secret(&path).unwrap();
        let b = dev_secret(&path).unwrap();
        assert_eq!(a, b);
        assert!(a.len() >= MIN_SECRET_LEN);
    }
}
