//! The member ledger's vocabulary (成员台账).

use super::cooperative::text_enum;

text_enum! {
    /// What kind of member (the law counts farmers against the others).
    MemberType {
        /// 农民
        Farmer => "farmer",
        /// 企业
        Enterprise => "enterprise",
        /// 事业单位
        Institution => "institution",
        /// 社会组织
        SocialGroup => "social_group",
        /// 村集体经济组织: a village collective may lead or join a cooperative.
        CollectiveEconomicOrg => "collective_economic_org",
    }
}

text_enum! {
    /// How a member contributes capital (出资方式).
    ContributionForm {
        Cash => "cash",
        /// 土地经营权
        LandManagementRight => "land_management_right",
        /// 闲置宅基地使用权
        HomesteadUseRight => "homestead_use_right",
        /// 集体资产
        CollectiveAsset => "collective_asset",
        Equipment => "equipment",
        Technology => "technology",
        Other => "other",
    }
}

impl MemberType {
    /// Enterprises, institutions and social groups: the members the law caps.
    pub fn is_capped_non_farmer(self) -> bool {
        matches!(
            self,
            MemberType::Enterprise | MemberType::Institution | MemberType::SocialGroup
        )
    }
}
