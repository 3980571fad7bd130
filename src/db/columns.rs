//! Text columns read and written as the domain's closed vocabularies.
//!
//! Every `text_enum!` of `crate::domain` is stored as its snake_case text. Reading a value the
//! enum does not know is a deserialisation error (the request fails and the bad row is
//! logged), never a silent default: a status nobody wrote must not be taken for `submitted`.

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};

use super::Backend as Multi;

/// The error for a stored value outside the vocabulary.
pub(crate) fn unknown(kind: &str, value: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("unknown {kind} {value:?} stored in the database").into()
}

macro_rules! text_columns {
    ($($ty:ty),+ $(,)?) => {$(
        impl FromSql<Text, Pg> for $ty {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let s = <String as FromSql<Text, Pg>>::from_sql(value)?;
                <$ty>::parse(&s).ok_or_else(|| unknown(stringify!($ty), &s))
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                // Borrowed: a list page reads three of these a cooperative, no copy needed.
                let s = value.read_text();
                <$ty>::parse(s).ok_or_else(|| unknown(stringify!($ty), s))
            }
        }

        impl FromSql<Text, Multi> for $ty {
            fn from_sql(
                bytes: <Multi as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Multi> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut Output<'b, '_, Multi>,
            ) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
    )+};
}

use crate::domain::annual_report::ReportStatus;
use crate::domain::compensation::ClaimStatus;
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};
use crate::domain::counselor::{CounselorLevel, CounselorSource, Rating};
use crate::domain::federation::{FederationKind, FederationStatus, MemberKind, MemberRole};
use crate::domain::loan_ageing::LoanClassification;
use crate::domain::loan_book::PrepaymentMode;
use crate::domain::loan_schedule::RepaymentMethod;
use crate::domain::loan_state::LoanStatus;
use crate::domain::member::{ContributionForm, MemberType};
use crate::domain::pilot::Phase;
use crate::domain::risk_fund::EntryKind;
use crate::domain::service_order::{OrderAction, OrderStatus};

text_columns!(
    ReportStatus,
    CoopStatus,
    DemonstrationLevel,
    Tier,
    CounselorLevel,
    CounselorSource,
    Rating,
    FederationKind,
    FederationStatus,
    MemberKind,
    MemberRole,
    RepaymentMethod,
    LoanStatus,
    PrepaymentMode,
    ClaimStatus,
    LoanClassification,
    ContributionForm,
    MemberType,
    Phase,
    EntryKind,
    OrderAction,
    OrderStatus,
);

// books
use crate::domain::compliance::Bookkeeping;
use crate::domain::demonstration::{ApplicationStatus, MonitoringResult};

text_columns!(ApplicationStatus, MonitoringResult, Bookkeeping);

// loans
use crate::domain::role::Role;

text_columns!(Role);

// the cooperative's own books
use crate::domain::distribution::DistributionStatus;
use crate::domain::meeting::{MeetingKind, ResolutionSubject};

text_columns!(MeetingKind, ResolutionSubject, DistributionStatus);

// the archive
use crate::domain::document::DocumentKind;

text_columns!(DocumentKind);
