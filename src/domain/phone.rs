//! Mainland mobile phone numbers: 11 digits starting with 1, optionally prefixed `+86`.

/// Returns the 11-digit number, without the `+86` prefix or spaces and dashes.
pub fn normalize(input: &str) -> Option<String> {
    let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact.strip_prefix("+86").unwrap_or(&compact);
    (digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.to_string())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn accepts_mobile_numbers() {
        assert_eq!(normalize("13812345678").as_deref(), Some("13812345678"));
        assert_eq!(
            normalize("+86 138-1234-5678").as_deref(),
            Some("13812345678")
        );
    }

    #[test]
    fn refuses_others() {
        for bad in [
            "",
            "1381234567",
            "138123456789",
            "23812345678",
            "+8513812345678",
            "1381234567a",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
