//! Partner banks' machine clients (OAuth 2.0 client credentials, RFC 6749 §4.4): the district
//! admin creates, disables and rotates them; the token endpoint checks their secrets.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, NewPartner, Partner};
use crate::db::models::now;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::partners::{PartnerCreate, PartnerOut, PartnerWithSecret};

type HmacSha256 = Hmac<Sha256>;

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// `<salt>$<hex HMAC-SHA256(salt, secret)>`. Secrets are 256 random bits, so a keyed fast
/// hash is enough (no password stretching needed) and keeps the token endpoint fast.
pub fn hash_secret(secret: &str) -> String {
    let salt = random_hex(16);
    format!("{salt}${}", mac_hex(&salt, secret))
}

fn mac_hex(salt: &str, secret: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a secret against its stored hash in constant time.
pub fn verify_secret(secret: &str, stored: &str) -> bool {
    let Some((salt, expected)) = stored.split_once('$') else {
        return false;
    };
    let Ok(expected) = hex::decode(expected) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

fn admin_only(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::Partners, Access::Write)
}

/// Creates a client for a bank; its secret is in the answer, and only a salted hash is kept.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    body: PartnerCreate,
) -> ApiResult<PartnerWithSecret> {
    admin_only(caller)?;
    let secret = random_hex(32);
    let hash = hash_secret(&secret);
    let at = now();
    let p = m::insert_partner(
        conn,
        &NewPartner {
            bank_code: body.bank_code,
            name: body.name.trim().to_string(),
            client_id: format!("cp_{}", random_hex(8)),
            secret_hash: hash,
            disabled: false,
            created_at: at,
            updated_at: at,
        },
    )?;
    let out = PartnerOut::from(p);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "partner",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(PartnerWithSecret {
        partner: out,
        client_secret: secret,
    })
}

/// One page of the clients, without secrets.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    page: &PageParams,
) -> ApiResult<ListResponse<PartnerOut>> {
    admin_only(caller)?;
    let page = page.page()?;
    let rows = m::list_partners(conn, page.after, page.limit + 1)?;
    Ok(ListResponse::from_rows(rows, page, None, |p| p.id).map(PartnerOut::from))
}

/// One client, without its secret.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<PartnerOut> {
    admin_only(caller)?;
    Ok(m::partner(conn, id)?.into())
}

/// The client gets no more tokens; without an enabled client the district acts for the bank.
pub fn disable(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<PartnerOut> {
    admin_only(caller)?;
    let before = PartnerOut::from(m::partner(conn, id)?);
    let after = PartnerOut::from(m::update_partner(conn, id, Some(true), None, now())?);
    audit::record(
        conn,
        &caller.actor(),
        "disable",
        "partner",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// A new secret, in the answer; the old one stops working at once.
pub fn rotate_secret(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<PartnerWithSecret> {
    admin_only(caller)?;
    let secret = random_hex(32);
    let hash = hash_secret(&secret);
    m::partner(conn, id)?;
    let after = PartnerOut::from(m::update_partner(conn, id, None, Some(hash), now())?);
    audit::record(
        conn,
        &caller.actor(),
        "rotate_secret",
        "partner",
        &id.to_string(),
        None::<&()>,
        Some(&after),
    )?;
    Ok(PartnerWithSecret {
        partner: after,
        client_secret: secret,
    })
}

/// The client a token request names, if any (the secret is checked by [`verify_client`],
/// after the connection is let go).
pub fn find_client(conn: &mut DbConn, client_id: &str) -> ApiResult<Option<Partner>> {
    Ok(m::partner_by_client_id(conn, client_id)?)
}

/// The enabled client whose secret this is, if any (one answer for every failure; an unknown
/// or disabled client costs a verification too).
pub fn verify_client(found: Option<Partner>, secret: &str) -> Option<Partner> {
    match found {
        Some(p) => (verify_secret(secret, &p.secret_hash) && !p.disabled).then_some(p),
        None => {
            let _ = verify_secret(secret, DUMMY_HASH);
            None
        }
    }
}

/// A well-formed stored hash no secret matches, for unknown clients.
const DUMMY_HASH: &str =
    "00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000";

/// Both steps on one connection.
pub fn authenticate(
    conn: &mut DbConn,
    client_id: &str,
    secret: &str,
) -> ApiResult<Option<Partner>> {
    Ok(verify_client(find_client(conn, client_id)?, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_round_trip() {
        let h = hash_secret("s3cret");
        assert!(verify_secret("s3cret", &h));
        assert!(!verify_secret("s3cret!", &h));
        assert!(!verify_secret("s3cret", "garbage"));
        assert_ne!(hash_secret("s3cret"), h, "salted");
        assert!(!h.contains("s3cret"));
    }
}
