//! Dates and timestamps read from SQLite's text without reading a format string each time.
//!
//! Diesel reads a SQLite `DATE` with `NaiveDate::parse_from_str(s, "%F")` and a `TIMESTAMP` by
//! trying its 18 formats in turn with `parse_from_str`, which parses the format string itself
//! on every call: with three such columns a cooperative, 5 % of a list page's CPU. [`Day`] and
//! [`Stamp`] read the form this service writes (`2026-12-06`, `2026-12-06 21:25:22.213411`)
//! through chrono's `FromStr`, whose items are constants, and hand any other text to Diesel's
//! reading, so they accept exactly what it accepts. On PostgreSQL (binary values) they are
//! Diesel's reading. For a model's field: `#[diesel(deserialize_as = Stamp)]`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};

use super::Backend as Multi;

/// A `DATE` column, read quickly on SQLite.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct Day(pub NaiveDate);

/// A `TIMESTAMP` column, read quickly on SQLite.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

/// `2026-12-06`, as this service writes a date.
fn day(text: &str) -> Option<NaiveDate> {
    (text.len() == 10).then(|| text.parse().ok()).flatten()
}

/// `2026-12-06 21:25:22` with or without a fraction, as this service writes a timestamp.
fn stamp(text: &str) -> Option<NaiveDateTime> {
    let (d, t) = text.split_once(' ')?;
    let time: NaiveTime = t.parse().ok()?;
    Some(day(d)?.and_time(time))
}

/// `$wrapper` of chrono's `$value`, a column of `$sql`: on SQLite read by `$quick` first, else
/// by Diesel; on PostgreSQL by Diesel; on the multi-backend by the connection's own.
macro_rules! quick_column {
    ($wrapper:ident, $value:ty, $sql:ty, $quick:expr) => {
        impl From<$wrapper> for $value {
            fn from(w: $wrapper) -> $value {
                w.0
            }
        }

        impl FromSql<$sql, Sqlite> for $wrapper {
            fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                if let Some(v) = $quick(value.read_text()) {
                    return Ok($wrapper(v));
                }
                <$value as FromSql<$sql, Sqlite>>::from_sql(value).map($wrapper)
            }
        }

        impl FromSql<$sql, Pg> for $wrapper {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                <$value as FromSql<$sql, Pg>>::from_sql(value).map($wrapper)
            }
        }

        impl FromSql<$sql, Multi> for $wrapper {
            fn from_sql(
                bytes: <Multi as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, $sql>()
            }
        }
    };
}

quick_column!(Day, NaiveDate, Date, day);
quick_column!(Stamp, NaiveDateTime, Timestamp, stamp);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_forms_read_as_diesel_reads_them() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(day("2026-12-06"), Some(d));
        let micro = d.and_hms_micro_opt(21, 25, 22, 213_411).unwrap();
        assert_eq!(stamp("2026-12-06 21:25:22.213411"), Some(micro));
        // The form of SQL's CURRENT_TIMESTAMP, with no fraction.
        assert_eq!(
            stamp("2026-12-06 21:25:22"),
            Some(d.and_hms_opt(21, 25, 22).unwrap())
        );
        // Each form read here reads as Diesel's formats read it (`%F %T%.f`, `%F %R`).
        for (text, format) in [
            ("2026-12-06 21:25:22.213411", "%F %T%.f"),
            ("2026-12-06 21:25:22", "%F %T%.f"),
            ("2026-12-06 21:25", "%F %R"),
        ] {
            let diesel = NaiveDateTime::parse_from_str(text, format).unwrap();
            assert_eq!(stamp(text), Some(diesel), "{text}");
        }
    }

    #[test]
    fn other_forms_are_left_to_diesel() {
        // Not read here, so Diesel's reading decides (its other formats, a Julian day, or
        // its error): never a different value.
        for text in [
            "2026-12-06T21:25:22",
            "2460650.5",
            "",
            "2026-13-06 21:25:22",
            " 2026-12-06",
            "2026-12-6",
        ] {
            assert_eq!(stamp(text), None, "{text}");
            assert_eq!(day(text), None, "{text}");
        }
    }
}
