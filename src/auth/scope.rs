//! Every record scope of a caller, in one place: which cooperatives, loans, loan products and
//! counselors it may see. Computed from the token's claims (and, for a counselor's
//! cooperatives or a cooperative's counselors, one query), at most once per request.

use std::cell::OnceCell;

use diesel::prelude::*;

use super::jwt::Claims;
use super::policy::{permits, Access, Resource, Role};
use crate::db::models::audit::Actor;
use crate::db::models::cooperative::{self as coop, Cooperative};
use crate::db::schema::{counselor_towns, counselors};
use crate::db::DbConn;
use crate::domain::scope::{CoopScope, CounselorScope, LoanScope};
use crate::error::{ApiError, ApiResult};

/// The authenticated caller: who, in which role, with which scope. Handlers get it from the
/// request (see `extractor.rs`, which reads only the token); services take `&Caller`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    pub request_id: Option<String>,
    coop_scope: OnceCell<CoopScope>,
}

impl Caller {
    pub fn new(claims: Claims, request_id: Option<String>) -> Self {
        Caller {
            claims,
            request_id,
            coop_scope: OnceCell::new(),
        }
    }

    pub fn role(&self) -> Role {
        self.claims.role
    }

    /// The numeric user id, when the caller is a user (not a partner client).
    pub fn user_id(&self) -> Option<i64> {
        self.claims.sub.parse().ok()
    }

    /// The bank of a bank partner's client.
    pub fn bank_code(&self) -> Option<&str> {
        match self.role() {
            Role::BankPartner => self.claims.bank_code.as_deref(),
            _ => None,
        }
    }

    /// Who to write into the audit trail and the histories.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id(),
            name: self.claims.name.clone(),
            role: self.role().as_str().into(),
            request_id: self.request_id.clone(),
        }
    }

    /// 403 unless the role may access this kind of resource.
    pub fn require(&self, resource: Resource, access: Access) -> ApiResult<()> {
        if permits(self.role(), resource, access) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the role {} may not {} {}",
                self.role(),
                match access {
                    Access::Read => "read",
                    Access::Write => "change",
                },
                resource.name()
            )))
        }
    }

    /// Which cooperatives the caller may see (a counselor's towns are read from the database,
    /// once per request).
    pub fn coop_scope(&self, conn: &mut DbConn) -> QueryResult<CoopScope> {
        if let Some(s) = self.coop_scope.get() {
            return Ok(s.clone());
        }
        let c = &self.claims;
        let scope = match c.role {
            Role::DistrictAdmin | Role::ServiceCenter | Role::Observer => CoopScope::All,
            Role::TownOfficer => CoopScope::Towns(c.town_code.iter().cloned().collect()),
            Role::Cooperative => CoopScope::One(c.cooperative_id.unwrap_or(-1)),
            Role::BankPartner => CoopScope::Bank(c.bank_code.clone().unwrap_or_default()),
            // An inactive counselor covers no town, so its login sees no cooperative.
            Role::Counselor => CoopScope::Towns(match c.counselor_id {
                Some(id) => counselor_towns::table
                    .inner_join(counselors::table)
                    .filter(counselor_towns::counselor_id.eq(id))
                    .filter(counselors::active.eq(true))
                    .select(counselor_towns::town_code)
                    .load(conn)?,
                None => Vec::new(),
            }),
        };
        Ok(self.coop_scope.get_or_init(|| scope).clone())
    }

    /// The cooperative `id` if the caller may see it; otherwise 404 (never 403: another
    /// town's records are not admitted to exist).
    pub fn cooperative(&self, conn: &mut DbConn, id: i64) -> ApiResult<Cooperative> {
        let scope = self.coop_scope(conn)?;
        Ok(coop::find(conn, &scope, id)?)
    }

    /// Which loans the caller may see (403 for roles that see none).
    pub fn loan_scope(&self) -> ApiResult<LoanScope> {
        self.require(Resource::Loans, Access::Read)?;
        let c = &self.claims;
        Ok(match c.role {
            Role::DistrictAdmin | Role::Observer => LoanScope::All,
            Role::TownOfficer => LoanScope::Town(c.town_code.clone().unwrap_or_default()),
            Role::Cooperative => LoanScope::Cooperative(c.cooperative_id.unwrap_or(-1)),
            Role::BankPartner => LoanScope::Bank(c.bank_code.clone().unwrap_or_default()),
            _ => return Err(ApiError::forbidden()),
        })
    }

    /// Which bank's loan products the caller may see: a bank partner its own bank's only
    /// (`None`: every bank's).
    pub fn product_bank(&self) -> Option<String> {
        match self.role() {
            Role::BankPartner => Some(self.claims.bank_code.clone().unwrap_or_default()),
            _ => None,
        }
    }

    /// Which counselors the caller may see: everyone for the district, town officers and
    /// observers; a counselor themselves; a cooperative the counselors of its town.
    pub fn counselor_scope(&self, conn: &mut DbConn) -> ApiResult<CounselorScope> {
        let c = &self.claims;
        Ok(match c.role {
            Role::Counselor => CounselorScope::One(c.counselor_id.unwrap_or(-1)),
            Role::Cooperative => {
                let id = c.cooperative_id.unwrap_or(-1);
                let town = coop::find(conn, &CoopScope::One(id), id)
                    .optional()?
                    .map(|co| co.town_code)
                    .unwrap_or_default();
                CounselorScope::CoveringTown(town)
            }
            _ => CounselorScope::All,
        })
    }
}

impl From<&Caller> for Actor {
    fn from(c: &Caller) -> Self {
        c.actor()
    }
}
