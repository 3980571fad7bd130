//! Field rules shared by request bodies, for `#[validate(custom(function = ...))]`.

use chrono::NaiveDate;
use validator::ValidationError;

use crate::db::models::today;
use crate::domain::calendar;
use crate::domain::phone as phone_rule;
use crate::error::{ApiError, ApiResult};

pub use crate::domain::calendar::{MAX_YEAR, MIN_YEAR};
pub use crate::domain::money::MAX_FEN;

/// A mainland mobile number (11 digits starting with 1, optionally `+86`).
pub fn phone(value: &str) -> Result<(), ValidationError> {
    phone_rule::normalize(value).map(|_| ()).ok_or_else(|| {
        ValidationError::new("phone").with_message(
            "must be an 11-digit mobile number starting with 1, optionally +86".into(),
        )
    })
}

/// A username: letters, digits, `.`, `_` and `-` (the length is checked beside it: 3–50).
pub fn username(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err(ValidationError::new("characters")
            .with_message("only letters, digits, '.', '_' and '-'".into()))
    }
}

/// The pattern of [`username`] for the OpenAPI document.
pub const USERNAME_PATTERN: &str = "^[A-Za-z0-9._-]{3,50}$";

/// A date between 1900-01-01 and 2100-12-31 (`domain::calendar`): a spreadsheet can hold
/// it and a year derived from it is in range.
pub fn date(value: &NaiveDate) -> Result<(), ValidationError> {
    if calendar::date_in_range(*value) {
        Ok(())
    } else {
        Err(ValidationError::new("date_range")
            .with_message("must be between 1900-01-01 and 2100-12-31".into()))
    }
}

/// The first day the dashboard reports for (`?on=`): the pilot's first year.
pub const AS_OF_FIRST: &str = "2020-01-01";

/// A day the dashboard can report for: from 2020-01-01 (the pilot's first year) to today.
pub fn as_of_date(value: &NaiveDate) -> Result<(), ValidationError> {
    let first = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(NaiveDate::MIN);
    if *value >= first && *value <= today() {
        Ok(())
    } else {
        Err(ValidationError::new("as_of_range")
            .with_message("must be between 2020-01-01 and today".into()))
    }
}

/// A household code (户编号) as the village keeps it: 1–32 letters, digits and `-`.
pub fn household_code(value: &str) -> Result<(), ValidationError> {
    if (1..=32).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(())
    } else {
        Err(ValidationError::new("household_code")
            .with_message("must be 1 to 32 letters, digits or '-'".into()))
    }
}

/// The pattern of [`household_code`] for the OpenAPI document.
pub const HOUSEHOLD_CODE_PATTERN: &str = "^[A-Za-z0-9-]{1,32}$";

/// An instant a filter compares with (audit `since`/`until`): an RFC 3339 year, 0001 to
/// 9999, which both databases hold (chrono reads years up to ±262143).
pub fn instant(value: &chrono::DateTime<chrono::Utc>) -> Result<(), ValidationError> {
    use chrono::Datelike;
    if (1..=9999).contains(&value.year()) {
        Ok(())
    } else {
        Err(ValidationError::new("date_range")
            .with_message("must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z".into()))
    }
}

/// A bank's reference (loan number 借据号 or transaction serial 流水号): 1–64 characters,
/// letters, digits and `-_./`, starting with a letter or digit.
pub fn bank_reference(value: &str) -> Result<(), ValidationError> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("bank_reference").with_message(
            "must be 1–64 letters, digits or -_./, starting with a letter or digit".into(),
        ))
    }
}

/// A date that is not in the future (and not before 1900-01-01, as [`date`]).
pub fn not_future(value: &NaiveDate) -> Result<(), ValidationError> {
    date(value)?;
    if *value > today() {
        Err(ValidationError::new("future").with_message("must not be in the future".into()))
    } else {
        Ok(())
    }
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`) in a patch.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A year in a path (`/annual-reports/{year}`): any integer deserializes (a non-integer or
/// one past `i64` is the path's 400); [`PathYear::year`] then answers a 422 naming `year`
/// outside [`MIN_YEAR`]..=[`MAX_YEAR`], as a body's or query's year is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct PathYear(pub i64);

impl PathYear {
    pub fn year(self) -> ApiResult<i32> {
        if calendar::year_in_range(self.0) {
            Ok(self.0 as i32)
        } else {
            Err(ApiError::field(
                "year",
                "range",
                format!("must be between {MIN_YEAR} and {MAX_YEAR}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_years_are_bounded() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert!(date(&d(1900, 1, 1)).is_ok() && date(&d(2100, 12, 31)).is_ok());
        assert!(date(&d(1899, 12, 31)).is_err() && date(&d(2101, 1, 1)).is_err());
        assert!(not_future(&d(1899, 12, 31)).is_err());
        assert_eq!(PathYear(2025).year().ok(), Some(2025));
        assert!(PathYear(300_000).year().is_err() && PathYear(-1).year().is_err());
    }
}
