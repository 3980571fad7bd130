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

#[cfg(test)]
mod tests {
    use super::*;

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
