//! Where a message stands, and the rules that keep that honest: statuses
//! only move forward (a late `sent` never overwrites `delivered`), and a
//! retryable failure waits longer each time.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Written with its step; not yet taken by a consumer.
    Pending,
    /// A retryable failure; the queue will deliver it again.
    Retrying,
    /// A consumer holds it (with a lease) while calling the provider.
    Sending,
    /// The provider took it (Twilio: queued/accepted; courier: order created).
    Accepted,
    Sent,
    Delivered,
    Undelivered,
    Failed,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 8] = [
        MessageStatus::Pending,
        MessageStatus::Retrying,
        MessageStatus::Sending,
        MessageStatus::Accepted,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Undelivered,
        MessageStatus::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Retrying => "retrying",
            MessageStatus::Sending => "sending",
            MessageStatus::Accepted => "accepted",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<MessageStatus> {
        MessageStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// How far along a message is. Final outcomes share the top rank, so
    /// once one is reached no provider report can change it.
    pub fn rank(self) -> u8 {
        match self {
            MessageStatus::Pending => 0,
            MessageStatus::Retrying => 1,
            MessageStatus::Sending => 2,
            MessageStatus::Accepted => 3,
            MessageStatus::Sent => 4,
            MessageStatus::Delivered | MessageStatus::Undelivered | MessageStatus::Failed => 5,
        }
    }

    pub fn is_final(self) -> bool {
        self.rank() == 5
    }

    /// Twilio's `MessageStatus` values, mapped onto ours.
    pub fn from_twilio(status: &str) -> Option<MessageStatus> {
        Some(match status {
            "accepted" | "scheduled" | "queued" | "sending" => MessageStatus::Accepted,
            "sent" => MessageStatus::Sent,
            "delivered" | "read" => MessageStatus::Delivered,
            "undelivered" => MessageStatus::Undelivered,
            "failed" | "canceled" => MessageStatus::Failed,
            _ => return None,
        })
    }

    /// Whether a provider report of `next` may replace `self`.
    pub fn may_become(self, next: MessageStatus) -> bool {
        next.rank() > self.rank()
    }
}

/// The SQL expression of [`MessageStatus::rank`] for a column, so a guarded
/// UPDATE applies the same rule as the Rust code.
pub fn rank_sql(column: &str) -> String {
    let arms: String = MessageStatus::ALL
        .iter()
        .map(|s| format!(" WHEN '{}' THEN {}", s.code(), s.rank()))
        .collect();
    format!("(CASE {column}{arms} END)")
}

/// Seconds to wait before attempt `attempt + 1`: `base · 2^(attempt-1)`,
/// at most `max` (and at most five minutes), never less than the provider's
/// `Retry-After` within that bound.
pub fn backoff_seconds(attempt: u32, base: u32, max: u32, retry_after: Option<u32>) -> u32 {
    let cap = max.clamp(1, 300);
    let exponential = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exponential
        .clamp(1, cap)
        .max(retry_after.unwrap_or(0).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_sent_never_overwrites_delivered() {
        assert!(!MessageStatus::Delivered.may_become(MessageStatus::Sent));
        assert!(MessageStatus::Sent.may_become(MessageStatus::Delivered));
        assert!(MessageStatus::Accepted.may_become(MessageStatus::Sent));
        assert!(
            !MessageStatus::Sent.may_become(MessageStatus::Sent),
            "a repeat changes nothing"
        );
        assert!(
            !MessageStatus::Undelivered.may_become(MessageStatus::Delivered),
            "final is final"
        );
        assert!(MessageStatus::Pending.may_become(MessageStatus::Failed));
    }

    #[test]
    fn twilio_statuses_map_onto_ours() {
        assert_eq!(
            MessageStatus::from_twilio("queued"),
            Some(MessageStatus::Accepted)
        );
        assert_eq!(
            MessageStatus::from_twilio("delivered"),
            Some(MessageStatus::Delivered)
        );
        assert_eq!(
            MessageStatus::from_twilio("undelivered"),
            Some(MessageStatus::Undelivered)
        );
        assert_eq!(MessageStatus::from_twilio("bogus"), None);
    }

    #[test]
    fn the_sql_rank_lists_every_status_with_its_rank() {
        let sql = rank_sql("status");
        for s in MessageStatus::ALL {
            assert!(
                sql.contains(&format!("WHEN '{}' THEN {}", s.code(), s.rank())),
                "{sql}"
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_five_minutes_and_honours_retry_after() {
        assert_eq!(backoff_seconds(1, 5, 300, None), 5);
        assert_eq!(backoff_seconds(2, 5, 300, None), 10);
        assert_eq!(backoff_seconds(4, 5, 300, None), 40);
        assert_eq!(backoff_seconds(30, 5, 300, None), 300);
        assert_eq!(backoff_seconds(1, 5, 300, Some(30)), 30);
        assert_eq!(backoff_seconds(1, 0, 300, None), 1);
        assert_eq!(
            backoff_seconds(9, 1, 2, Some(60)),
            2,
            "the cap bounds Retry-After too"
        );
        assert_eq!(
            backoff_seconds(9, 1, 9999, None),
            256,
            "the cap is at most five minutes"
        );
    }
}
