//! Timestamps in responses, written in one piece.
//!
//! chrono's `Serialize` for `DateTime` writes through `collect_str`, so serde_json escapes the
//! text in the small pieces chrono's formatter hands over, one call for each: on a list page
//! of 50 cooperatives, with two timestamps each, that was some 4,000 calls and 5 % of the
//! page's instructions. [`rfc3339`] formats the same text (RFC 3339 with `Z`, the fraction in
//! 0, 3, 6 or 9 digits, as chrono writes it) into a string first and writes it once. For a
//! field: `#[serde(serialize_with = "crate::views::instant::rfc3339")]`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

pub fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    #[derive(serde::Serialize)]
    struct Both {
        chrono: DateTime<Utc>,
        #[serde(serialize_with = "super::rfc3339")]
        ours: DateTime<Utc>,
    }

    #[test]
    fn the_text_is_chronos_own() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        for (nanos, text) in [
            (0, "2026-12-06T21:25:22Z"),
            (213_000_000, "2026-12-06T21:25:22.213Z"),
            (213_411_000, "2026-12-06T21:25:22.213411Z"),
            (213_411_007, "2026-12-06T21:25:22.213411007Z"),
        ] {
            let t = Utc.from_utc_datetime(&day.and_hms_nano_opt(21, 25, 22, nanos).unwrap());
            let json = serde_json::to_value(Both { chrono: t, ours: t }).unwrap();
            assert_eq!(json["ours"], text);
            assert_eq!(json["ours"], json["chrono"], "{nanos}");
        }
    }
}
