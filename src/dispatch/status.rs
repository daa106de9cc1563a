//! Dispatch's view of a message's status: Twilio's statuses mapped onto
//! ours (`domain::outbox::MessageStatus`, whose statuses only move
//! forward), and the backoff that makes a retryable failure wait longer
//! each time.

pub use crate::domain::outbox::MessageStatus;

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
    fn twilio_statuses_map_onto_ours() {
        assert_eq!(from_twilio("queued"), Some(MessageStatus::Accepted));
        assert_eq!(from_twilio("delivered"), Some(MessageStatus::Delivered));
        assert_eq!(from_twilio("undelivered"), Some(MessageStatus::Undelivered));
        assert_eq!(from_twilio("bogus"), None);
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
