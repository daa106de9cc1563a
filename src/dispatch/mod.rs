//! Queue consumers, the dead-letter consumers and the cron relay: how the
//! outbox rows written with each step reach the SMS gateway and the courier.
//!
//! After a step's batch commits, its new outbox rows are put on the SMS or
//! courier queue (`enqueue`). A consumer claims the row, calls the provider,
//! and records the answer: accepted, retrying (the queue redelivers after a
//! backoff; attempts are counted in D1) or failed. Messages whose retries run
//! out land in a dead-letter queue whose consumer marks them failed. The cron
//! relay re-enqueues rows a queue send or a dead consumer left behind, so a
//! failure anywhere only delays a message.

pub mod courier;
pub mod esign;
pub mod recover;
pub mod status;
pub mod twilio;

mod consumers;
mod timed;
pub use consumers::{consume, enqueue, relay, return_cod, Config};
