//! Pure Rust: identifiers, the application, the workflow table, message
//! texts and password-hash records. No `worker`, no I/O, no async: everything
//! here is tested natively with `cargo test`.

pub mod application;
pub mod check_symbol;
pub(crate) mod coded_enum;
pub mod complaints;
pub mod courier;
pub mod field_error;
pub mod hex;
pub mod ids;
pub mod messages;
pub mod outbox;
pub mod password;
pub mod roles;
pub mod services;
pub mod status;
pub mod time;
pub mod workflow;
