//! The content of a step's one audit event: what changed, and the facts the
//! trail keeps besides (SIAK reference, collector, receipt).

use serde::Serialize;

use crate::domain::coded_enum::coded_enum;
use crate::domain::ids::VerificationCode;
use crate::domain::products::{ProductKind, StoredFile};

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
        /// Per-product steps (h–j): which document.
        Product = "product" => "Dokumen",
        /// `attach_draft`: the number SIAK gave the document.
        DocumentNumber = "document_number" => "Nomor dokumen",
        /// `attach_draft`, `sign`: the file's SHA-256.
        FileSha256 = "sha256" => "SHA-256 berkas",
        /// `sign`: the public verification code of the signed file.
        VerificationCode = "verification_code" => "Kode verifikasi",
        /// `cancel`: how the papers go back.
        PapersReturn = "papers_return" => "Berkas fisik",
    }
}

/// A product's new signature: what `/verifikasi/{code}` will show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignature {
    pub product: ProductKind,
    pub code: VerificationCode,
    pub document_number: String,
    pub file: StoredFile,
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
    /// `sign`: the signed file to record (with its product and code).
    pub signature: Option<NewSignature>,
    pub effects: Vec<Effect>,
}
