//! Unified Social Credit Code (统一社会信用代码), GB 32100-2015.

/// The 31-character alphabet, valued 0..30 in this order (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^(i-1) mod 31 for positions 1..17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is not acceptable; `code()` is the stable error code used in API problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    Length(usize),
    Character { position: usize, found: char },
    Checksum { expected: char },
    NotCooperative,
    OtherRegion { expected: String, found: String },
}

impl UsccError {
    pub fn code(&self) -> &'static str {
        match self {
            UsccError::Length(_) => "length",
            UsccError::Character { .. } => "character",
            UsccError::Checksum { .. } => "checksum",
            UsccError::NotCooperative => "not_cooperative",
            UsccError::OtherRegion { .. } => "region",
        }
    }
}

impl std::fmt::Display for UsccError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsccError::Length(n) => write!(f, "a USCC has 18 characters, this one has {n}"),
            UsccError::Character { position, found } => write!(
                f,
                "character {position} ({found:?}) is not allowed in a USCC (digits and capital letters except I, O, S, V, Z)"
            ),
            UsccError::Checksum { expected } => {
                write!(f, "the check character is wrong: it should be {expected}")
            }
            UsccError::NotCooperative => write!(
                f,
                "a farmers' cooperative's USCC starts with 93 (market regulation, cooperative)"
            ),
            UsccError::OtherRegion { expected, found } => write!(
                f,
                "the code is registered in region {found}, not in this system's region {expected}"
            ),
        }
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (already upper case).
pub fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// Validates any USCC and returns it normalised to upper case.
pub fn normalize(input: &str) -> Result<String, UsccError> {
    let code = input.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(UsccError::Length(n));
    }
    let bytes = code.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if value(b).is_none() {
            return Err(UsccError::Character {
                position: i + 1,
                found: b as char,
            });
        }
    }
    let expected = check_character(&bytes[..17]).expect("characters checked above");
    if bytes[17] as char != expected {
        return Err(UsccError::Checksum { expected });
    }
    Ok(code)
}

/// Validates the USCC of a farmers' cooperative registered in `region` (6 digits).
pub fn validate_cooperative(input: &str, region: &str) -> Result<String, UsccError> {
    let code = normalize(input)?;
    if !code.starts_with("93") {
        return Err(UsccError::NotCooperative);
    }
    if &code[2..8] != region {
        return Err(UsccError::OtherRegion {
            expected: region.to_string(),
            found: code[2..8].to_string(),
        });
    }
    Ok(code)
}

/// Completes 17 characters with their check character (used by the demo data and tests).
pub fn complete(first17: &str) -> Option<String> {
    let up = first17.to_ascii_uppercase();
    if up.len() != 17 {
        return None;
    }
    let check = check_character(up.as_bytes())?;
    Some(format!("{up}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_from_rules() {
        assert_eq!(complete("93500119MA5U7K3L7").unwrap(), "93500119MA5U7K3L78");
        assert_eq!(
            normalize("93500119MA5U7K3L78").unwrap(),
            "93500119MA5U7K3L78"
        );
    }

    #[test]
    fn control_code_is_valid() {
        assert_eq!(
            normalize("91110000600037341L").unwrap(),
            "91110000600037341L"
        );
    }

    #[test]
    fn lower_case_is_accepted_and_upper_cased() {
        assert_eq!(
            normalize("93500119ma5u7k3l78").unwrap(),
            "93500119MA5U7K3L78"
        );
    }

    #[test]
    fn organisation_part_may_hold_letters() {
        let code = complete("93500119MA60XY2K1").unwrap();
        assert!(validate_cooperative(&code, "500119").is_ok());
    }

    #[test]
    fn wrong_check_character_names_the_right_one() {
        assert_eq!(
            normalize("93500119MA5U7K3L79"),
            Err(UsccError::Checksum { expected: '8' })
        );
    }

    #[test]
    fn forbidden_letters_and_lengths() {
        assert!(matches!(
            normalize("93500119MA5U7K3LI8"),
            Err(UsccError::Character { position: 17, .. })
        ));
        assert!(matches!(
            normalize("93500119MA5U7K3L7"),
            Err(UsccError::Length(17))
        ));
        assert!(matches!(normalize(""), Err(UsccError::Length(0))));
        assert!(matches!(
            normalize("93500119MA5U7K3L7８"),
            Err(UsccError::Length(18)) | Err(UsccError::Character { .. })
        ));
    }

    #[test]
    fn cooperative_prefix_and_region() {
        assert_eq!(
            validate_cooperative("91110000600037341L", "500119"),
            Err(UsccError::NotCooperative)
        );
        let other = complete("93500101MA5U7K3L7").unwrap();
        assert!(matches!(
            validate_cooperative(&other, "500119"),
            Err(UsccError::OtherRegion { .. })
        ));
        assert!(validate_cooperative(&other, "500101").is_ok());
    }
}
