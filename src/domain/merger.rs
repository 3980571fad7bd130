//! A merger (兼并/合并): which members and federation memberships move from the source
//! cooperative to the target, decided before anything is written.
//!
//! * Active members of the source move to the target, except those whose ID number is
//!   already an active member's of the target: they exit the source as duplicates.
//! * The source's federation memberships move to the target, except in federations the
//!   target already belongs to: there the source's membership is removed (and, if it was the
//!   lead, the target's membership takes over the lead role).
//! * A merger that would leave an active union cooperative below
//!   [`MIN_UNION_MEMBER_COOPERATIVES`] member cooperatives is refused.

use std::collections::{HashMap, HashSet};

use super::federation::{
    FederationKind, FederationStatus, MemberRole, MIN_UNION_MEMBER_COOPERATIVES,
};

/// An active member of the source or target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub id_number: Option<String>,
}

/// A cooperative's membership of a federation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The membership's id (a `federation_members` row).
    pub id: i64,
    pub federation_id: i64,
    pub role: MemberRole,
}

/// A federation the source belongs to, as it stands before the merger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Federation {
    pub id: i64,
    pub kind: FederationKind,
    pub status: FederationStatus,
    /// Its member cooperatives.
    pub cooperatives: i64,
}

/// What the merger finds on both sides.
#[derive(Debug, Clone, Default)]
pub struct Sides<'a> {
    pub source_members: &'a [Member],
    pub target_members: &'a [Member],
    /// In the order they are to be handled (by id).
    pub source_memberships: &'a [Membership],
    pub target_memberships: &'a [Membership],
    /// The federations of the source's memberships.
    pub federations: &'a [Federation],
}

/// A source membership in a federation the target already belongs to: removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedMembership {
    pub source: Membership,
    pub target: Membership,
    /// The source led the federation and the target did not: the target now leads.
    pub target_becomes_lead: bool,
}

/// What a merger does to a source membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipStep {
    /// The membership passes to the target.
    Moved(Membership),
    /// Both belong: the source's membership is removed.
    Merged(MergedMembership),
}

impl MembershipStep {
    pub fn federation_id(&self) -> i64 {
        match self {
            MembershipStep::Moved(m) => m.federation_id,
            MembershipStep::Merged(m) => m.source.federation_id,
        }
    }
}

/// The merger to carry out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Source members that move to the target, in id order.
    pub moving_members: Vec<i64>,
    /// Source members that exit because the target already has them (same ID number).
    pub exiting_members: Vec<i64>,
    /// One step per source membership, in the order given.
    pub memberships: Vec<MembershipStep>,
}

impl Plan {
    /// The federations whose membership moved to the target.
    pub fn moved_federation_ids(&self) -> Vec<i64> {
        self.memberships
            .iter()
            .filter(|s| matches!(s, MembershipStep::Moved(_)))
            .map(MembershipStep::federation_id)
            .collect()
    }

    /// The federations both belonged to (the source's membership removed).
    pub fn merged_federation_ids(&self) -> Vec<i64> {
        self.memberships
            .iter()
            .filter(|s| matches!(s, MembershipStep::Merged(_)))
            .map(MembershipStep::federation_id)
            .collect()
    }
}

/// Why a merger is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergerBreach {
    /// The active union cooperative would keep fewer than the minimum of member cooperatives.
    UnionBelowMinimum { federation_id: i64 },
}

impl std::fmt::Display for MergerBreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergerBreach::UnionBelowMinimum { federation_id } => write!(
                f,
                "the merger would leave the active union cooperative {federation_id} with fewer than {MIN_UNION_MEMBER_COOPERATIVES} member cooperatives"
            ),
        }
    }
}

/// The reason recorded on a member who exits the source as a duplicate.
pub fn duplicate_exit_reason(into: i64) -> String {
    format!("merged into cooperative {into}, where the member already belongs")
}

