//! Field rules shared by request bodies, for `#[validate(custom(function = ...))]`.

use chrono::NaiveDate;
use validator::ValidationError;

use crate::db::models::today;
use crate::domain::phone as phone_rule;

/// A mainland mobile number (11 digits starting with 1, optionally `+86`).
pub fn phone(value: &str) -> Result<(), ValidationError> {
    phone_rule::normalize(value).map(|_| ()).ok_or_else(|| {
        ValidationError::new("phone").with_message(
            "must be an 11-digit mobile number starting with 1, optionally +86".into(),
        )
    })
}

/// A date that is not in the future.
pub fn not_future(value: &NaiveDate) -> Result<(), ValidationError> {
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
