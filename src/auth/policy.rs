//! The one place that decides what each role may see and do (API.md "Who may do what").
//!
//! Two layers: [`permits`] answers "may this role read/write this kind of resource at all"
//! (no → 403), and [`CoopScope`] narrows the records a caller may see (outside it → 404).

pub use crate::domain::role::Role;

/// The rows of the contract's permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Towns, industries, service types, loan products.
    ReferenceData,
    Cooperatives,
    /// Members, governance, compliance.
    MemberLedger,
    AnnualReports,
    /// Assessments, the abnormal list, merges.
    Supervision,
    Federations,
    /// Counselors, coverage, rankings.
    Counselors,
    /// Loans and schedules.
    Loans,
    RiskFund,
    Partners,
    Webhooks,
    ServiceOrders,
    /// Demonstration cooperatives and pilot progress.
    Demonstration,
    AuditEvents,
    /// User accounts: the district admin's alone.
    Users,
}

impl Resource {
    /// The resource's name in refusals.
    pub fn name(self) -> &'static str {
        match self {
            Resource::ReferenceData => "reference data",
            Resource::Cooperatives => "cooperatives",
            Resource::MemberLedger => "member ledgers",
            Resource::AnnualReports => "annual reports",
            Resource::Supervision => "assessments and the abnormal list",
            Resource::Federations => "federations",
            Resource::Counselors => "counselors",
            Resource::Loans => "loans",
            Resource::RiskFund => "the risk-compensation fund",
            Resource::Partners => "partners",
            Resource::Webhooks => "webhooks",
            Resource::ServiceOrders => "service orders",
            Resource::Demonstration => "demonstration cooperatives",
            Resource::AuditEvents => "audit events",
            Resource::Users => "user accounts",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// What a role may do with a kind of resource, before record scope is applied.
/// `W` implies `R`. Narrower rules ("own contact fields", "own visits") are applied by the
/// handler on top of a `true` here.
pub fn permits(role: Role, resource: Resource, access: Access) -> bool {
    use Resource::*;
    use Role::*;
    // (can read, can write)
    let (r, w) = match (resource, role) {
        (Users, DistrictAdmin) => (true, true),
        (Users, _) => (false, false),
        (_, DistrictAdmin) => (
            !matches!(resource, Webhooks),
            !matches!(resource, AuditEvents | Webhooks),
        ),
        (AuditEvents, Observer) => (true, false),
        (AuditEvents, _) => (false, false),
        (Partners | Webhooks, Observer) => (false, false),
        (_, Observer) => (true, false),

        (ReferenceData, _) => (true, false),

        (Cooperatives, TownOfficer | Cooperative) => (true, true),
        (Cooperatives, _) => (true, false),

        (MemberLedger | AnnualReports, TownOfficer | Cooperative) => (true, true),
        (MemberLedger | AnnualReports, Counselor) => (true, false),
        (MemberLedger | AnnualReports, _) => (false, false),

        (Supervision, TownOfficer | Counselor | Cooperative) => (true, false),
        (Supervision, _) => (false, false),

        (Federations, TownOfficer | Counselor | Cooperative) => (true, false),
        (Federations, _) => (false, false),

        // A counselor writes only their own visits: the handler checks "own".
        (Counselors, Counselor) => (true, true),
        (Counselors, TownOfficer | Cooperative) => (true, false),
        (Counselors, _) => (false, false),

        (Loans, TownOfficer) => (true, false),
        (Loans, Cooperative | BankPartner) => (true, true),
        (Loans, _) => (false, false),

        (RiskFund, BankPartner) => (true, false),
        (RiskFund, _) => (false, false),

        (Partners, _) => (false, false),
        (Webhooks, BankPartner) => (true, true),
        (Webhooks, _) => (false, false),

        (ServiceOrders, TownOfficer | Cooperative | ServiceCenter) => (true, true),
        (ServiceOrders, _) => (false, false),

        (Demonstration, TownOfficer | Counselor | Cooperative) => (true, false),
        (Demonstration, _) => (false, false),
    };
    match access {
        Access::Read => r,
        Access::Write => w,
    }
}

pub use crate::domain::scope::CoopScope;

#[cfg(test)]
mod tests {
    use super::*;
    use Access::*;
    use Resource::*;
    use Role::*;

    #[test]
    fn observer_reads_but_never_writes() {
        for res in [
            ReferenceData,
            Cooperatives,
            MemberLedger,
            AnnualReports,
            Supervision,
            Federations,
            Counselors,
            Loans,
            RiskFund,
            ServiceOrders,
            Demonstration,
            AuditEvents,
        ] {
            assert!(permits(Observer, res, Read), "{res:?}");
            assert!(!permits(Observer, res, Write), "{res:?}");
        }
        assert!(!permits(Observer, Partners, Read));
        assert!(!permits(Observer, Webhooks, Read));
        assert!(!permits(Observer, Users, Read));
    }

    #[test]
    fn users_are_for_the_district_admin_only() {
        for role in Role::ALL {
            assert_eq!(permits(role, Users, Read), role == DistrictAdmin, "{role}");
            assert_eq!(permits(role, Users, Write), role == DistrictAdmin, "{role}");
        }
    }

    #[test]
    fn audit_is_for_admin_and_observer_only() {
        for role in Role::ALL {
            assert_eq!(
                permits(role, AuditEvents, Read),
                matches!(role, DistrictAdmin | Observer),
                "{role}"
            );
            assert!(!permits(role, AuditEvents, Write));
        }
    }

    #[test]
    fn table_rows_from_the_contract() {
        assert!(permits(TownOfficer, Cooperatives, Write));
        assert!(!permits(Counselor, Cooperatives, Write));
        assert!(permits(Cooperative, Cooperatives, Write));
        assert!(!permits(BankPartner, MemberLedger, Read));
        assert!(!permits(ServiceCenter, MemberLedger, Read));
        assert!(!permits(TownOfficer, Supervision, Write));
        assert!(!permits(Counselor, Loans, Read));
        assert!(permits(BankPartner, Loans, Write));
        assert!(permits(BankPartner, RiskFund, Read));
        assert!(!permits(BankPartner, RiskFund, Write));
        assert!(!permits(TownOfficer, RiskFund, Read));
        assert!(permits(DistrictAdmin, Partners, Write));
        assert!(permits(BankPartner, Webhooks, Write));
        assert!(permits(ServiceCenter, ServiceOrders, Write));
        assert!(!permits(Counselor, ServiceOrders, Read));
        assert!(!permits(ServiceCenter, Demonstration, Read));
        for role in Role::ALL {
            assert!(permits(role, ReferenceData, Read));
            assert_eq!(permits(role, ReferenceData, Write), role == DistrictAdmin);
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
