//! The member ledger's vocabulary (成员台账).

use chrono::{Datelike, NaiveDate};

use super::cooperative::text_enum;

text_enum! {
    /// What kind of member (the law counts farmers against the others).
    MemberType {
        /// 农民
        Farmer => "farmer",
        /// 企业
        Enterprise => "enterprise",
        /// 事业单位
        Institution => "institution",
        /// 社会组织
        SocialGroup => "social_group",
        /// 村集体经济组织: a village collective may lead or join a cooperative.
        CollectiveEconomicOrg => "collective_economic_org",
    }
}

text_enum! {
    /// How a member contributes capital (出资方式).
    ContributionForm {
        Cash => "cash",
        /// 土地经营权
        LandManagementRight => "land_management_right",
        /// 闲置宅基地使用权
        HomesteadUseRight => "homestead_use_right",
        /// 集体资产
        CollectiveAsset => "collective_asset",
        Equipment => "equipment",
        Technology => "technology",
        Other => "other",
    }
}

impl MemberType {
    /// Enterprises, institutions and social groups: the members the law caps.
    pub fn is_capped_non_farmer(self) -> bool {
        matches!(
            self,
            MemberType::Enterprise | MemberType::Institution | MemberType::SocialGroup
        )
    }
}

/// Why a member's ID number is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdNumberRule {
    /// A farmer member needs one.
    Required,
    /// Not a valid resident ID number.
    Invalid(super::id_number::IdNumberError),
}

/// The ID number to store for a member of this type: a given number must be valid (and is
/// normalised), a blank one counts as none, and a farmer must have one.
pub fn checked_id_number(
    raw: Option<&str>,
    member_type: MemberType,
    today: chrono::NaiveDate,
) -> Result<Option<String>, IdNumberRule> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => super::id_number::normalize(raw, today)
            .map(Some)
            .map_err(IdNumberRule::Invalid),
        None if member_type == MemberType::Farmer => Err(IdNumberRule::Required),
        None => Ok(None),
    }
}

/// Why an exit cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitBreach {
    /// The exit date is after today.
    Future,
    /// The member has exited already: the record is closed.
    AlreadyExited,
    /// The exit date is before the member joined.
    BeforeJoining,
}

/// An exit date must not be in the future.
pub fn exit_date(exited_on: chrono::NaiveDate, today: chrono::NaiveDate) -> Result<(), ExitBreach> {
    if exited_on > today {
        Err(ExitBreach::Future)
    } else {
        Ok(())
    }
}

/// May a member who joined on `joined_on` (and exited on `exited`, if so) exit on `exited_on`?
pub fn may_exit(
    joined_on: chrono::NaiveDate,
    exited: Option<chrono::NaiveDate>,
    exited_on: chrono::NaiveDate,
) -> Result<(), ExitBreach> {
    if exited.is_some() {
        return Err(ExitBreach::AlreadyExited);
    }
    if exited_on < joined_on {
        return Err(ExitBreach::BeforeJoining);
    }
    Ok(())
}

/// Months of written notice before the fiscal year ends: six for enterprises, institutions
/// and social groups, three for everyone else (RULES.md "The cooperative law's votes and
/// exits").
pub fn notice_months(member_type: MemberType) -> u32 {
    if member_type.is_capped_non_farmer() {
        6
    } else {
        3
    }
}

/// The day an exit by notice given on `requested_on` takes effect: the end of that fiscal
/// (calendar) year when the notice came at least [`notice_months`] before it — on or before 30
/// September (three months) or 30 June (six) — else the end of the next year.
pub fn exit_effective_on(member_type: MemberType, requested_on: NaiveDate) -> NaiveDate {
    let year = requested_on.year();
    let last_day = match notice_months(member_type) {
        6 => NaiveDate::from_ymd_opt(year, 6, 30),
        _ => NaiveDate::from_ymd_opt(year, 9, 30),
    }
    .unwrap_or(requested_on);
    let effective_year = if requested_on <= last_day {
        year
    } else {
        year + 1
    };
    NaiveDate::from_ymd_opt(effective_year, 12, 31).unwrap_or(requested_on)
}

/// Whether a member with this exit date is still a member on `today` (an exit by notice is
/// recorded ahead with its effective date; the member belongs until that day).
pub fn active_on(exited_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    exited_on.is_none_or(|d| d > today)
}

#[cfg(test)]
mod exit_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn notice_periods() {
        // A farmer: notice by 30 September leaves at that year end; in November, the next.
        assert_eq!(
            exit_effective_on(MemberType::Farmer, day(2026, 9, 30)),
            day(2026, 12, 31)
        );
        assert_eq!(
            exit_effective_on(MemberType::Farmer, day(2026, 10, 1)),
            day(2027, 12, 31)
        );
        assert_eq!(
            exit_effective_on(MemberType::Farmer, day(2026, 11, 15)),
            day(2027, 12, 31)
        );
        // An enterprise needs six months: by 30 June.
        assert_eq!(
            exit_effective_on(MemberType::Enterprise, day(2026, 6, 30)),
            day(2026, 12, 31)
        );
        assert_eq!(
            exit_effective_on(MemberType::Enterprise, day(2026, 7, 1)),
            day(2027, 12, 31)
        );
        assert_eq!(
            exit_effective_on(MemberType::CollectiveEconomicOrg, day(2026, 7, 1)),
            day(2026, 12, 31)
        );
        assert!(active_on(None, day(2026, 1, 1)));
        assert!(active_on(Some(day(2026, 12, 31)), day(2026, 12, 30)));
        assert!(!active_on(Some(day(2026, 12, 31)), day(2026, 12, 31)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_farmer_needs_an_id_number_the_others_do_not() {
        let today = day(2026, 11, 27);
        assert_eq!(
            checked_id_number(None, MemberType::Farmer, today),
            Err(IdNumberRule::Required)
        );
        assert_eq!(
            checked_id_number(Some("  "), MemberType::Farmer, today),
            Err(IdNumberRule::Required)
        );
        assert_eq!(
            checked_id_number(None, MemberType::Enterprise, today),
            Ok(None)
        );
        assert_eq!(
            checked_id_number(Some(" 11010519491231002x "), MemberType::Farmer, today),
            Ok(Some("11010519491231002X".into()))
        );
        assert_eq!(
            checked_id_number(Some("500119201003070027"), MemberType::Institution, today),
            Err(IdNumberRule::Invalid(
                super::super::id_number::IdNumberError::Checksum
            ))
        );
    }

    #[test]
    fn exits_are_not_in_the_future_not_twice_and_not_before_joining() {
        let today = day(2026, 11, 27);
        assert_eq!(exit_date(today, today), Ok(()));
        assert_eq!(exit_date(day(2026, 11, 28), today), Err(ExitBreach::Future));
        let joined = day(2020, 3, 1);
        assert_eq!(may_exit(joined, None, day(2020, 3, 1)), Ok(()));
        assert_eq!(
            may_exit(joined, None, day(2020, 2, 29)),
            Err(ExitBreach::BeforeJoining)
        );
        assert_eq!(
            may_exit(joined, Some(day(2024, 5, 1)), day(2025, 1, 1)),
            Err(ExitBreach::AlreadyExited)
        );
    }

    #[test]
    fn capped_non_farmers() {
        assert!(MemberType::Enterprise.is_capped_non_farmer());
        assert!(!MemberType::Farmer.is_capped_non_farmer());
        assert!(!MemberType::CollectiveEconomicOrg.is_capped_non_farmer());
    }
}
