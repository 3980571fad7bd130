//! The vocabulary of the registry: a cooperative's status, tier and demonstration level.
//!
//! `text_enum!` declares a closed vocabulary stored as text. The enum derives Diesel's
//! `AsExpression`/`FromSqlRow` markers so row structs can hold it; the conversion itself (and
//! the rule that an unknown stored value is an error, never a default) is in
//! `crate::db::columns`.

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema, ::diesel::expression::AsExpression, ::diesel::deserialize::FromSqlRow)]
        #[serde(rename_all = "snake_case")]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use text_enum;

text_enum! {
    /// Where a cooperative stands in the registry.
    CoopStatus {
        /// Operating normally.
        Active => "active",
        /// On the abnormal-operation list (异常名录).
        Abnormal => "abnormal",
        /// Deregistered (注销).
        Deregistered => "deregistered",
        /// Merged into another cooperative.
        Merged => "merged",
    }
}

text_enum! {
    /// How standardised a cooperative is (分类管理).
    Tier {
        /// 规范
        Standard => "standard",
        /// 基本规范
        Basic => "basic",
        /// 不规范
        Substandard => "substandard",
        /// 空壳: no operations, no members' transactions.
        Shell => "shell",
    }
}

text_enum! {
    /// The highest demonstration-cooperative title held (示范社).
    DemonstrationLevel {
        National => "national",
        Municipal => "municipal",
        District => "district",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for s in CoopStatus::ALL {
            assert_eq!(CoopStatus::parse(s.as_str()), Some(*s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.as_str()), Some(*t));
        }
        for l in DemonstrationLevel::ALL {
            assert_eq!(DemonstrationLevel::parse(l.as_str()), Some(*l));
        }
        assert_eq!(Tier::parse("gold"), None);
    }
}
