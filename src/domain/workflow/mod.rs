//! The PAK POS workflow: the transition table of DESIGN.md as one pure
//! function. [`rule_for`] *is* the table — reading its `match` reads the design —
//! and [`decide`] applies it to an application, an actor and a command,
//! returning the next state, the audit event's content and the effects (SMS,
//! courier requests) to write in the same batch. Undefined transitions are
//! error values, never panics.
//!
//! Layout: `table` is the rule table, `action` the actions and their
//! commands, `state` what the workflow reads, `effects` what a step asks of
//! the outside world, `audit` what its event records, and `decide` the step
//! itself.

mod action;
mod audit;
mod decide;
mod effects;
mod state;
mod table;

pub use super::courier::CourierLeg;
pub use super::status::Status;
pub use action::{Action, Collector, Command, Reason};
pub use audit::{AuditDetail, FieldChange, NewSignature, Transition};
pub use decide::{authorize, decide, WorkflowError};
pub use effects::{submission_effects, CourierRequest, Effect, FeeChange};
pub use state::ApplicationState;
pub use table::{available_actions, ever_allowed, rule_for, Rule, Target};

#[cfg(test)]
mod tests;
