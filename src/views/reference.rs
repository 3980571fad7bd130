//! Towns and industries.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::reference::{Industry, Town};

/// A town, township or street (乡镇街道) of the district.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "500119001", "name": "东城街道", "kind": "street"}))]
pub struct TownOut {
    /// The official 9-digit code.
    pub code: String,
    pub name: String,
    /// `street` (街道), `town` (镇) or `township` (乡).
    pub kind: String,
}

/// An industry a cooperative works in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "ancient_tree_tea", "name": "古树茶", "specialty": true}))]
pub struct IndustryOut {
    pub code: String,
    pub name: String,
    /// One of the district's specialty industries ("3+1" and blueberries).
    pub specialty: bool,
}

impl From<Town> for TownOut {
    fn from(t: Town) -> Self {
        TownOut {
            code: t.code,
            name: t.name,
            kind: t.kind,
        }
    }
}

impl From<Industry> for IndustryOut {
    fn from(i: Industry) -> Self {
        IndustryOut {
            code: i.code,
            name: i.name,
            specialty: i.specialty,
        }
    }
}
