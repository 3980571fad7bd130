//! Counselors (辅导员): their vocabulary, coverage of towns and yearly rankings.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::cooperative::text_enum;

/// Evaluation scores run from 0 to 100.
pub const MAX_SCORE: i32 = 100;

text_enum! {
    /// Where a counselor comes from.
    CounselorSource {
        /// 农技推广人员
        AgriTechInstructor => "agri_tech_instructor",
        /// 大学生村官
        CollegeVillageOfficial => "college_village_official",
        /// 示范社理事长
        DemoCoopChair => "demo_coop_chair",
        /// 驻村第一书记
        FirstSecretary => "first_secretary",
        Other => "other",
    }
}

text_enum! {
    /// A counselor's level: one town, or an area (片区) of the district.
    CounselorLevel {
        /// 区级辅导员, responsible for an area of several towns.
        District => "district",
        /// 乡镇辅导员
        Town => "town",
    }
}

text_enum! {
    /// The yearly evaluation's rating (考核等次).
    Rating {
        Excellent => "excellent",
        Good => "good",
        Pass => "pass",
        Fail => "fail",
    }
}

/// Towns (in the given order) that no active counselor covers.
pub fn towns_without_counselor<'a>(
    all_towns: &'a [String],
    covered: &BTreeSet<&str>,
) -> Vec<&'a String> {
    all_towns
        .iter()
        .filter(|t| !covered.contains(t.as_str()))
        .collect()
}

/// Standard competition ranks ("1224") for scores already sorted best first: equal scores
/// share a rank, and the next distinct score skips the places taken.
pub fn competition_ranks(sorted_scores: &[i32]) -> Vec<i64> {
    let mut ranks = Vec::with_capacity(sorted_scores.len());
    for (i, s) in sorted_scores.iter().enumerate() {
        if i > 0 && sorted_scores[i - 1] == *s {
            let prev = ranks[i - 1];
            ranks.push(prev);
        } else {
            ranks.push(i as i64 + 1);
        }
    }
    ranks
}

/// Orders evaluations best first: score descending, then counselor id ascending (a stable
/// order within a tie; tied counselors share the rank).
pub fn ranking_order(rows: &mut [(i64, i32)]) {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// Counts per key, e.g. visits per counselor.
pub fn tally<K: Ord + Copy>(keys: impl IntoIterator<Item = K>) -> BTreeMap<K, i64> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_share_ties_and_skip() {
        assert_eq!(competition_ranks(&[]), Vec::<i64>::new());
        assert_eq!(competition_ranks(&[90]), vec![1]);
        assert_eq!(competition_ranks(&[95, 90, 90, 80]), vec![1, 2, 2, 4]);
        assert_eq!(competition_ranks(&[70, 70, 70]), vec![1, 1, 1]);
        assert_eq!(competition_ranks(&[100, 0]), vec![1, 2]);
    }

    #[test]
    fn order_is_score_then_id() {
        let mut rows = vec![(3, 80), (1, 90), (2, 80), (4, 100)];
        ranking_order(&mut rows);
        assert_eq!(rows, vec![(4, 100), (1, 90), (2, 80), (3, 80)]);
    }

    #[test]
    fn uncovered_towns() {
        let all: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let none = BTreeSet::new();
        assert_eq!(towns_without_counselor(&all, &none).len(), 3);
        let one: BTreeSet<&str> = ["b"].into_iter().collect();
        assert_eq!(towns_without_counselor(&all, &one), vec!["a", "c"]);
        let every: BTreeSet<&str> = ["a", "b", "c"].into_iter().collect();
        assert!(towns_without_counselor(&all, &every).is_empty());
    }

    #[test]
    fn tally_counts() {
        let t = tally([1, 2, 1, 1]);
        assert_eq!(t.get(&1), Some(&3));
        assert_eq!(t.get(&2), Some(&1));
        assert_eq!(t.get(&5), None);
    }

    #[test]
    fn enums_round_trip() {
        for s in CounselorSource::ALL {
            assert_eq!(CounselorSource::parse(s.as_str()), Some(*s));
        }
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.as_str()), Some(*r));
        }
        assert_eq!(CounselorLevel::parse("village"), None);
    }
}
