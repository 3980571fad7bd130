//! Federations (联合社) and industrial consortia (产业化联合体): their vocabulary and rules.

use crate::domain::cooperative::{text_enum, CoopStatus};

/// A union cooperative needs at least this many member cooperatives (RULES.md).
pub const MIN_UNION_MEMBER_COOPERATIVES: i64 = 3;

text_enum! {
    /// What kind of federation this is.
    FederationKind {
        /// 联合社: a cooperative of cooperatives, with its own USCC; members are cooperatives.
        UnionCooperative => "union_cooperative",
        /// 产业化联合体: "company + cooperative + family farm + smallholder", led by one lead.
        IndustrialConsortium => "industrial_consortium",
    }
}

text_enum! {
    /// Where a federation stands.
    FederationStatus {
        /// Being formed: members are gathered.
        Forming => "forming",
        /// Activated: operating.
        Active => "active",
    }
}

text_enum! {
    /// What kind of party a member is.
    MemberKind {
        /// A registered cooperative of this district (`cooperative_id`).
        Cooperative => "cooperative",
        /// A company (龙头企业).
        Company => "company",
        /// A family farm (家庭农场).
        FamilyFarm => "family_farm",
        /// A smallholder household (小农户).
        Smallholder => "smallholder",
    }
}

text_enum! {
    /// A member's role in the federation.
    MemberRole {
        /// The leading party (牵头单位); at most one per federation.
        Lead => "lead",
        Member => "member",
    }
}

/// Why a federation may not be activated, or a member not removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleBreach {
    AlreadyActive,
    TooFewCooperatives { count: i64 },
    NoLead,
    WouldLeaveTooFew { count: i64 },
}

impl std::fmt::Display for RuleBreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleBreach::AlreadyActive => f.write_str("the federation is already active"),
            RuleBreach::TooFewCooperatives { count } => write!(
                f,
                "a union cooperative needs at least {MIN_UNION_MEMBER_COOPERATIVES} member cooperatives to be activated; it has {count}"
            ),
            RuleBreach::NoLead => {
                f.write_str("an industrial consortium needs a lead member to be activated")
            }
            RuleBreach::WouldLeaveTooFew { count } => write!(
                f,
                "removing this member would leave the active union cooperative with {} member cooperatives; at least {MIN_UNION_MEMBER_COOPERATIVES} are required",
                count - 1
            ),
        }
    }
}

/// May a federation be activated, given its member cooperatives and whether it has a lead?
pub fn check_activation(
    kind: FederationKind,
    status: FederationStatus,
    cooperative_count: i64,
    has_lead: bool,
) -> Result<(), RuleBreach> {
    if status == FederationStatus::Active {
        return Err(RuleBreach::AlreadyActive);
    }
    match kind {
        FederationKind::UnionCooperative if cooperative_count < MIN_UNION_MEMBER_COOPERATIVES => {
            Err(RuleBreach::TooFewCooperatives {
                count: cooperative_count,
            })
        }
        FederationKind::IndustrialConsortium if !has_lead => Err(RuleBreach::NoLead),
        _ => Ok(()),
    }
}

/// May a member be removed? Only an active union cooperative losing one of its cooperatives
/// is constrained: it must keep at least three.
pub fn check_removal(
    kind: FederationKind,
    status: FederationStatus,
    removed_kind: MemberKind,
    cooperative_count: i64,
) -> Result<(), RuleBreach> {
    if kind == FederationKind::UnionCooperative
        && status == FederationStatus::Active
        && removed_kind == MemberKind::Cooperative
        && cooperative_count - 1 < MIN_UNION_MEMBER_COOPERATIVES
    {
        return Err(RuleBreach::WouldLeaveTooFew {
            count: cooperative_count,
        });
    }
    Ok(())
}

/// Which kinds of member a federation accepts: a union cooperative only cooperatives.
pub fn accepts(kind: FederationKind, member: MemberKind) -> bool {
    match kind {
        FederationKind::UnionCooperative => member == MemberKind::Cooperative,
        FederationKind::IndustrialConsortium => true,
    }
}

/// A union cooperative is registered with its own USCC and keeps it; a consortium's is
/// optional.
pub fn requires_uscc(kind: FederationKind) -> bool {
    kind == FederationKind::UnionCooperative
}

/// A merged or deregistered cooperative joins no federation.
pub fn may_join(status: CoopStatus) -> bool {
    !matches!(status, CoopStatus::Merged | CoopStatus::Deregistered)
}

/// A federation has at most one lead: the role is free unless it is `lead` and one exists.
pub fn role_free(role: MemberRole, has_lead: bool) -> bool {
    !(role == MemberRole::Lead && has_lead)
}

/// Who a new member is: a cooperative of the registry, or a party given by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party<'a> {
    Cooperative(i64),
    Named(&'a str),
}

/// Why a new member's identity is incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyBreach {
    /// A cooperative member without `cooperative_id`.
    CooperativeIdRequired,
    /// Another kind of member with a `cooperative_id`.
    CooperativeIdNotAllowed,
    /// Another kind of member without a (non-blank) name.
    NameRequired,
}

