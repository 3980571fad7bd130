//! The member ledger (成员台账): add, list, read, change, exit, and the masked CSV export.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::member::{self, Member, MemberChanges, NewMember};
use crate::db::models::{now, today};
use crate::db::DbConn;
use crate::domain::member::{self as rules, IdNumberRule, MemberType};
use crate::domain::{id_number, phone};
use crate::error::{ApiError, ApiResult};
use crate::pii::{self, Keyring};
use crate::service::cooperatives::ensure_operating;
use crate::service::{check_version, coop_page};
use crate::views::csv::csv_line;
use crate::views::members::{
    ExitOut, ExitParams, MemberCreate, MemberFilterParams, MemberOut, MemberPatch, CSV_COLUMNS,
};
use crate::views::pagination::{ListResponse, PageParams};

/// How many members the CSV export reads at a time.
const EXPORT_CHUNK: i64 = 1000;

/// Validates an ID number; a farmer must have one (422 on `id_number` otherwise).
fn check_id_number(raw: Option<&str>, member_type: MemberType) -> ApiResult<Option<String>> {
    rules::checked_id_number(raw, member_type, today()).map_err(|e| match e {
        IdNumberRule::Invalid(e) => ApiError::field("id_number", e.code(), e.to_string()),
        IdNumberRule::Required => ApiError::field(
            "id_number",
            "required",
            "a farmer member needs a resident ID number",
        ),
    })
}

/// A household code is a farmer's (the dashboard counts farmer households): 422 otherwise.
fn check_household(code: Option<&str>, member_type: MemberType) -> ApiResult<()> {
    if code.is_some() && member_type != MemberType::Farmer {
        return Err(ApiError::field(
            "household_code",
            "farmers_only",
            "only a farmer member carries a household code",
        ));
    }
    Ok(())
}

fn duplicate() -> ApiError {
    ApiError::Conflict("an active member of this cooperative has the same ID number".into())
}

/// 409 when another active member of the cooperative has this ID number: compared through
/// the blind index under every key held (old and new during a rotation), never by opening.
fn ensure_unique(
    conn: &mut DbConn,
    keys: &Keyring,
    coop_id: i64,
    id_number: Option<&str>,
    except: Option<i64>,
) -> ApiResult<()> {
    match id_number {
        Some(n) if member::active_id_number_taken(conn, coop_id, &keys.indices(n), except)? => {
            Err(duplicate())
        }
        _ => Ok(()),
    }
}

/// Opens a member's sealed ID number. A value that does not open (altered, or under a key
/// this process does not hold) is logged by member id and key id — never the value — and
/// fails this request only.
pub fn open_id_number(keys: &Keyring, m: &Member) -> ApiResult<Option<String>> {
    let (Some(sealed), Some(key_id)) = (&m.id_number_sealed, &m.id_number_key) else {
        return Ok(None);
    };
    let opened = keys
        .open(key_id, sealed)
        .ok()
        .filter(|n| m.id_number_masked.as_deref() == Some(id_number::mask(n).as_str()));
    match opened {
        Some(n) => Ok(Some(n)),
        None => {
            tracing::error!(
                member_id = m.id,
                key_id = %key_id,
                "a member's sealed ID number does not open: altered, damaged or under an unknown key"
            );
            Err(ApiError::Internal(format!(
                "the sealed ID number of member {} does not open",
                m.id
            )))
        }
    }
}

/// The sealed columns for a new ID number (all `None` for none).
fn sealed_columns(keys: &Keyring, id_number: Option<&str>) -> [Option<String>; 4] {
    match id_number.map(|n| keys.seal(n)) {
        Some(s) => [
            Some(s.sealed),
            Some(s.key_id),
            Some(s.index),
            Some(s.masked),
        ],
        None => [None, None, None, None],
    }
}

/// The cooperative (in scope, still operating) for a change to its ledger.
fn operating_cooperative(conn: &mut DbConn, caller: &Caller, coop_id: i64) -> ApiResult<()> {
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)
}

