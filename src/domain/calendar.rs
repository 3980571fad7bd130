//! The years and dates coophub accepts (RULES: "bounded input").
//!
//! - A **year** (a report year, a monitoring year, an evaluation year, a quota year) is
//!   between [`MIN_YEAR`] and [`MAX_YEAR`] inclusive (2000 to 2100: the pilot and every
//!   year it reports on fall inside it). Outside it a request is a 400 (path) or 422 (query or body).
//! - A **date** is between [`min_date`] (1900-01-01, the first day a spreadsheet can hold)
//!   and [`max_date`] (2100-12-31) inclusive.
//!
//! Rules that derive a date from a year stay total outside that range (they saturate at
//! chrono's limits), so nothing panics even if a check is missed.

use chrono::NaiveDate;

/// The first year accepted anywhere.
pub const MIN_YEAR: i32 = 2000;
/// The last year accepted anywhere.
pub const MAX_YEAR: i32 = 2100;

/// 1900-01-01: the first date accepted (and the first an XLSX workbook can hold).
pub fn min_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// 2100-12-31: the last date accepted.
pub fn max_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(NaiveDate::MAX)
}

pub fn year_in_range(year: i64) -> bool {
    (i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&year)
}

pub fn date_in_range(date: NaiveDate) -> bool {
    date >= min_date() && date <= max_date()
}

/// `month`/`day` of `year`, saturating at chrono's first or last date for a year it
/// cannot represent.
pub fn ymd_saturating(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(year_in_range(2000) && year_in_range(2100));
        assert!(!year_in_range(1999) && !year_in_range(2101) && !year_in_range(300_000));
        assert!(date_in_range(min_date()) && date_in_range(max_date()));
        assert!(!date_in_range(
            min_date().pred_opt().unwrap_or(NaiveDate::MIN)
        ));
        assert_eq!(ymd_saturating(300_000, 6, 30), NaiveDate::MAX);
        assert_eq!(ymd_saturating(-300_000, 6, 30), NaiveDate::MIN);
        assert_eq!(ymd_saturating(2024, 2, 29).to_string(), "2024-02-29");
    }
}