/// A cooperative member is given by its id; every other kind by a non-blank name (trimmed)
/// and without a cooperative id.
pub fn party<'a>(
    kind: MemberKind,
    cooperative_id: Option<i64>,
    name: Option<&'a str>,
) -> Result<Party<'a>, PartyBreach> {
    if kind == MemberKind::Cooperative {
        return cooperative_id
            .map(Party::Cooperative)
            .ok_or(PartyBreach::CooperativeIdRequired);
    }
    if cooperative_id.is_some() {
        return Err(PartyBreach::CooperativeIdNotAllowed);
    }
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(Party::Named)
        .ok_or(PartyBreach::NameRequired)
}

/// One industry's federations, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndustryCount {
    pub active_union_cooperatives: i64,
    pub active_industrial_consortia: i64,
    /// At least one active federation or consortium.
    pub covered: bool,
}

/// Counts the active federations of each kind among an industry's (kind, status) pairs.
pub fn industry_count(
    federations: impl IntoIterator<Item = (FederationKind, FederationStatus)>,
) -> IndustryCount {
    let mut c = IndustryCount::default();
    for (kind, status) in federations {
        if status != FederationStatus::Active {
            continue;
        }
        match kind {
            FederationKind::UnionCooperative => c.active_union_cooperatives += 1,
            FederationKind::IndustrialConsortium => c.active_industrial_consortia += 1,
        }
    }
    c.covered = c.active_union_cooperatives + c.active_industrial_consortia > 0;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use FederationKind::*;
    use FederationStatus::*;

    #[test]
    fn union_needs_three_cooperatives() {
        assert_eq!(
            check_activation(UnionCooperative, Forming, 2, false),
            Err(RuleBreach::TooFewCooperatives { count: 2 })
        );
        assert_eq!(
            check_activation(UnionCooperative, Forming, 3, false),
            Ok(())
        );
        assert!(check_activation(UnionCooperative, Forming, 0, true).is_err());
        assert!(RuleBreach::TooFewCooperatives { count: 2 }
            .to_string()
            .contains("it has 2"));
    }

    #[test]
    fn consortium_needs_a_lead_and_nothing_activates_twice() {
        assert_eq!(
            check_activation(IndustrialConsortium, Forming, 5, false),
            Err(RuleBreach::NoLead)
        );
        assert_eq!(
            check_activation(IndustrialConsortium, Forming, 0, true),
            Ok(())
        );
        assert_eq!(
            check_activation(UnionCooperative, Active, 9, true),
            Err(RuleBreach::AlreadyActive)
        );
    }

    #[test]
    fn removal_keeps_an_active_union_at_three() {
        use MemberKind::*;
        assert_eq!(
            check_removal(UnionCooperative, Active, Cooperative, 3),
            Err(RuleBreach::WouldLeaveTooFew { count: 3 })
        );
        assert_eq!(
            check_removal(UnionCooperative, Active, Cooperative, 4),
            Ok(())
        );
        assert_eq!(
            check_removal(UnionCooperative, Forming, Cooperative, 1),
            Ok(())
        );
        assert_eq!(
            check_removal(IndustrialConsortium, Active, Cooperative, 1),
            Ok(())
        );
        assert_eq!(check_removal(UnionCooperative, Active, Company, 3), Ok(()));
    }

    #[test]
    fn union_accepts_only_cooperatives() {
        assert!(accepts(UnionCooperative, MemberKind::Cooperative));
        assert!(!accepts(UnionCooperative, MemberKind::Smallholder));
        for k in MemberKind::ALL {
            assert!(accepts(IndustrialConsortium, *k));
        }
    }

    #[test]
    fn closed_cooperatives_do_not_join() {
        assert!(may_join(CoopStatus::Active));
        assert!(may_join(CoopStatus::Abnormal));
        assert!(!may_join(CoopStatus::Merged));
        assert!(!may_join(CoopStatus::Deregistered));
    }

    #[test]
    fn uscc_and_lead() {
        assert!(requires_uscc(UnionCooperative));
        assert!(!requires_uscc(IndustrialConsortium));
        assert!(role_free(MemberRole::Lead, false));
        assert!(!role_free(MemberRole::Lead, true));
        assert!(role_free(MemberRole::Member, true));
    }

    #[test]
    fn a_party_is_a_cooperative_by_id_or_another_by_name() {
        use MemberKind::*;
        assert_eq!(party(Cooperative, Some(4), None), Ok(Party::Cooperative(4)));
        assert_eq!(
            party(Cooperative, None, Some("x")),
            Err(PartyBreach::CooperativeIdRequired)
        );
        assert_eq!(
            party(Company, Some(4), Some("x")),
            Err(PartyBreach::CooperativeIdNotAllowed)
        );
        assert_eq!(
            party(Smallholder, None, Some("  ")),
            Err(PartyBreach::NameRequired)
        );
        assert_eq!(
            party(FamilyFarm, None, None),
            Err(PartyBreach::NameRequired)
        );
        assert_eq!(
            party(Company, None, Some(" 蓝莓公司 ")),
            Ok(Party::Named("蓝莓公司"))
        );
    }

    #[test]
    fn an_industry_is_covered_by_an_active_federation() {
        assert_eq!(industry_count([]), IndustryCount::default());
        let c = industry_count([
            (UnionCooperative, Active),
            (UnionCooperative, Forming),
            (IndustrialConsortium, Active),
        ]);
        assert_eq!(
            (
                c.active_union_cooperatives,
                c.active_industrial_consortia,
                c.covered
            ),
            (1, 1, true)
        );
        assert!(!industry_count([(IndustrialConsortium, Forming)]).covered);
    }
}