/// Adds a member. Farmers need a valid ID number, which no other active member of the
/// cooperative may have (409); the cooperative must be in scope and still operating.
pub fn add(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    body: MemberCreate,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let id_number = check_id_number(body.id_number.as_deref(), body.member_type)?;
    check_household(body.household_code.as_deref(), body.member_type)?;
    operating_cooperative(conn, caller, coop_id)?;
    let keys = pii::keyring()?;
    ensure_unique(conn, &keys, coop_id, id_number.as_deref(), None)?;
    let [id_number_sealed, id_number_key, id_number_index, id_number_masked] =
        sealed_columns(&keys, id_number.as_deref());
    let at = now();
    let created = member::insert(
        conn,
        &NewMember {
            cooperative_id: coop_id,
            name: body.name.trim().to_string(),
            member_type: body.member_type,
            id_number_sealed,
            id_number_key,
            id_number_index,
            id_number_masked,
            phone: body.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
            joined_on: body.joined_on,
            contribution_fen: body.contribution_fen,
            contribution_form: body.contribution_form,
            household_code: body.household_code.map(|h| h.trim().to_string()),
            version: 1,
            created_at: at,
            updated_at: at,
        },
    )?;
    let out = MemberOut::from(created);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "member",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of a cooperative's ledger, in joining order.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    filters: &MemberFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<MemberOut>> {
    let filter = filters.to_filter();
    let list = coop_page(
        conn,
        caller,
        coop_id,
        page,
        |conn, after, n| member::list(conn, coop_id, &filter, after, n),
        |conn| member::count(conn, coop_id, &filter),
        |m| m.id,
    )?;
    Ok(list.map(MemberOut::from))
}

/// The whole ledger (current and exited members) as CSV with a byte-order mark, ID numbers
/// masked.
pub fn export_csv(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    filters: &MemberFilterParams,
) -> ApiResult<Vec<u8>> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    let filter = filters.to_filter();
    caller.cooperative(conn, coop_id)?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv_line(CSV_COLUMNS)?);
    let mut after = None;
    loop {
        let rows = member::list(conn, coop_id, &filter, after, EXPORT_CHUNK)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for m in rows {
            out.extend(csv_line(MemberOut::from(m).csv_cells())?);
        }
    }
    Ok(out)
}

fn find(conn: &mut DbConn, caller: &Caller, coop_id: i64, member_id: i64) -> ApiResult<Member> {
    caller.cooperative(conn, coop_id)?;
    Ok(member::find(conn, coop_id, member_id)?)
}

/// One member of a cooperative in scope. Its sealed ID number is opened and checked against
/// the stored mask, so an altered value fails this read (500, logged) instead of showing.
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    let m = find(conn, caller, coop_id, member_id)?;
    let keys = pii::keyring()?;
    open_id_number(&keys, &m)?;
    Ok(MemberOut::from(m))
}

/// Changes a member, at the `demanded` version if one is given (else 412). An exited member's
/// record is closed (409); the ID number rules are those of [`add`].
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    demanded: Option<i32>,
    patch: MemberPatch,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    operating_cooperative(conn, caller, coop_id)?;
    let current = member::find(conn, coop_id, member_id)?;
    check_version(demanded, current.version)?;
    if current.exited_on.is_some() {
        return Err(ApiError::Conflict(
            "the member has exited; the record is closed".into(),
        ));
    }
    let member_type = patch.member_type.unwrap_or(current.member_type);
    check_household(
        patch
            .household_code
            .as_deref()
            .or(current.household_code.as_deref()),
        member_type,
    )?;
    let keys = pii::keyring()?;
    let id_number = match &patch.id_number {
        Some(raw) => check_id_number(Some(raw), member_type)?,
        None => check_id_number(open_id_number(&keys, &current)?.as_deref(), member_type)?,
    };
    ensure_unique(conn, &keys, coop_id, id_number.as_deref(), Some(member_id))?;
    let [id_number_sealed, id_number_key, id_number_index, id_number_masked] = match patch.id_number
    {
        Some(_) => sealed_columns(&keys, id_number.as_deref()),
        None => [None, None, None, None],
    };
    let before = MemberOut::from(current.clone());
    let changes = MemberChanges {
        name: patch.name.map(|s| s.trim().to_string()),
        member_type: patch.member_type,
        id_number_sealed,
        id_number_key,
        id_number_index,
        id_number_masked,
        phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
        joined_on: patch.joined_on,
        contribution_fen: patch.contribution_fen,
        contribution_form: patch.contribution_form,
        household_code: patch.household_code.map(|h| h.trim().to_string()),
        version: current.version + 1,
        updated_at: Some(now()),
        ..Default::default()
    };
    let updated = member::update(conn, member_id, current.version, &changes)?
        .ok_or(ApiError::PreconditionFailed)?;
    let after = MemberOut::from(updated);
    audit::record(
        conn,
        &caller.actor(),
        "update",
        "member",
        &member_id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Records a member's exit (by notice, recorded from paper, or by expulsion): see
/// [`crate::service::books::exits::exit`].
pub fn exit(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    params: ExitParams,
) -> ApiResult<ExitOut> {
    crate::service::books::exits::exit(conn, caller, coop_id, member_id, params)
}

// ------------------------------------------------------------ sealing at rest, key rotation

/// How many members a sealing or rotation batch handles (one transaction each).
pub const KEY_BATCH: i64 = 1000;

/// What a sealing pass or a rotation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SealingReport {
    /// Plain values (written before ID numbers were sealed) sealed now.
    pub sealed_plain: usize,
    /// Values re-sealed under the current key.
    pub resealed: usize,
    /// Whether no value is left under another key (false when stopped after `max_batches`).
    pub finished: bool,
}

