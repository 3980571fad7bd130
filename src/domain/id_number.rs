//! Resident identity card number (居民身份证号码), GB 11643-1999.

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdNumberError {
    Format,
    BirthDate,
    Checksum,
}

impl IdNumberError {
    pub fn code(&self) -> &'static str {
        match self {
            IdNumberError::Format => "format",
            IdNumberError::BirthDate => "birth_date",
            IdNumberError::Checksum => "checksum",
        }
    }
}

impl std::fmt::Display for IdNumberError {
    // Never echo the number itself: messages go to clients and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdNumberError::Format => "an ID number has 17 digits followed by a digit or X",
            IdNumberError::BirthDate => "the birth date in the ID number is not a real past date",
            IdNumberError::Checksum => "the check digit of the ID number is wrong",
        })
    }
}

/// The check character for the first 17 digits.
pub fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        if !c.is_ascii_digit() {
            return None;
        }
        sum += u32::from(c - b'0') * w;
    }
    Some(CHECKS[(sum % 11) as usize] as char)
}

/// Validates an ID number against `today` and returns it normalised (`x` → `X`).
pub fn normalize(input: &str, today: NaiveDate) -> Result<String, IdNumberError> {
    let id = input.trim().to_ascii_uppercase();
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(IdNumberError::Format);
    }
    let birth =
        NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").map_err(|_| IdNumberError::BirthDate)?;
    if birth > today {
        return Err(IdNumberError::BirthDate);
    }
    if check_character(&b[..17]) != Some(b[17] as char) {
        return Err(IdNumberError::Checksum);
    }
    Ok(id)
}

/// First 6 + `********` + last 4: the only form in which a number ever leaves the system.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}********{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn worked_example() {
        assert_eq!(check_character(b"50011920100307002"), Some('6'));
        assert_eq!(
            normalize("500119201003070026", today()).unwrap(),
            "500119201003070026"
        );
    }

    #[test]
    fn control_with_x_accepts_lower_case() {
        assert_eq!(
            normalize("11010519491231002x", today()).unwrap(),
            "11010519491231002X"
        );
    }

    #[test]
    fn wrong_check_digit() {
        assert_eq!(
            normalize("500119201003070027", today()),
            Err(IdNumberError::Checksum)
        );
    }

    #[test]
    fn birth_date_must_be_real_and_past() {
        // 2010-02-30 does not exist.
        assert_eq!(
            normalize("500119201002300020", today()),
            Err(IdNumberError::BirthDate)
        );
        let future = format!(
            "50011920301231002{}",
            check_character(b"50011920301231002").unwrap()
        );
        assert_eq!(normalize(&future, today()), Err(IdNumberError::BirthDate));
    }

    #[test]
    fn format_errors() {
        assert_eq!(
            normalize("5001192010030700", today()),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            normalize("50011920100307002Y", today()),
            Err(IdNumberError::Format)
        );
    }

    #[test]
    fn mask_shows_first_six_and_last_four() {
        assert_eq!(mask("11010519491231002X"), "110105********002X");
        assert_eq!(mask("500119201003070026").len(), 18);
    }

    #[test]
    fn error_messages_never_echo_the_number() {
        for bad in [
            "500119201003070027",
            "500119201002300020",
            "5001192010030700",
        ] {
            let e = normalize(bad, today()).unwrap_err();
            assert!(!e.to_string().contains(&bad[6..]), "{e}");
            assert!(!format!("{e:?}").contains(&bad[6..]));
        }
    }
}