/// Decides the merger (see the module's documentation). Refused for the first union, in the
/// order of the source's memberships, that would fall below the minimum.
pub fn plan(sides: &Sides<'_>) -> Result<Plan, MergerBreach> {
    let target_numbers: HashSet<&str> = sides
        .target_members
        .iter()
        .filter_map(|m| m.id_number.as_deref())
        .collect();
    let mut plan = Plan::default();
    for m in sides.source_members {
        if m.id_number
            .as_deref()
            .is_some_and(|n| target_numbers.contains(n))
        {
            plan.exiting_members.push(m.id);
        } else {
            plan.moving_members.push(m.id);
        }
    }
    let target_in: HashMap<i64, &Membership> = sides
        .target_memberships
        .iter()
        .map(|m| (m.federation_id, m))
        .collect();
    let federations: HashMap<i64, &Federation> =
        sides.federations.iter().map(|f| (f.id, f)).collect();
    for source in sides.source_memberships {
        let Some(target) = target_in.get(&source.federation_id) else {
            plan.memberships.push(MembershipStep::Moved(*source));
            continue;
        };
        if let Some(f) = federations.get(&source.federation_id) {
            let left = f.cooperatives - 1;
            if f.kind == FederationKind::UnionCooperative
                && f.status == FederationStatus::Active
                && left < MIN_UNION_MEMBER_COOPERATIVES
            {
                return Err(MergerBreach::UnionBelowMinimum {
                    federation_id: f.id,
                });
            }
        }
        plan.memberships
            .push(MembershipStep::Merged(MergedMembership {
                source: *source,
                target: **target,
                target_becomes_lead: source.role == MemberRole::Lead
                    && target.role != MemberRole::Lead,
            }));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, n: Option<&str>) -> Member {
        Member {
            id,
            id_number: n.map(str::to_string),
        }
    }

    fn ship(id: i64, federation_id: i64, role: MemberRole) -> Membership {
        Membership {
            id,
            federation_id,
            role,
        }
    }

    fn union(id: i64, status: FederationStatus, cooperatives: i64) -> Federation {
        Federation {
            id,
            kind: FederationKind::UnionCooperative,
            status,
            cooperatives,
        }
    }

    #[test]
    fn members_move_unless_the_target_already_has_their_id_number() {
        let source = [member(1, Some("A")), member(2, None), member(3, Some("B"))];
        let target = [member(9, Some("B")), member(8, None)];
        let p = plan(&Sides {
            source_members: &source,
            target_members: &target,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(p.moving_members, vec![1, 2]);
        assert_eq!(p.exiting_members, vec![3]);
        assert!(p.memberships.is_empty());
    }

    #[test]
    fn memberships_move_or_merge_and_the_lead_passes_to_the_target() {
        let source = [
            ship(1, 10, MemberRole::Member),
            ship(2, 20, MemberRole::Lead),
            ship(3, 30, MemberRole::Lead),
        ];
        let target = [
            ship(5, 20, MemberRole::Member),
            ship(6, 30, MemberRole::Lead),
        ];
        let feds = [
            union(20, FederationStatus::Active, 4),
            union(30, FederationStatus::Forming, 2),
        ];
        let p = plan(&Sides {
            source_memberships: &source,
            target_memberships: &target,
            federations: &feds,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(p.moved_federation_ids(), vec![10]);
        assert_eq!(p.merged_federation_ids(), vec![20, 30]);
        assert_eq!(
            p.memberships[1],
            MembershipStep::Merged(MergedMembership {
                source: source[1],
                target: target[0],
                target_becomes_lead: true,
            })
        );
        let MembershipStep::Merged(m) = p.memberships[2] else {
            panic!("merged")
        };
        assert!(!m.target_becomes_lead, "the target leads already");
    }

    #[test]
    fn an_active_union_below_three_refuses_the_merger() {
        let source = [
            ship(1, 10, MemberRole::Member),
            ship(2, 20, MemberRole::Member),
        ];
        let target = [
            ship(5, 10, MemberRole::Member),
            ship(6, 20, MemberRole::Member),
        ];
        let feds = [
            union(10, FederationStatus::Active, 4),
            union(20, FederationStatus::Active, 3),
        ];
        let sides = Sides {
            source_memberships: &source,
            target_memberships: &target,
            federations: &feds,
            ..Default::default()
        };
        let err = plan(&sides).unwrap_err();
        assert_eq!(err, MergerBreach::UnionBelowMinimum { federation_id: 20 });
        assert!(err.to_string().contains("fewer than 3"), "{err}");
        // A consortium, or a union still forming, has no minimum to keep.
        let forming = [
            union(10, FederationStatus::Active, 4),
            union(20, FederationStatus::Forming, 3),
        ];
        assert!(plan(&Sides {
            federations: &forming,
            ..sides.clone()
        })
        .is_ok());
        let consortium = [
            union(10, FederationStatus::Active, 4),
            Federation {
                kind: FederationKind::IndustrialConsortium,
                ..union(20, FederationStatus::Active, 2)
            },
        ];
        assert!(plan(&Sides {
            federations: &consortium,
            ..sides
        })
        .is_ok());
    }

    #[test]
    fn the_exit_reason_names_the_target() {
        assert_eq!(
            duplicate_exit_reason(12),
            "merged into cooperative 12, where the member already belongs"
        );
    }
}
