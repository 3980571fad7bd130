//! The roles of the pilot, a closed vocabulary stored as text in `users.role` (typed column,
//! see `crate::db::columns`). What each role may do is decided in `crate::auth::policy`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The seven roles of the pilot.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[serde(rename_all = "snake_case")]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    /// District agriculture office (区农业农村委).
    DistrictAdmin,
    /// Town or street government (乡镇街道): its own town only.
    TownOfficer,
    /// Cooperative counselor (辅导员): the towns they cover.
    Counselor,
    /// A cooperative's own account.
    Cooperative,
    /// A partner bank's system (machine to machine).
    BankPartner,
    /// Cooperative service center staff (服务中心).
    ServiceCenter,
    /// Leading-group member departments: read-only.
    Observer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::DistrictAdmin,
        Role::TownOfficer,
        Role::Counselor,
        Role::Cooperative,
        Role::BankPartner,
        Role::ServiceCenter,
        Role::Observer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::TownOfficer => "town_officer",
            Role::Counselor => "counselor",
            Role::Cooperative => "cooperative",
            Role::BankPartner => "bank_partner",
            Role::ServiceCenter => "service_center",
            Role::Observer => "observer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_text_and_json() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(role.to_string(), role.as_str());
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::json!(role.as_str())
            );
        }
        assert_eq!(Role::parse("root"), None);
    }
}
