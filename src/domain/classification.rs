//! Classification (分类管理): the tier follows from how many checklist items pass.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cooperative::Tier;

/// All eight items pass: standard (规范).
pub const STANDARD_MIN_PASSED: u32 = 8;
/// Six or seven pass: basic (基本规范). Fewer: substandard (不规范).
pub const BASIC_MIN_PASSED: u32 = 6;

/// The assessment checklist; each item is pass (`true`) or fail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// A charter in line with the model charter (章程).
    pub charter: bool,
    /// Member assembly, board and supervisors constituted (组织机构).
    pub bodies: bool,
    /// A complete member ledger (成员台账).
    pub member_ledger: bool,
    /// Proper bookkeeping (财务会计).
    pub bookkeeping: bool,
    /// Disclosure of affairs to members (社务公开).
    pub disclosure: bool,
    /// Annual report filed and published (年报公示).
    pub annual_report: bool,
    /// Surplus returned by transaction volume (按交易量返还).
    pub transaction_distribution: bool,
    /// Real operations with members' transactions (实际运营).
    pub real_operations: bool,
}

impl Checklist {
    pub fn passed(&self) -> u32 {
        [
            self.charter,
            self.bodies,
            self.member_ledger,
            self.bookkeeping,
            self.disclosure,
            self.annual_report,
            self.transaction_distribution,
            self.real_operations,
        ]
        .into_iter()
        .filter(|b| *b)
        .count() as u32
    }
}

/// The tier: `shell` whenever real operations fail, else by the number passed.
pub fn tier(c: &Checklist) -> Tier {
    if !c.real_operations {
        return Tier::Shell;
    }
    match c.passed() {
        n if n >= STANDARD_MIN_PASSED => Tier::Standard,
        n if n >= BASIC_MIN_PASSED => Tier::Basic,
        _ => Tier::Substandard,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(n: u32) -> Checklist {
        // real_operations always passes; then n-1 other items pass.
        let mut c = Checklist {
            real_operations: true,
            ..Default::default()
        };
        let items: [&mut bool; 7] = [
            &mut c.charter,
            &mut c.bodies,
            &mut c.member_ledger,
            &mut c.bookkeeping,
            &mut c.disclosure,
            &mut c.annual_report,
            &mut c.transaction_distribution,
        ];
        for item in items.into_iter().take(n as usize - 1) {
            *item = true;
        }
        c
    }

    #[test]
    fn thresholds() {
        assert_eq!(tier(&with(8)), Tier::Standard);
        assert_eq!(tier(&with(7)), Tier::Basic);
        assert_eq!(tier(&with(6)), Tier::Basic);
        assert_eq!(tier(&with(5)), Tier::Substandard);
        assert_eq!(tier(&with(1)), Tier::Substandard);
    }

    #[test]
    fn no_real_operations_is_always_shell() {
        let mut c = with(8);
        c.real_operations = false;
        assert_eq!(c.passed(), 7);
        assert_eq!(tier(&c), Tier::Shell);
        assert_eq!(tier(&Checklist::default()), Tier::Shell);
    }
}
