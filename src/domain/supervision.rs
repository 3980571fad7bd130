//! Supervision (监管): the abnormal-operation list (异常名录) and who is a candidate for it.

use chrono::{Datelike, NaiveDate};

use super::annual_report::deadline;
use super::cooperative::CoopStatus;

/// The statuses a cooperative may be put on the abnormal list from.
pub const LISTABLE: &[CoopStatus] = &[CoopStatus::Active];
/// The status of a cooperative on the abnormal list.
pub const LISTED: CoopStatus = CoopStatus::Abnormal;
/// The status a lifted listing returns the cooperative to.
pub const LIFTED: CoopStatus = CoopStatus::Active;
/// The statuses of the cooperatives that are candidates for the list (those not yet on it,
/// nor closed).
pub const CANDIDATE_STATUSES: &[CoopStatus] = &[CoopStatus::Active];

/// Why a listing cannot be made or lifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingBreach {
    /// The date is after today.
    Future,
    /// Only an active cooperative is listed (this one has the status given).
    NotListable(CoopStatus),
    /// The cooperative is not on the list.
    NotListed,
    /// A listing is lifted on or after the day it was made.
    BeforeListing,
}

/// A listing's or a lifting's date must not be in the future.
pub fn check_listing_date(on: NaiveDate, today: NaiveDate) -> Result<(), ListingBreach> {
    if on > today {
        Err(ListingBreach::Future)
    } else {
        Ok(())
    }
}

/// May a cooperative of this status be put on the list?
pub fn may_list(status: CoopStatus) -> Result<(), ListingBreach> {
    if LISTABLE.contains(&status) {
        Ok(())
    } else {
        Err(ListingBreach::NotListable(status))
    }
}

/// May the listing in force (made on `listed_on`, if there is one) of a cooperative of this
/// status be lifted on `on`?
pub fn may_lift(
    status: CoopStatus,
    listed_on: Option<NaiveDate>,
    on: NaiveDate,
) -> Result<(), ListingBreach> {
    match listed_on {
        Some(listed_on) if status == LISTED => {
            if on < listed_on {
                Err(ListingBreach::BeforeListing)
            } else {
                Ok(())
            }
        }
        _ => Err(ListingBreach::NotListed),
    }
}

/// The latest reported year whose filing deadline (30 June of the next year) has passed.
pub fn latest_closed_year(today: NaiveDate) -> i32 {
    if today > deadline(today.year() - 1) {
        today.year() - 1
    } else {
        today.year() - 2
    }
}

/// Candidates are asked for only once the year's deadline has passed: the deadline, or the
/// deadline that has not passed yet as the error.
pub fn candidates_deadline(year: i32, today: NaiveDate) -> Result<NaiveDate, NaiveDate> {
    let due = deadline(year);
    if today <= due {
        Err(due)
    } else {
        Ok(due)
    }
}

/// The last day a candidate may have been established: the end of the reported year.
pub fn established_by(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn only_active_cooperatives_are_listed() {
        assert_eq!(may_list(CoopStatus::Active), Ok(()));
        for s in [
            CoopStatus::Abnormal,
            CoopStatus::Merged,
            CoopStatus::Deregistered,
        ] {
            assert_eq!(may_list(s), Err(ListingBreach::NotListable(s)));
        }
    }

    #[test]
    fn a_listing_is_lifted_only_when_in_force_and_not_before_it_was_made() {
        let listed = day(2026, 7, 15);
        assert_eq!(may_lift(CoopStatus::Abnormal, Some(listed), listed), Ok(()));
        assert_eq!(
            may_lift(CoopStatus::Abnormal, Some(listed), day(2026, 7, 14)),
            Err(ListingBreach::BeforeListing)
        );
        assert_eq!(
            may_lift(CoopStatus::Abnormal, None, listed),
            Err(ListingBreach::NotListed)
        );
        assert_eq!(
            may_lift(CoopStatus::Active, Some(listed), listed),
            Err(ListingBreach::NotListed)
        );
        assert_eq!(
            check_listing_date(day(2026, 7, 16), day(2026, 7, 15)),
            Err(ListingBreach::Future)
        );
    }

    #[test]
    fn candidates_only_after_the_deadline() {
        assert_eq!(latest_closed_year(day(2026, 6, 30)), 2024);
        assert_eq!(latest_closed_year(day(2026, 7, 1)), 2025);
        assert_eq!(
            candidates_deadline(2025, day(2026, 6, 30)),
            Err(day(2026, 6, 30))
        );
        assert_eq!(
            candidates_deadline(2025, day(2026, 7, 1)),
            Ok(day(2026, 6, 30))
        );
        assert_eq!(established_by(2025), day(2025, 12, 31));
    }
}
