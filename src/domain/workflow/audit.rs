//! The content of a step's one audit event: what changed, and the facts the
//! trail keeps besides (SIAK reference, collector, receipt).

use serde::Serialize;

use crate::domain::coded_enum::coded_enum;

use super::{Action, ApplicationState, Effect, Status};

coded_enum! {
    /// A fact a step records in the audit trail besides its fields. The code
    /// is the key stored with the event; the label is what the record page's
    /// timeline shows.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum AuditDetail {
        /// `accept`: the SIAK entry the front office made.
        SiakReference = "siak_reference" => "Referensi SIAK",
        /// `hand_over`: who collected the documents at the counter.
        CollectorName = "collector_name" => "Nama pengambil",
        /// `hand_over`: the collector's NIK, masked.
        CollectorNik = "collector_nik" => "NIK pengambil",
        /// `record_delivered`: the courier's receipt the entry rests on.
        Receipt = "receipt" => "Nomor resi",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What a successful step changes: the new state, and the content of its one
/// audit event and its outbox rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub action: Action,
    pub from: Option<Status>,
    pub next: ApplicationState,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
    /// Extra facts for the audit trail, keyed by [`AuditDetail::code`].
    pub details: Vec<(&'static str, String)>,
    /// Requirement codes confirmed by `receive_documents`.
    pub received_items: Vec<String>,
    pub effects: Vec<Effect>,
}
