//! Signatures by their public verification code (the product rows
//! themselves are read with their application, see `applications::load`,
//! and written with its steps, see `applications::commit_step`).

use serde::Deserialize;

use super::{text, Db, StoreResult, Timestamp};
use crate::domain::ids::VerificationCode;

#[derive(Debug, Deserialize)]
pub struct SignatureRow {
    pub registration_number: String,
    pub kind: String,
    pub document_number: String,
    pub object_key: String,
    pub sha256: String,
    pub size: i64,
    pub signed_at: Timestamp,
    pub replaced_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The document's holder: the subject's name (the child of an akta or
    /// a KIA), else the applicant's.
    pub holder_name: Option<String>,
}

/// Params: ?1 verification code (canonical).
pub async fn find(db: &Db, code: &VerificationCode) -> StoreResult<Option<SignatureRow>> {
    db.first(
        "SELECT s.registration_number, s.kind, s.document_number, s.object_key, s.sha256, s.size, \
                s.signed_at, s.replaced_at, s.revoked_at, \
                coalesce(json_extract(a.subject_json, '$.name'), a.applicant_name) AS holder_name \
         FROM signatures s JOIN applications a ON a.registration_number = s.registration_number \
         WHERE s.code = ?1",
        &[text(code.as_str())],
    )
    .await
}
