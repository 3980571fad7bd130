//! Counselors (辅导员): their vocabulary, coverage of towns and yearly rankings.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

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

/// Yearly evaluations start with this year.
pub const FIRST_EVALUATION_YEAR: i32 = 2000;

/// A year may be evaluated once it has begun (and not before the first evaluation year).
pub fn evaluation_year_allowed(year: i32, this_year: i32) -> bool {
    (FIRST_EVALUATION_YEAR..=this_year).contains(&year)
}

/// Only a district counselor has an area (片区); a town counselor with one is refused.
pub fn may_have_area(level: CounselorLevel, area: Option<&str>) -> bool {
    !(level == CounselorLevel::Town && area.is_some())
}

/// The area after a change: the one asked for (`Some(None)` clears it); when none is asked
/// for, a counselor becoming (or staying) a town counselor drops it, a district one keeps it.
pub fn area_after(
    level: CounselorLevel,
    requested: Option<Option<String>>,
    current: Option<String>,
) -> Option<String> {
    match requested {
        Some(a) => a,
        None if level == CounselorLevel::Town => None,
        None => current,
    }
}

/// The first day of `year` and of the year after: the window `[from, to)` of a ranking's
/// counts. `None` outside the calendar.
pub fn year_window(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?,
    ))
}

/// One place in a year's ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    pub counselor_id: i64,
    pub score: i32,
    pub rank: i64,
}

/// A year's scores (counselor id, score) ranked: best first, ties by counselor id, equal
/// scores sharing a rank ("1224").
pub fn ranked(mut scores: Vec<(i64, i32)>) -> Vec<Ranked> {
    ranking_order(&mut scores);
    let sorted: Vec<i32> = scores.iter().map(|(_, s)| *s).collect();
    scores
        .into_iter()
        .zip(competition_ranks(&sorted))
        .map(|((counselor_id, score), rank)| Ranked {
            counselor_id,
            score,
            rank,
        })
        .collect()
}

/// Who covers what, counting only the counselors `counts` admits (the active ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageMap {
    /// Counselor ids per covered town, in the order the pairs came.
    pub per_town: HashMap<String, Vec<i64>>,
    /// Covered towns per counselor, in the order the pairs came.
    pub per_counselor: BTreeMap<i64, Vec<String>>,
}

impl CoverageMap {
    /// Builds the map from (counselor, town) pairs.
    pub fn new(
        pairs: impl IntoIterator<Item = (i64, String)>,
        counts: impl Fn(i64) -> bool,
    ) -> Self {
        let mut map = CoverageMap::default();
        for (id, town) in pairs {
            if counts(id) {
                map.per_town.entry(town.clone()).or_default().push(id);
                map.per_counselor.entry(id).or_default().push(town);
            }
        }
        map
    }

    /// The towns with at least one counselor.
    pub fn covered(&self) -> BTreeSet<&str> {
        self.per_town.keys().map(String::as_str).collect()
    }

    /// How many counselors cover `town`.
    pub fn count(&self, town: &str) -> i64 {
        self.per_town.get(town).map_or(0, |ids| ids.len() as i64)
    }
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

    #[test]
    fn evaluation_years() {
        assert!(!evaluation_year_allowed(1999, 2026));
        assert!(evaluation_year_allowed(2000, 2026));
        assert!(evaluation_year_allowed(2026, 2026));
        assert!(!evaluation_year_allowed(2027, 2026));
    }

    #[test]
    fn areas_belong_to_district_counselors() {
        use CounselorLevel::*;
        assert!(may_have_area(District, Some("北片")));
        assert!(may_have_area(Town, None));
        assert!(!may_have_area(Town, Some("北片")));
        let cur = Some("北片".to_string());
        assert_eq!(
            area_after(Town, None, cur.clone()),
            None,
            "a town counselor drops it"
        );
        assert_eq!(area_after(District, None, cur.clone()), cur);
        assert_eq!(area_after(District, Some(None), cur.clone()), None);
        assert_eq!(
            area_after(Town, Some(Some("南片".into())), cur),
            Some("南片".into()),
            "asked for explicitly, then refused by may_have_area"
        );
    }

    #[test]
    fn year_windows() {
        let (from, to) = year_window(2026).unwrap();
        assert_eq!(from.to_string(), "2026-01-01");
        assert_eq!(to.to_string(), "2027-01-01");
        assert_eq!(year_window(i32::MAX), None);
    }

    #[test]
    fn ranked_orders_and_shares_ranks() {
        let r = ranked(vec![(3, 80), (1, 90), (2, 80), (4, 70)]);
        let flat: Vec<(i64, i32, i64)> = r
            .iter()
            .map(|x| (x.counselor_id, x.score, x.rank))
            .collect();
        assert_eq!(flat, vec![(1, 90, 1), (2, 80, 2), (3, 80, 2), (4, 70, 4)]);
        assert!(ranked(Vec::new()).is_empty());
    }

    #[test]
    fn coverage_counts_only_admitted_counselors() {
        let pairs = vec![
            (1, "a".to_string()),
            (2, "a".to_string()),
            (2, "b".to_string()),
            (3, "c".to_string()),
        ];
        let map = CoverageMap::new(pairs, |id| id != 3);
        assert_eq!(map.count("a"), 2);
        assert_eq!(map.count("b"), 1);
        assert_eq!(map.count("c"), 0, "an inactive counselor covers nothing");
        assert_eq!(map.covered(), ["a", "b"].into_iter().collect());
        assert_eq!(
            map.per_counselor.get(&2),
            Some(&vec!["a".to_string(), "b".to_string()])
        );
        let all: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            towns_without_counselor(&all, &map.covered()),
            vec!["c", "d"]
        );
    }
}
