//! The demonstration score (0–100): weighted factors as data, each saturating at a value.

use serde::Serialize;
use utoipa::ToSchema;

/// One scoring factor: its weight (points) and where it saturates.
#[derive(Debug, Clone, Copy)]
pub struct Factor {
    pub name: &'static str,
    pub weight: u32,
    /// The value that earns the full weight (scaled linearly below it).
    pub full_at: f64,
}

/// The score's weights, as data; they add up to 100.
pub const WEIGHTS: [Factor; 6] = [
    Factor {
        name: "members",
        weight: 20,
        full_at: 150.0,
    },
    Factor {
        name: "registered_capital",
        weight: 15,
        full_at: 500_000_000.0,
    },
    Factor {
        name: "operating_revenue",
        weight: 20,
        full_at: 1_000_000_000.0,
    },
    Factor {
        name: "surplus_return_ratio",
        weight: 20,
        full_at: 0.6,
    },
    Factor {
        name: "member_income",
        weight: 15,
        full_at: 3_000_000.0,
    },
    Factor {
        name: "counselor_findings",
        weight: 10,
        full_at: 4.0,
    },
];

/// The raw values, in the units of [`WEIGHTS`] (fen, ratios, counts).
#[derive(Debug, Clone, Copy, Default)]
pub struct ScoreInputs {
    pub members: f64,
    pub registered_capital_fen: f64,
    pub operating_revenue_fen: f64,
    pub surplus_return_ratio: f64,
    pub member_income_fen: f64,
    /// Counselor guidance visits with findings in the last two years.
    pub counselor_visits: f64,
}

/// One line of the score's breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScorePart {
    pub factor: String,
    pub value: f64,
    pub weight: u32,
    pub points: f64,
}

/// The score (0–100, rounded) and its breakdown.
pub fn score(i: &ScoreInputs) -> (i32, Vec<ScorePart>) {
    let values = [
        i.members,
        i.registered_capital_fen,
        i.operating_revenue_fen,
        i.surplus_return_ratio,
        i.member_income_fen,
        i.counselor_visits,
    ];
    let parts: Vec<ScorePart> = WEIGHTS
        .iter()
        .zip(values)
        .map(|(f, v)| {
            let share = if f.full_at <= 0.0 {
                0.0
            } else {
                (v.max(0.0) / f.full_at).min(1.0)
            };
            ScorePart {
                factor: f.name.into(),
                value: v,
                weight: f.weight,
                points: (share * f64::from(f.weight) * 100.0).round() / 100.0,
            }
        })
        .collect();
    let total: f64 = parts.iter().map(|p| p.points).sum();
    (total.round().clamp(0.0, 100.0) as i32, parts)
}

/// The figures of the last published report that the score uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublishedFigures {
    pub operating_revenue_fen: i64,
    pub surplus_fen: i64,
    pub surplus_returned_by_transactions_fen: i64,
    pub member_income_fen: Option<i64>,
}

/// The score's inputs: members, capital, the last published report (none: zeros) and the
/// counselor visits with findings.
pub fn score_inputs(
    members: usize,
    registered_capital_fen: i64,
    report: Option<&PublishedFigures>,
    counselor_visits: i64,
) -> ScoreInputs {
    ScoreInputs {
        members: members as f64,
        registered_capital_fen: registered_capital_fen as f64,
        operating_revenue_fen: report
            .map(|r| r.operating_revenue_fen as f64)
            .unwrap_or(0.0),
        surplus_return_ratio: report
            .filter(|r| r.surplus_fen > 0)
            .map(|r| r.surplus_returned_by_transactions_fen as f64 / r.surplus_fen as f64)
            .unwrap_or(0.0),
        member_income_fen: report.and_then(|r| r.member_income_fen).unwrap_or(0) as f64,
        counselor_visits: counselor_visits as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up_and_score_saturates() {
        assert_eq!(WEIGHTS.iter().map(|w| w.weight).sum::<u32>(), 100);
        let full = ScoreInputs {
            members: 500.0,
            registered_capital_fen: 1e12,
            operating_revenue_fen: 1e12,
            surplus_return_ratio: 0.9,
            member_income_fen: 1e9,
            counselor_visits: 10.0,
        };
        assert_eq!(score(&full).0, 100);
        assert_eq!(score(&ScoreInputs::default()).0, 0);
        let half_members = ScoreInputs {
            members: 75.0,
            ..Default::default()
        };
        assert_eq!(score(&half_members).0, 10);
    }

    #[test]
    fn score_inputs_from_the_registry() {
        let r = PublishedFigures {
            operating_revenue_fen: 500,
            surplus_fen: 1000,
            surplus_returned_by_transactions_fen: 700,
            member_income_fen: Some(30),
        };
        let i = score_inputs(5, 100, Some(&r), 2);
        assert_eq!(i.members, 5.0);
        assert_eq!(i.registered_capital_fen, 100.0);
        assert_eq!(i.operating_revenue_fen, 500.0);
        assert!((i.surplus_return_ratio - 0.7).abs() < 1e-9);
        assert_eq!(i.member_income_fen, 30.0);
        assert_eq!(i.counselor_visits, 2.0);
        let none = score_inputs(0, 0, None, 0);
        assert_eq!(none.operating_revenue_fen, 0.0);
        assert_eq!(none.surplus_return_ratio, 0.0);
        let no_surplus = PublishedFigures {
            surplus_fen: 0,
            ..r
        };
        assert_eq!(
            score_inputs(0, 0, Some(&no_surplus), 0).surplus_return_ratio,
            0.0
        );
    }
}
