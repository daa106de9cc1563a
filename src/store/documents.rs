//! Uploaded requirement documents (R2 objects) and their rows. The object
//! itself lives in R2; these rows say which application and item it belongs
//! to and are the only way to reach it.

use serde::Deserialize;

use crate::store::Timestamp;

use super::{int, opt_int, text, Db, StoreResult};

/// At most this many documents per application.
pub const MAX_PER_APPLICATION: i64 = 20;

#[derive(Debug, Clone, Deserialize)]
pub struct DocumentRow {
    pub id: i64,
    pub registration_number: String,
    pub item: String,
    pub object_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub created_at: Timestamp,
    /// The application's village; only `find` reads it (for access checks).
    #[serde(default)]
    pub village_code: Option<String>,
}

pub struct NewDocument<'a> {
    pub registration_number: &'a str,
    pub item: &'a str,
    pub object_key: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub uploaded_by: Option<i64>,
    pub created_at: &'a str,
}

const COLUMNS: &str =
    "d.id, d.registration_number, d.item, d.object_key, d.filename, d.content_type,
    d.size, d.sha256, d.uploaded_by, d.created_at";

/// Params: ?1 registration number. How many documents it has.
pub async fn count(db: &Db, number: &str) -> StoreResult<i64> {
    let row: Option<super::N> = db
        .first(
            "SELECT COUNT(*) AS n FROM documents WHERE registration_number = ?1",
            &[text(number)],
        )
        .await?;
    Ok(row.map(|r| r.n).unwrap_or(0))
}

/// Inserts a document unless the application already has
/// `MAX_PER_APPLICATION` of them (checked in the same statement, so two
/// concurrent uploads cannot pass the limit together). `None` when full.
/// Params: ?1 number, ?2 item, ?3 key, ?4 filename, ?5 type, ?6 size,
/// ?7 sha256, ?8 uploaded_by, ?9 created_at, ?10 limit.
pub async fn insert(db: &Db, d: &NewDocument<'_>) -> StoreResult<Option<i64>> {
    let row: Option<super::N> = db
        .first(
            "INSERT INTO documents (registration_number, item, object_key, filename, content_type, size, \
                                    sha256, uploaded_by, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 \
             WHERE (SELECT COUNT(*) FROM documents WHERE registration_number = ?1) < ?10 \
             RETURNING id AS n",
            &[
                text(d.registration_number),
                text(d.item),
                text(d.object_key),
                text(d.filename),
                text(d.content_type),
                int(d.size),
                text(d.sha256),
                opt_int(d.uploaded_by),
                text(d.created_at),
                int(MAX_PER_APPLICATION),
            ],
        )
        .await?;
    Ok(row.map(|r| r.n))
}

/// Params: ?1 registration number. Its documents, oldest first.
pub async fn list(db: &Db, number: &str) -> StoreResult<Vec<DocumentRow>> {
    db.all(&list_sql(), &[text(number)]).await
}

/// The SQL of [`list`], also sent in [`list_with_duplicates`]' batch.
fn list_sql() -> String {
    format!("SELECT {COLUMNS} FROM documents d WHERE d.registration_number = ?1 ORDER BY d.created_at, d.id")
}

/// The documents of an application (as [`list`]) and, in the same round
/// trip, the other applications still open for the same applicant NIK and
/// subject name sharing a service: a likely duplicate the officer is warned
/// of. Uses applications_by_nik.
pub async fn list_with_duplicates(
    db: &Db,
    number: &str,
    applicant_nik: &str,
    subject_name: &str,
) -> StoreResult<(Vec<DocumentRow>, Vec<String>)> {
    #[derive(serde::Deserialize)]
    struct Number {
        registration_number: String,
    }
    let batch = db
        .batch(vec![
            db.prepare(&list_sql(), &[text(number)])?,
            db.prepare(
                "SELECT a.registration_number FROM applications a \
                 WHERE a.applicant_nik = ?2 AND a.registration_number != ?1 \
                   AND a.awaiting_role IS NOT NULL \
                   AND json_extract(a.subject_json, '$.name') = ?3 \
                   AND EXISTS (SELECT 1 FROM application_services s JOIN application_services t \
                                 ON t.service = s.service \
                               WHERE s.registration_number = a.registration_number \
                                 AND t.registration_number = ?1) \
                 ORDER BY a.created_at LIMIT 5",
                &[text(number), text(applicant_nik), text(subject_name)],
            )?,
        ])
        .await?;
    let duplicates = batch.rows::<Number>(1)?;
    Ok((
        batch.rows(0)?,
        duplicates
            .into_iter()
            .map(|n| n.registration_number)
            .collect(),
    ))
}

/// Params: ?1 document id. The document and its application's village.
pub async fn find(db: &Db, id: i64) -> StoreResult<Option<DocumentRow>> {
    let sql = format!(
        "SELECT {COLUMNS}, a.village_code FROM documents d \
         JOIN applications a ON a.registration_number = d.registration_number WHERE d.id = ?1"
    );
    db.first(&sql, &[int(id)]).await
}

/// Records that an officer opened a document, or was refused it
/// (access_log, what='document', outcome 'read' or 'refused').
/// Params: ?1 staff id, ?2 role, ?3 number, ?4 now, ?5 outcome.
pub async fn log_download(
    db: &Db,
    staff_id: i64,
    role: &str,
    number: &str,
    now: &str,
    refused: bool,
) -> StoreResult<()> {
    let outcome = if refused { "refused" } else { "read" };
    db.run(
        "INSERT INTO access_log (staff_id, actor_role, registration_number, what, created_at, outcome) \
         VALUES (?1, ?2, ?3, 'document', ?4, ?5)",
        &[int(staff_id), text(role), text(number), text(now), text(outcome)],
    )
    .await
}
