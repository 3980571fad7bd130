//! Service-center orders: submitted → accepted → in_progress → completed, or cancelled.

use super::cooperative::text_enum;

text_enum! {
    OrderStatus {
        Submitted => "submitted",
        Accepted => "accepted",
        InProgress => "in_progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    OrderAction {
        Accept => "accept",
        Start => "start",
        Complete => "complete",
        Cancel => "cancel",
    }
}

/// The status an action leads to, or `None` when it is illegal from `from`.
pub fn transition(from: OrderStatus, action: OrderAction) -> Option<OrderStatus> {
    use OrderAction::*;
    use OrderStatus::*;
    match (from, action) {
        (Submitted, Accept) => Some(Accepted),
        (Accepted, Start) => Some(InProgress),
        (InProgress, Complete) => Some(Completed),
        (Submitted | Accepted | InProgress, Cancel) => Some(Cancelled),
        _ => None,
    }
}

/// The statuses still to be worked on: the work queue's orders.
pub const OPEN: [OrderStatus; 3] = [
    OrderStatus::Submitted,
    OrderStatus::Accepted,
    OrderStatus::InProgress,
];

/// Whether the order may be cancelled by this caller: service-center staff and the district
/// (`staff`) cancel any order (the state machine then decides); the cooperative or its town
/// officer only while it is still submitted.
pub fn may_cancel(status: OrderStatus, staff: bool) -> bool {
    staff || status == OrderStatus::Submitted
}

/// Why a completion's fee is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeError {
    /// A free service charged something.
    ChargedForFree,
    /// A paid service without the fee charged.
    MissingForPaid,
}

/// The fee to record on completion: a paid service needs it, a free one charges nothing
/// (0 or absent, recorded as 0).
pub fn fee_charged(free: bool, fee_fen: Option<i64>) -> Result<i64, FeeError> {
    match (free, fee_fen) {
        (true, Some(f)) if f > 0 => Err(FeeError::ChargedForFree),
        (false, None) => Err(FeeError::MissingForPaid),
        _ => Ok(fee_fen.unwrap_or(0)),
    }
}

/// Why an order cannot be rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingError {
    NotCompleted,
    AlreadyRated,
}

/// A completed order is rated once.
pub fn may_rate(status: OrderStatus, already_rated: bool) -> Result<(), RatingError> {
    if status != OrderStatus::Completed {
        Err(RatingError::NotCompleted)
    } else if already_rated {
        Err(RatingError::AlreadyRated)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_statuses_are_those_an_action_can_leave() {
        for s in OrderStatus::ALL {
            let leaves = OrderAction::ALL
                .iter()
                .any(|a| transition(*s, *a).is_some());
            assert_eq!(OPEN.contains(s), leaves, "{s}");
        }
    }

    #[test]
    fn only_staff_cancel_after_submission() {
        use OrderStatus::*;
        assert!(may_cancel(Submitted, false));
        assert!(!may_cancel(Accepted, false));
        assert!(!may_cancel(Completed, false));
        assert!(may_cancel(InProgress, true));
        assert!(
            may_cancel(Completed, true),
            "the state machine answers 409 then"
        );
    }

    #[test]
    fn fees() {
        assert_eq!(fee_charged(true, None), Ok(0));
        assert_eq!(fee_charged(true, Some(0)), Ok(0));
        assert_eq!(fee_charged(true, Some(1)), Err(FeeError::ChargedForFree));
        assert_eq!(fee_charged(false, None), Err(FeeError::MissingForPaid));
        assert_eq!(fee_charged(false, Some(0)), Ok(0));
        assert_eq!(fee_charged(false, Some(120_000)), Ok(120_000));
    }

    #[test]
    fn rating_once_after_completion() {
        use OrderStatus::*;
        assert_eq!(may_rate(Completed, false), Ok(()));
        assert_eq!(may_rate(Completed, true), Err(RatingError::AlreadyRated));
        for s in [Submitted, Accepted, InProgress, Cancelled] {
            assert_eq!(may_rate(s, false), Err(RatingError::NotCompleted));
        }
    }

    #[test]
    fn every_pair() {
        use OrderAction::*;
        use OrderStatus::*;
        let legal = [
            (Submitted, Accept, Accepted),
            (Accepted, Start, InProgress),
            (InProgress, Complete, Completed),
            (Submitted, Cancel, Cancelled),
            (Accepted, Cancel, Cancelled),
            (InProgress, Cancel, Cancelled),
        ];
        for from in OrderStatus::ALL {
            for action in OrderAction::ALL {
                let expected = legal
                    .iter()
                    .find(|(f, a, _)| f == from && a == action)
                    .map(|t| t.2);
                assert_eq!(transition(*from, *action), expected, "{from} --{action}-->");
            }
        }
    }
}
