//! Pure Rust: identifiers, the application, the workflow table, message
//! texts and password-hash records. No `worker`, no I/O, no async: everything
//! here is tested natively with `cargo test`.
//!
//! - [`ids`]: NIK, nomor KK, nomor HP, kode desa, nomor pendaftaran, each
//!   parsed once; [`check_symbol`] is the typo check shared by registration
//!   numbers and complaint tickets.
//! - [`application`]: a submission and production's corrections;
//!   [`services`]: what can be requested and its requirement documents;
//!   [`products`]: the civil documents an application yields.
//! - [`status`], [`workflow`]: the statuses and the transition table with
//!   what each step decides; [`roles`]: who acts.
//! - [`messages`]: SMS texts; [`outbox`]: where a message stands;
//!   [`courier`]: courier legs, shipments and fees; [`papers`]: where the
//!   citizen's physical papers are and how they go back.
//! - [`complaints`]: pengaduan, from intake to closing; [`api_key`]: partners'
//!   API keys.
//! - Small shared pieces: [`field_error`], [`time`] (WIB), [`hex`], [`json_path`],
//!   [`password`] records, and `coded_enum!` for every closed set of codes.

pub mod alerts;
pub mod api_key;
pub mod application;
pub mod check_symbol;
pub(crate) mod coded_enum;
pub mod complaints;
pub mod courier;
pub mod courier_report;
pub mod field_error;
pub mod hex;
pub mod ids;
pub mod inbound;
pub mod json_path;
pub mod log;
pub mod messages;
pub mod outbox;
pub mod papers;
pub mod password;
pub mod products;
pub mod roles;
pub mod services;
pub mod set;
pub mod status;
pub mod text;
pub mod time;
pub mod workflow;
