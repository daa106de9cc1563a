//! Where an outbox message stands (an SMS, or a courier order before the
//! courier took it), and the rule that keeps that honest: statuses only move
//! forward, so a late `sent` never overwrites `delivered` and a repeated
//! provider report changes nothing. Codes are what D1 stores; labels are what
//! officers read on the record page.

use super::coded_enum::coded_enum;

coded_enum! {
    /// The delivery status of one outbox row.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum MessageStatus {
        /// Written with its step; not yet taken by a consumer.
        Pending = "pending" => "menunggu antrean",
        /// A retryable failure; the queue will deliver it again.
        Retrying = "retrying" => "dicoba ulang",
        /// A consumer holds it (with a lease) while calling the provider.
        Sending = "sending" => "sedang dikirim",
        /// The provider took it (Twilio: queued/accepted; courier: order created).
        Accepted = "accepted" => "diterima gateway",
        Sent = "sent" => "terkirim",
        Delivered = "delivered" => "sampai ke HP",
        Undelivered = "undelivered" => "tidak sampai",
        Failed = "failed" => "gagal",
    }
}

impl MessageStatus {
    /// How far along a message is. Final outcomes share the top rank, so
    /// once one is reached no provider report can change it.
    pub const fn rank(self) -> u8 {
        match self {
            MessageStatus::Pending => 0,
            MessageStatus::Retrying => 1,
            MessageStatus::Sending => 2,
            MessageStatus::Accepted => 3,
            MessageStatus::Sent => 4,
            MessageStatus::Delivered | MessageStatus::Undelivered | MessageStatus::Failed => 5,
        }
    }

    pub const fn is_final(self) -> bool {
        self.rank() == 5
    }

    /// Whether a provider report of `next` may replace `self`.
    pub const fn may_become(self, next: MessageStatus) -> bool {
        next.rank() > self.rank()
    }
}

coded_enum! {
    /// Which queue an outbox row goes through.
    #[derive(Hash)]
    pub enum OutboxChannel {
        Sms = "sms" => "SMS",
        Courier = "courier" => "Kurir PT Pos",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_sent_never_overwrites_delivered_and_final_is_final() {
        use MessageStatus as M;
        assert!(!M::Delivered.may_become(M::Sent));
        assert!(M::Sent.may_become(M::Delivered));
        assert!(M::Pending.may_become(M::Failed));
        assert!(!M::Sent.may_become(M::Sent), "a repeat changes nothing");
        assert!(!M::Undelivered.may_become(M::Delivered), "final is final");
        let finals: Vec<_> = M::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [M::Delivered, M::Undelivered, M::Failed]);
    }

    #[test]
    fn message_statuses_are_listed_in_the_order_they_happen() {
        let ranks = MessageStatus::ALL.map(MessageStatus::rank);
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    }
}