fn batch_failed(member_id: i64, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("member {member_id}: {e}"))
}

/// A sealing or rotation error as the command line shows it (the inner message of a 500).
pub fn sealing_error(e: ApiError) -> String {
    match e {
        ApiError::Internal(msg) => msg,
        other => other.to_string(),
    }
}

/// The first-start step: seals every ID number still stored plain (a database from before
/// sealing), `batch` members per transaction, so a crash leaves whole batches sealed or
/// untouched and the next start goes on. Returns how many it sealed.
pub fn seal_plain(conn: &mut DbConn, keys: &Keyring, batch: i64) -> ApiResult<usize> {
    let mut total = 0;
    loop {
        let n = crate::db::write_tx(conn, |conn| -> ApiResult<usize> {
            let rows = member::plain_id_numbers(conn, batch)?;
            for r in &rows {
                let s = keys.seal(&r.id_number);
                member::store_sealed(conn, r.id, &s.sealed, &s.key_id, &s.index, &s.masked)?;
            }
            Ok(rows.len())
        })?;
        if n == 0 {
            if total > 0 {
                // The plain values replaced must not linger in free pages or the WAL.
                member::compact(conn)?;
            }
            return Ok(total);
        }
        total += n;
        tracing::info!(sealed = total, "sealing plain ID numbers");
    }
}

/// `coophub keys rotate`: seals what is still plain, then re-seals every value not under the
/// current key and rebuilds its blind index, `batch` members per transaction (all or nothing
/// each). The key id stored beside each value says which key opens it, so the pass can stop
/// anywhere (a crash, or `max_batches`) and be run again to go on; meanwhile a server holding
/// the old keys as previous ones reads both. A value that does not open stops the pass with
/// the member's id, its batch untouched.
pub fn rotate(
    conn: &mut DbConn,
    keys: &Keyring,
    batch: i64,
    max_batches: Option<usize>,
) -> ApiResult<SealingReport> {
    let mut report = SealingReport {
        sealed_plain: seal_plain(conn, keys, batch)?,
        ..Default::default()
    };
    let current = keys.current().id().to_string();
    let mut batches = 0;
    loop {
        if max_batches.is_some_and(|max| batches >= max) {
            report.finished = member::sealed_not_under(conn, &current, 1)?.is_empty();
            return Ok(report);
        }
        let n = crate::db::write_tx(conn, |conn| -> ApiResult<usize> {
            let rows = member::sealed_not_under(conn, &current, batch)?;
            for r in &rows {
                let plain = keys
                    .open(&r.key_id, &r.sealed)
                    .map_err(|e| batch_failed(r.id, e))?;
                let s = keys.seal(&plain);
                member::store_sealed(conn, r.id, &s.sealed, &s.key_id, &s.index, &s.masked)?;
            }
            Ok(rows.len())
        })?;
        if n == 0 {
            report.finished = true;
            if report.resealed > 0 {
                // Nor the values sealed under the retired key.
                member::compact(conn)?;
            }
            return Ok(report);
        }
        batches += 1;
        report.resealed += n;
        tracing::info!(resealed = report.resealed, key_id = %current, "re-sealing ID numbers");
    }
}
