//! Password hashing with Argon2id (the `argon2` crate's defaults: m=19 MiB, t=2, p=1).

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the same time as a real check, for unknown users (no timing oracle on usernames).
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("coophub-dummy-password").unwrap_or_default());
    let _ = verify(password, phc);
}

/// Minimum password length, in characters (API and CLI alike).
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest password accepted (Argon2 takes any length; this bounds the work per request).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// The 10,000 most common passwords, most common first: the head of the ranked password list
/// that the zxcvbn project derived from leaked-password corpora (MIT licence), one per line.
const COMMON: &str = include_str!("common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// Why a password may not be used, if it may not: at least [`MIN_PASSWORD_LEN`] characters,
/// not containing the username (ignoring case), not one of the 10,000 most common passwords
/// (ignoring case).
pub fn policy_refusal(username: &str, password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Some(format!("must be at least {MIN_PASSWORD_LEN} characters"));
    }
    if n > MAX_PASSWORD_LEN {
        return Some(format!("must be at most {MAX_PASSWORD_LEN} characters"));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && lower.contains(&name) {
        return Some("must not contain the username".into());
    }
    if common().contains(lower.as_str()) {
        return Some("is one of the 10,000 most common passwords".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn the_policy() {
        assert_eq!(common().len(), 10_000);
        assert!(policy_refusal("li.ming", "short-pw").is_some(), "under 12");
        assert!(
            policy_refusal("li.ming", "my LI.MING password").is_some(),
            "username"
        );
        // Ranked in the list (and 12 characters or more).
        assert!(policy_refusal("x", "qwerty123456").is_some(), "common");
        assert!(
            policy_refusal("x", "LeaveMeAlone").is_some(),
            "common, any case"
        );
        assert!(policy_refusal("li", "1qaz2wsx3edc").is_some());
        assert!(policy_refusal("li.ming", "南川 tea hills 2026").is_none());
        assert!(policy_refusal("x", &"a".repeat(1025)).is_some());
        // Length counts characters, not bytes: 12 Chinese characters pass.
        assert!(policy_refusal("x", "茶山茶园金佛山方竹笋南川区").is_none());
    }
}
