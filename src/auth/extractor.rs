//! The logged-in caller, as an actix extractor.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use diesel::prelude::*;
use std::future::{ready, Ready};

use super::jwt::Claims;
use super::policy::{permits, Access, CoopScope, Resource, Role};
use crate::db::schema::{counselor_towns, counselors};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::middleware::RequestId;
use crate::state::AppState;

/// The authenticated caller: who, in which role, with which scope.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub claims: Claims,
    pub request_id: Option<String>,
}

impl AuthUser {
    pub fn role(&self) -> Role {
        self.claims.role
    }

    /// The numeric user id, when the caller is a user (not a partner client).
    pub fn user_id(&self) -> Option<i64> {
        self.claims.sub.parse().ok()
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
                resource_name(resource)
            )))
        }
    }

    /// Which cooperatives the caller may see (a counselor's towns are read from the database).
    pub fn coop_scope(&self, conn: &mut DbConn) -> QueryResult<CoopScope> {
        let c = &self.claims;
        Ok(match c.role {
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
        })
    }
}

fn resource_name(r: Resource) -> &'static str {
    match r {
        Resource::ReferenceData => "reference data",
        Resource::Cooperatives => "cooperatives",
        Resource::MemberLedger => "member ledgers",
        Resource::AnnualReports => "annual reports",
        Resource::Supervision => "assessments and the abnormal list",
        Resource::Federations => "federations",
        Resource::Counselors => "counselors",
        Resource::Loans => "loans",
        Resource::RiskFund => "the risk-compensation fund",
        Resource::Partners => "partners",
        Resource::Webhooks => "webhooks",
        Resource::ServiceOrders => "service orders",
        Resource::Demonstration => "demonstration cooperatives",
        Resource::AuditEvents => "audit events",
    }
}

/// Scope claims must match the role, or the token is not accepted.
fn scope_is_consistent(c: &Claims) -> bool {
    match c.role {
        Role::TownOfficer => c.town_code.is_some(),
        Role::Cooperative => c.cooperative_id.is_some(),
        Role::BankPartner => c.bank_code.is_some(),
        Role::Counselor => c.counselor_id.is_some(),
        _ => true,
    }
}

fn authenticate(req: &HttpRequest) -> ApiResult<AuthUser> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("an Authorization: Bearer token is required".into())
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid".into()))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must use the Bearer scheme".into())
        })?;
    let claims = state.jwt.decode(token).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        ApiError::Unauthorized(
            match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                    "the token was not issued for this API"
                }
                _ => "the token is not valid",
            }
            .into(),
        )
    })?;
    if !scope_is_consistent(&claims) {
        return Err(ApiError::Unauthorized(
            "the token's scope does not match its role".into(),
        ));
    }
    Ok(AuthUser {
        claims,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}
