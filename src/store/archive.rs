//! The archive (migrations/0020_archive.sql): the history of applications
//! closed long ago leaves D1 for R2. SQLite writes each application's JSON
//! line itself (`json_object` over every row of its history), so the Worker
//! only joins, compresses and stores the lines; then one statement marks
//! the applications archived — only those still at the version their line
//! was written from, so a line never misses a row — and a trigger deletes
//! their history in that same statement.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::applications::{access_log_insert, Ownership, Reader};
use super::{int, text, Db, StoreResult};

/// One application due for the archive: its line and what stays of it.
/// (A row each: D1 refuses a string or row over 2 MB, which a whole
/// batch's lines in one row could pass.)
#[derive(Debug, Deserialize)]
pub struct DueLine {
    /// `arsip/<WIB month it closed in>/<first number>-`: the run's object.
    pub key_prefix: String,
    /// `[number, version, summary]` as JSON: what [`commit`] marks.
    pub entry: String,
    /// The whole history as one JSON object.
    pub line: String,
}

/// Up to ?2 applications closed before ?1 (completed or cancelled, their
/// papers not on their way back, no message still being sent), oldest
/// first, all of the month the oldest closed in, with their lines
/// (the `archive_lines` view of migrations/0020_archive.sql).
const DUE: &str = "\
WITH picked AS MATERIALIZED ( \
    SELECT a.registration_number, a.version, strftime('%Y-%m', a.status_since, '+7 hours') AS month, \
           a.status_since \
    FROM applications a INDEXED BY applications_to_archive \
    WHERE a.archived_at IS NULL AND a.status IN ('completed', 'cancelled') AND a.status_since < ?1 \
      AND (a.papers IS NULL OR a.papers NOT IN ('returning_by_pos', 'at_counter')) \
      AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.registration_number = a.registration_number \
                      AND o.status IN ('pending', 'sending', 'retrying')) \
    ORDER BY a.status_since, a.registration_number \
    LIMIT ?2), \
oldest AS (SELECT month, registration_number FROM picked ORDER BY status_since, registration_number LIMIT 1), \
chosen AS ( \
    SELECT p.registration_number, p.version, l.line, l.summary \
    FROM picked p JOIN archive_lines l ON l.registration_number = p.registration_number \
    WHERE p.month = (SELECT month FROM oldest) \
    ORDER BY p.status_since, p.registration_number) \
SELECT (SELECT 'arsip/' || month || '/' || registration_number || '-' FROM oldest) AS key_prefix, \
       json_array(registration_number, version, summary) AS entry, line \
FROM chosen";

/// What is due now (see [`DUE`]).
pub async fn due(db: &Db, closed_before: &str, limit: u32) -> StoreResult<Vec<DueLine>> {
    db.all(DUE, &[text(closed_before), int(i64::from(limit))])
        .await
}

/// Marks the applications of `entries` (a JSON array of [`DueLine::entry`])
/// still at their line's version as
/// archived in object `key` at `now`, which removes their history (the
/// `archive_removes_the_history` trigger), in one statement; how many.
pub async fn commit(db: &Db, entries: &str, key: &str, now: &str) -> StoreResult<usize> {
    let archived: Vec<IgnoredAny> = db
        .all(
            "UPDATE applications SET archived_at = ?3, archive_key = ?2, archive_summary = j.value ->> '$[2]' \
             FROM json_each(?1) j \
             WHERE applications.registration_number = j.value ->> '$[0]' \
               AND applications.version = j.value ->> '$[1]' AND applications.archived_at IS NULL \
             RETURNING 1 AS archived",
            &[text(entries), text(key), text(now)],
        )
        .await?;
    Ok(archived.len())
}

/// Where `number` is archived, with the read written to the access log in
/// the same batch (as `archive`).
pub async fn locate(
    db: &Db,
    number: &str,
    reader: &Reader<'_>,
    now: &str,
) -> StoreResult<Option<Ownership>> {
    let batch = db
        .batch(vec![
            access_log_insert(db, number, reader, "archive", now)?,
            db.prepare(
                "SELECT village_code, archive_key FROM applications WHERE registration_number = ?1",
                &[text(number)],
            )?,
        ])
        .await?;
    batch.one(1)
}
