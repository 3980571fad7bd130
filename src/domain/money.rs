//! Money is integer fen (分). Every amount a caller sends is at most [`MAX_FEN`], so a sum
//! of a few million amounts cannot overflow `i64`; sums are still taken in `i128` and
//! clamped, never wrapped.

/// The largest amount any `_fen` field accepts: 10^13 fen (100 billion yuan).
pub const MAX_FEN: i64 = 10_000_000_000_000;

/// The sum of `amounts` in `i128`, clamped to `i64` (a sum never wraps to a negative).
pub fn sum_fen(amounts: impl IntoIterator<Item = i64>) -> i64 {
    let total: i128 = amounts.into_iter().map(i128::from).sum();
    clamp_fen(total)
}

/// An `i128` amount clamped into `i64`.
pub fn clamp_fen(total: i128) -> i64 {
    i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_never_wrap() {
        assert_eq!(sum_fen([1, 2, 3]), 6);
        assert_eq!(sum_fen([i64::MAX, i64::MAX]), i64::MAX);
        assert_eq!(sum_fen([i64::MIN, -1]), i64::MIN);
        assert_eq!(sum_fen([i64::MAX, 1, -2]), i64::MAX - 1);
        assert_eq!(
            sum_fen(std::iter::repeat_n(MAX_FEN, 900_000)),
            MAX_FEN * 900_000
        );
    }
}
