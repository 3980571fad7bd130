//! Towns and industries: reference data every role reads.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::reference;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::views::reference::{IndustryOut, TownOut};

/// The district's towns, in official order.
pub fn towns(conn: &mut DbConn, caller: &Caller) -> ApiResult<Vec<TownOut>> {
    caller.require(Resource::ReferenceData, Access::Read)?;
    Ok(reference::all_towns(conn)?
        .into_iter()
        .map(TownOut::from)
        .collect())
}

/// Every industry, specialty industries first.
pub fn industries(conn: &mut DbConn, caller: &Caller) -> ApiResult<Vec<IndustryOut>> {
    caller.require(Resource::ReferenceData, Access::Read)?;
    Ok(reference::all_industries(conn)?
        .into_iter()
        .map(IndustryOut::from)
        .collect())
}
