//! Queue consumers and the cron relay. The outbox rows written with each
//! step are the durable record of every SMS and courier request; the relay to
//! the queues and the gateway adapters arrive with the dispatch issue. Until
//! then a consumer retries what it receives rather than acknowledge a
//! message it did not deliver: nothing is ever dropped.

use worker::{MessageBatch, MessageExt};

pub fn retry_all(batch: &MessageBatch<serde_json::Value>) {
    for message in batch.iter().flatten() {
        message.retry();
    }
}
